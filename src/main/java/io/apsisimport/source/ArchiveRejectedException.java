package io.apsisimport.source;

import io.apsisimport.csv.CsvRejectedException;

/**
 * A compressed file that cannot be imported as it is: corrupt or truncated, not the format its name
 * says, not exactly one CSV, or expanding beyond the limits. Like the CSV rejections, retrying
 * cannot help; the state machine reports the concrete class's name (without "Exception") as the
 * error, e.g. {@code ArchiveCorrupt}.
 *
 * <p>Messages name offsets, sizes and entry names, never file content.
 */
public abstract class ArchiveRejectedException extends CsvRejectedException {
    private static final long serialVersionUID = 1L;

    protected ArchiveRejectedException(String message) {
        super(message);
    }
}
