package io.apsisimport.csv;

import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of one scan: one buffer over the stream, refilled in place, so memory stays one buffer
 * whatever the file size. Offsets count from the start of the stream. Not thread-safe, used once.
 */
final class ScanInput {

    private final InputStream in;
    final byte[] buf;
    /** Valid bytes in {@link #buf}. */
    int n;
    /** Read cursor of the header phase ({@link #next()}, {@link #peek()}); the record loop keeps its own. */
    int pos;
    /** Offset of {@code buf[0]} in the stream. */
    long base;

    private boolean eof;

    ScanInput(InputStream in, byte[] buf) {
        this.in = in;
        this.buf = buf;
    }

    /** Reads until the buffer holds at least {@code min} bytes or the stream ends. */
    void fill(int min) throws IOException {
        while (n < min && !eof) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                eof = true;
            } else {
                n += r;
            }
        }
    }

    /** The next byte (0-255), or -1 at the end of the stream. */
    int next() throws IOException {
        if (pos == n && !refill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /** The next byte without consuming it, or -1 at the end of the stream. */
    int peek() throws IOException {
        if (pos == n && !refill()) {
            return -1;
        }
        return buf[pos] & 0xff;
    }

    /** Drops the buffer's content and reads the next chunk; false at end of stream. */
    boolean refill() throws IOException {
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

    /** Offset just after the last byte read so far (the stream's size once it has ended). */
    long end() {
        return base + n;
    }
}
