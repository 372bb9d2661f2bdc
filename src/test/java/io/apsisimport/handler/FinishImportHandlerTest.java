package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.contract.FinishImportInput;
import io.apsisimport.contract.PartFailure;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.PartResult;
import io.apsisimport.contract.StepError;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.landing.DropNames;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.FileTooLargeException;
import io.apsisimport.local.MotoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
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
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

// Tests of FinishImport against moto's S3: the drop moves to a name of its own with its report; a
// file whose parts were all imported is never reported failed, also when a newer file replaced it
// before it could be archived; a failed part's report comes from its execution's Cause.
@io.apsisimport.local.LocalCloudTest
class FinishImportHandlerTest {
    private static final String EXEC =
            "arn:aws:states:eu-west-1:123456789012:execution:stack-import:x_csv-0011223344556677";
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static MotoServer moto;
    private static S3Client s3;
    private static FinishImportHandler finish;

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
        finish = new FinishImportHandler(s3, Clock.fixed(Instant.parse("2026-11-28T10:05:00Z"), ZoneOffset.UTC));
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
    void anImportedDropMovesToArchiveUnderItsOwnNameAndARetryChangesNothing() throws IOException {
        var drop = drop("inbox/x.csv", "email\na@b.c\n");
        var names = DropNames.of(drop.key(), drop.eventTime(), null, EXEC);
        var out = finish.handle(input(drop, List.of(completed(0, "imp-1")), null), null);
        assertEquals("SUCCEEDED", out.status());
        assertEquals(names.archived(), out.movedTo());
        assertEquals(names.report(true), out.report());
        assertArrayEquals("email\na@b.c\n".getBytes(StandardCharsets.UTF_8), bytes(drop.bucket(), names.archived()));
        assertThrows(NoSuchKeyException.class, () -> bytes(drop.bucket(), drop.key()));
        var again = finish.handle(input(drop, List.of(completed(0, "imp-1")), null), null);
        assertEquals(out.movedTo(), again.movedTo());
        assertEquals("SUCCEEDED", again.status());
    }

    @Test
    void aFileWhoseEveryPartWasImportedStaysSucceededWhenANewerFileReplacedIt() throws IOException {
        var drop = drop("inbox/y.csv", "email\nolder@b.c\n");
        put(drop.bucket(), drop.key(), "email\nnewer@b.c\n");
        var out = finish.handle(input(drop, List.of(completed(0, "imp-1")), null), null);
        assertEquals("SUCCEEDED", out.status());
        assertNull(out.movedTo(), "nothing of this drop is left to move");
        assertTrue(out.note().contains("was replaced by a newer file"), out.note());
        assertArrayEquals(
                "email\nnewer@b.c\n".getBytes(StandardCharsets.UTF_8),
                bytes(drop.bucket(), drop.key()),
                "the newer file is left to its own execution");
        JsonNode report = JsonHandler.JSON.readTree(bytes(drop.bucket(), out.report()));
        assertEquals("SUCCEEDED", report.get("status").asText());
        assertFalse(out.report().endsWith(".error.json"));
    }

    @Test
    void aFailedPartIsReportedFromItsExecutionsCause() throws IOException {
        var drop = drop("inbox/z.csv", "email\na@b.c\nd@e.f\n");
        String cause = new PartFailure(
                        "S3 refused the upload: AccessDenied",
                        "io.apsisimport.upload.UploadRejectedException",
                        "Upload file",
                        2,
                        2,
                        "imp-2",
                        null,
                        null,
                        null,
                        null)
                .toCause();
        var failed =
                new PartResult(1, null, "FAILED", null, null, null, null, null, new StepError("UploadRejected", cause));
        var out = finish.handle(input(drop, List.of(completed(0, "imp-1"), failed), null), null);
        assertEquals("FAILED", out.status());
        assertEquals("UploadRejected", out.error());
        assertEquals("Upload file", out.failedStep());
        assertTrue(
                out.cause()
                        .startsWith("1 of 2 parts of inbox/z.csv were not imported: part 2/2 (rows 2-2, bytes 12-18):"
                                + " S3 refused the upload: AccessDenied"),
                out.cause());
        assertEquals(List.of("imp-1", "imp-2"), out.imports());
        assertNull(out.parts().get(1).cause(), "the execution's output leaves the part's cause to the report");
        JsonNode report = JsonHandler.JSON.readTree(bytes(drop.bucket(), out.report()));
        assertEquals(
                "S3 refused the upload: AccessDenied",
                report.at("/parts/1/cause").asText());
        assertEquals("imp-2", report.at("/parts/1/import_id").asText());
        assertEquals(
                "x_csv-0011223344556677-p002", report.at("/parts/1/execution").asText());
        assertTrue(out.movedTo().startsWith("failed/inbox/z."), out.movedTo());
    }

    @Test
    void aFileOver5GbIsRefusedBeforeItIsRead() {
        var handler = new PreflightFileHandler(s3, null, 50_000_000L);
        var e = assertThrows(
                FileTooLargeException.class,
                () -> handler.handle(
                        new PreflightFileHandler.Input(
                                new DroppedFile("b", "inbox/huge.csv", "e", null, 6_000_000_000L, null), EXEC, 3),
                        null));
        assertTrue(
                e.getMessage().startsWith("inbox/huge.csv is 6,000,000,000 bytes; the largest file this stack imports"),
                e.getMessage());
    }

    // --- helpers

    private static FinishImportInput input(DroppedFile drop, List<PartResult> parts, StepError error) {
        var plans = List.of(
                new PartPlan(0, 6, 12, 1, 1, 12, PartPlan.executionName(EXEC, 0)),
                new PartPlan(1, 12, 18, 2, 1, 12, PartPlan.executionName(EXEC, 1)));
        return new FinishImportInput(
                drop, EXEC, "r", "s", 2L, 18L, "2026-11-28T10:00:01.123Z", plans, parts, error, null);
    }

    private static PartResult completed(int index, String importId) {
        return new PartResult(index, importId, "COMPLETED", "completed", 1L, 1L, 0L, null, null);
    }

    private static DroppedFile drop(String key, String content) {
        String bucket = "finish-" + BUCKETS.incrementAndGet();
        s3.createBucket(b -> b.bucket(bucket).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        var put = put(bucket, key, content);
        return new DroppedFile(
                bucket, key, put.eTag().replace("\"", ""), null, (long) content.length(), "2026-11-28T10:00:00.000Z");
    }

    private static software.amazon.awssdk.services.s3.model.PutObjectResponse put(
            String bucket, String key, String content) {
        return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    private static byte[] bytes(String bucket, String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }
}
