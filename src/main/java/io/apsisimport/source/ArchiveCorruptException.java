package io.apsisimport.source;

/**
 * The compressed data is damaged or cut short: decompression stopped at {@link #compressedOffset()}
 * (0-based, in the object as dropped). Usually an upload that was interrupted, or a file that was
 * changed after it was compressed.
 */
public final class ArchiveCorruptException extends ArchiveRejectedException {
    private static final long serialVersionUID = 1L;

    private final long compressedOffset;

    public ArchiveCorruptException(String message, long compressedOffset) {
        super(message);
        this.compressedOffset = compressedOffset;
    }

    /** Where decompression stopped, in bytes from the start of the compressed object. */
    public long compressedOffset() {
        return compressedOffset;
    }
}
