package io.apsisimport.apsis;

/** The token endpoint rejected the client credentials (or answered something that is not a token). */
public final class ApsisAuthenticationException extends ApsisException {

    public ApsisAuthenticationException(String message, int httpStatus, Throwable cause) {
        super(message, httpStatus, cause);
    }
}
