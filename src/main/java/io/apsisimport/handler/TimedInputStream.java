package io.apsisimport.handler;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the time spent waiting in {@code read} (S3's side of the relay), so that the upload's log
 * line tells a slow source from a slow receiver: {@code millis - s3ReadMillis} is the time spent
 * writing to APSIS and waiting for its answer.
 */
final class TimedInputStream extends FilterInputStream {
    long readNanos;

    TimedInputStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        long t = System.nanoTime();
        try {
            return super.read();
        } finally {
            readNanos += System.nanoTime() - t;
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        long t = System.nanoTime();
        try {
            return super.read(b, off, len);
        } finally {
            readNanos += System.nanoTime() - t;
        }
    }
}
