package io.apsisimport.csv;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The record loop: an RFC 4180 state machine over the data bytes after the header, validating
 * UTF-8 on the fly and telling {@link PartPlanner} where each record ends. The hot path of the
 * scan: benchmark it with {@code bench/csv/run} before and after a change.
 *
 * <p>Why it is one class of almost 400 lines: the loop, its 64-byte block step and the state they
 * share (parser state, line, where the record and an open quote started) are read and written on
 * every byte; splitting them would put field accesses through other objects into the loop. What
 * is not per byte lives apart: UTF-8 sequences ({@link Utf8Validator}), part planning
 * ({@link PartPlanner}), the messages ({@link ScanErrors}). Not thread-safe, used once.
 */
final class RecordScanner implements Utf8Validator.Position {

    // byte classes outside quotes
    private static final byte PLAIN = 0, QUOTE = 1, LF = 2, CR = 3, HIGH = 4, NUL = 5;
    // parser states
    private static final int UNQUOTED = 0, QUOTED = 1, QUOTE_IN_QUOTED = 2, AFTER_CR = 3;

    private final ScanInput input;
    private final byte[] cls = new byte[256];
    private final byte delim;
    private final long headerLen;
    private final long maxPartBytes;
    private final long budget;
    private final PartPlanner planner;
    private final Utf8Validator utf8 = new Utf8Validator(this);

    private long base; // offset of buf[0] in the source object
    private long line; // 1-based physical line of the next byte
    private int state = UNQUOTED;
    private byte lastByte = '\n'; // the byte before buf[0]: data starts after the header's line feed
    private long recordStart;
    private long recordLine;
    private long quoteOffset, quoteLine, quoteRow;

    /**
     * @param input     positioned at the first byte after the header line
     * @param line      the physical line of that byte
     * @param header    the file's header (its delimiter; its line goes into every part)
     * @param maxPartBytes the part limit, header line included
     */
    RecordScanner(ScanInput input, long line, CsvHeader header, long maxPartBytes) {
        this.input = input;
        this.line = line;
        this.delim = (byte) header.delimiter();
        this.headerLen = header.lineLength();
        this.maxPartBytes = maxPartBytes;
        this.budget = maxPartBytes - headerLen;
        for (int b = 0x80; b < 0x100; b++) {
            cls[b] = HIGH;
        }
        cls[0] = NUL;
        cls['"'] = QUOTE;
        cls['\n'] = LF;
        cls['\r'] = CR;
        base = input.base;
        recordStart = base + input.pos;
        recordLine = line;
        planner = new PartPlanner(recordStart, budget);
    }

    /** Reads the input to its end; returns the planned parts. */
    List<Part> scan() throws IOException {
        int i = input.pos;
        while (true) {
            process(input.buf, i, input.n);
            checkOpenRecord(base + input.n);
            if (!input.refill()) {
                break;
            }
            base = input.base;
            i = 0;
        }
        return finish(input.base);
    }

    /** Records read so far. */
    long rows() {
        return planner.rows();
    }

    @Override
    public long line() {
        return line;
    }

    @Override
    public long row() {
        return planner.rows() + 1;
    }

    /**
     * Runs the state machine over {@code b[i..n)}. Written for speed: 64-byte blocks are
     * handled by {@link #block}, which visits only the bytes that matter; the last bytes of a
     * buffer and the states that need the next byte go byte by byte here. Outside quotes a
     * delimiter needs no work: a quote opens a field when the byte before it is the delimiter
     * or a line feed.
     */
    private void process(byte[] b, int i, int n) {
        if (utf8.pending() && i < n) {
            i = utf8.resume(b, i, n);
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
            long low = ~((x & LOW7) + BELOW_0E); // high bit set where the byte's low 7 bits < 0x0E
            long quote = ~(((q & LOW7) + LOW7) | q); // high bit set where the byte is '"'
            long hi = (x | low | quote) & HIGHS;
            m |= ((hi >>> 7) * 0x0102040810204080L >>> 56) << (8 * w);
        }
        return m;
    }

    private void openQuote(long offset) {
        quoteOffset = offset;
        quoteLine = line;
        quoteRow = planner.rows() + 1;
    }

    /** Validates the UTF-8 sequence starting at {@code b[i]}; returns the index after it. */
    private int highByte(byte[] b, int i, int n) {
        int lead = b[i] & 0xff;
        if (lead >= 0xC2 && lead <= 0xDF && i + 1 < n && (b[i + 1] & 0xC0) == 0x80) {
            return i + 2; // two-byte letters (é, å, ø, ł…), the common case
        }
        return utf8.sequence(b, i, n, base);
    }
    /** A record or blank line ended at {@code e} (exclusive): the planner extends the part or cuts before it. */
    private void endRecord(long e, boolean blank) {
        if (blank) {
            planner.blankLine(e);
        } else {
            long len = e - recordStart;
            if (len > budget) {
                throw tooLarge(planner.rows() + 1, headerLen + len, false);
            }
            planner.record(recordStart, e);
        }
        recordStart = e;
        recordLine = line;
    }

    /** Fails early on a record that can no longer fit, instead of reading gigabytes of it. */
    private void checkOpenRecord(long end) {
        long len = end - recordStart;
        if (len > budget && len > 2) {
            throw tooLarge(planner.rows() + 1, headerLen + len, true);
        }
    }

    private List<Part> finish(long end) {
        utf8.end();
        if (state == QUOTED) {
            throw ScanErrors.quoteUnterminated(quoteRow, quoteLine, quoteOffset);
        }
        if (state == AFTER_CR) {
            throw loneCr(end - 1);
        }
        if (recordStart < end) {
            endRecord(end, false);
        }
        return planner.finish();
    }

    // ---------------------------------------------------------------- errors, with the position of the loop

    private CsvEncodingException nulByte(long offset) {
        return ScanErrors.nulByte(line, row(), offset);
    }

    private CsvMalformedException loneCr(long offset) {
        return ScanErrors.loneCr(line, row(), offset);
    }

    private CsvRecordTooLargeException tooLarge(long row, long size, boolean atLeast) {
        return ScanErrors.recordTooLarge(
                row,
                recordLine,
                size,
                atLeast,
                headerLen,
                maxPartBytes,
                state == QUOTED && quoteRow == row,
                quoteLine,
                quoteOffset);
    }
}
