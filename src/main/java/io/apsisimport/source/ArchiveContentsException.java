package io.apsisimport.source;

import java.util.List;

/** A zip that does not hold exactly one CSV file; the message lists what it holds. */
public final class ArchiveContentsException extends ArchiveRejectedException {
    private static final long serialVersionUID = 1L;

    private final List<String> entries;

    public ArchiveContentsException(String message, List<String> entries) {
        super(message);
        this.entries = List.copyOf(entries);
    }

    /** The archive's file entries by name (directories and macOS metadata left out), possibly cut short. */
    public List<String> entries() {
        return entries;
    }
}
