package io.apsisimport.apsis;

/** 400/422 (and other 4xx): APSIS rejected the request itself; repeating it will not help. */
public final class ApsisInvalidRequestException extends ApsisException {

    public ApsisInvalidRequestException(String message, int httpStatus, Throwable cause) {
        super(message, httpStatus, cause);
    }
}
