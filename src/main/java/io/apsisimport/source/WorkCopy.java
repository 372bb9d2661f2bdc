package io.apsisimport.source;

import io.apsisimport.csv.CsvScanner;
import io.apsisimport.csv.ScanOptions;
import io.apsisimport.csv.ScanResult;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Preflight of a compressed file in one pass: the object is decompressed as it streams from S3,
 * every decompressed byte goes both to {@link CsvScanner} (the same checks and parts as a plain
 * CSV) and to the work object ({@link S3MultipartWriter}), and the {@link ExpansionGuard} refuses
 * the file the moment it expands past the limits. Memory: the scanner's buffer, the writer's part
 * buffer and the inflater, whatever the file's size; nothing goes to {@code /tmp}.
 *
 * <p>The work object is complete only when the whole file passed: on any failure its upload is
 * aborted, so a rejected file leaves nothing behind.
 */
public final class WorkCopy {
    private WorkCopy() {}

    /** The scan of the CSV inside, and what the report says about the compression. */
    public record Result(ScanResult scan, CompressedFile file) {}

    /**
     * Decompresses {@code s3://bucket/key} (gzip or zip, by the key) into {@code s3://bucket/workKey}
     * while scanning it. {@code eTag}: null reads the current version, else only that one.
     *
     * @throws ArchiveRejectedException the file is damaged, not what its name says, not one CSV, or too large
     * @throws io.apsisimport.csv.CsvRejectedException the CSV inside fails the checks of a plain file
     * @throws IOException reading the object failed
     */
    public static Result run(
            S3Client s3,
            String bucket,
            String key,
            String eTag,
            String workKey,
            ScanOptions options,
            ExpansionLimits limits)
            throws IOException {
        SourceFormat format = SourceFormat.of(key);
        var writer = new S3MultipartWriter(s3, bucket, workKey);
        try {
            Result result = switch (format) {
                case GZIP -> {
                    ResponseInputStream<GetObjectResponse> body =
                            s3.getObject(b -> b.bucket(bucket).key(key).ifMatch(eTag));
                    try (body) {
                        long compressed = body.response().contentLength();
                        ScanResult scan = scanWhileCopying(gunzip(body, compressed, limits), writer, options);
                        yield new Result(scan, new CompressedFile(format.label(), compressed, scan.totalBytes(), null));
                    } catch (IOException | RuntimeException | Error e) {
                        body.abort(); // a refused file is not read to its end
                        throw e;
                    }
                }
                case ZIP -> {
                    long compressed = s3.headObject(
                                    b -> b.bucket(bucket).key(key).ifMatch(eTag))
                            .contentLength();
                    try (var zip = ZipCsvEntry.open(new S3ObjectChannel(s3, bucket, key, eTag, compressed), limits);
                            InputStream data = zip.data()) {
                        ScanResult scan =
                                scanWhileCopying(new ExpansionGuard(data, limits, compressed), writer, options);
                        yield new Result(
                                scan, new CompressedFile(format.label(), compressed, scan.totalBytes(), zip.name()));
                    }
                }
                case CSV -> throw new IllegalArgumentException(key + " is not compressed");
            };
            writer.close();
            return result;
        } catch (IOException | RuntimeException | Error e) {
            writer.abort(e);
            throw e;
        }
    }

    /** The CSV inside a gzip object of {@code compressedBytes}, refused past {@code limits}. */
    public static InputStream gunzip(InputStream compressed, long compressedBytes, ExpansionLimits limits) {
        return new ExpansionGuard(new GzipReader(compressed), limits, compressedBytes);
    }

    /** Scans {@code csv} to its end; every byte read is also written to {@code sink}, in order. */
    public static ScanResult scanWhileCopying(InputStream csv, OutputStream sink, ScanOptions options)
            throws IOException {
        return CsvScanner.scan(new Tee(csv, sink), options);
    }

    /** Copies what is read to a sink: the scanner reads in 1 MiB blocks, so this adds one copy per block. */
    private static final class Tee extends FilterInputStream {
        private final OutputStream sink;

        Tee(InputStream in, OutputStream sink) {
            super(in);
            this.sink = sink;
        }

        @Override
        public int read() throws IOException {
            int c = in.read();
            if (c >= 0) {
                sink.write(c);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = in.read(b, off, len);
            if (r > 0) {
                sink.write(b, off, r);
            }
            return r;
        }

        @Override
        public long skip(long n) {
            throw new UnsupportedOperationException("a copy cannot skip");
        }
    }
}
