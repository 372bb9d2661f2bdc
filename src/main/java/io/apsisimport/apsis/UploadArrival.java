package io.apsisimport.apsis;

import java.time.Duration;

/**
 * "Did the file arrive?": what to make of the import's status after an upload whose outcome is
 * unknown (the whole file was sent, no answer came back). APSIS's upload URL is an S3 presigned
 * POST: the file lands in APSIS's bucket, and the import leaves "waiting for a file" once APSIS has
 * noticed it there. That notice takes time (S3 to APSIS), so a "waiting for a file" right after the
 * upload proves nothing; one that lasts {@code maxWait} means the file did not arrive, and only then may
 * it be sent again. Anything but "waiting for a file" counts as arrived: APSIS has moved on, and a
 * second file must not follow (docs/state-machine.md, "An upload whose answer was lost").
 *
 * @param maxWait how long APSIS may keep saying "waiting for a file" after such an upload before the
 *     file is taken as not arrived (UPLOAD_ARRIVAL_WAIT_SECONDS)
 */
public record UploadArrival(Duration maxWait) {
    /** The template's bounds of UploadArrivalWaitSeconds. */
    public static final long MIN_WAIT_SECONDS = 5;

    public static final long MAX_WAIT_SECONDS = 3_600;
    /**
     * Checks per upload in doubt at most (then the wait counts as over): a safety net for the history
     * budget, above what the schedule needs within the longest wait (HistoryBudgetTest).
     */
    public static final int MAX_CHECKS = 20;
    /** How many times a part sends its file again after an upload in doubt, at most. */
    public static final int MAX_RESENDS = 2;
    /** The first look after the first check; each next one twice as late, at most an eighth of the wait. */
    static final long FIRST_WAIT_SECONDS = 2;

    public UploadArrival {
        if (maxWait == null || maxWait.toSeconds() < 1) {
            throw new IllegalArgumentException("the upload arrival wait must be at least one second, was " + maxWait);
        }
    }

    /** What one check concludes. */
    public enum Verdict {
        /** APSIS no longer waits for the file: it has it (or has ended the import). Send nothing more. */
        ARRIVED,
        /** Still "waiting for a file", within the wait: look again later. */
        NOT_YET,
        /** "Waiting for a file" for the whole wait (or {@link #MAX_CHECKS} checks): the file did not arrive. */
        NOT_ARRIVED
    }

    /**
     * @param status APSIS's raw status of the import
     * @param waited since the upload in doubt ended
     * @param checks checks made for it so far, this one included
     */
    public Verdict verdict(String status, Duration waited, int checks) {
        if (!ImportStatus.waitingForFile(status)) {
            return Verdict.ARRIVED;
        }
        if (waited.compareTo(maxWait) >= 0 || checks >= MAX_CHECKS) {
            return Verdict.NOT_ARRIVED;
        }
        return Verdict.NOT_YET;
    }

    /**
     * Seconds before the next check, after {@code checks} checks and {@code waited} since the upload
     * in doubt: 2, 4, 8, … (a file that arrives within seconds is noticed within seconds), at most an
     * eighth of the wait, and never past its end.
     */
    public long nextCheckSeconds(int checks, Duration waited) {
        long doubling = FIRST_WAIT_SECONDS << Math.min(Math.max(checks - 1, 0), 20);
        long cap = Math.max(FIRST_WAIT_SECONDS, (maxWait.toSeconds() + 7) / 8);
        long left = Math.max(1, maxWait.toSeconds() - Math.max(0, waited.toSeconds()));
        return Math.max(1, Math.min(Math.min(doubling, cap), left));
    }

    /**
     * How many checks an upload in doubt gets when the file never arrives: the first at once, each
     * next one {@link #nextCheckSeconds} later (Lambda run times only make checks rarer), the last the
     * one that finds the wait over.
     */
    public int checksUntilGivenUp() {
        long waited = 0;
        int checks = 1;
        while (waited < maxWait.toSeconds() && checks < MAX_CHECKS) {
            waited += nextCheckSeconds(checks, Duration.ofSeconds(waited));
            checks++;
        }
        return checks;
    }
}
