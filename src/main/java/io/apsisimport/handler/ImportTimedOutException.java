package io.apsisimport.handler;

/** APSIS kept an import pending for longer than the configured import timeout. */
public final class ImportTimedOutException extends RuntimeException {
  public ImportTimedOutException(String message) {
    super(message);
  }
}
