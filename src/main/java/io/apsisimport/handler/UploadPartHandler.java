package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.contract.UploadPartInput;
import io.apsisimport.contract.UploadPartOutput;
import io.apsisimport.lambda.AwsErrors;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.PrimingAnswers;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.slots.DurationModel;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotLostException;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.UploadStart;
import io.apsisimport.source.SourceFormat;
import io.apsisimport.upload.PresignedPostUploader;
import io.apsisimport.upload.PresignedPostUploader.UploadResult;
import io.apsisimport.upload.UploadOutcomeUnknownException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * "Upload file": streams the header line and the part's byte range straight from S3 (two ranged
 * GETs, pinned to the drop the S3 event announced) into the presigned POST: constant memory,
 * whatever the file size. A file replaced meanwhile fails the part with {@code FileReplacedException}
 * before a byte of the newer file reaches APSIS.
 *
 * <p>Never sends the file twice while it may have arrived: each attempt is recorded on the slot
 * before it is sent ({@link ImportSlots#startUpload}), and recorded as not delivered only when it
 * provably was not (its request never became complete). An attempt whose outcome is unknown (no
 * answer after the whole file, or an invocation that died mid-upload and is retried) ends in
 * {@link UploadOutcomeUnknownException}: the state machine then asks APSIS "Did the file arrive?"
 * before any further attempt.
 *
 * <p>Then it says when to look at the import first: near the end estimated from the part's rows and
 * bytes and what APSIS took for this account's recent imports ({@link PollSchedule}); the answer
 * becomes the state the status checks carry ({@code $.status}, copied there by "Plan the status
 * checks").
 */
public final class UploadPartHandler extends JsonHandler<UploadPartInput, UploadPartOutput> {
    /**
     * How much the SnapStart priming streams through the relay: enough for the JIT to compile the copy
     * path (bench/coldstart: the first upload of a fresh environment against curl -F).
     */
    static final long RELAY_PRIMING_BYTES = 32L << 20;

    private final LandingFiles files;
    private final ImportSlots slots;
    private final PresignedPostUploader uploader;
    private final PollSchedule schedule;
    private final Clock clock;

    public UploadPartHandler() {
        this(Wiring.fromSystem());
    }

    public UploadPartHandler(Wiring wiring) {
        this(wiring.s3(Wiring.S3Calls.READ), wiring.slots(), wiring.uploader(), wiring.pollSchedule(), wiring.clock());
        wiring.primeAlso(this::primeRelay);
        // Then a part of one record relayed as handle() relays it: its ticket read from its slot, the
        // upload recorded there (the priming endpoint's answers and form).
        PrimingInputs.holdSlotWithTicket(wiring);
        primeInvocation(
                wiring,
                new UploadPartInput(
                        PrimingInputs.BUCKET,
                        PrimingInputs.key(wiring),
                        PrimingInputs.PRIMING,
                        null,
                        PrimingInputs.PART_EXECUTION,
                        PrimingInputs.PLAN,
                        1,
                        PrimingInputs.HEADER,
                        PrimingInputs.PRIMING));
    }

    public UploadPartHandler(S3Client s3, ImportSlots slots, PresignedPostUploader uploader) {
        this(s3, slots, uploader, new PollSchedule(Duration.ofSeconds(30)), Clock.systemUTC());
    }

    public UploadPartHandler(
            S3Client s3, ImportSlots slots, PresignedPostUploader uploader, PollSchedule schedule, Clock clock) {
        super(UploadPartInput.class);
        this.files = new LandingFiles(s3);
        this.slots = slots;
        this.uploader = uploader;
        this.schedule = schedule;
        this.clock = clock;
    }

    @Override
    public UploadPartOutput handle(UploadPartInput in, Context context) {
        var owner = new SlotOwner(in.executionArn(), in.part().index());
        ImportTicket ticket = ImportTicket.fromJson(slots.ticket(owner)
                .orElseThrow(() -> new SlotLostException("no upload form stored for " + owner.id()
                        + ": the slot was released or taken over before the upload")));
        long length = PartBody.length(in);
        int attempt = switch (slots.startUpload(owner)) {
            case UploadStart.Send send -> send.attempt();
            case UploadStart.AlreadyUploaded done -> {
                Log.info(
                        context,
                        "file already uploaded; not sent again",
                        "key",
                        in.key(),
                        "part",
                        in.part().index(),
                        "importId",
                        in.importId(),
                        "execution",
                        in.executionArn());
                yield 0;
            }
            case UploadStart.InDoubt doubt ->
                throw new UploadOutcomeUnknownException(
                        "upload attempt " + doubt.attempt()
                                + " of APSIS import " + in.importId()
                                + " ended without a known outcome (its invocation stopped before it"
                                + " could say); the file may have arrived: not sent again before APSIS is asked",
                        -1,
                        null,
                        null);
        };
        if (attempt == 0) {
            // Delivered by an earlier invocation whose answer was lost: its time is unknown, so no estimate
            // places the first check; the configured interval does.
            PollSchedule.Wait first = schedule.first(null);
            return new UploadPartOutput(
                    length, 0, 0, clock.instant().toString(), in.part().rows(), 0, first.seconds(), 0, null, null);
        }
        var drop = PartBody.source(in);
        UploadResult result;
        long opening = System.nanoTime();
        long openMillis;
        TimedInputStream timed;
        try (InputStream body = timed = new TimedInputStream(PartBody.open(files, drop, in))) {
            openMillis = (System.nanoTime() - opening) / 1_000_000;
            result = uploader.upload(
                    ticket,
                    PartBody.fileName(SourceFormat.csvKey(in.key()), in.part().index(), in.partCount()),
                    length,
                    body);
        } catch (UploadOutcomeUnknownException e) {
            throw e; // the attempt stays in doubt: nothing is sent before "Did the file arrive?"
        } catch (IOException e) {
            settle(owner, attempt, context);
            throw new UncheckedIOException("reading s3://" + in.bucket() + "/" + drop.key(), e);
        } catch (RuntimeException e) {
            // Every other failure is one where the file cannot have arrived: its request never became complete
            // (or S3 refused it unread), or it was never sent (the drop replaced, S3 unreadable).
            settle(owner, attempt, context);
            throw e;
        }
        Instant uploadedAt = clock.instant();
        DurationModel.Estimate estimate = estimate(in.part().rows(), length, context, in);
        // Waiters plan their safety-net waits on when this import is likely to have ended.
        slots.markUploaded(
                owner,
                estimate == null
                        ? null
                        : uploadedAt.plusMillis(Math.round((estimate.seconds() + estimate.deviation()) * 1000)));
        PollSchedule.Wait first = schedule.first(estimate);
        Log.info(
                context,
                "file uploaded",
                "key",
                in.key(),
                "part",
                in.part().index(),
                "importId",
                in.importId(),
                "bytes",
                result.bytesSent(),
                "millis",
                result.elapsed().toMillis(),
                "s3OpenMillis",
                openMillis,
                "s3ReadMillis",
                timed.readNanos / 1_000_000,
                "attempt",
                attempt,
                "estimateSeconds",
                estimate == null ? null : Math.round(estimate.seconds()),
                "firstCheckSeconds",
                first.seconds(),
                "execution",
                in.executionArn());
        return new UploadPartOutput(
                result.bytesSent(),
                result.elapsed().toMillis(),
                attempt,
                uploadedAt.toString(),
                in.part().rows(),
                0,
                first.seconds(),
                first.early() ? 1 : 0,
                estimate == null ? null : estimate.seconds(),
                estimate == null ? null : estimate.spread());
    }

    /** From this account's finished imports; none (the configured interval) when nothing was learned or it cannot be read. */
    private DurationModel.Estimate estimate(long rows, long bytes, Context context, UploadPartInput in) {
        try {
            return slots.durations().estimate(rows, bytes).orElse(null);
        } catch (RuntimeException e) {
            Log.warn(
                    context,
                    "could not read how long APSIS's imports took: checking at the poll interval",
                    "key",
                    in.key(),
                    "part",
                    in.part().index(),
                    "error",
                    AwsErrors.describe(e, null),
                    "execution",
                    in.executionArn());
            return null;
        }
    }

    /** Records that the attempt did not deliver the file; if that fails, the attempt merely stays in doubt. */
    private void settle(SlotOwner owner, int attempt, Context context) {
        try {
            slots.settleUpload(owner, attempt);
        } catch (RuntimeException e) {
            Log.warn(
                    context,
                    "could not record that the upload attempt did not deliver the file; the next attempt"
                            + " asks APSIS first",
                    "attempt",
                    attempt,
                    "errorType",
                    e.getClass().getName(),
                    "execution",
                    owner.executionArn());
        }
    }

    /**
     * The relay's own path, before the SnapStart snapshot: {@link #RELAY_PRIMING_BYTES} streamed from
     * two ranged S3 GETs into an upload form, as {@link #handle} does for a later part (a first part
     * is one GET, the same path), both answered by the priming endpoint on loopback ({@link Wiring#prime}). The copy path gets compiled before the first file
     * arrives. With a plain-http endpoint, the TLS of a real upload is not part of it.
     */
    void primeRelay(URI endpoint) {
        var drop = new DroppedFile("priming", "priming/relay.csv", "priming", null, null, null);
        // Through its JSON form, as handle() reads it from the slot (the ticket's mapping is primed too).
        var ticket = ImportTicket.fromJson(new ImportTicket(
                        "priming",
                        endpoint.resolve(PrimingAnswers.UPLOAD_PATH),
                        List.of(new FormField("key", "priming")),
                        Instant.parse("2100-01-01T00:00:00Z"))
                .toJson());
        long header = 64;
        try (InputStream head = files.range(drop, 0, header);
                InputStream records = files.range(drop, header, header + RELAY_PRIMING_BYTES);
                InputStream body = new SequenceInputStream(head, records)) {
            uploader.upload(ticket, "priming.csv", header + RELAY_PRIMING_BYTES, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
