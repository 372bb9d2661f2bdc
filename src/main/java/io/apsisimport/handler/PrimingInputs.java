package io.apsisimport.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.contract.HeaderRef;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.PrimingAnswers;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotOwner;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Made-up values of the handlers' invoke priming (SnapStart, {@code JsonHandler.primeInvocation}):
 * a file dropped under the landing prefix, its execution, its one part, a routes.json with one route
 * for it and the file's CSV, served by the priming endpoint. Each handler builds its made-up input
 * as its input record from these. Nothing here names a real bucket, object or execution: every
 * request they cause is answered offline, before the snapshot.
 */
final class PrimingInputs {
    static final String BUCKET = "priming-bucket";
    static final String EXECUTION = "arn:aws:states:eu-west-1:000000000000:execution:priming:priming";
    /** The route, section, import id and ETag of the made-up file. */
    static final String PRIMING = "priming";
    /** The made-up file's S3 event time (and its execution's start). */
    static final String EVENT_TIME = "2000-01-01T00:00:00.000Z";

    static final String CSV = "email\npriming@example.invalid\n";
    private static final String ROUTES = """
            {"routes": [{"name": "priming", "match": "**", "section": "priming",
              "import": {"keyspace_mapping": {"keyspace_discriminator": "priming", "field_selector": "email"},
                         "options": {"update_existing_profiles": true, "clear_existing_attributes": false}}}]}
            """;

    /** The made-up file's header line. */
    static final HeaderRef HEADER = new HeaderRef(0, CSV.indexOf('\n') + 1);
    /** The made-up file's one part: its one record. */
    static final PartPlan PLAN =
            new PartPlan(0, HEADER.length(), CSV.length(), 1, 1, CSV.length(), PartPlan.executionName(EXECUTION, 0));
    /** The made-up part's execution (the slot owner of the slot functions' priming). */
    static final String PART_EXECUTION = EXECUTION + "-p001";
    /** The made-up part as the slot functions name their slot's owner. */
    static final SlotOwner PART = new SlotOwner(PART_EXECUTION, PLAN.index());

    private PrimingInputs() {}

    /** The made-up file's key: under the landing prefix, as a dropped file's. */
    static String key(Wiring wiring) {
        return wiring.settings().landingPrefix() + "priming.csv";
    }

    /** Serves the made-up routes.json and the file's CSV to the priming's S3 reads. */
    static void serveRoutesAndFile(Wiring wiring) {
        wiring.primeObject(wiring.settings().routesKey(), ROUTES);
        wiring.primeObject(key(wiring), CSV);
    }

    /** StartImport's execution input for the made-up file dropped as {@code key}. */
    static StartImportHandler.ExecutionInput executionInput(String key) {
        return new StartImportHandler.ExecutionInput(BUCKET, key, (long) CSV.length(), PRIMING, null, "00", EVENT_TIME);
    }

    /** The made-up file dropped as {@code key} (the file's execution input, as its states read it). */
    static DroppedFile file(String key) {
        return new DroppedFile(BUCKET, key, PRIMING, null, (long) CSV.length(), EVENT_TIME);
    }

    /** {@code value} as JSON (an execution's input inside an event). */
    static String json(Object value) {
        try {
            return JsonHandler.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lets the made-up part find its slot (held, with the made-up import) in the priming's slot reads. */
    static void holdSlot(Wiring wiring) {
        wiring.primeItem(slotItem(null));
    }

    /** The same, with an upload ticket whose form posts to the priming endpoint (the upload's priming). */
    static void holdSlotWithTicket(Wiring wiring) {
        String ticket = new ImportTicket(
                        PRIMING,
                        URI.create(PrimingAnswers.ENDPOINT_PLACEHOLDER + PrimingAnswers.UPLOAD_PATH),
                        List.of(new FormField("key", PRIMING)),
                        Instant.parse("2100-01-01T00:00:00Z"))
                .toJson();
        wiring.primeItem(slotItem(ticket));
    }

    /** The made-up part's slot as the slot table holds it: taken, an import recorded, leased for an hour. */
    private static Map<String, AttributeValue> slotItem(String ticketJson) {
        Instant now = Instant.now();
        Instant lease = now.plus(Duration.ofHours(1));
        return ImportSlots.heldSlotItem(PRIMING, 0, PART, now, lease, PRIMING, lease, ticketJson);
    }
}
