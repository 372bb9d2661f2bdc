package io.apsisimport.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.local.MotoServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

// S3 tests of the two S3-facing pieces of decompression, against moto's S3 (no local cloud): the
// multipart writer (parts, single put, abort) and the seekable channel (sequential reads share one
// GET, the tail is fetched once, an ETag pins the version).
@io.apsisimport.local.LocalCloudTest
class S3StreamingTest {
    static final String BUCKET = "landing";
    static MotoServer moto;
    static S3Client s3;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(0);
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        s3.createBucket(b -> b.bucket(BUCKET).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    @Test
    void aStreamLongerThanAPartIsWrittenAsAMultipartUploadOfExactlyItsBytes() {
        byte[] data = random(12 * 1024 * 1024 + 17, 1);
        var w = new S3MultipartWriter(s3, BUCKET, "work/multi.csv", S3MultipartWriter.MIN_PART_BYTES);
        for (int off = 0; off < data.length; off += 999_983) { // writes that straddle part boundaries
            w.write(data, off, Math.min(999_983, data.length - off));
        }
        w.close();
        assertEquals(data.length, w.written());
        assertArrayEquals(
                data,
                s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("work/multi.csv")).asByteArray());
        var head = s3.headObject(b -> b.bucket(BUCKET).key("work/multi.csv").partNumber(1));
        assertEquals(3, head.partsCount(), "three parts: 5 MiB, 5 MiB, the rest");
    }

    @Test
    void aStreamThatFitsOnePartIsOnePutAndAnEmptyOneAnEmptyObject() {
        byte[] data = random(1000, 2);
        var w = new S3MultipartWriter(s3, BUCKET, "work/small.csv");
        w.write(data, 0, data.length);
        w.close();
        assertArrayEquals(
                data,
                s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("work/small.csv")).asByteArray());

        new S3MultipartWriter(s3, BUCKET, "work/empty.csv").close();
        assertEquals(
                0,
                s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("work/empty.csv")).asByteArray().length);
    }

    @Test
    void anAbortedWriteLeavesNeitherObjectNorUpload() {
        var w = new S3MultipartWriter(s3, BUCKET, "work/aborted.csv", S3MultipartWriter.MIN_PART_BYTES);
        byte[] data = random(S3MultipartWriter.MIN_PART_BYTES + 10, 3);
        w.write(data, 0, data.length);
        assertEquals(1, uploadsOf("work/aborted.csv"), "one part is up");
        var cause = new IllegalStateException("the scan failed");
        w.abort(cause);
        w.abort(cause);
        assertEquals(0, uploadsOf("work/aborted.csv"));
        assertEquals(0, cause.getSuppressed().length);
        assertThrows(
                NoSuchKeyException.class,
                () -> s3.headObject(b -> b.bucket(BUCKET).key("work/aborted.csv")));
        assertThrows(IllegalStateException.class, () -> w.write(1), "an aborted writer takes nothing more");
    }

    private static long uploadsOf(String key) {
        return s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key))
                .uploads()
                .size();
    }

    @Test
    void theChannelReadsAnywhereAndSequentialReadsShareOneRequest() throws IOException {
        byte[] data = random(300_000, 4);
        s3.putObject(b -> b.bucket(BUCKET).key("inbox/a.zip"), RequestBody.fromBytes(data));
        try (var ch = new S3ObjectChannel(s3, BUCKET, "inbox/a.zip", null, data.length)) {
            assertEquals(data.length, ch.size());
            ByteBuffer b = ByteBuffer.allocate(8192);
            long at = 1000;
            ch.position(at);
            while (at < 150_000) { // sequential, well before the tail
                b.clear();
                int r = ch.read(b);
                assertArrayEquals(Arrays.copyOfRange(data, (int) at, (int) at + r), Arrays.copyOf(b.array(), r));
                at += r;
            }
            assertEquals(1, ch.requests(), "one GET for a sequential run");
            ch.position(data.length - 22); // the tail: fetched once
            b.clear();
            assertEquals(22, ch.read(b));
            ch.position(data.length - 5000);
            b.clear();
            assertEquals(5000, ch.read(b));
            assertArrayEquals(
                    Arrays.copyOfRange(data, data.length - 5000, data.length), Arrays.copyOf(b.array(), 5000));
            assertEquals(2, ch.requests());
            b.clear();
            assertEquals(-1, ch.read(b), "at the end");
            ch.position(10); // a seek back reopens
            b.clear();
            b.limit(10);
            assertEquals(10, ch.read(b));
            assertArrayEquals(Arrays.copyOfRange(data, 10, 20), Arrays.copyOf(b.array(), 10));
            assertEquals(3, ch.requests());
        }
    }

    @Test
    void aChannelPinnedToAnETagFailsAsASourceFailureOnceTheObjectChanged() throws IOException {
        s3.putObject(b -> b.bucket(BUCKET).key("inbox/b.zip"), RequestBody.fromBytes(random(1000, 5)));
        String eTag = s3.headObject(b -> b.bucket(BUCKET).key("inbox/b.zip")).eTag();
        s3.putObject(b -> b.bucket(BUCKET).key("inbox/b.zip"), RequestBody.fromBytes(random(1000, 6)));
        try (var ch = new S3ObjectChannel(s3, BUCKET, "inbox/b.zip", eTag, 1000)) {
            var e = assertThrows(SourceReadException.class, () -> ch.read(ByteBuffer.allocate(10)));
            assertTrue(e.getCause() instanceof S3Exception s && s.statusCode() == 412, String.valueOf(e.getCause()));
            assertTrue(ZipCsvEntry.isSourceFailure(e));
        }
        assertFalse(ZipCsvEntry.isSourceFailure(new IOException("bad zip")));
    }

    @Test
    void aDamagedFileLeavesNoWorkObjectAndNoUploadBehind() {
        byte[] csv = Gz.csv(200_000); // about 13 MB: the copy is a multipart upload when the damage is found
        byte[] gz = Gz.gzip(csv);
        byte[] truncated = Arrays.copyOf(gz, gz.length - 100);
        s3.putObject(b -> b.bucket(BUCKET).key("inbox/cut.csv.gz"), RequestBody.fromBytes(truncated));
        var options = new io.apsisimport.csv.ScanOptions(50_000_000, java.util.Set.of("email"));
        var e = assertThrows(
                ArchiveCorruptException.class,
                () -> WorkCopy.run(
                        s3, BUCKET, "inbox/cut.csv.gz", null, "work/cut.csv", options, ExpansionLimits.DEFAULTS));
        assertEquals(truncated.length, e.compressedOffset());
        assertEquals(0, uploadsOf("work/cut.csv"));
        assertThrows(
                NoSuchKeyException.class,
                () -> s3.headObject(b -> b.bucket(BUCKET).key("work/cut.csv")));

        s3.putObject(b -> b.bucket(BUCKET).key("inbox/whole.csv.gz"), RequestBody.fromBytes(gz));
        var copy = assertDoesNotThrow(() -> WorkCopy.run(
                s3, BUCKET, "inbox/whole.csv.gz", null, "work/whole.csv", options, ExpansionLimits.DEFAULTS));
        assertEquals(new CompressedFile("gzip", gz.length, csv.length, null), copy.file());
        assertArrayEquals(
                csv,
                s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("work/whole.csv")).asByteArray());
    }
}
