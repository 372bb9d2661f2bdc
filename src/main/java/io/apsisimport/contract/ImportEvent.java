package io.apsisimport.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.apsisimport.metrics.ImportMetrics;
import io.apsisimport.report.Advice;
import io.apsisimport.report.Summary;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The EventBridge event every finished file sends (docs/events.md): {@code source}
 * {@value #SOURCE}, {@code detail-type} {@value #SUCCEEDED}, {@value #FAILED} or {@value #SKIPPED},
 * and a {@link Detail}. FinishImport builds it from the file's summary; the file's state machine
 * sends it with Step Functions' EventBridge integration ({@code events:putEvents}, state "Announce the
 * file's outcome"), and builds the one of a file whose report could not be written itself ("Announce
 * that the report was not written"). The schema is stable: fields are added, never renamed or
 * removed (ImportEventContractTest holds this class, the definition and the examples under
 * {@code events/} together).
 */
public record ImportEvent(String detailType, Detail detail) {
    public static final String SOURCE = "io.apsisimport";
    public static final String SUCCEEDED = "Import Succeeded";
    public static final String FAILED = "Import Failed";
    public static final String SKIPPED = "Import Skipped";

    /** Longest {@code summary} and {@code advice} (sentences for people, e.g. a notification e-mail). */
    static final int TEXT_CHARS = 600;

    /**
     * What happened to one file. Snake case, as the report and {@code bin/local-import} spell the same
     * fields. Nulls are written (a field is there in every event, its value null when unknown).
     *
     * @param outcome IMPORTED, FAILED or SKIPPED (as the detail-type says)
     * @param imports APSIS import ids, one per part imported
     * @param parts parts planned; {@code partsFailed}: those not imported
     * @param error short error name (the README's Troubleshooting entries are named after them), null
     *     unless FAILED
     * @param cause what went wrong, in words
     * @param report where the report is ({@code s3://bucket/reports/…json}); {@code reportUrl}: it in the
     *     S3 console
     * @param consoleUrl the execution in the Step Functions console
     * @param summary one sentence for people, safe to put into a message template: no double quote,
     *     backslash or control character
     * @param advice what to do, for people (same guarantee); null when there is nothing to do
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Detail(
            String outcome,
            String key,
            String bucket,
            String route,
            String section,
            List<String> imports,
            Long rows,
            int parts,
            int partsFailed,
            long profilesFound,
            long profilesProcessed,
            long profilesFailed,
            String error,
            String cause,
            String failedStep,
            String report,
            String reportUrl,
            String movedTo,
            String note,
            String executionArn,
            String consoleUrl,
            String dropId,
            String startedAt,
            String finishedAt,
            Double durationSeconds,
            String summary,
            String advice) {}

    /** The event of a finished file, from its summary. */
    public static ImportEvent of(Summary s, String bucket) {
        ImportMetrics.Outcome outcome = ImportMetrics.outcome(s);
        int failedParts = (int)
                s.parts().stream().filter(p -> !"completed".equals(p.status())).count();
        String route = s.route() == null ? "" : " (route " + s.route() + ")";
        String summary;
        String advice = null;
        String type;
        switch (outcome) {
            case IMPORTED -> {
                type = SUCCEEDED;
                summary = s.key() + ": " + count(s.rows(), "row") + " imported into APSIS One" + route + " in "
                        + count((long) s.parts().size(), "part") + "; APSIS processed "
                        + count(s.profilesProcessed(), "profile")
                        + (s.profilesFailed() > 0 ? " and refused " + count(s.profilesFailed(), "profile") : "") + ".";
                if (s.profilesFailed() > 0) {
                    advice = Advice.forFailedProfiles();
                }
            }
            case SKIPPED -> {
                type = SKIPPED;
                summary = s.key() + ": skipped, it has no data rows" + route + "; nothing was imported.";
            }
            default -> {
                type = FAILED;
                summary = s.key() + " failed" + (s.failedStep() == null ? "" : " in " + s.failedStep()) + ": "
                        + s.error() + (s.cause() == null ? "" : ": " + s.cause().replace(s.key() + ": ", ""));
                advice = Advice.forError(s.error());
            }
        }
        String region = region(s.executionArn());
        var detail = new Detail(
                outcome.name(),
                s.key(),
                bucket,
                s.route(),
                s.section(),
                s.imports(),
                s.rows(),
                s.parts().size(),
                failedParts,
                s.profilesFound(),
                s.profilesProcessed(),
                s.profilesFailed(),
                s.error(),
                s.cause(),
                s.failedStep(),
                "s3://" + bucket + "/" + s.report(),
                objectUrl(bucket, s.report(), region),
                s.movedTo(),
                s.note(),
                s.executionArn(),
                s.consoleUrl(),
                s.dropId(),
                s.startedAt(),
                s.finishedAt(),
                s.durationSeconds(),
                safe(summary),
                advice == null ? null : safe(advice));
        return new ImportEvent(type, detail);
    }

    /**
     * {@code text} as one line a message template can hold as it is: double quotes become single
     * quotes, backslashes slashes, control characters and line breaks spaces (EventBridge's input
     * transformer puts values into a template without escaping them); at most {@link #TEXT_CHARS}.
     */
    public static String safe(String text) {
        String s = text.replace('"', '\'')
                .replace('\\', '/')
                .replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ")
                .strip();
        return s.length() <= TEXT_CHARS ? s : s.substring(0, TEXT_CHARS - 1) + "…";
    }

    /** The object in the S3 console (the key percent-encoded: nothing a template must escape). */
    static String objectUrl(String bucket, String key, String region) {
        String encoded = URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
        return "https://" + region + ".console.aws.amazon.com/s3/object/" + bucket + "?region=" + region + "&prefix="
                + encoded;
    }

    private static String region(String executionArn) {
        String[] arn = executionArn == null ? new String[0] : executionArn.split(":");
        return arn.length > 3 ? arn[3] : "us-east-1";
    }

    private static String count(Long n, String what) {
        long v = n == null ? 0 : n;
        return String.format(java.util.Locale.ROOT, "%,d %s%s", v, what, v == 1 ? "" : "s");
    }
}
