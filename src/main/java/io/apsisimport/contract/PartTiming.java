package io.apsisimport.contract;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * When an imported part waited, was requested, uploaded and finished, as its execution's "Part
 * imported" collects them from its state (AcquireSlot's {@code slot}, RequestImport's
 * {@code import}, UploadPart's {@code upload}, CheckImportStatus's {@code status}): what the file's
 * metrics are computed from ({@link ImportMetrics#file}). Every field may be missing (an execution started
 * by an older definition); each duration is then left out.
 *
 * @param slotWaitingSince the part's first ask for an import slot
 * @param slotAcquiredAt when it got one
 * @param requestedAt when the import was requested (the last RequestImport invocation)
 * @param finishedAt the status check that saw APSIS's terminal status
 * @param uploadBytes bytes sent to APSIS (header and the part's records)
 * @param uploadMillis how long sending them took
 */
public record PartTiming(
        String slotWaitingSince,
        String slotAcquiredAt,
        String requestedAt,
        String finishedAt,
        Long uploadBytes,
        Long uploadMillis) {

    /** Time spent waiting for an import slot. */
    public Optional<Duration> slotWait() {
        return between(slotWaitingSince, slotAcquiredAt);
    }

    /** From the import request to the status check that saw it end: APSIS's processing time, as polled. */
    public Optional<Duration> importDuration() {
        return between(requestedAt, finishedAt);
    }

    /** Bytes per second of the upload (none for an upload that took no measurable time). */
    public Optional<Double> uploadBytesPerSecond() {
        if (uploadBytes == null || uploadMillis == null || uploadMillis <= 0 || uploadBytes < 0) {
            return Optional.empty();
        }
        return Optional.of(uploadBytes * 1000.0 / uploadMillis);
    }

    private static Optional<Duration> between(String from, String to) {
        if (from == null || to == null) {
            return Optional.empty();
        }
        try {
            Duration d = Duration.between(Instant.parse(from), Instant.parse(to));
            return Optional.of(d.isNegative() ? Duration.ZERO : d); // clocks of two invocations may disagree a little
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
