package io.apsisimport.apsis;

/**
 * A failed APSIS One call. The state machine's Retry/Catch match on the subclasses'
 * fully-qualified names. Messages carry method, path, HTTP status and a trimmed body,
 * never a token, client secret or upload signature.
 */
public abstract class ApsisException extends RuntimeException {

    private final int httpStatus;

    protected ApsisException(String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** The HTTP status APSIS answered, or -1 when there was no answer. */
    public int httpStatus() {
        return httpStatus;
    }
}
