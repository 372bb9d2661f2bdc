package io.apsisimport.upload;

/** The ticket's upload URL has expired (checked before sending, or S3's "Policy expired"): request a new import. */
public final class UploadUrlExpiredException extends UploadException {

    public UploadUrlExpiredException(String message, int httpStatus, String s3Code, Throwable cause) {
        super(message, httpStatus, s3Code, cause);
    }
}
