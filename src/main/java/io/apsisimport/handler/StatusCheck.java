package io.apsisimport.handler;

import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.ImportTimedOutException;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.contract.FailStateError;
import io.apsisimport.contract.PartFailure;
import io.apsisimport.contract.StatusCheckInput;
import io.apsisimport.contract.StatusCheckOutput;
import io.apsisimport.contract.StatusCheckState;
import io.apsisimport.slots.DurationModel;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What one "Check import status" makes of APSIS's answer, touching nothing (the handler renews the
 * slot, asks APSIS and teaches the model): the outcome, when to look again ({@link PollSchedule}),
 * the state carried to the next check, the {@code failure} of an import APSIS reports failed, and,
 * for an import that completed after the upload's figures were known, how long it took. An import
 * pending longer than the timeout, or checked {@link PollSchedule#MAX_CHECKS} times, fails with
 * {@link ImportTimedOutException}.
 */
public record StatusCheck(Duration timeout, PollSchedule schedule) {

    /**
     * @param output what the check answers
     * @param estimate the estimate the upload planned on (null without one)
     * @param learnedSeconds how long the completed import took, for the account's {@link DurationModel}
     *     (as closely as the checks bracket its end); null when there is nothing to learn
     */
    public record Decision(StatusCheckOutput output, DurationModel.Estimate estimate, Double learnedSeconds) {}

    /** The decision on {@code status}, APSIS's answer at {@code now}, for the check {@code in}. */
    public Decision decide(StatusCheckInput in, ImportStatus status, Instant now) {
        StatusCheckState prev = in.previous() != null
                ? in.previous()
                : new StatusCheckState(in.checks(), null, null, null, null, null, null, null, null, null);
        int checks = (prev.checks() == null ? 0 : prev.checks()) + 1;
        Duration age =
                in.requestedAt() == null ? Duration.ZERO : Duration.between(Instant.parse(in.requestedAt()), now);
        Instant uploadedAt = prev.uploadedAt() == null ? null : Instant.parse(prev.uploadedAt());
        Duration sinceUpload = uploadedAt == null ? age : Duration.between(uploadedAt, now);
        DurationModel.Estimate estimate = prev.estimateSeconds() != null
                        && prev.spread() != null
                        && prev.estimateSeconds() > 0
                        && prev.spread() > 0
                ? new DurationModel.Estimate(prev.estimateSeconds(), prev.spread())
                : null;
        int early = prev.earlyChecks() == null ? 0 : prev.earlyChecks();
        long next = schedule.nextCheckSeconds(age);
        Double pendingAt = prev.pendingAt();
        if (status.outcome() == Outcome.PENDING) {
            if (age.compareTo(timeout) > 0) {
                throw new ImportTimedOutException("APSIS import " + in.importId() + " for " + in.key() + " is still \""
                        + status.status() + "\" after " + timeout.toMinutes() + " minutes (IMPORT_TIMEOUT_SECONDS)");
            }
            if (checks >= PollSchedule.MAX_CHECKS) {
                throw new ImportTimedOutException(
                        "APSIS import " + in.importId() + " for " + in.key() + " is still \"" + status.status()
                                + "\" after " + checks + " status checks (the most a part's execution makes)");
            }
            long lastWait =
                    prev.nextCheckSeconds() == null ? schedule.interval().toSeconds() : prev.nextCheckSeconds();
            PollSchedule.Wait wait =
                    schedule.next(age, sinceUpload, queued(status.status()), estimate, early, lastWait);
            next = wait.seconds();
            early += wait.early() ? 1 : 0;
            pendingAt = sinceUpload.toMillis() / 1000.0;
        }
        Double learned = null;
        if (status.outcome() == Outcome.COMPLETED
                && uploadedAt != null
                && prev.rows() != null
                && prev.bytes() != null) {
            // The import ended between the last check that found it pending and this one.
            double by = sinceUpload.toMillis() / 1000.0;
            learned = DurationModel.observed(prev.pendingAt() == null ? 0 : prev.pendingAt(), by, estimate);
        }
        FailStateError failure = status.outcome() == Outcome.FAILED ? failure(in, status) : null;
        var output = new StatusCheckOutput(
                status.outcome().name(),
                status.status(),
                status.profilesFound(),
                status.profilesProcessed(),
                status.profilesFailed(),
                now.toString(),
                checks,
                next,
                failure,
                prev.uploadedAt(),
                prev.rows(),
                prev.bytes(),
                prev.elapsedMillis(),
                early,
                prev.estimateSeconds(),
                prev.spread(),
                pendingAt);
        return new Decision(output, estimate, learned);
    }

    /** APSIS has not started the import yet (the article's "queued" and "waiting for a file"). */
    static boolean queued(String status) {
        String s = status == null ? "" : status.toLowerCase(Locale.ROOT);
        return s.contains("queued") || s.startsWith("waiting");
    }

    /** What "APSIS did not import the part" ends the part's execution with. */
    static FailStateError failure(StatusCheckInput in, ImportStatus status) {
        String message = "APSIS import " + in.importId() + " for " + in.key() + " ended \"" + status.status() + "\""
                + (status.profilesFound() == null
                        ? ""
                        : " (" + status.profilesFound() + " profiles found, " + status.profilesProcessed()
                                + " processed, " + status.profilesFailed() + " failed)");
        var cause = new PartFailure(
                message,
                "ImportFailed",
                "Check import status",
                in.part() + 1,
                in.partCount(),
                in.importId(),
                status.status(),
                status.profilesFound(),
                status.profilesProcessed(),
                status.profilesFailed());
        return new FailStateError("ImportFailed", cause.toCause());
    }
}
