package io.apsisimport.landing;

/**
 * The file is larger than this stack imports (see {@link Limits}): checked by "Resolve route and
 * check the file" before any import is requested. Retrying cannot help.
 */
public final class FileTooLargeException extends RuntimeException {
    public FileTooLargeException(String message) {
        super(message);
    }
}
