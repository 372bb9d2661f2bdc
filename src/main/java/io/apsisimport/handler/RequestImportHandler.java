package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotOwner;
import java.time.Clock;

/**
 * "Request import": asks APSIS One for an import with the route's specification. The upload form
 * (policy, signature) goes to the slot record, never into the execution's state. Idempotent: a
 * retried invocation whose first run already got an import reuses it instead of requesting a
 * second one for the same part. Asks for nothing when the file was replaced meanwhile (a pinned
 * HEAD): an import that would never get its file holds an APSIS place until its URL expires.
 */
public final class RequestImportHandler extends JsonHandler<RequestImportHandler.Input, RequestImportHandler.Output> {
    private final ApsisApi apsis;
    private final ImportSlots slots;
    private final LandingFiles files;
    private final Clock clock;

    public RequestImportHandler() {
        this(Wiring.fromSystem());
    }

    public RequestImportHandler(Wiring wiring) {
        this(wiring.apsis(), wiring.slots(), new LandingFiles(wiring.s3(Wiring.S3Calls.READ)), wiring.clock());
        // An import requested from APSIS (the priming copy of the client) and recorded on the slot.
        PrimingInputs.holdSlot(wiring);
        ObjectNode importSpec = JSON.createObjectNode();
        importSpec
                .putObject("keyspace_mapping")
                .put("keyspace_discriminator", PrimingInputs.PRIMING)
                .put("field_selector", "email");
        primeInvocation(
                wiring,
                new Input(
                        PrimingInputs.PART_EXECUTION,
                        PrimingInputs.BUCKET,
                        PrimingInputs.key(wiring),
                        PrimingInputs.PRIMING,
                        null,
                        PrimingInputs.PLAN.index(),
                        PrimingInputs.PRIMING,
                        importSpec));
    }

    public RequestImportHandler(ApsisApi apsis, ImportSlots slots, LandingFiles files, Clock clock) {
        super(Input.class);
        this.apsis = apsis;
        this.slots = slots;
        this.files = files;
        this.clock = clock;
    }

    /** {@code executionArn}: the part's execution (the slot's owner); bucket/key/eTag/versionId: the drop. */
    public record Input(
            String executionArn,
            String bucket,
            String key,
            String eTag,
            String versionId,
            int part,
            String section,
            ObjectNode importSpec) {}

    public record Output(String importId, String uploadUrlExpiresAt, String requestedAt) {}

    @Override
    public Output handle(Input in, Context context) {
        var owner = new SlotOwner(in.executionArn(), in.part());
        String requestedAt = clock.instant().toString();
        // Throws SlotLostException if the slot was reclaimed meanwhile: then no import may start.
        slots.renew(owner);
        var attached = slots.ticket(owner);
        if (attached.isPresent()) {
            ImportTicket ticket = ImportTicket.fromJson(attached.get());
            Log.info(
                    context,
                    "import already requested: reusing it",
                    "key",
                    in.key(),
                    "part",
                    in.part(),
                    "importId",
                    ticket.importId(),
                    "execution",
                    in.executionArn());
            return new Output(ticket.importId(), String.valueOf(ticket.expiresAt()), requestedAt);
        }
        if (in.bucket() != null) {
            files.requireUnchanged(new DroppedFile(in.bucket(), in.key(), in.eTag(), in.versionId(), null, null));
        }
        ImportTicket ticket = apsis.requestImport(in.section(), in.importSpec(), apsisDeadline(context));
        slots.attachImport(owner, ticket.importId(), ticket.expiresAt(), ticket.toJson());
        Log.info(
                context,
                "import requested",
                "key",
                in.key(),
                "part",
                in.part(),
                "section",
                in.section(),
                "importId",
                ticket.importId(),
                "uploadUrlExpiresAt",
                String.valueOf(ticket.expiresAt()),
                "execution",
                in.executionArn());
        return new Output(ticket.importId(), String.valueOf(ticket.expiresAt()), requestedAt);
    }
}
