package io.apsisimport.landing;

/**
 * The dropped object is no longer the version its S3 event announced: a newer upload replaced it
 * (that upload has an execution of its own) or it was deleted. The execution that sees this stops
 * importing: it never reads, copies or deletes bytes of another drop.
 */
public final class FileReplacedException extends RuntimeException {
  public FileReplacedException(String message) {
    super(message);
  }

  /** The message the console and the report show (issue 9: one sentence, naming the file). */
  public static FileReplacedException of(String key, boolean deleted) {
    return new FileReplacedException(deleted
        ? key + " was deleted while it was being imported"
        : key + " was replaced while it was being imported; the newer file has its own execution");
  }
}
