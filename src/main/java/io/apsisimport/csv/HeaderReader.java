package io.apsisimport.csv;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The start of a CSV file, before the record loop: the byte order mark, the header line (the first
 * line that is not blank: its delimiter, its column names, UTF-8) and the required columns. The
 * only place where bytes are decoded to characters. Used once per scan.
 */
final class HeaderReader {

    private final ScanInput input;
    private long line = 1; // 1-based physical line of the next byte

    HeaderReader(ScanInput input) {
        this.input = input;
    }

    /** The physical line of the next byte: after {@link #read}, the first line of the data. */
    long line() {
        return line;
    }

    /**
     * The length of the UTF-8 byte order mark at the start of {@code b[0..n)}: 3, or 0 when there is
     * none. {@code n} is at least 4 unless the file is shorter.
     *
     * @throws CsvEncodingException when the file starts with a UTF-16 or UTF-32 byte order mark
     */
    static int bomLength(byte[] b, int n) {
        int b0 = n > 0 ? b[0] & 0xff : -1, b1 = n > 1 ? b[1] & 0xff : -1;
        int b2 = n > 2 ? b[2] & 0xff : -1, b3 = n > 3 ? b[3] & 0xff : -1;
        if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) {
            return 3;
        }
        String found = null;
        if (b0 == 0x00 && b1 == 0x00 && b2 == 0xFE && b3 == 0xFF) {
            found = "UTF-32 BE";
        } else if (b0 == 0xFF && b1 == 0xFE && b2 == 0x00 && b3 == 0x00) {
            found = "UTF-32 LE";
        } else if (b0 == 0xFE && b1 == 0xFF) {
            found = "UTF-16 BE";
        } else if (b0 == 0xFF && b1 == 0xFE) {
            found = "UTF-16 LE";
        }
        if (found != null) {
            throw ScanErrors.otherEncoding(found);
        }
        return 0;
    }

    /**
     * The first line that is not blank (only spaces/tabs), read from the input's cursor; null when
     * there is none. Quotes toggle: the delimiter is not known yet, and a header has no business
     * quoting halfway.
     *
     * @param bom the length of the byte order mark before the cursor
     */
    CsvHeader read(int bom) throws IOException {
        var bytes = new ByteArrayOutputStream(256);
        while (true) {
            long lineStart = input.base + input.pos;
            long headerLine = line;
            bytes.reset();
            boolean inQuotes = false, blank = true, terminated = false;
            int commas = 0, semicolons = 0, tabs = 0, pipes = 0;
            int c;
            while ((c = input.next()) >= 0) {
                long off = input.base + input.pos - 1;
                if (c == 0) {
                    throw ScanErrors.nulByte(line, 0, off);
                }
                bytes.write(c);
                if (bytes.size() > CsvScanner.MAX_HEADER_BYTES) {
                    throw ScanErrors.headerTooLong(headerLine, lineStart, inQuotes);
                }
                if (c == '"') {
                    inQuotes = !inQuotes;
                    blank = false;
                } else if (c == '\n') {
                    line++;
                    if (!inQuotes) {
                        terminated = true;
                        break;
                    }
                } else if (c == '\r') {
                    if (!inQuotes) {
                        if (input.peek() != '\n') {
                            throw ScanErrors.loneCr(line, 0, off);
                        }
                        bytes.write(input.next());
                        line++;
                        terminated = true;
                        break;
                    }
                } else if (c != ' ' && c != '\t') {
                    blank = false;
                    if (!inQuotes) {
                        switch (c) {
                            case ',' -> commas++;
                            case ';' -> semicolons++;
                            case '|' -> pipes++;
                            default -> {}
                        }
                    }
                } else if (c == '\t' && !inQuotes) {
                    tabs++;
                }
            }
            if (blank) {
                if (!terminated) {
                    return null;
                }
                continue;
            }
            if (inQuotes) {
                throw ScanErrors.headerQuoteUnterminated(headerLine, lineStart);
            }
            byte[] raw = bytes.toByteArray();
            // messages name the line the header starts on
            new Utf8Validator(new Utf8Validator.At(headerLine, 0)).validate(raw, lineStart);
            char delimiter = delimiter(commas, semicolons, tabs, pipes);
            int end = raw.length;
            if (terminated) {
                end -= (end >= 2 && raw[end - 2] == '\r') ? 2 : 1;
            }
            List<String> columns =
                    columns(new String(raw, 0, end, StandardCharsets.UTF_8), delimiter, headerLine, lineStart);
            return new CsvHeader(columns, delimiter, bom, raw);
        }
    }

    /** The most frequent of the four delimiters outside quotes; a comma on a tie or when there is none. */
    static char delimiter(int commas, int semicolons, int tabs, int pipes) {
        int max = Math.max(Math.max(commas, semicolons), Math.max(tabs, pipes));
        int winners =
                (commas == max ? 1 : 0) + (semicolons == max ? 1 : 0) + (tabs == max ? 1 : 0) + (pipes == max ? 1 : 0);
        if (max == 0 || winners > 1 || commas == max) {
            return ',';
        }
        return semicolons == max ? ';' : tabs == max ? '\t' : '|';
    }

    /** The column names of the header line {@code s} (without terminator): each named, none twice. */
    static List<String> columns(String s, char d, long headerLine, long offset) {
        var cols = new ArrayList<String>();
        var f = new StringBuilder();
        int i = 0, len = s.length();
        while (true) {
            f.setLength(0);
            if (i < len && s.charAt(i) == '"') {
                i++;
                while (i < len) {
                    char ch = s.charAt(i++);
                    if (ch != '"') {
                        f.append(ch);
                    } else if (i < len && s.charAt(i) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        break;
                    }
                }
            }
            while (i < len && s.charAt(i) != d) {
                f.append(s.charAt(i++));
            }
            cols.add(f.toString());
            if (i >= len) {
                break;
            }
            i++;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int k = 0; k < cols.size(); k++) {
            String name = cols.get(k);
            if (name.isEmpty()) {
                throw ScanErrors.unnamedColumn(k, cols, headerLine, offset);
            }
            Integer before = seen.putIfAbsent(name, k + 1);
            if (before != null) {
                throw ScanErrors.duplicateColumn(name, before, k + 1, headerLine, offset);
            }
        }
        return cols;
    }

    /** @throws CsvMissingColumnsException when the header lacks one of {@code required} */
    static void checkRequired(CsvHeader header, Collection<String> required) {
        var missing = new LinkedHashSet<String>();
        for (String c : required) {
            if (!header.columns().contains(c)) {
                missing.add(c);
            }
        }
        if (!missing.isEmpty()) {
            throw new CsvMissingColumnsException(missing, header.columns(), header.delimiter());
        }
    }
}
