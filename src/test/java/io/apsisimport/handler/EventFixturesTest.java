package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import io.apsisimport.contract.FinishImportInput;
import io.apsisimport.contract.StatusCheckInput;
import io.apsisimport.contract.UploadPartInput;
import io.apsisimport.lambda.JsonHandler;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;

// Fixture tests: the sample events under events/ (used with `sam local invoke`) have the shapes
// AWS sends and that the handlers read.
class EventFixturesTest {
    @ParameterizedTest
    @Event(value = "events/s3-put.json", type = S3Event.class)
    void s3FixtureIsARealS3Notification(S3Event event) throws IOException {
        // aws-lambda-java-events parses it the way the Lambda runtime does...
        var record = event.getRecords().get(0);
        assertEquals("ObjectCreated:Put", record.getEventName());
        assertEquals(
                "inbox/newsletter/profiles+2026-11.csv",
                record.getS3().getObject().getKey());
        // ...and StartImport's own reading agrees, URL-decoding the key.
        var ours = read("events/s3-put.json", StartImportHandler.S3Event.class);
        assertEquals(
                record.getS3().getObject().getSequencer(),
                ours.records().get(0).s3().object().sequencer());
    }

    @org.junit.jupiter.api.Test
    void stepFixturesMatchTheHandlersInputs() throws IOException {
        assertEquals(
                "inbox/newsletter/profiles 2026-11.csv",
                read("events/preflight-file.json", PreflightFileHandler.Input.class)
                        .key());
        assertEquals(
                0,
                read("events/acquire-slot.json", AcquireSlotHandler.Input.class)
                        .slot()
                        .attempt());
        assertNotNull(read("events/request-import.json", RequestImportHandler.Input.class)
                .importSpec()
                .get("keyspace_mapping"));
        var upload = read("events/upload-part.json", UploadPartInput.class);
        assertEquals(142, upload.part().end());
        assertEquals(43, upload.header().length());
        var check = read("events/check-import-status.json", StatusCheckInput.class);
        assertNotNull(check.requestedAt());
        assertEquals(60.0, check.previous().estimateSeconds());
        assertEquals(
                "IMPORT_FINISHED",
                read("events/release-slot.json", ReleaseSlotHandler.Input.class).reason());
        var finish = read("events/finish-import.json", FinishImportInput.class);
        assertEquals(3L, finish.parts().get(0).profilesFound());
        var turn = read("events/feed-queue.json", QueueFeedHandler.Input.class);
        assertEquals("turn", turn.action());
        assertEquals("2026-11-28T10:00:00.000Z", turn.file().eventTime());
        assertEquals("stop", turn.feed().onFailure());
        assertEquals(
                "daily-changes",
                read("events/feed-queue-release.json", QueueFeedHandler.Input.class)
                        .route());
        var validate = read("events/validate-file.json", ValidateFileHandler.Input.class);
        assertEquals("validate/newsletter/profiles 2026-11.csv", validate.key());
        assertEquals(true, validate.feed().dryRun());
        // The feed queue also reaps: the status change AWS sends reaches it as an event.
        assertEquals(
                "ABORTED",
                read("events/reap-slots.json", QueueFeedHandler.Input.class)
                        .detail()
                        .status());
        var reap = read("events/reap-slots.json", ReapSlotsHandler.Event.class);
        assertEquals("Step Functions Execution Status Change", reap.detailType());
        assertEquals("ABORTED", reap.detail().status());
        // A part's execution: its input names its file's work object, which is not its own to remove.
        assertNotNull(
                JsonHandler.JSON.readTree(reap.detail().input()).path("readKey").textValue());
        // A file's execution: its input is StartImport's, naming the dropped file.
        var reapFile = read("events/reap-slots-file.json", ReapSlotsHandler.Event.class);
        assertEquals(
                "inbox/crm/profiles 2026-11.csv.gz",
                JsonHandler.JSON.readTree(reapFile.detail().input()).path("key").asText());
    }

    private static <T> T read(String resource, Class<T> type) throws IOException {
        try (InputStream in = EventFixturesTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            return JsonHandler.JSON.readValue(in, type);
        }
    }
}
