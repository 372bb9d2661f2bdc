package io.apsisimport.upload;

/** S3 answered 5xx / 408, or the connection failed: the same ticket may be tried again while it is valid. */
public final class UploadTransientException extends UploadException {

    public UploadTransientException(String message, int httpStatus, String s3Code, Throwable cause) {
        super(message, httpStatus, s3Code, cause);
    }
}
