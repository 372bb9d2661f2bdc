package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.slots.SlotView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests on the local cloud: a key overwritten while its import runs (issue 9, part 6).
// Every read, copy and delete is pinned to the version the S3 event announced: the newer file is
// imported once, by its own execution; the older one is imported once or ends saying it was
// replaced; APSIS never receives the newer file's bytes for the older drop, nor a mix; reports of
// both drops are kept under names of their own. One import slot and small parts, so that a file
// of several parts is replaced between its parts.
@LocalCloudTest
class ReplacedFileEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPLACED =
            "was replaced while it was being imported; the newer file has its own execution";

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(ApsisSimulator.Config.defaults()
                    .processing(Duration.ofSeconds(2))
                    .keepUploads(true))
            .options(o -> o.withMaxConcurrentImports(1).withMaxPartBytes(4096))
            .defaultRoutes("inbox/");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void twoDropsOnOneKeyAtOnceImportTheNewerOnceAndTheOlderSaysItWasReplaced() throws IOException {
        String key = "inbox/replaced/at-once.csv";
        byte[] a = csv("a", 3);
        byte[] b = csv("b", 4);
        // Both land before either event is handled (S3 delivers events late and in any order).
        PutObjectResponse putA = put(key, a);
        PutObjectResponse putB = put(key, b);
        String older = cloud.deliverS3Event(key, cloud.s3Event(key, a.length, putA.eTag()))
                .execution();
        String newer = cloud.deliverS3Event(key, cloud.s3Event(key, b.length, putB.eTag()))
                .execution();

        DescribeExecutionResponse o = cloud.await(older, Duration.ofMinutes(2));
        DescribeExecutionResponse n = cloud.await(newer, Duration.ofMinutes(2));
        assertEquals(ExecutionStatus.SUCCEEDED, n.status(), () -> n.error() + ": " + n.cause());
        assertEquals(ExecutionStatus.FAILED, o.status());
        assertEquals("FileReplaced", o.error());
        assertEquals(key + " " + REPLACED, o.cause());

        assertEquals(1, uploadsOf(b), "the newer file is imported once");
        assertEquals(0, uploadsOf(a), "nothing of the older drop reached APSIS: its bytes are gone");
        assertNoUploadMixes(a, b);
        assertDropsKeptApart(key, older, a, newer, b);
        JsonNode olderReport = env.json(cloud.dropNames(older).report(false));
        assertEquals("FileReplaced", olderReport.get("error").asText());
        assertTrue(olderReport.get("moved_to").isNull(), "nothing to move: the key holds the newer drop");
    }

    @Test
    void aDropReplacedAfterItsUploadIsImportedOnceAndReportedWithoutBeingMoved() throws IOException {
        String key = "inbox/replaced/after-upload.csv";
        byte[] a = csv("c", 3);
        byte[] b = csv("d", 5);
        String older = cloud.drop(key, a).execution();
        awaitUploaded(older, 1);
        String newer = cloud.drop(key, b).execution();

        DescribeExecutionResponse o = cloud.await(older, Duration.ofMinutes(2));
        DescribeExecutionResponse n = cloud.await(newer, Duration.ofMinutes(2));
        assertEquals(ExecutionStatus.SUCCEEDED, n.status(), () -> n.error() + ": " + n.cause());
        assertEquals(ExecutionStatus.SUCCEEDED, o.status(), () -> "the older drop's import completed: " + o.cause());
        JsonNode out = JSON.readTree(o.output());
        assertTrue(out.get("moved_to").isNull(), out.toString());
        assertTrue(out.get("note").asText().contains("replaced by a newer file"), out.toString());
        assertEquals(1, uploadsOf(a), "the older drop is imported once, with its own bytes");
        assertEquals(1, uploadsOf(b), "the newer file is imported once");
        assertNoUploadMixes(a, b);
        assertDropsKeptApart(key, older, a, newer, b);
    }

    @Test
    void aFileReplacedBetweenItsPartsImportsNothingMoreAndSaysSo() throws IOException {
        String key = "inbox/replaced/between-parts.csv";
        byte[] a = csv("e", 400); // about 10 KB: three parts of at most 4096 bytes, one slot: one after the other
        byte[] b = csv("f", 2);
        String older = cloud.drop(key, a).execution();
        awaitUploaded(older, 1);
        String newer = cloud.drop(key, b).execution();

        DescribeExecutionResponse o = cloud.await(older, Duration.ofMinutes(3));
        DescribeExecutionResponse n = cloud.await(newer, Duration.ofMinutes(3));
        assertEquals(ExecutionStatus.SUCCEEDED, n.status(), () -> n.error() + ": " + n.cause());
        assertEquals(ExecutionStatus.FAILED, o.status());
        assertEquals("FileReplaced", o.error());
        // The newer (one-part) file may already be archived, so the key may be gone when the older looks again.
        assertTrue(o.cause().startsWith(key + " was replaced"), o.cause());
        assertTrue(o.cause().contains("parts had been imported before"), o.cause());
        JsonNode report = env.json(cloud.dropNames(older).report(false));
        long imported = 0;
        for (JsonNode p : report.get("parts")) {
            if ("completed".equals(p.get("status").asText())) {
                imported++;
            } else {
                assertEquals("FileReplaced", p.get("error").asText(), p.toString());
                assertFalse(p.has("import_id"), "no import was requested for a part after the replacement: " + p);
            }
        }
        assertTrue(imported >= 1 && imported < report.get("parts").size(), report.toPrettyString());
        assertEquals(
                imported,
                sim.imports().stream()
                        .filter(i ->
                                i.upload() != null && contains(a, i.upload().bytes()))
                        .count(),
                "each imported part of the older drop was uploaded once, from the older drop");
        assertEquals(1, uploadsOf(b));
        assertNoUploadMixes(a, b);
    }

    // --- helpers

    /** Rows unique to this file, so that any upload can be traced back to the drop it came from. */
    private static byte[] csv(String tag, int rows) {
        var out = new ByteArrayOutputStream();
        out.writeBytes("email-address,name\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < rows; i++) {
            out.writeBytes(("drop-" + tag + "-" + i + "@example.com,\"Row " + i + " of drop " + tag + "\"\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static PutObjectResponse put(String key, byte[] content) {
        return cloud.s3()
                .putObject(
                        b -> b.bucket(cloud.bucket()).key(key).contentType("text/csv"), RequestBody.fromBytes(content));
    }

    /** Waits until the file's execution has uploaded {@code parts} part(s): its slot says so. */
    private static void awaitUploaded(String execution, int parts) {
        var deadline = new PatientDeadline(Duration.ofSeconds(60));
        while (true) {
            List<String> ours = cloud.partExecutions(execution);
            long uploaded = cloud.slots().stream()
                    .filter(s ->
                            s.ownerId() != null && s.uploaded() && ours.stream().anyMatch(s.ownerId()::startsWith))
                    .map(SlotView::ownerId)
                    .distinct()
                    .count();
            long done = ours.stream()
                    .filter(p -> cloud.sfn()
                                    .describeExecution(b -> b.executionArn(p))
                                    .status()
                            == ExecutionStatus.SUCCEEDED)
                    .count();
            if (uploaded + done >= parts) {
                return;
            }
            assertFalse(deadline.passed(), "the execution never uploaded " + parts + " part(s)");
            LocalCloud.pause(50);
        }
    }

    /** How many uploads APSIS received with all the data rows of {@code file}. */
    private static long uploadsOf(byte[] file) {
        byte[] rows = Arrays.copyOfRange(file, "email-address,name\n".length(), file.length);
        return sim.imports().stream()
                .filter(i -> i.upload() != null && contains(i.upload().bytes(), rows))
                .count();
    }

    /** Every upload holds rows of one drop only. */
    private static void assertNoUploadMixes(byte[] a, byte[] b) {
        String tagA = new String(a, StandardCharsets.UTF_8).split("\n")[1].split("-")[1];
        String tagB = new String(b, StandardCharsets.UTF_8).split("\n")[1].split("-")[1];
        for (var i : sim.imports()) {
            if (i.upload() == null) {
                continue;
            }
            String text = new String(i.upload().bytes(), StandardCharsets.UTF_8);
            assertFalse(
                    text.contains("drop-" + tagA + "-") && text.contains("drop-" + tagB + "-"),
                    "an upload mixes both drops");
        }
    }

    /** Each drop's file and report under names of its own, never the other drop's bytes under them. */
    private static void assertDropsKeptApart(String key, String older, byte[] a, String newer, byte[] b)
            throws IOException {
        var olderNames = cloud.dropNames(older);
        var newerNames = cloud.dropNames(newer);
        assertNotEquals(olderNames.dropId(), newerNames.dropId());
        assertArrayEquals(b, env.bytes(newerNames.archived()), "the newer drop is archived with its own bytes");
        for (String name : List.of(olderNames.archived(), olderNames.failed())) {
            byte[] there = bytesOrNull(name);
            assertTrue(there == null || Arrays.equals(a, there), name + " holds another drop's bytes");
        }
        assertTrue(
                env.exists(olderNames.report(true)) || env.exists(olderNames.report(false)),
                "the older drop has its report");
        assertTrue(env.exists(newerNames.report(true)), "the newer drop has its report");
        assertFalse(env.exists(key), "the newer drop was moved away after its import");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1)
                .contains(new String(needle, StandardCharsets.ISO_8859_1));
    }

    private static byte[] bytesOrNull(String key) {
        try {
            return env.bytes(key);
        } catch (NoSuchKeyException e) {
            return null;
        }
    }
}
