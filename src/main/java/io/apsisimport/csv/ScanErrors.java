package io.apsisimport.csv;

import java.util.List;

/**
 * The messages of the scan's rejections, in one place: each names the row (or the header), the
 * physical line and the byte offset, and says what to do; none quotes a field value. The positions
 * come from the caller: {@code row} is the 1-based data row, 0 for the header.
 */
final class ScanErrors {

    static final String REEXPORT = "Re-export the file as UTF-8 (in Excel: Save As > 'CSV UTF-8').";

    private ScanErrors() {}

    private static String where(long line, long row, long offset) {
        return row == 0
                ? "in the header (line " + line + ", byte offset " + offset + ")"
                : "at row " + row + " (line " + line + ", byte offset " + offset + ")";
    }

    // ---------------------------------------------------------------- encoding

    /** The file starts with the byte order mark of {@code encoding} (UTF-16 or UTF-32). */
    static CsvEncodingException otherEncoding(String encoding) {
        return new CsvEncodingException(
                "The file starts with a " + encoding + " byte order mark: it is " + encoding
                        + ", not UTF-8 (line 1, byte offset 0). " + REEXPORT,
                1,
                0,
                0);
    }

    /**
     * @param lead the sequence's first byte
     * @param bad  the byte that broke it, or -1 (the lead itself is invalid, or the file ended)
     */
    static CsvEncodingException invalidUtf8(long line, long row, long offset, int lead, int bad) {
        boolean single = bad < 0x80 || bad > 0xBF; // an isolated high byte, as legacy 8-bit encodings write them
        String what = bad < 0
                ? "byte 0x%02X".formatted(lead)
                        + (lead >= 0xC2 && lead <= 0xF4 ? " is cut off" : " cannot start a character")
                : "bytes 0x%02X 0x%02X".formatted(lead, bad) + " do not form a character";
        String hint = single
                ? " This looks like Windows-1252/ISO-8859-1 (Latin-1), where a letter such as 'é' is a single byte."
                : " The bytes are an overlong or surrogate encoding.";
        return new CsvEncodingException(
                "The file is not valid UTF-8 " + where(line, row, offset) + ": " + what + "." + hint + " " + REEXPORT,
                line,
                row,
                offset);
    }

    static CsvEncodingException nulByte(long line, long row, long offset) {
        return new CsvEncodingException(
                "NUL byte " + where(line, row, offset)
                        + ": the file is binary or UTF-16 without a byte order mark, not UTF-8. " + REEXPORT,
                line,
                row,
                offset);
    }

    // ---------------------------------------------------------------- structure

    static CsvMalformedException loneCr(long line, long row, long offset) {
        return new CsvMalformedException(
                "A line ends with a carriage return (CR) not followed by a line feed " + where(line, row, offset)
                        + ": classic Mac line endings are not supported. Re-export the file with LF or CRLF line endings.",
                line,
                row,
                offset);
    }

    static CsvMalformedException headerTooLong(long headerLine, long lineStart, boolean inQuotes) {
        return new CsvMalformedException(
                "The header line (line " + headerLine + ") is longer than "
                        + CsvScanner.MAX_HEADER_BYTES + " bytes without ending: this does not look like a CSV file"
                        + (inQuotes ? " (a quote opened in the header never closes)" : "") + ".",
                headerLine,
                0,
                lineStart);
    }

    static CsvMalformedException headerQuoteUnterminated(long headerLine, long lineStart) {
        return new CsvMalformedException(
                "Unterminated quote in the header (line " + headerLine + ", byte offset " + lineStart
                        + "): a quote opens a column name and never closes.",
                headerLine,
                0,
                lineStart);
    }

    /** Column {@code k} (0-based) of {@code cols} has an empty name. */
    static CsvMalformedException unnamedColumn(int k, List<String> cols, long headerLine, long offset) {
        return new CsvMalformedException(
                "Column " + (k + 1) + " of " + cols.size()
                        + " in the header (line " + headerLine + ") has no name"
                        + (k == cols.size() - 1 ? " (a delimiter at the end of the header line?)" : "")
                        + "; columns: " + cols + ".",
                headerLine,
                0,
                offset);
    }

    /** {@code name} is column {@code first} and column {@code second} (1-based). */
    static CsvMalformedException duplicateColumn(String name, int first, int second, long headerLine, long offset) {
        return new CsvMalformedException(
                "Column name '" + name + "' appears twice in the header (line " + headerLine + ", columns " + first
                        + " and " + second + "): each column needs a unique name.",
                headerLine,
                0,
                offset);
    }

    static CsvMalformedException quoteUnterminated(long quoteRow, long quoteLine, long quoteOffset) {
        return new CsvMalformedException(
                "Unterminated quoted field: the quote opened at row " + quoteRow + " (line " + quoteLine
                        + ", byte offset " + quoteOffset + ") never closes before the end of the file.",
                quoteLine,
                quoteRow,
                quoteOffset);
    }

    // ---------------------------------------------------------------- size

    /**
     * A record that does not fit in a part with the header line.
     *
     * @param size      header line + record bytes (so far, when {@code atLeast})
     * @param atLeast   the record has not ended yet: it is at least this large
     * @param quoteOpen a quoted field opened in this record is still open: the hint names it
     */
    static CsvRecordTooLargeException recordTooLarge(
            long row,
            long recordLine,
            long size,
            boolean atLeast,
            long headerLen,
            long max,
            boolean quoteOpen,
            long quoteLine,
            long quoteOffset) {
        if (headerLen >= max) {
            String msg = "The header line alone (" + headerLen
                    + " bytes) leaves no room for data within the part limit of " + max + " bytes.";
            return new CsvRecordTooLargeException(msg, 0, 1, headerLen, max);
        }
        String msg = "Row " + row + " (line " + recordLine + ") is too large to import: header line " + headerLen
                + " bytes + record " + (atLeast ? "at least " : "") + (size - headerLen) + " bytes = "
                + (atLeast ? "at least " : "") + size + " bytes, over the part limit of " + max
                + " bytes; a record cannot be split across parts.";
        if (quoteOpen) {
            msg += " A quoted field opened at line " + quoteLine + " (byte offset " + quoteOffset
                    + ") is still open: an unbalanced quote?";
        }
        return new CsvRecordTooLargeException(msg, row, recordLine, size, max);
    }
}
