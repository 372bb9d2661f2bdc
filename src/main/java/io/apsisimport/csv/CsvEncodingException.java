package io.apsisimport.csv;

/**
 * The file is not UTF-8: a UTF-16/UTF-32 byte order mark, a NUL byte (UTF-16 without BOM) or an
 * invalid UTF-8 sequence. The file is rejected rather than transcoded (see docs/csv-preflight.md).
 */
public final class CsvEncodingException extends CsvRejectedException {

    private static final long serialVersionUID = 1L;

    private final long line;
    private final long row;
    private final long byteOffset;

    public CsvEncodingException(String message, long line, long row, long byteOffset) {
        super(message);
        this.line = line;
        this.row = row;
        this.byteOffset = byteOffset;
    }

    /** 1-based physical line of the file (the header is usually line 1). */
    public long line() {
        return line;
    }

    /** 1-based data row (1 = first record after the header); 0 when the problem is in the header. */
    public long row() {
        return row;
    }

    /** 0-based offset of the offending byte in the source object. */
    public long byteOffset() {
        return byteOffset;
    }
}
