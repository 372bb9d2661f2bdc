package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.contract.FeedState;
import io.apsisimport.dryrun.DryRun;
import io.apsisimport.dryrun.DryRunKeys;
import io.apsisimport.dryrun.DryRunReport;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.landing.DropNames;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.report.FileReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * "Check the file without importing it" (a dry run: a key under the validate prefix, or a route with
 * {@code "dryRun": true}): the route and the preflight's checks ({@link DryRun}), then, as an import's
 * end does, the drop moves to {@code archive/} (it would import) or {@code failed/} (it would not),
 * with its report under {@code reports/}, all under names of the drop's own. Never calls APSIS, never
 * takes an import slot. The copy and the delete are pinned to the drop, as FinishImport's are.
 */
public final class ValidateFileHandler extends JsonHandler<ValidateFileHandler.Input, DryRunReport> {
    private final S3Client s3;
    private final LandingFiles files;
    private final DryRun dryRun;
    private final DryRunKeys keys;
    private final Clock clock;

    public ValidateFileHandler() {
        this(Wiring.fromSystem());
    }

    public ValidateFileHandler(Wiring wiring) {
        this(
                wiring.s3(),
                new DryRun(
                        wiring.s3(),
                        wiring.routes(),
                        wiring.settings().maxPartBytes(),
                        wiring.settings().expansionLimits()),
                new DryRunKeys(
                        wiring.settings().validatePrefix(), wiring.settings().landingPrefix()),
                wiring.clock());
        // A file dropped under the validate prefix, checked as it would be imported, its report written.
        String key = wiring.settings().validatePrefix() + "priming.csv";
        PrimingInputs.serveRoutesAndFile(wiring);
        wiring.primeObject(key, PrimingInputs.CSV);
        primeInvocation(
                wiring,
                new Input(
                        PrimingInputs.file(key),
                        PrimingInputs.EXECUTION,
                        PrimingInputs.EVENT_TIME,
                        FeedState.dryRun(PrimingInputs.PRIMING, null)));
    }

    public ValidateFileHandler(S3Client s3, DryRun dryRun, DryRunKeys keys, Clock clock) {
        super(Input.class);
        this.s3 = s3;
        this.files = new LandingFiles(s3);
        this.dryRun = dryRun;
        this.keys = keys;
        this.clock = clock;
    }

    /** {@code file}: the execution's input (the drop); {@code feed}: why it is only checked ("Find the file's route"). */
    public record Input(DroppedFile file, String executionArn, String startedAt, FeedState feed) {
        public String key() {
            return file == null ? null : file.key();
        }
    }

    @Override
    public DryRunReport handle(Input in, Context context) {
        DroppedFile file = Objects.requireNonNull(in.file(), "file (the execution's input)");
        String why = in.feed() != null && in.feed().why() != null
                ? in.feed().why()
                : keys.underValidatePrefix(file.key()) ? keys.reason(file.key()) : "the route says \"dryRun\": true";
        DryRunReport checked = dryRun.check(file, keys.routedAs(file.key()), why);
        var names = DropNames.of(file.key(), file.eventTime(), in.startedAt(), in.executionArn());
        boolean validated = checked.validated();
        String target = validated ? names.archived() : names.failed();
        String reportKey = names.report(validated);

        LandingFiles.Copy copy =
                files.exists(file.bucket(), target) ? LandingFiles.Copy.COPIED : files.copy(file, target);
        String note = switch (copy) {
            case COPIED -> checked.note();
            case REPLACED ->
                file.key() + " was replaced by a newer file before this drop could be moved; the newer file "
                        + "has its own execution";
            case GONE -> file.key() + " was replaced or deleted before this drop could be moved";
        };
        Instant now = clock.instant();
        Double duration = in.startedAt() == null
                ? null
                : Duration.between(OffsetDateTime.parse(in.startedAt()).toInstant(), now)
                                .toMillis()
                        / 1000.0;
        DryRunReport report = checked.placed(
                copy == LandingFiles.Copy.COPIED ? target : null,
                reportKey,
                names.dropId(),
                in.executionArn(),
                FileReport.consoleUrl(in.executionArn()),
                in.startedAt(),
                now.toString(),
                duration,
                note);
        try {
            s3.putObject(
                    b -> b.bucket(file.bucket()).key(reportKey).contentType("application/json"),
                    RequestBody.fromBytes(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (copy == LandingFiles.Copy.COPIED) {
            files.delete(file);
        }
        Log.info(
                context,
                validated ? "dry run: the file would import" : "dry run: the file would not import",
                "key",
                file.key(),
                "route",
                report.route(),
                "rows",
                report.rows(),
                "parts",
                report.parts().size(),
                "problems",
                report.problems().size(),
                "error",
                report.error(),
                "movedTo",
                report.movedTo(),
                "report",
                reportKey,
                "execution",
                in.executionArn());
        return report.forOutput();
    }
}
