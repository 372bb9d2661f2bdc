package io.apsisimport.source;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Writes a stream of unknown length to one S3 object with constant memory: one part buffer
 * ({@link #DEFAULT_PART_BYTES}), uploaded as a multipart-upload part each time it fills. An object
 * that fits in one buffer is written with a single PutObject. {@link #close()} completes the object;
 * {@link #abort()} (after any failure) removes the parts, so no half-written object ever appears.
 *
 * <p>Each part carries a CRC-32 checksum that S3 verifies, and the completed object keeps them.
 * Needs {@code s3:PutObject} (create, parts, complete) and {@code s3:AbortMultipartUpload} on the key.
 */
public final class S3MultipartWriter extends OutputStream {
    /** 8 MiB, as the AWS CLI: S3's 10,000-part limit then allows 80 GB, and parts need at least 5 MiB. */
    public static final int DEFAULT_PART_BYTES = 8 << 20;
    /** S3's smallest part but the last. */
    static final int MIN_PART_BYTES = 5 << 20;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final byte[] buf;
    private int n;
    private String uploadId;
    private final List<CompletedPart> parts = new ArrayList<>();
    private long written;
    private boolean closed;

    public S3MultipartWriter(S3Client s3, String bucket, String key) {
        this(s3, bucket, key, DEFAULT_PART_BYTES);
    }

    S3MultipartWriter(S3Client s3, String bucket, String key, int partBytes) {
        if (partBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("parts need at least " + MIN_PART_BYTES + " bytes: " + partBytes);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.buf = new byte[partBytes];
    }

    /** Bytes written so far. */
    public long written() {
        return written;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (closed) {
            throw new IllegalStateException("s3://" + bucket + "/" + key + " is closed");
        }
        while (len > 0) {
            int k = Math.min(len, buf.length - n);
            System.arraycopy(b, off, buf, n, k);
            n += k;
            off += k;
            len -= k;
            written += k;
            if (n == buf.length) {
                uploadPart();
            }
        }
    }

    private void uploadPart() {
        if (uploadId == null) {
            uploadId = s3.createMultipartUpload(r -> r.bucket(bucket)
                            .key(key)
                            .contentType("text/csv")
                            .checksumAlgorithm(ChecksumAlgorithm.CRC32))
                    .uploadId();
        }
        int number = parts.size() + 1;
        int length = n;
        UploadPartResponse r = s3.uploadPart(
                b -> b.bucket(bucket)
                        .key(key)
                        .uploadId(uploadId)
                        .partNumber(number)
                        .contentLength((long) length)
                        .checksumAlgorithm(ChecksumAlgorithm.CRC32),
                body(length));
        parts.add(CompletedPart.builder()
                .partNumber(number)
                .eTag(r.eTag())
                .checksumCRC32(r.checksumCRC32())
                .build());
        n = 0;
    }

    /** The buffer as a request body without a copy (the SDK asks again for the stream on a retry). */
    private RequestBody body(int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buf, 0, length), length, "text/csv");
    }

    /** Completes the object. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (uploadId == null) {
            int length = n;
            s3.putObject(
                    b -> b.bucket(bucket)
                            .key(key)
                            .contentType("text/csv")
                            .contentLength((long) length)
                            .checksumAlgorithm(ChecksumAlgorithm.CRC32),
                    body(length));
            return;
        }
        if (n > 0) {
            uploadPart();
        }
        s3.completeMultipartUpload(
                b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
    }

    /**
     * Gives up after {@code cause}: removes the uploaded parts, writes nothing. Safe to call at any
     * time and more than once. A failure to abort is added to {@code cause} as suppressed (the bucket's
     * lifecycle rule aborts incomplete uploads under work/ after a day) and does not replace it.
     */
    public void abort(Throwable cause) {
        closed = true;
        String id = uploadId;
        uploadId = null;
        if (id != null) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
