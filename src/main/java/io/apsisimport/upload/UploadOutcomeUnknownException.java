package io.apsisimport.upload;

/**
 * The whole upload was sent, but no answer came back (the connection dropped, the answer timed
 * out) or the answer does not rule out that S3 stored the file (500, 502, 504): the file may have
 * arrived. Not to be repeated blindly: sending it again would give the same import a second file.
 * The state machine asks APSIS first ("Did the file arrive?"). Contrast {@link UploadTransientException}:
 * the request was never complete, so S3 cannot have stored anything.
 */
public final class UploadOutcomeUnknownException extends UploadException {

    public UploadOutcomeUnknownException(String message, int httpStatus, String s3Code, Throwable cause) {
        super(message, httpStatus, s3Code, cause);
    }
}
