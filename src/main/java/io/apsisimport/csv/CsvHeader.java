package io.apsisimport.csv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The header line of a CSV file.
 *
 * @param columns   column names in file order, surrounding quotes removed and doubled quotes
 *                  undone (RFC 4180); spaces are kept, since APSIS matches the names as written
 * @param delimiter {@code ,} {@code ;} {@code \t} or {@code |}
 * @param bomLength 3 when the file starts with a UTF-8 BOM, else 0
 * @param line      the raw header line without BOM, with its line terminator ({@code \n} or
 *                  {@code \r\n}) as in the file; a header-only file without a final newline has
 *                  none (no part is then planned, so it is never sent)
 */
public record CsvHeader(List<String> columns, char delimiter, int bomLength, byte[] line) {

    public CsvHeader {
        columns = List.copyOf(columns);
        line = Objects.requireNonNull(line, "line").clone();
    }

    /** A copy of the raw header line bytes (the prefix of every part). */
    @Override
    public byte[] line() {
        return line.clone();
    }

    /** Length of {@link #line()} without copying it. */
    public int lineLength() {
        return line.length;
    }

    /** The header line decoded as UTF-8 (it was validated by the scan). */
    public String lineText() {
        return new String(line, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CsvHeader h
                && delimiter == h.delimiter
                && bomLength == h.bomLength
                && columns.equals(h.columns)
                && Arrays.equals(line, h.line);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * columns.hashCode() + delimiter) + bomLength) + Arrays.hashCode(line);
    }

    @Override
    public String toString() {
        return "CsvHeader[columns=" + columns + ", delimiter=" + CsvMissingColumnsException.delimiterName(delimiter)
                + ", bomLength=" + bomLength + ", line=" + line.length + " bytes]";
    }
}
