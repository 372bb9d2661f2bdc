package io.apsisimport.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A read-only {@link SeekableByteChannel} over one S3 object, for readers that need random access
 * (a zip's directory is at its end). Sequential reads share one open GET from the current position
 * to the end, so streaming an entry costs one request; a seek elsewhere closes it and opens another.
 * The last {@link #TAIL_BYTES} of the object (where a zip's end-of-directory records and comment
 * live, searched backwards byte by byte) are fetched once and served from memory.
 *
 * <p>Failures of S3 or the network come out as {@link SourceReadException}, so that a reader's own
 * complaints about the data can be told apart from them. With an ETag, every GET is pinned to that
 * version of the object (If-Match).
 */
public final class S3ObjectChannel implements SeekableByteChannel {
    /** A zip's end of central directory (22 bytes), its largest comment (65,535) and the Zip64 locator (20). */
    static final int TAIL_BYTES = 22 + 65_535 + 20 + 1024;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String eTag;
    private final long size;
    private final long tailStart;
    private byte[] tail;
    private long position;
    private ResponseInputStream<GetObjectResponse> stream;
    private long streamPosition;
    private long streamedBytes;
    private int requests;
    private boolean open = true;

    /** {@code eTag}: null reads whatever version is current. */
    public S3ObjectChannel(S3Client s3, String bucket, String key, String eTag, long size) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.eTag = eTag;
        this.size = size;
        this.tailStart = Math.max(0, size - TAIL_BYTES);
    }

    /** Bytes read over GET streams so far (the tail not counted). */
    public long streamedBytes() {
        return streamedBytes;
    }

    /** GET requests made so far. */
    public int requests() {
        return requests;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (position >= size) {
            return -1;
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (position >= tailStart) {
            if (tail == null) {
                closeStream();
                var in = get(tailStart, size - 1);
                try (in) {
                    tail = in.readAllBytes();
                } catch (IOException | SdkException e) {
                    throw new SourceReadException(
                            "reading the last " + (size - tailStart) + " bytes of s3://" + bucket + "/" + key, e);
                }
                if (tail.length != size - tailStart) {
                    throw new SourceReadException(
                            "s3://" + bucket + "/" + key + ": read " + tail.length + " bytes of its last "
                                    + (size - tailStart),
                            null);
                }
            }
            int k = (int) Math.min(dst.remaining(), size - position);
            dst.put(tail, (int) (position - tailStart), k);
            position += k;
            return k;
        }
        if (stream == null || streamPosition != position) {
            closeStream();
            stream = get(position, size - 1);
            streamPosition = position;
        }
        int want = (int) Math.min(dst.remaining(), size - position);
        int r;
        try {
            if (dst.hasArray()) {
                r = stream.read(dst.array(), dst.arrayOffset() + dst.position(), want);
                if (r > 0) {
                    dst.position(dst.position() + r);
                }
            } else {
                byte[] chunk = new byte[Math.min(want, 1 << 16)];
                r = stream.read(chunk, 0, chunk.length);
                if (r > 0) {
                    dst.put(chunk, 0, r);
                }
            }
        } catch (IOException | SdkException e) {
            closeStream();
            throw new SourceReadException("reading s3://" + bucket + "/" + key + " at byte " + position, e);
        }
        if (r < 0) {
            closeStream();
            throw new SourceReadException(
                    "s3://" + bucket + "/" + key + " ended at byte " + position + ", before its size " + size
                            + " (replaced meanwhile?)",
                    null);
        }
        position += r;
        streamPosition += r;
        streamedBytes += r;
        return r;
    }

    private ResponseInputStream<GetObjectResponse> get(long first, long last) throws SourceReadException {
        try {
            requests++;
            return s3.getObject(b -> b.bucket(bucket)
                    .key(key)
                    .range("bytes=" + first + "-" + last)
                    .ifMatch(eTag));
        } catch (SdkException e) {
            throw new SourceReadException("reading s3://" + bucket + "/" + key + " from byte " + first, e);
        }
    }

    private void closeStream() {
        if (stream != null) {
            // Not drained: the rest of a range up to the end of the object is not wanted.
            stream.abort();
            stream = null;
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return size;
    }

    @Override
    public SeekableByteChannel truncate(long newSize) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
        closeStream();
    }
}
