package io.apsisimport.csv;

/**
 * The file is UTF-8 but not a CSV file the import can use: an unterminated quoted field, a lone
 * CR line ending, duplicate or empty column names, a header line that never ends.
 */
public final class CsvMalformedException extends CsvRejectedException {

    private static final long serialVersionUID = 1L;

    private final long line;
    private final long row;
    private final long byteOffset;

    public CsvMalformedException(String message, long line, long row, long byteOffset) {
        super(message);
        this.line = line;
        this.row = row;
        this.byteOffset = byteOffset;
    }

    /** 1-based physical line where the problem starts. */
    public long line() {
        return line;
    }

    /** 1-based data row where the problem starts; 0 for the header. */
    public long row() {
        return row;
    }

    /** 0-based offset in the source object where the problem starts. */
    public long byteOffset() {
        return byteOffset;
    }
}
