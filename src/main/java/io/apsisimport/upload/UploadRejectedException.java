package io.apsisimport.upload;

/** S3 refused the upload (4xx) for a reason repeating will not fix: tampered field, signature mismatch, … */
public final class UploadRejectedException extends UploadException {

    public UploadRejectedException(String message, int httpStatus, String s3Code, Throwable cause) {
        super(message, httpStatus, s3Code, cause);
    }
}
