package io.apsisimport.csv;

/**
 * Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) of bytes
 * read in chunks: a sequence cut by the end of a chunk is carried over to the next one. Only the
 * bytes {@code >= 0x80} are handed to it; the record loop checks the common two-byte letters itself
 * and calls {@link #sequence} for the rest. Not thread-safe.
 */
final class Utf8Validator {

    /** Where the validated bytes are, for the message of an invalid sequence. */
    interface Position {
        /** 1-based physical line. */
        long line();

        /** 1-based data row, 0 in the header. */
        long row();
    }

    /** A fixed position: the header, which is validated as one line. */
    record At(long line, long row) implements Position {}

    private final Position position;
    // the open sequence: bytes still needed, the range of the next one, its lead byte and offset
    private int need, lo, hi, lead;
    private long start;

    Utf8Validator(Position position) {
        this.position = position;
    }

    /**
     * Validates the sequence whose lead byte is {@code b[i]} ({@code >= 0x80}); returns the index
     * after what it consumed ({@code n} when the sequence continues in the next chunk).
     *
     * @param arrayBase offset of {@code b[0]} in the file
     */
    int sequence(byte[] b, int i, int n, long arrayBase) {
        int c = b[i] & 0xff;
        if (c < 0xC2 || c > 0xF4) {
            throw ScanErrors.invalidUtf8(position.line(), position.row(), arrayBase + i, c, -1);
        }
        lead = c;
        start = arrayBase + i;
        if (c < 0xE0) {
            need = 1;
            lo = 0x80;
            hi = 0xBF;
        } else if (c < 0xF0) {
            need = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80; // no overlongs
            hi = c == 0xED ? 0x9F : 0xBF; // no surrogates
        } else {
            need = 3;
            lo = c == 0xF0 ? 0x90 : 0x80; // no overlongs
            hi = c == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
        }
        return resume(b, i + 1, n);
    }

    /** Whether a sequence is open (cut by the end of the previous chunk). */
    boolean pending() {
        return need > 0;
    }

    /** Continues the open sequence at {@code b[i]}; returns the index after what it consumed. */
    int resume(byte[] b, int i, int n) {
        while (need > 0 && i < n) {
            int c = b[i] & 0xff;
            if (c < lo || c > hi) {
                throw ScanErrors.invalidUtf8(position.line(), position.row(), start, lead, c);
            }
            lo = 0x80;
            hi = 0xBF;
            need--;
            i++;
        }
        return i;
    }

    /** At the end of the input: a sequence still open is cut off. */
    void end() {
        if (need > 0) {
            throw ScanErrors.invalidUtf8(position.line(), position.row(), start, lead, -1);
        }
    }

    /** Validates all of {@code raw}, which starts at {@code offset} in the file. */
    void validate(byte[] raw, long offset) {
        int i = 0;
        while (i < raw.length) {
            if (raw[i] < 0) {
                i = sequence(raw, i, raw.length, offset);
            } else {
                i++;
            }
        }
        end();
    }
}
