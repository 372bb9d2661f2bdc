package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.Deadline;
import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.apsis.UploadArrival;
import io.apsisimport.contract.StatusCheckInput;
import io.apsisimport.contract.StatusCheckOutput;
import io.apsisimport.lambda.Log;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotLostException;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.upload.UploadOutcomeUnknownException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * "Did the file arrive?", after an upload whose outcome is unknown (input {@code arrival} of
 * {@link CheckImportStatusHandler}): asks APSIS for the import's status (the handler has renewed
 * the slot's lease first, as for every status check). Not "waiting for a file": the file is there (recorded on the slot),
 * the status checks take over. "Waiting for a file" for the whole wait: the upload is given up on,
 * and the file may be sent once more; after {@link UploadArrival#MAX_RESENDS} such resends the part
 * fails instead with {@code UploadOutcomeUnknownException}. {@link UploadArrival} holds the verdict
 * and the schedule; this class acts on them.
 */
final class ArrivalCheck {
    /** Statuses that follow a file's arrival in APSIS's documentation (the help centre's article). */
    private static final Set<String> KNOWN_AFTER_THE_FILE = Set.of("queued", "in progress", "in_progress", "completed");

    private final ApsisApi apsis;
    private final ImportSlots slots;
    private final Clock clock;
    private final UploadArrival arrival;

    ArrivalCheck(ApsisApi apsis, ImportSlots slots, Clock clock, UploadArrival arrival) {
        this.apsis = apsis;
        this.slots = slots;
        this.clock = clock;
        this.arrival = arrival;
    }

    /** One check; {@code deadline} is asked for when APSIS is (the time left to the invocation then). */
    StatusCheckOutput check(StatusCheckInput in, Supplier<Deadline> deadline, Context context) {
        var owner = new SlotOwner(in.executionArn(), in.part());
        Instant now = clock.instant();
        Instant since =
                in.arrival().since() == null ? now : Instant.parse(in.arrival().since());
        int checks = (in.arrival().checks() == null ? 0 : in.arrival().checks()) + 1;
        ImportStatus status = apsis.importStatus(in.section(), in.importId(), deadline.get());
        Duration waited = Duration.between(since, clock.instant());
        var verdict = arrival.verdict(status.status(), waited, checks);
        Log.info(
                context,
                "did the file arrive?",
                "key",
                in.key(),
                "part",
                in.part(),
                "importId",
                in.importId(),
                "status",
                status.status(),
                "verdict",
                verdict.name(),
                "checks",
                checks,
                "waitedSeconds",
                waited.toSeconds(),
                "execution",
                in.executionArn());
        boolean arrived = false;
        boolean resend = false;
        switch (verdict) {
            case ARRIVED -> {
                arrived = true;
                if (status.outcome() == Outcome.PENDING
                        && !KNOWN_AFTER_THE_FILE.contains(
                                status.status().toLowerCase(Locale.ROOT).strip())) {
                    // Taken as "the file is there" because it does not say "waiting for a file": logged so that
                    // APSIS's real spellings can be learnt (docs/apsis-client.md).
                    Log.warn(
                            context,
                            "import status not known to follow the file's arrival; taken as arrived, the file is not"
                                    + " sent again",
                            "key",
                            in.key(),
                            "part",
                            in.part(),
                            "importId",
                            in.importId(),
                            "status",
                            status.status(),
                            "execution",
                            in.executionArn());
                }
                try {
                    slots.markUploaded(owner);
                } catch (SlotLostException e) {
                    Log.warn(
                            context,
                            "import slot lost; the file arrived",
                            "key",
                            in.key(),
                            "part",
                            in.part(),
                            "importId",
                            in.importId(),
                            "execution",
                            in.executionArn());
                }
            }
            case NOT_ARRIVED -> {
                if (!slots.giveUpOnUpload(owner, UploadArrival.MAX_RESENDS)) {
                    throw new UploadOutcomeUnknownException(
                            "APSIS import " + in.importId() + " of " + in.key()
                                    + (in.partCount() == null || in.partCount() <= 1
                                            ? ""
                                            : " (part " + (in.part() + 1) + ")")
                                    + " still says \"" + status.status() + "\" " + waited.toSeconds()
                                    + " s after an upload whose answer"
                                    + " was lost, and the file was already sent again " + UploadArrival.MAX_RESENDS
                                    + " times after such"
                                    + " uploads: not sending it once more",
                            -1,
                            null,
                            null);
                }
                resend = true;
            }
            case NOT_YET -> {
                // look again later
            }
        }
        return new StatusCheckOutput(
                status.outcome().name(),
                status.status(),
                null,
                null,
                null,
                now.toString(),
                checks,
                arrival.nextCheckSeconds(checks, waited),
                null,
                arrived,
                resend,
                since.toString());
    }
}
