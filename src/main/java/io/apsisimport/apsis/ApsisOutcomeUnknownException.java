package io.apsisimport.apsis;

/** An import request that may have been created at APSIS (timed out after the body was sent, connection lost, 500/502/504). Never retried: a blind repeat could start a second import of the same file. */
public final class ApsisOutcomeUnknownException extends ApsisException {

    public ApsisOutcomeUnknownException(String message, int httpStatus, Throwable cause) {
        super(message, httpStatus, cause);
    }
}
