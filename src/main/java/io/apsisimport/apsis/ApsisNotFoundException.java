package io.apsisimport.apsis;

/** 404: the section or import does not exist. */
public final class ApsisNotFoundException extends ApsisException {

    public ApsisNotFoundException(String message, int httpStatus, Throwable cause) {
        super(message, httpStatus, cause);
    }
}
