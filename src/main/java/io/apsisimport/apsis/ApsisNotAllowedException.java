package io.apsisimport.apsis;

/** 403 after one token refresh: the credentials may not do this (keyspace permission, attribute or tag not writable, section). */
public final class ApsisNotAllowedException extends ApsisException {

    public ApsisNotAllowedException(String message, int httpStatus, Throwable cause) {
        super(message, httpStatus, cause);
    }
}
