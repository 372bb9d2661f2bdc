package io.apsisimport.source;

/**
 * The file's name and its content disagree (a {@code .gz} that is not gzip, a {@code .csv} that is
 * compressed), or the archive uses a feature this importer does not read (an encrypted zip entry,
 * an unusual compression method).
 */
public final class ArchiveFormatException extends ArchiveRejectedException {
    private static final long serialVersionUID = 1L;

    public ArchiveFormatException(String message) {
        super(message);
    }
}
