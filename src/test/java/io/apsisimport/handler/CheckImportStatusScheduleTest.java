package io.apsisimport.handler;

// Handler test against moto's DynamoDB (the real slot table, which keeps the duration model) with
// a fake of our APSIS interface and a hand-moved clock: "Check import status" follows the estimate
// the upload planned on, carries its state from one check to the next, and teaches the account's
// model how long a completed import took.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.Deadline;
import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.contract.StatusCheckInput;
import io.apsisimport.contract.StatusCheckOutput;
import io.apsisimport.contract.StatusCheckState;
import io.apsisimport.contract.UploadPartOutput;
import io.apsisimport.lambda.FakeContext;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.sim.MutableClock;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.MotoDynamo;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@io.apsisimport.local.LocalCloudTest
class CheckImportStatusScheduleTest {
    private static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import-part:f-p001";
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private static MotoDynamo moto;

    private final MutableClock clock = new MutableClock(T0);
    private ImportSlots slots;
    private String status;
    private CheckImportStatusHandler handler;

    @BeforeAll
    static void start() {
        moto = new MotoDynamo();
    }

    @AfterAll
    static void stop() {
        moto.close();
    }

    @BeforeEach
    void freshTable() {
        slots = new ImportSlots(
                moto.ddb,
                arn -> true,
                new SlotsConfig(moto.newTable(), "acct", 3, Duration.ofMinutes(15), Duration.ofHours(6)),
                clock,
                new SplittableRandom(1));
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(new SlotOwner(EXECUTION, 0), T0, 0));
        var apsis = new ApsisApi() {
            @Override
            public ImportTicket requestImport(String section, JsonNode importSpec, Deadline deadline) {
                throw new UnsupportedOperationException("not used by CheckImportStatus");
            }

            @Override
            public ImportStatus importStatus(String section, String importId, Deadline deadline) {
                return ImportStatus.of(
                        importId,
                        status,
                        status.equals("completed") ? 10L : null,
                        status.equals("completed") ? 10L : null,
                        status.equals("completed") ? 0L : null);
            }
        };
        handler = new CheckImportStatusHandler(
                apsis, slots, clock, Duration.ofHours(6), new PollSchedule(Duration.ofSeconds(30)));
    }

    private StatusCheckOutput check(StatusCheckState previous) {
        return handler.handle(
                new StatusCheckInput(EXECUTION, "inbox/f.csv", 0, 1, "s", "import-1", T0.toString(), null, previous),
                new FakeContext("CheckImportStatusFunction"));
    }

    /** What the next check receives: this one's answer, as $.status. */
    private static StatusCheckState carried(StatusCheckOutput o) {
        return JsonHandler.JSON.convertValue(o, StatusCheckState.class);
    }

    @Test
    void theChecksFollowTheEstimateAndTheCompletedImportIsLearned() {
        // The upload (at 5 s) planned on 180 s ± 10 %: first check at 162 s after it.
        var uploaded = new UploadPartOutput(80_000, 1_000, T0.plusSeconds(5).toString(), 1_000, 0, 162, 1, 180.0, 0.1);
        var first = JsonHandler.JSON.convertValue(uploaded, StatusCheckState.class);
        clock.advance(Duration.ofSeconds(5 + 162));
        status = "in progress";
        var pending = check(first);
        assertEquals("PENDING", pending.outcome());
        assertEquals(1, pending.checks());
        assertEquals(9, pending.nextCheckSeconds(), "half a deviation while the end is likely");
        assertEquals(2, pending.earlyChecks());
        assertEquals(162.0, pending.pendingAt(), 1e-9);
        assertEquals(180.0, pending.estimateSeconds(), 1e-9, "carried to the next check");
        assertEquals(80_000L, pending.bytes(), "the upload's figures are carried for the part's timing");
        assertEquals(1_000L, pending.elapsedMillis());

        clock.advance(Duration.ofSeconds(6));
        status = "completed";
        var done = check(carried(pending));
        assertEquals("COMPLETED", done.outcome());
        assertEquals(2, done.checks());
        assertEquals(80_000L, done.bytes(), "\"Part imported\" reads the upload's figures from the last check");
        assertEquals(1_000L, done.elapsedMillis());
        // It ended between 162 s and 168 s after the upload: the model learned about 165 s.
        var model = slots.durations();
        assertEquals(1, model.samples());
        assertEquals(165, model.meanSeconds().orElseThrow(), 0.5);
    }

    @Test
    void theUploadsFiguresAreWrittenEvenWhenUnknown() {
        // After an upload whose answer was lost, the checks start from the Map's initial $.status: no
        // upload figures. "Part imported" reads $.status.bytes and $.status.elapsedMillis, so both must be
        // there (null), or the part would fail with States.Runtime.
        clock.advance(Duration.ofSeconds(30));
        status = "completed";
        var done = check(new StatusCheckState(0, 30L, null, null, null, null, null, null, null, null));
        assertEquals("COMPLETED", done.outcome());
        var json = JsonHandler.JSON.valueToTree(done);
        assertTrue(json.has("bytes") && json.get("bytes").isNull(), json.toString());
        assertTrue(json.has("elapsedMillis") && json.get("elapsedMillis").isNull(), json.toString());
        assertFalse(json.has("estimateSeconds"), "the other absent fields stay out: " + json);
    }

    @Test
    void withoutAnEstimateTheChecksKeepThePollIntervalAndStillLearn() {
        var uploaded = new UploadPartOutput(80_000, 1_000, T0.toString(), 1_000, 0, 30, 0, null, null);
        clock.advance(Duration.ofSeconds(30));
        status = "queued";
        var pending = check(JsonHandler.JSON.convertValue(uploaded, StatusCheckState.class));
        assertEquals(30, pending.nextCheckSeconds());
        assertEquals(0, pending.earlyChecks());
        assertNull(pending.estimateSeconds());
        clock.advance(Duration.ofSeconds(30));
        status = "completed";
        check(carried(pending));
        assertEquals(45, slots.durations().meanSeconds().orElseThrow(), 1e-9, "the middle of (30 s, 60 s]");
    }

    @Test
    void aCheckFromAnExecutionStartedBeforeTheEstimatesWorksAsBefore() {
        // Its definition passed only the number of checks: no upload time, nothing to learn from.
        clock.advance(Duration.ofMinutes(10));
        status = "in progress";
        var old = handler.handle(
                new StatusCheckInput(EXECUTION, "inbox/f.csv", 0, 1, "s", "import-1", T0.toString(), 4),
                new FakeContext("CheckImportStatusFunction"));
        assertEquals(5, old.checks());
        assertEquals(60, old.nextCheckSeconds(), "a tenth of its age");
        status = "completed";
        clock.advance(Duration.ofMinutes(1));
        handler.handle(
                new StatusCheckInput(EXECUTION, "inbox/f.csv", 0, 1, "s", "import-1", T0.toString(), 5),
                new FakeContext("CheckImportStatusFunction"));
        assertEquals(0, slots.durations().samples());
    }

    @Test
    void aFailedImportTeachesNothing() {
        var uploaded = new UploadPartOutput(80_000, 1_000, T0.toString(), 1_000, 0, 30, 0, null, null);
        clock.advance(Duration.ofSeconds(30));
        status = "failed";
        var failed = check(JsonHandler.JSON.convertValue(uploaded, StatusCheckState.class));
        assertEquals("FAILED", failed.outcome());
        assertTrue(failed.failure() != null);
        assertEquals(0, slots.durations().samples());
    }
}
