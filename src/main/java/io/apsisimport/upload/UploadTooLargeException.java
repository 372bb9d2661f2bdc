package io.apsisimport.upload;

/** The file exceeds the policy's content-length-range (checked before sending, or S3's EntityTooLarge). */
public final class UploadTooLargeException extends UploadException {

    private final long contentLength;
    private final long maxAllowed;

    public UploadTooLargeException(String message, int httpStatus, long contentLength, long maxAllowed) {
        super(message, httpStatus, "EntityTooLarge", null);
        this.contentLength = contentLength;
        this.maxAllowed = maxAllowed;
    }

    public long contentLength() {
        return contentLength;
    }

    /** The largest file the upload policy allows, or -1 when unknown. */
    public long maxAllowed() {
        return maxAllowed;
    }
}
