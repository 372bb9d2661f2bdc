package io.apsisimport.source;

/**
 * The file expands beyond a limit ({@code MaxDecompressedBytes}, or {@code MaxCompressionRatio}
 * times its compressed size): refused as a likely zip bomb, before anything is imported.
 */
public final class ArchiveTooLargeException extends ArchiveRejectedException {
    private static final long serialVersionUID = 1L;

    public ArchiveTooLargeException(String message) {
        super(message);
    }
}
