package io.apsisimport.csv;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

        /**
 * Preflight and part planning in one streaming pass over the bytes of a CSV file.
 *
 * <p>Checks that the file is UTF-8 (BOM optional), reads the header (delimiter, column names),
 * checks the required columns, then runs an RFC 4180 state machine over the data bytes, validating
 * UTF-8 on the fly and cutting greedy parts at record boundaries. Memory is one buffer, whatever
 * the file size; the bytes are never decoded to characters except for the header line.
 *
 * <p>See docs/csv-preflight.md for the policies (blank lines, lone CR, encodings).
 */
public final class CsvScanner {

    static final int DEFAULT_BUFFER_SIZE = 1 << 20;
    /** A header line longer than this is not a CSV header (likely a binary or a CR-only file). */
    static final int MAX_HEADER_BYTES = 1 << 20;

    private CsvScanner() {
    }

    /**
     * Reads {@code in} to its end once. The stream is not closed.
     *
     * @throws CsvRejectedException when the file cannot be imported as it is
     * @throws IOException          when reading fails
     */
    public static ScanResult scan(InputStream in, ScanOptions options) throws IOException {
        return scan(in, options, DEFAULT_BUFFER_SIZE);
    }

    /**
     * As {@link #scan(InputStream, ScanOptions)}, telling {@code headerRead} the header as soon as it
     * is read (before the required columns are checked): a dry run reports the columns also of a file
     * whose data fails a check later.
     */
    public static ScanResult scan(InputStream in, ScanOptions options, Consumer<CsvHeader> headerRead) throws IOException {
        Objects.requireNonNull(headerRead, "headerRead");
        return scan(in, options, DEFAULT_BUFFER_SIZE, headerRead);
    }

    /** As {@link #scan(InputStream, ScanOptions)} with a given buffer size (tests use tiny ones). */
    static ScanResult scan(InputStream in, ScanOptions options, int bufferSize) throws IOException {
        return scan(in, options, bufferSize, h -> { });
    }

    private static ScanResult scan(InputStream in, ScanOptions options, int bufferSize, Consumer<CsvHeader> headerRead)
            throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(options, "options");
        if (bufferSize < 4) {
            throw new IllegalArgumentException("bufferSize must be at least 4: " + bufferSize);
        }
        return new Scan(in, options, new byte[bufferSize], headerRead).run();
    }

    /** One scan's state; not thread-safe, used once. */
    private static final class Scan {

        // byte classes outside quotes
        private static final byte PLAIN = 0, QUOTE = 1, LF = 2, CR = 3, HIGH = 4, NUL = 5;
        // parser states
        private static final int UNQUOTED = 0, QUOTED = 1, QUOTE_IN_QUOTED = 2, AFTER_CR = 3;

        private final InputStream in;
        private final ScanOptions options;
        private final byte[] buf;
        private final Consumer<CsvHeader> headerRead;
        private final byte[] cls = new byte[256];

        private int n;          // valid bytes in buf
        private int pos;        // read cursor of the header phase
        private long base;      // offset of buf[0] in the source object
        private boolean eof;

        private long line = 1;  // 1-based physical line of the next byte
        private boolean inHeader = true;

        private int state = UNQUOTED;
        private byte delim;
        private byte lastByte = '\n'; // the byte before buf[0]: data starts after the header's line feed
        private long recordStart;
        private long recordLine;
        private long rowsDone;
        private long quoteOffset, quoteLine, quoteRow;

        // UTF-8 sequence carried over a buffer boundary
        private int u8need, u8lo, u8hi, u8lead;
        private long u8start;

        private long headerLen;
        private long budget;
        private final List<Part> parts = new ArrayList<>();
        private long partStart, partEnd, partFirstRow, partRows;

        Scan(InputStream in, ScanOptions options, byte[] buf, Consumer<CsvHeader> headerRead) {
            this.in = in;
            this.options = options;
            this.buf = buf;
            this.headerRead = headerRead;
        }

        ScanResult run() throws IOException {
            while (n < 4 && !eof) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    eof = true;
                } else {
                    n += r;
                }
            }
            int bom = bom();
            pos = bom;
            CsvHeader header = readHeader(bom);
            if (header == null) {
                return new ScanResult(null, 0, base + n, List.of());
            }
            headerRead.accept(header);
            checkRequired(header);
            inHeader = false;
            headerLen = header.lineLength();
            budget = options.maxPartBytes() - headerLen;
            scanData(header.delimiter());
            return new ScanResult(header, rowsDone, base + n, parts);
        }

        // ---------------------------------------------------------------- BOM and header

        private int bom() {
            int b0 = n > 0 ? buf[0] & 0xff : -1, b1 = n > 1 ? buf[1] & 0xff : -1;
            int b2 = n > 2 ? buf[2] & 0xff : -1, b3 = n > 3 ? buf[3] & 0xff : -1;
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
                throw new CsvEncodingException("The file starts with a " + found + " byte order mark: it is " + found
                        + ", not UTF-8 (line 1, byte offset 0). " + REEXPORT, 1, 0, 0);
            }
            return 0;
        }

        private static final String REEXPORT = "Re-export the file as UTF-8 (in Excel: Save As > 'CSV UTF-8').";

        private int next() throws IOException {
            if (pos == n && !refill()) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        private int peek() throws IOException {
            if (pos == n && !refill()) {
                return -1;
            }
            return buf[pos] & 0xff;
        }

        /** Drops the buffer's content and reads the next chunk; false at end of stream. */
        private boolean refill() throws IOException {
            base += n;
            n = 0;
            pos = 0;
            if (eof) {
                return false;
            }
            int r;
            do {
                r = in.read(buf, 0, buf.length);
            } while (r == 0);
            if (r < 0) {
                eof = true;
                return false;
            }
            n = r;
            return true;
        }

        /**
         * The first line that is not blank (only spaces/tabs); null when there is none. Quotes
         * toggle: the delimiter is not known yet, and a header has no business quoting halfway.
         */
        private CsvHeader readHeader(int bom) throws IOException {
            var bytes = new ByteArrayOutputStream(256);
            while (true) {
                long lineStart = base + pos;
                long headerLine = line;
                bytes.reset();
                boolean inQuotes = false, blank = true, terminated = false;
                int commas = 0, semicolons = 0, tabs = 0, pipes = 0;
                int c;
                while ((c = next()) >= 0) {
                    long off = base + pos - 1;
                    if (c == 0) {
                        throw nulByte(off);
                    }
                    bytes.write(c);
                    if (bytes.size() > MAX_HEADER_BYTES) {
                        throw new CsvMalformedException("The header line (line " + headerLine + ") is longer than "
                                + MAX_HEADER_BYTES + " bytes without ending: this does not look like a CSV file"
                                + (inQuotes ? " (a quote opened in the header never closes)" : "") + ".",
                                headerLine, 0, lineStart);
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
                            if (peek() != '\n') {
                                throw loneCr(off);
                            }
                            bytes.write(next());
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
                                default -> { }
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
                    throw new CsvMalformedException("Unterminated quote in the header (line " + headerLine
                            + ", byte offset " + lineStart + "): a quote opens a column name and never closes.",
                            headerLine, 0, lineStart);
                }
                byte[] raw = bytes.toByteArray();
                long after = line;
                line = headerLine; // messages name the line the header starts on
                validateUtf8(raw, lineStart);
                line = after;
                char delimiter = delimiter(commas, semicolons, tabs, pipes);
                int end = raw.length;
                if (terminated) {
                    end -= (end >= 2 && raw[end - 2] == '\r') ? 2 : 1;
                }
                List<String> columns = columns(new String(raw, 0, end, StandardCharsets.UTF_8), delimiter, headerLine, lineStart);
                return new CsvHeader(columns, delimiter, bom, raw);
            }
        }

        private static char delimiter(int commas, int semicolons, int tabs, int pipes) {
            int max = Math.max(Math.max(commas, semicolons), Math.max(tabs, pipes));
            int winners = (commas == max ? 1 : 0) + (semicolons == max ? 1 : 0) + (tabs == max ? 1 : 0) + (pipes == max ? 1 : 0);
            if (max == 0 || winners > 1 || commas == max) {
                return ',';
            }
            return semicolons == max ? ';' : tabs == max ? '\t' : '|';
        }

        private static List<String> columns(String s, char d, long headerLine, long offset) {
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
                    throw new CsvMalformedException("Column " + (k + 1) + " of " + cols.size()
                            + " in the header (line " + headerLine + ") has no name"
                            + (k == cols.size() - 1 ? " (a delimiter at the end of the header line?)" : "")
                            + "; columns: " + cols + ".", headerLine, 0, offset);
                }
                Integer before = seen.putIfAbsent(name, k + 1);
                if (before != null) {
                    throw new CsvMalformedException("Column name '" + name + "' appears twice in the header (line "
                            + headerLine + ", columns " + before + " and " + (k + 1) + "): each column needs a unique name.",
                            headerLine, 0, offset);
                }
            }
            return cols;
        }

        private void checkRequired(CsvHeader header) {
            var missing = new LinkedHashSet<String>();
            for (String c : options.requiredColumns()) {
                if (!header.columns().contains(c)) {
                    missing.add(c);
                }
            }
            if (!missing.isEmpty()) {
                throw new CsvMissingColumnsException(missing, header.columns(), header.delimiter());
            }
        }

        // ---------------------------------------------------------------- data

        private void scanData(char delimiter) throws IOException {
            for (int b = 0x80; b < 0x100; b++) {
                cls[b] = HIGH;
            }
            cls[0] = NUL;
            cls['"'] = QUOTE;
            cls['\n'] = LF;
            cls['\r'] = CR;
            delim = (byte) delimiter;
            recordStart = partStart = partEnd = base + pos;
            recordLine = line;
            int i = pos;
            while (true) {
                process(buf, i, n);
                checkOpenRecord(base + n);
                if (!refill()) {
                    break;
                }
                i = 0;
            }
            finish(base);
        }

        /**
         * Runs the state machine over {@code b[i..n)}. Written for speed: 64-byte blocks are
         * handled by {@link #block}, which visits only the bytes that matter; the last bytes of a
         * buffer and the states that need the next byte go byte by byte here. Outside quotes a
         * delimiter needs no work: a quote opens a field when the byte before it is the delimiter
         * or a line feed.
         */
        private void process(byte[] b, int i, int n) {
            if (u8need > 0 && i < n) {
                i = utf8Continue(b, i, n, base);
            }
            final byte[] cls = this.cls;
            final byte delim = this.delim;
            int st = state;
            scan:
            while (i < n) {
                switch (st) {
                    case QUOTE_IN_QUOTED -> {
                        if (b[i] == '"') {
                            st = QUOTED; // doubled quote
                            i++;
                        } else {
                            st = UNQUOTED; // closing quote; what follows is handled outside quotes
                        }
                        continue scan;
                    }
                    case AFTER_CR -> {
                        if (b[i] != '\n') {
                            throw loneCr(base + i - 1);
                        }
                        line++;
                        endRecord(base + i + 1, base + i - 1 == recordStart);
                        i++;
                        st = UNQUOTED;
                        continue scan;
                    }
                    case QUOTED, UNQUOTED -> {
                        if (i + 64 > n) {
                            break; // tail: byte by byte below
                        }
                        state = st;
                        i = block(b, i, n);
                        st = state;
                        continue scan;
                    }
                    default -> throw new IllegalStateException("state " + st);
                }
                // fewer than 64 bytes left: byte by byte
                if (st == QUOTED) {
                    while (true) {
                        byte x = b[i];
                        if (x > '"') {
                            if (++i == n) {
                                break scan;
                            }
                        } else if (x == '"') {
                            if (++i == n) {
                                st = QUOTE_IN_QUOTED;
                                break scan;
                            }
                            if (b[i] != '"') {
                                st = UNQUOTED;
                                continue scan;
                            }
                            if (++i == n) {
                                break scan; // doubled quote consumed, still quoted
                            }
                        } else if (x < 0) {
                            i = highByte(b, i, n);
                            if (i == n) {
                                break scan;
                            }
                        } else {
                            if (x == '\n') {
                                line++;
                            } else if (x == 0) {
                                throw nulByte(base + i);
                            }
                            if (++i == n) {
                                break scan;
                            }
                        }
                    }
                } else { // UNQUOTED
                    while (true) {
                        int c;
                        while ((c = cls[b[i] & 0xff]) == PLAIN) {
                            if (++i == n) {
                                break scan;
                            }
                        }
                        if (c == LF) {
                            line++;
                            endRecord(base + i + 1, base + i == recordStart);
                            if (++i == n) {
                                break scan;
                            }
                        } else if (c == QUOTE) {
                            // Outside quotes, the byte before this quote was outside quotes too:
                            // a delimiter or line feed there makes this quote open a field.
                            byte before = i > 0 ? b[i - 1] : lastByte;
                            if (before == delim || before == '\n') {
                                openQuote(base + i);
                                i++;
                                st = QUOTED;
                                continue scan;
                            }
                            if (++i == n) { // inside an unquoted field a quote is data
                                break scan;
                            }
                        } else if (c == HIGH) {
                            i = highByte(b, i, n);
                            if (i == n) {
                                break scan;
                            }
                        } else if (c == CR) {
                            i++;
                            st = AFTER_CR;
                            continue scan;
                        } else {
                            throw nulByte(base + i);
                        }
                    }
                }
            }
            state = st;
            if (n > 0) {
                lastByte = b[n - 1];
            }
        }

        /**
         * One 64-byte block in state UNQUOTED or QUOTED: visits only its special bytes, in order.
         * A small method of its own so that the JIT compiles it early (it runs once per block).
         * Returns where to continue; a quote or CR in the last byte of the buffer is left to the
         * byte loop, which can wait for the next buffer.
         */
        private int block(byte[] b, int blk, int n) {
            int st = state;
            int i = blk + 64;
            long m = specials(b, blk);
            while (m != 0) {
                int p = blk + Long.numberOfTrailingZeros(m);
                byte x = b[p];
                int next = p + 1;
                if (x == '"') {
                    if (st == UNQUOTED) {
                        // outside quotes, a quote after a delimiter or line feed opens a field
                        byte before = p > 0 ? b[p - 1] : lastByte;
                        if (before == delim || before == '\n') {
                            openQuote(base + p);
                            st = QUOTED;
                        }
                    } else if (p + 1 == n) {
                        i = p; // closing or doubled? the byte loop waits for the next buffer
                        break;
                    } else if (b[p + 1] == '"') {
                        next = p + 2; // doubled quote
                    } else {
                        st = UNQUOTED;
                    }
                } else if (x == '\n') {
                    line++;
                    if (st == UNQUOTED) {
                        endRecord(base + p + 1, base + p == recordStart);
                    }
                } else if (x < 0) {
                    next = highByte(b, p, n);
                } else if (x == '\r') {
                    if (st == UNQUOTED) {
                        if (p + 1 == n) {
                            i = p; // the byte loop waits for the next buffer
                            break;
                        }
                        if (b[p + 1] != '\n') {
                            throw loneCr(base + p);
                        }
                        line++;
                        endRecord(base + p + 2, base + p == recordStart);
                        next = p + 2;
                    }
                } else if (x == 0) {
                    throw nulByte(base + p);
                } // else another control byte (tab…): data
                if (next - blk >= 64) {
                    i = next;
                    break;
                }
                m &= -1L << (next - blk);
            }
            state = st;
            return i;
        }

        private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
        private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
        private static final long HIGHS = 0x8080808080808080L;
        private static final long QUOTES = 0x2222222222222222L;
        private static final long BELOW_0E = 0x7272727272727272L; // 0x80 - 0x0E in every byte

        /**
         * Bit k is set when {@code b[blk + k]} is '"', below 0x0E (LF, CR, NUL, and harmless
         * controls such as tab) or >= 0x80. Exact per byte (no carries between bytes), 8 bytes a step.
         */
        private static long specials(byte[] b, int blk) {
            long m = 0;
            for (int w = 0; w < 8; w++) {
                long x = (long) LONGS.get(b, blk + 8 * w);
                long q = x ^ QUOTES;
                long low = ~((x & LOW7) + BELOW_0E);      // high bit set where the byte's low 7 bits < 0x0E
                long quote = ~(((q & LOW7) + LOW7) | q);  // high bit set where the byte is '"'
                long hi = (x | low | quote) & HIGHS;
                m |= ((hi >>> 7) * 0x0102040810204080L >>> 56) << (8 * w);
            }
            return m;
        }

        private void openQuote(long offset) {
            quoteOffset = offset;
            quoteLine = line;
            quoteRow = rowsDone + 1;
        }

        /** Validates the UTF-8 sequence starting at {@code b[i]}; returns the index after it. */
        private int highByte(byte[] b, int i, int n) {
            int lead = b[i] & 0xff;
            if (lead >= 0xC2 && lead <= 0xDF && i + 1 < n && (b[i + 1] & 0xC0) == 0x80) {
                return i + 2; // two-byte letters (é, å, ø, ł…), the common case
            }
            return utf8(b, i, n, base);
        }
        /** A record or blank line ended at {@code e} (exclusive): extend the part or cut before it. */
        private void endRecord(long e, boolean blank) {
            if (blank) {
                if (e - partStart <= budget) {
                    partEnd = e;
                } // else: left out unless the next record's part can take it
            } else {
                long row = rowsDone + 1;
                long len = e - recordStart;
                if (len > budget) {
                    throw tooLarge(row, headerLen + len, false);
                }
                if (e - partStart <= budget) {
                    if (partRows == 0) {
                        partFirstRow = row;
                    }
                    partRows++;
                } else {
                    if (partRows > 0) {
                        parts.add(new Part(parts.size(), partStart, partEnd, partFirstRow, partRows));
                    }
                    // blank lines between the previous part and this record go with the record if they fit
                    partStart = e - partEnd <= budget ? partEnd : recordStart;
                    partFirstRow = row;
                    partRows = 1;
                }
                partEnd = e;
                rowsDone = row;
            }
            recordStart = e;
            recordLine = line;
        }

        /** Fails early on a record that can no longer fit, instead of reading gigabytes of it. */
        private void checkOpenRecord(long end) {
            long len = end - recordStart;
            if (len > budget && len > 2) {
                throw tooLarge(rowsDone + 1, headerLen + len, true);
            }
        }

        private void finish(long end) {
            if (u8need > 0) {
                throw invalidUtf8(u8start, u8lead, -1);
            }
            if (state == QUOTED) {
                throw new CsvMalformedException("Unterminated quoted field: the quote opened at row " + quoteRow
                        + " (line " + quoteLine + ", byte offset " + quoteOffset + ") never closes before the end of the file.",
                        quoteLine, quoteRow, quoteOffset);
            }
            if (state == AFTER_CR) {
                throw loneCr(end - 1);
            }
            if (recordStart < end) {
                endRecord(end, false);
            }
            if (partRows > 0) {
                parts.add(new Part(parts.size(), partStart, partEnd, partFirstRow, partRows));
            }
        }

        // ---------------------------------------------------------------- UTF-8

        /** Validates the sequence whose lead byte is {@code b[i]}; returns the index after what it consumed. */
        private int utf8(byte[] b, int i, int n, long arrayBase) {
            int c = b[i] & 0xff;
            if (c < 0xC2 || c > 0xF4) {
                throw invalidUtf8(arrayBase + i, c, -1);
            }
            u8lead = c;
            u8start = arrayBase + i;
            if (c < 0xE0) {
                u8need = 1;
                u8lo = 0x80;
                u8hi = 0xBF;
            } else if (c < 0xF0) {
                u8need = 2;
                u8lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlongs
                u8hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
            } else {
                u8need = 3;
                u8lo = c == 0xF0 ? 0x90 : 0x80;  // no overlongs
                u8hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
            }
            return utf8Continue(b, i + 1, n, arrayBase);
        }

        private int utf8Continue(byte[] b, int i, int n, long arrayBase) {
            while (u8need > 0 && i < n) {
                int c = b[i] & 0xff;
                if (c < u8lo || c > u8hi) {
                    throw invalidUtf8(u8start, u8lead, c);
                }
                u8lo = 0x80;
                u8hi = 0xBF;
                u8need--;
                i++;
            }
            return i;
        }

        private void validateUtf8(byte[] raw, long offset) {
            int i = 0;
            while (i < raw.length) {
                if (raw[i] < 0) {
                    i = utf8(raw, i, raw.length, offset);
                } else {
                    i++;
                }
            }
            if (u8need > 0) {
                throw invalidUtf8(u8start, u8lead, -1);
            }
        }

        // ---------------------------------------------------------------- errors

        private String where(long offset) {
            return inHeader ? "in the header (line " + line + ", byte offset " + offset + ")"
                    : "at row " + (rowsDone + 1) + " (line " + line + ", byte offset " + offset + ")";
        }

        private long row() {
            return inHeader ? 0 : rowsDone + 1;
        }

        /**
         * @param lead the sequence's first byte
         * @param bad  the byte that broke it, or -1 (the lead itself is invalid, or the file ended)
         */
        private CsvEncodingException invalidUtf8(long offset, int lead, int bad) {
            boolean single = bad < 0x80 || bad > 0xBF; // an isolated high byte, as legacy 8-bit encodings write them
            String what = bad < 0
                    ? "byte 0x%02X".formatted(lead) + (lead >= 0xC2 && lead <= 0xF4 ? " is cut off" : " cannot start a character")
                    : "bytes 0x%02X 0x%02X".formatted(lead, bad) + " do not form a character";
            String hint = single
                    ? " This looks like Windows-1252/ISO-8859-1 (Latin-1), where a letter such as 'é' is a single byte."
                    : " The bytes are an overlong or surrogate encoding.";
            return new CsvEncodingException("The file is not valid UTF-8 " + where(offset) + ": " + what + "." + hint
                    + " " + REEXPORT, line, row(), offset);
        }

        private CsvEncodingException nulByte(long offset) {
            return new CsvEncodingException("NUL byte " + where(offset)
                    + ": the file is binary or UTF-16 without a byte order mark, not UTF-8. " + REEXPORT, line, row(), offset);
        }

        private CsvMalformedException loneCr(long offset) {
            return new CsvMalformedException("A line ends with a carriage return (CR) not followed by a line feed "
                    + where(offset) + ": classic Mac line endings are not supported. Re-export the file with LF or CRLF line endings.",
                    line, row(), offset);
        }

        private CsvRecordTooLargeException tooLarge(long row, long size, boolean atLeast) {
            long max = options.maxPartBytes();
            String msg;
            if (headerLen >= max) {
                msg = "The header line alone (" + headerLen + " bytes) leaves no room for data within the part limit of "
                        + max + " bytes.";
                return new CsvRecordTooLargeException(msg, 0, 1, headerLen, max);
            }
            msg = "Row " + row + " (line " + recordLine + ") is too large to import: header line " + headerLen
                    + " bytes + record " + (atLeast ? "at least " : "") + (size - headerLen) + " bytes = "
                    + (atLeast ? "at least " : "") + size + " bytes, over the part limit of " + max
                    + " bytes; a record cannot be split across parts.";
            if (state == QUOTED && quoteRow == row) {
                msg += " A quoted field opened at line " + quoteLine + " (byte offset " + quoteOffset
                        + ") is still open: an unbalanced quote?";
            }
            return new CsvRecordTooLargeException(msg, row, recordLine, size, max);
        }
    }
}
