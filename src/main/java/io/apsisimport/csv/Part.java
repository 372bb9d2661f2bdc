package io.apsisimport.csv;

/**
 * One import file: {@code header.line()} followed by the bytes {@code [start, end)} of the source
 * object (an S3 ranged GET {@code bytes=start-(end-1)}).
 *
 * @param index    0-based position in the plan (the Map state's item index)
 * @param start    offset of the first byte of the part's first line in the source object
 * @param end      exclusive end offset: just after the last record's line terminator, or the end
 *                 of the object for a final record without one
 * @param firstRow 1-based data-row number of the first record (row 1 = first record after the header)
 * @param rows     number of records in the part (blank lines not counted); always at least 1
 */
public record Part(int index, long start, long end, long firstRow, long rows) {

    public Part {
        if (index < 0 || start < 0 || end <= start || firstRow < 1 || rows < 1) {
            throw new IllegalArgumentException("invalid part: index=%d start=%d end=%d firstRow=%d rows=%d"
                    .formatted(index, start, end, firstRow, rows));
        }
    }

    /** Bytes taken from the source object. */
    public long length() {
        return end - start;
    }

    /** Size of the file sent to APSIS: header line + byte range. */
    public long size(CsvHeader h) {
        return h.lineLength() + (end - start);
    }

    /** 1-based number of the part's last data row. */
    public long lastRow() {
        return firstRow + rows - 1;
    }
}
