package io.apsisimport.handler;

import io.apsisimport.lambda.Wiring;

/**
 * Made-up inputs of the handlers' invoke priming (SnapStart, {@code JsonHandler.primeInvocation}):
 * a file dropped under the landing prefix, its execution, a routes.json with one route for it and
 * the file's CSV, served by the priming endpoint. Nothing here names a real bucket, object or
 * execution: every request they cause is answered offline, before the snapshot.
 */
final class PrimingInputs {
    static final String BUCKET = "priming-bucket";
    static final String EXECUTION = "arn:aws:states:eu-west-1:000000000000:execution:priming:priming";
    static final String CSV = "email\npriming@example.invalid\n";
    private static final String ROUTES = """
            {"routes": [{"name": "priming", "match": "**", "section": "priming",
              "import": {"keyspace_mapping": {"keyspace_discriminator": "priming", "field_selector": "email"},
                         "options": {"update_existing_profiles": true, "clear_existing_attributes": false}}}]}
            """;

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

    /** StartImport's execution input for the made-up file (what the file's execution is given). */
    static String executionInput(Wiring wiring) {
        return "{\"bucket\":\"" + BUCKET + "\",\"key\":\"" + key(wiring) + "\",\"size\":" + CSV.length()
                + ",\"eTag\":\"priming\",\"sequencer\":\"00\",\"eventTime\":\"2000-01-01T00:00:00.000Z\"}";
    }

    /** {@code text} as a JSON string (an execution's input inside an event). */
    static String quoted(String text) {
        try {
            return io.apsisimport.lambda.JsonHandler.JSON.writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The made-up part's execution (the slot owner of the slot functions' priming). */
    static final String PART_EXECUTION = EXECUTION + "-p001";

    /** Lets the made-up part find its slot (held, with the made-up import) in the priming's slot reads. */
    static void holdSlot(Wiring wiring) {
        wiring.primeItem(io.apsisimport.slots.ImportSlots.primingSlotItem(PART_EXECUTION, 0));
    }

    /** The same, with an upload ticket whose form posts to the priming endpoint (the upload's priming). */
    static void holdSlotWithTicket(Wiring wiring) {
        String ticket = new io.apsisimport.apsis.ImportTicket(
                        "priming",
                        java.net.URI.create(io.apsisimport.lambda.PrimingAnswers.ENDPOINT_PLACEHOLDER
                                + io.apsisimport.lambda.PrimingAnswers.UPLOAD_PATH),
                        java.util.List.of(new io.apsisimport.apsis.FormField("key", "priming")),
                        java.time.Instant.parse("2100-01-01T00:00:00Z"))
                .toJson();
        wiring.primeItem(io.apsisimport.slots.ImportSlots.primingSlotItem(PART_EXECUTION, 0, ticket));
    }

    /** A part execution's input for the slot functions: execution, key, part 0, and {@code more} fields. */
    static String part(Wiring wiring, String more) {
        return "{\"executionArn\":\"" + PART_EXECUTION + "\",\"key\":\"" + key(wiring) + "\",\"part\":0," + more + "}";
    }
}
