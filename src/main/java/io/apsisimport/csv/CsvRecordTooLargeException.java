package io.apsisimport.csv;

/**
 * One record (plus the header line every part repeats) is larger than the part limit, so no
 * byte-range cut can import it. Row 0 means the header line alone leaves no room for data.
 */
public final class CsvRecordTooLargeException extends CsvRejectedException {

    private static final long serialVersionUID = 1L;

    private final long row;
    private final long line;
    private final long size;
    private final long maxPartBytes;

    public CsvRecordTooLargeException(String message, long row, long line, long size, long maxPartBytes) {
        super(message);
        this.row = row;
        this.line = line;
        this.size = size;
        this.maxPartBytes = maxPartBytes;
    }

    /** 1-based data row of the record; 0 for the header line. */
    public long row() {
        return row;
    }

    /** 1-based physical line where the record starts. */
    public long line() {
        return line;
    }

    /**
     * Size in bytes of header line + record (a lower bound when the scan stopped before the
     * record ended).
     */
    public long size() {
        return size;
    }

    public long maxPartBytes() {
        return maxPartBytes;
    }
}
