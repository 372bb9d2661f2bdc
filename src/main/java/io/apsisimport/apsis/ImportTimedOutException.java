package io.apsisimport.apsis;

/** APSIS kept an import pending for longer than the configured import timeout. */
public final class ImportTimedOutException extends RuntimeException {
    public ImportTimedOutException(String message) {
        super(message);
    }
}
