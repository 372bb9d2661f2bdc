package io.apsisimport.upload;

/**
 * A failed presigned-POST upload. The state machine matches on the subclasses' names.
 * Messages never contain the policy, signature or credential values of the ticket.
 */
public abstract class UploadException extends RuntimeException {

    private final int httpStatus;
    private final String s3Code;

    protected UploadException(String message, int httpStatus, String s3Code, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.s3Code = s3Code;
    }

    /** The HTTP status of the upload answer, or -1 when there was none (checked before sending, I/O failure). */
    public int httpStatus() {
        return httpStatus;
    }

    /** S3's error code ({@code AccessDenied}, {@code EntityTooLarge}, …) or null. */
    public String s3Code() {
        return s3Code;
    }
}
