package io.apsisimport.contract;

/**
 * What "Upload file" answers. {@code bytes}, {@code elapsedMillis}: the upload; {@code attempt}:
 * which upload attempt of the part delivered the file (0: an earlier invocation did). The rest
 * starts the state the status checks carry ({@link StatusCheckInput#previous}): when the file was
 * uploaded, the part's rows, no check yet, the wait before the first ("Wait before checking import
 * status" reads {@code nextCheckSeconds}), and the estimate it was planned on (null: none yet).
 */
public record UploadPartOutput(
        long bytes,
        long elapsedMillis,
        int attempt,
        String uploadedAt,
        long rows,
        int checks,
        long nextCheckSeconds,
        int earlyChecks,
        Double estimateSeconds,
        Double spread) {
    /** An upload delivered by the first attempt. */
    public UploadPartOutput(
            long bytes,
            long elapsedMillis,
            String uploadedAt,
            long rows,
            int checks,
            long nextCheckSeconds,
            int earlyChecks,
            Double estimateSeconds,
            Double spread) {
        this(bytes, elapsedMillis, 1, uploadedAt, rows, checks, nextCheckSeconds, earlyChecks, estimateSeconds, spread);
    }
}
