package io.apsisimport.upload;

/**
 * The upload did not get through, and S3 cannot have stored the file: the connection failed before
 * the whole request was sent (S3 acts on a POST only once it has its whole Content-Length), the
 * source failed mid-way, or S3 refused it unread (503 / SlowDown, 408 / RequestTimeout). The same
 * ticket may be tried again while it is valid. Contrast {@link UploadOutcomeUnknownException}.
 */
public final class UploadTransientException extends UploadException {

    public UploadTransientException(String message, int httpStatus, String s3Code, Throwable cause) {
        super(message, httpStatus, s3Code, cause);
    }
}
