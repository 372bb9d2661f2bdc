package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.contract.FinishImportInput;
import io.apsisimport.contract.ImportEvent;
import io.apsisimport.contract.PartResult;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.landing.DropNames;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.metrics.ImportMetrics;
import io.apsisimport.report.FileReport;
import io.apsisimport.report.Summary;
import io.apsisimport.source.SourceFormat;
import io.apsisimport.source.WorkObjects;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The end of every file: on success the drop moves to {@code archive/}, on failure to
 * {@code failed/}, each with a report under {@code reports/}, all under names of this drop's own
 * ({@link DropNames}): a later drop of the same key never overwrites or contradicts them. The copy
 * and the delete are pinned to the drop ({@link LandingFiles}): when a newer file has replaced it,
 * nothing is moved (the newer file belongs to its own execution) and the report says so. The copy
 * and the report are written before the source is deleted, so nothing is lost if this step fails
 * halfway (it is retried and every step is idempotent). A compressed file's work object (its
 * decompressed CSV) is removed last, on every path.
 *
 * <p>It also says what happened to the file, to machines and people: the file's metrics go to its log
 * in CloudWatch's embedded metric format ({@link ImportMetrics}), and its output carries the
 * EventBridge event ({@link ImportEvent}) that the state machine sends next ("Announce the file's
 * outcome"), which notifications are made from.
 */
public final class FinishImportHandler extends JsonHandler<FinishImportInput, Summary> {
    private final S3Client s3;
    private final LandingFiles files;
    private final Clock clock;
    private final String metricsNamespace;

    public FinishImportHandler() {
        this(Wiring.fromSystem());
    }

    public FinishImportHandler(Wiring wiring) {
        this(
                wiring.s3(Wiring.S3Calls.READ, Wiring.S3Calls.WRITE, Wiring.S3Calls.COPY, Wiring.S3Calls.DELETE),
                wiring.clock(),
                ImportMetrics.namespace(wiring.env()));
        // A file of one part, imported: its report written, the file archived (not there yet: copied),
        // its metrics (dropped).
        DroppedFile file = PrimingInputs.file(PrimingInputs.key(wiring));
        wiring.primeObject(
                DropNames.of(file.key(), PrimingInputs.EVENT_TIME, null, PrimingInputs.EXECUTION)
                        .archived(),
                io.apsisimport.lambda.PrimingAnswers.ABSENT);
        var plan = PrimingInputs.PLAN;
        primeInvocation(
                wiring,
                new FinishImportInput(
                        file,
                        PrimingInputs.EXECUTION,
                        PrimingInputs.PRIMING,
                        PrimingInputs.PRIMING,
                        plan.rows(),
                        file.size(),
                        PrimingInputs.EVENT_TIME,
                        List.of(plan),
                        List.of(new PartResult(
                                plan.index(),
                                PrimingInputs.PRIMING,
                                io.apsisimport.apsis.Outcome.COMPLETED.name(),
                                "completed",
                                1L,
                                1L,
                                0L,
                                null,
                                null)),
                        null,
                        null));
    }

    public FinishImportHandler(S3Client s3, Clock clock) {
        this(s3, clock, ImportMetrics.DEFAULT_NAMESPACE);
    }

    public FinishImportHandler(S3Client s3, Clock clock, String metricsNamespace) {
        super(FinishImportInput.class);
        this.s3 = s3;
        this.files = new LandingFiles(s3);
        this.clock = clock;
        this.metricsNamespace = metricsNamespace;
    }

    @Override
    public Summary handle(FinishImportInput in, Context context) {
        DroppedFile file = Objects.requireNonNull(in.file(), "file (the execution's input)");
        String key = file.key();
        var names = DropNames.of(key, file.eventTime(), in.startedAt(), in.executionArn());
        FileReport.Draft draft = FileReport.draft(in);
        String target = draft.succeeded() ? names.archived() : names.failed();
        LandingFiles.Copy copy =
                files.exists(file.bucket(), target) ? LandingFiles.Copy.COPIED : files.copy(file, target);
        Instant now = clock.instant();
        Summary summary = draft.summary(names, copy, now);
        String reportKey = summary.report();

        try {
            s3.putObject(
                    b -> b.bucket(file.bucket()).key(reportKey).contentType("application/json"),
                    RequestBody.fromBytes(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ImportEvent event = ImportEvent.of(summary, file.bucket());
        var output = summary.withoutPartCauses().withEvent(event);
        if (copy == LandingFiles.Copy.COPIED) {
            files.delete(file);
        }
        if (SourceFormat.of(key).compressed()) {
            WorkObjects.delete(s3, file.bucket(), WorkObjects.keyFor(in.executionArn(), key));
        }
        Log.info(
                context,
                draft.succeeded() ? "import finished" : "import failed",
                "key",
                key,
                "status",
                summary.status(),
                "imports",
                summary.imports(),
                "profilesFound",
                summary.profilesFound(),
                "movedTo",
                summary.movedTo(),
                "report",
                reportKey,
                "note",
                summary.note(),
                "error",
                summary.error(),
                "execution",
                in.executionArn());
        // Last, once everything else worked: a retried invocation (after a failed delete, say) must not
        // count the file twice. A retry after this point is a Lambda fault, rarer still.
        io.apsisimport.metrics.EmfLog.write(context, ImportMetrics.file(metricsNamespace, summary, draft.parts(), now));
        return output;
    }
}
