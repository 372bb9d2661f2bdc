package io.apsisimport.contract;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What "Check import status" and "Did the file arrive?" answer. {@code nextCheckSeconds}: the wait
 * before the next check ("Wait before checking import status" reads it); {@code failure}: only when
 * APSIS reported the import failed; {@code uploadedAt} to {@code pendingAt}: carried to the next
 * check ({@link StatusCheckState}); {@code bytes} and {@code elapsedMillis}, the upload's figures,
 * are always written (null after an upload whose answer was lost), as "Part imported" reads them
 * for the part's timing. For "Did the file arrive?" also {@code arrived} (APSIS no longer waits for
 * the file), {@code resend} (it waited the whole UPLOAD_ARRIVAL_WAIT_SECONDS: send the file again)
 * and {@code since}; there {@code checks} and {@code nextCheckSeconds} count and time the arrival
 * checks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusCheckOutput(
        String outcome,
        String status,
        Long profilesFound,
        Long profilesProcessed,
        Long profilesFailed,
        String checkedAt,
        int checks,
        long nextCheckSeconds,
        FailStateError failure,
        String uploadedAt,
        Long rows,
        @JsonInclude(JsonInclude.Include.ALWAYS) Long bytes,
        @JsonInclude(JsonInclude.Include.ALWAYS) Long elapsedMillis,
        Integer earlyChecks,
        Double estimateSeconds,
        Double spread,
        Double pendingAt,
        Boolean arrived,
        Boolean resend,
        String since) {
    /** A status check's answer. */
    public StatusCheckOutput(
            String outcome,
            String status,
            Long profilesFound,
            Long profilesProcessed,
            Long profilesFailed,
            String checkedAt,
            int checks,
            long nextCheckSeconds,
            FailStateError failure,
            String uploadedAt,
            Long rows,
            Long bytes,
            Long elapsedMillis,
            Integer earlyChecks,
            Double estimateSeconds,
            Double spread,
            Double pendingAt) {
        this(
                outcome,
                status,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                checkedAt,
                checks,
                nextCheckSeconds,
                failure,
                uploadedAt,
                rows,
                bytes,
                elapsedMillis,
                earlyChecks,
                estimateSeconds,
                spread,
                pendingAt,
                null,
                null,
                null);
    }

    /** An arrival check's answer. */
    public StatusCheckOutput(
            String outcome,
            String status,
            Long profilesFound,
            Long profilesProcessed,
            Long profilesFailed,
            String checkedAt,
            int checks,
            long nextCheckSeconds,
            FailStateError failure,
            Boolean arrived,
            Boolean resend,
            String since) {
        this(
                outcome,
                status,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                checkedAt,
                checks,
                nextCheckSeconds,
                failure,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                arrived,
                resend,
                since);
    }
}
