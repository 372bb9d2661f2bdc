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
        // Without bucket versioning a key that is gone cannot tell "deleted" from "replaced, and the newer
        // file already archived by its own execution".
        return new FileReplacedException(
                deleted
                        ? key
                                + " was replaced or deleted while it was being imported; a newer file, if one was dropped, has its own"
                                + " execution"
                        : key + " was replaced while it was being imported; the newer file has its own execution");
    }
}
