package io.apsisimport.landing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.local.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

// Tests against moto's S3 (one moto_server for the class): every read, copy and delete of a drop
// is pinned to its version; a newer drop on the same key is never read, copied or deleted. moto
// honours If-Match on GET, ranged GET, HEAD and DELETE but ignores x-amz-copy-source-if-match:
// the copy tests show our own check holding the copy to S3's rule anyway.
@io.apsisimport.local.LocalCloudTest
class LandingFilesTest {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static MotoServer moto;
    private static S3Client s3;

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

    @Test
    void readsOfADropThatWasReplacedFailWithTheReplacedMessage() throws IOException {
        String bucket = bucket(false);
        var a = drop(bucket, "inbox/x.csv", "AAAA-older");
        drop(bucket, "inbox/x.csv", "BBBB-newer");
        var files = new LandingFiles(s3);
        var whole = assertThrows(FileReplacedException.class, () -> files.open(a));
        assertEquals(
                "inbox/x.csv was replaced while it was being imported; the newer file has its own execution",
                whole.getMessage());
        assertThrows(FileReplacedException.class, () -> files.range(a, 0, 4));
        assertThrows(FileReplacedException.class, () -> files.requireUnchanged(a));
    }

    @Test
    void readsOfTheAnnouncedDropSucceed() throws IOException {
        String bucket = bucket(false);
        var a = drop(bucket, "inbox/x.csv", "AAAA-current");
        var files = new LandingFiles(s3);
        try (InputStream in = files.range(a, 5, 12)) {
            assertEquals("current", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        files.requireUnchanged(a);
    }

    @Test
    void aCopyOfAReplacedDropCopiesNothing() {
        String bucket = bucket(false);
        var a = drop(bucket, "inbox/x.csv", "AAAA-older");
        drop(bucket, "inbox/x.csv", "BBBB-newer");
        assertEquals(LandingFiles.Copy.REPLACED, new LandingFiles(s3).copy(a, "archive/inbox/x.1.csv"));
        assertFalse(new LandingFiles(s3).exists(bucket, "archive/inbox/x.1.csv"));
    }

    @Test
    void aDropReplacedBetweenTheCheckAndTheCopyIsNotLeftUnderItsName() {
        // moto copies the current object whatever x-amz-copy-source-if-match says: our own check (the
        // copy's ETag against the drop's) deletes the wrong copy and answers REPLACED, as S3 would (412).
        String bucket = bucket(false);
        var a = drop(bucket, "inbox/x.csv", "AAAA-older");
        S3Client racing = replacingBeforeCopy(bucket, "inbox/x.csv", "BBBB-newer");
        assertEquals(LandingFiles.Copy.REPLACED, new LandingFiles(racing).copy(a, "archive/inbox/x.2.csv"));
        assertFalse(
                new LandingFiles(s3).exists(bucket, "archive/inbox/x.2.csv"),
                "the newer file's bytes under the older name");
    }

    @Test
    void theDeleteOfADropLeavesANewerDropAlone() {
        String bucket = bucket(false);
        var a = drop(bucket, "inbox/x.csv", "AAAA-older");
        drop(bucket, "inbox/x.csv", "BBBB-newer");
        new LandingFiles(s3).delete(a);
        assertArrayEquals(
                "BBBB-newer".getBytes(StandardCharsets.UTF_8),
                s3.getObjectAsBytes(b -> b.bucket(bucket).key("inbox/x.csv")).asByteArray());
    }

    @Test
    void aMoveOfTheAnnouncedDropCopiesThenDeletesIt() {
        String bucket = bucket(false);
        var a = drop(bucket, "inbox/x.csv", "AAAA-only");
        var files = new LandingFiles(s3);
        assertEquals(LandingFiles.Copy.COPIED, files.copy(a, "archive/inbox/x.3.csv"));
        files.delete(a);
        files.delete(a); // a retry: already gone
        assertFalse(files.exists(bucket, "inbox/x.csv"));
        assertArrayEquals(
                "AAAA-only".getBytes(StandardCharsets.UTF_8),
                s3.getObjectAsBytes(b -> b.bucket(bucket).key("archive/inbox/x.3.csv"))
                        .asByteArray());
    }

    @Test
    void withVersioningTheOlderDropIsReadCopiedAndDeletedByItsVersion() throws IOException {
        String bucket = bucket(true);
        var a = drop(bucket, "inbox/x.csv", "AAAA-older");
        drop(bucket, "inbox/x.csv", "BBBB-newer");
        var files = new LandingFiles(s3);
        try (InputStream in = files.open(a)) {
            assertEquals("AAAA-older", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(LandingFiles.Copy.COPIED, files.copy(a, "archive/inbox/x.4.csv"));
        files.delete(a);
        assertArrayEquals(
                "AAAA-older".getBytes(StandardCharsets.UTF_8),
                s3.getObjectAsBytes(b -> b.bucket(bucket).key("archive/inbox/x.4.csv"))
                        .asByteArray());
        assertArrayEquals(
                "BBBB-newer".getBytes(StandardCharsets.UTF_8),
                s3.getObjectAsBytes(b -> b.bucket(bucket).key("inbox/x.csv")).asByteArray(),
                "the newer drop stays current");
    }

    @Test
    void aDropWhoseKeyIsGoneSaysSo() {
        String bucket = bucket(false);
        var a = drop(bucket, "inbox/x.csv", "AAAA");
        s3.deleteObject(b -> b.bucket(bucket).key("inbox/x.csv"));
        var e = assertThrows(FileReplacedException.class, () -> new LandingFiles(s3).open(a));
        assertTrue(
                e.getMessage().startsWith("inbox/x.csv was replaced or deleted while it was being imported"),
                e.getMessage());
        assertEquals(LandingFiles.Copy.GONE, new LandingFiles(s3).copy(a, "archive/inbox/x.5.csv"));
    }

    // --- helpers

    private static String bucket(boolean versioned) {
        String name = "landing-" + BUCKETS.incrementAndGet();
        s3.createBucket(b -> b.bucket(name).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        if (versioned) {
            s3.putBucketVersioning(b -> b.bucket(name).versioningConfiguration(v -> v.status("Enabled")));
        }
        return name;
    }

    /** Puts {@code content} and returns the drop as its S3 event would announce it (ETag without quotes). */
    private static DroppedFile drop(String bucket, String key, String content) {
        var put = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
        return new DroppedFile(
                bucket, key, put.eTag().replace("\"", ""), put.versionId(), (long) content.length(), null);
    }

    /** The S3 client, except that a newer drop lands on {@code key} just before each CopyObject. */
    private static S3Client replacingBeforeCopy(String bucket, String key, String newer) {
        return (S3Client) Proxy.newProxyInstance(
                S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, (proxy, method, args) -> {
                    if (method.getName().equals("copyObject")) {
                        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(newer));
                    }
                    try {
                        return method.invoke(s3, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
