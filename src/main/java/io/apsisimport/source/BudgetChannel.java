package io.apsisimport.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * A channel that counts the bytes read through it and fails a read past a budget: what a zip's
 * directory may cost to read while {@link ZipCsvEntry} opens it. Not closed by ZipFile (which closes
 * its channel when it fails to open): the first bytes are still wanted then, to say what the file
 * is instead; the archive is closed by its owner.
 */
final class BudgetChannel implements SeekableByteChannel {
    private final SeekableByteChannel in;
    private final long limit;
    private long budget;
    private long used;
    private boolean exceeded;

    BudgetChannel(SeekableByteChannel in, long budget) {
        this.in = in;
        this.limit = budget;
        this.budget = budget;
    }

    /** Whether a read went past the budget. */
    boolean exceeded() {
        return exceeded;
    }

    /** No budget from now on (the directory is read; the entry's data is bounded elsewhere). */
    void lift() {
        budget = Long.MAX_VALUE;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int r = in.read(dst);
        if (r > 0) {
            used += r;
            if (used > budget) {
                exceeded = true;
                throw new IOException("the zip directory is over " + limit + " bytes");
            }
        }
        return r;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return in.write(src);
    }

    @Override
    public long position() throws IOException {
        return in.position();
    }

    @Override
    public SeekableByteChannel position(long p) throws IOException {
        in.position(p);
        return this;
    }

    @Override
    public long size() throws IOException {
        return in.size();
    }

    @Override
    public SeekableByteChannel truncate(long s) throws IOException {
        in.truncate(s);
        return this;
    }

    @Override
    public boolean isOpen() {
        return in.isOpen();
    }

    @Override
    public void close() {
        // the archive is closed by its owner
    }
}
