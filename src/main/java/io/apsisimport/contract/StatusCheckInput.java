package io.apsisimport.contract;

/**
 * What "Check import status" and "Did the file arrive?" receive ({@code CheckImportStatusHandler}).
 * {@code executionArn}: the part's execution (the slot's owner); {@code previous}: what the last
 * check (or, before the first, the upload) answered ({@code $.status}); {@code checks}: how many
 * checks this part has made so far, from executions started before {@code previous} was passed;
 * {@code arrival}: only for "Did the file arrive?".
 */
public record StatusCheckInput(
        String executionArn,
        String key,
        int part,
        Integer partCount,
        String section,
        String importId,
        String requestedAt,
        Integer checks,
        StatusCheckState previous,
        ArrivalCheckState arrival) {
    public StatusCheckInput(
            String executionArn,
            String key,
            int part,
            Integer partCount,
            String section,
            String importId,
            String requestedAt,
            Integer checks,
            StatusCheckState previous) {
        this(executionArn, key, part, partCount, section, importId, requestedAt, checks, previous, null);
    }

    public StatusCheckInput(
            String executionArn,
            String key,
            int part,
            Integer partCount,
            String section,
            String importId,
            String requestedAt,
            Integer checks,
            ArrivalCheckState arrival) {
        this(executionArn, key, part, partCount, section, importId, requestedAt, checks, null, arrival);
    }

    public StatusCheckInput(
            String executionArn,
            String key,
            int part,
            Integer partCount,
            String section,
            String importId,
            String requestedAt,
            Integer checks) {
        this(executionArn, key, part, partCount, section, importId, requestedAt, checks, null, null);
    }
}
