package io.apsisimport.contract;

/**
 * The state the checks of one import carry from one to the next (the fields of
 * {@link StatusCheckOutput} and {@link UploadPartOutput} that "Check import status"
 * reads; every one may be absent). {@code pendingAt}: seconds after the upload when a check last
 * found the import pending.
 */
public record StatusCheckState(
        Integer checks,
        Long nextCheckSeconds,
        String uploadedAt,
        Long rows,
        Long bytes,
        Long elapsedMillis,
        Integer earlyChecks,
        Double estimateSeconds,
        Double spread,
        Double pendingAt) {}
