package io.apsisimport.handler;

// Handler test against moto's DynamoDB (the real slot table) with a fake of our APSIS interface:
// a retried "Request import" reuses the import its first run recorded on the slot.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.Deadline;
import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.lambda.FakeContext;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.MotoDynamo;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@io.apsisimport.local.LocalCloudTest
class RequestImportReuseTest {
    private static final FakeContext CONTEXT = new FakeContext("RequestImportFunction");

    private static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:reuse";

    private static MotoDynamo moto;

    private ImportSlots slots;
    private RecordingApsis apsis;
    private RequestImportHandler handler;

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
                new SlotsConfig(moto.newTable(), "acct", 2, Duration.ofMinutes(15), Duration.ofHours(6)),
                Clock.systemUTC(),
                new SplittableRandom(1));
        apsis = new RecordingApsis();
        // No bucket in the input: the pinned check of the drop (an S3 HEAD) is not this test's subject.
        handler = new RequestImportHandler(
                apsis, slots, new io.apsisimport.landing.LandingFiles(null), Clock.systemUTC());
    }

    private static RequestImportHandler.Input input(int part) {
        ObjectNode spec = JsonHandler.JSON.createObjectNode();
        spec.putObject("keyspace_mapping")
                .put("keyspace_discriminator", "com.apsis1.keyspaces.email")
                .put("field_selector", "email");
        return new RequestImportHandler.Input(
                EXECUTION, null, "inbox/profiles.csv", null, null, part, "com.apsis1.sections.default", spec);
    }

    private void acquire(int part) {
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(new SlotOwner(EXECUTION, part), Instant.now(), 0));
    }

    @Test
    void aRetriedRequestReusesTheImportRecordedOnTheSlotInsteadOfAskingAgain() {
        acquire(0);
        RequestImportHandler.Output first = handler.handle(input(0), CONTEXT);
        RequestImportHandler.Output retried = null;
        RuntimeException failure = null;
        try {
            retried = handler.handle(input(0), CONTEXT);
        } catch (RuntimeException e) {
            failure = e;
        }

        assertEquals(
                1,
                apsis.requests.size(),
                "APSIS was asked for a second import of the same part"
                        + (failure == null ? "" : " (and then: " + failure + ")"));
        assertNull(failure);
        assertEquals(first.importId(), retried.importId());
        assertEquals(first.uploadUrlExpiresAt(), retried.uploadUrlExpiresAt());
        ImportTicket onSlot =
                ImportTicket.fromJson(slots.ticket(new SlotOwner(EXECUTION, 0)).orElseThrow());
        assertEquals(apsis.requests.get(0), onSlot);
    }

    @Test
    void eachPartGetsItsOwnImport() {
        acquire(0);
        acquire(1);
        String zero = handler.handle(input(0), CONTEXT).importId();
        String one = handler.handle(input(1), CONTEXT).importId();
        assertNotEquals(zero, one);
        assertEquals(2, apsis.requests.size());
    }

    /** Hands out a new import for every request and remembers it. */
    private static final class RecordingApsis implements ApsisApi {
        final List<ImportTicket> requests = new ArrayList<>();

        @Override
        public synchronized ImportTicket requestImport(String section, JsonNode importSpec, Deadline deadline) {
            ImportTicket ticket = new ImportTicket(
                    "import-" + (requests.size() + 1),
                    URI.create("https://uploads.example/bucket"),
                    List.of(new FormField("key", "k" + requests.size())),
                    Instant.now().plus(Duration.ofHours(1)));
            requests.add(ticket);
            return ticket;
        }

        @Override
        public ImportStatus importStatus(String section, String importId, Deadline deadline) {
            throw new UnsupportedOperationException("not used by RequestImport");
        }
    }
}
