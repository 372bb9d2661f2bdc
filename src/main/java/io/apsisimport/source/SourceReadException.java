package io.apsisimport.source;

import java.io.IOException;

/**
 * Reading the dropped object failed (S3, the network): not a fault of the file's content, and
 * worth a retry. Readers of compressed data wrap their source's failures in it so that their own
 * complaints about the data ({@link ArchiveCorruptException}) are never confused with it.
 */
public final class SourceReadException extends IOException {
    private static final long serialVersionUID = 1L;

    public SourceReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
