package io.apsisimport.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes a decompressing stream yields and refuses the file ({@link ArchiveTooLargeException})
 * as soon as they cross the {@link ExpansionLimits}; at most one read's worth past the limit is ever
 * produced.
 */
public final class ExpansionGuard extends FilterInputStream {
    private final ExpansionLimits limits;
    private final long compressedBytes;
    private long count;

    public ExpansionGuard(InputStream decompressed, ExpansionLimits limits, long compressedBytes) {
        super(decompressed);
        this.limits = limits;
        this.compressedBytes = compressedBytes;
    }

    /** Bytes read through this stream. */
    public long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        int c = in.read();
        if (c >= 0) {
            counted(1);
        }
        return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int r = in.read(b, off, len);
        if (r > 0) {
            counted(r);
        }
        return r;
    }

    @Override
    public long skip(long n) throws IOException {
        long s = in.skip(n);
        counted(s);
        return s;
    }

    private void counted(long n) {
        count += n;
        limits.check(count, compressedBytes, false);
    }
}
