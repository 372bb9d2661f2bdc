package io.apsisimport.apsis;

/** 5xx, connection errors or timeouts that persisted through the in-client retries, on a call that is safe to repeat later. */
public final class ApsisTransientException extends ApsisException {

    public ApsisTransientException(String message, int httpStatus, Throwable cause) {
        super(message, httpStatus, cause);
    }
}
