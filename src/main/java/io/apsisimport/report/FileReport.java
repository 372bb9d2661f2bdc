package io.apsisimport.report;

import io.apsisimport.contract.FinishImportInput;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.PartResult;
import io.apsisimport.contract.StepError;
import io.apsisimport.landing.DropNames;
import io.apsisimport.landing.FileReplacedException;
import io.apsisimport.landing.LandingFiles;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A file's report, from what its execution knows (FinishImport's input, {@link FinishImportInput}): a pure function (no S3, no clock), in two steps
 * because where the drop goes depends on the verdict and what the report says depends on whether it
 * got there. {@link #draft} decides: the file failed when a Catch says so or a part was not imported
 * (the first replaced part names the error, else the first failed one), and which parts say why.
 * {@link Draft#summary} then writes the report of the drop as it was moved (or not).
 */
public final class FileReport {
    /** The file-level Cause lists failed parts up to about this many characters (Step Functions allows 32,768). */
    public static final int CAUSE_CHARS = 4_000;

    private FileReport() {}

    /**
     * The verdict before the drop is moved. {@code parts}: the results with each failed part's details
     * read from its execution's Cause; {@code error} null: the file succeeded.
     */
    public record Draft(
            FinishImportInput facts,
            List<PartResult> parts,
            List<PartReport> partReports,
            List<String> imports,
            long profilesFound,
            long profilesProcessed,
            long profilesFailed,
            String failedStep,
            String error,
            String cause) {

        public boolean succeeded() {
            return error == null;
        }

        /** The report of the drop, moved ({@code copy}) to its name in {@code names} or not, finished at {@code now}. */
        public Summary summary(DropNames names, LandingFiles.Copy copy, Instant now) {
            String target = succeeded() ? names.archived() : names.failed();
            Double duration = facts.startedAt() == null
                    ? null
                    : Duration.between(OffsetDateTime.parse(facts.startedAt()).toInstant(), now)
                                    .toMillis()
                            / 1000.0;
            return new Summary(
                    facts.file().key(),
                    succeeded() ? Summary.SUCCEEDED : Summary.FAILED,
                    facts.route(),
                    facts.section(),
                    facts.rows(),
                    facts.bytes(),
                    imports,
                    profilesFound,
                    profilesProcessed,
                    profilesFailed,
                    partReports,
                    copy == LandingFiles.Copy.COPIED ? target : null,
                    names.report(succeeded()),
                    names.dropId(),
                    facts.executionArn(),
                    consoleUrl(facts.executionArn()),
                    facts.startedAt(),
                    now.toString(),
                    duration,
                    failedStep,
                    error,
                    cause,
                    note(facts.file().key(), copy, succeeded()),
                    facts.compressed(),
                    facts.feed() != null && facts.feed().ordered() ? facts.feed() : null,
                    null);
        }
    }

    /** The verdict of a file and its parts' lines in the report. */
    public static Draft draft(FinishImportInput in) {
        String key = Objects.requireNonNull(in.file(), "file (the execution's input)")
                .key();
        List<PartResult> parts = in.parts() == null
                ? List.of()
                : in.parts().stream().map(PartResult::withFailureDetails).toList();
        Map<Integer, PartPlan> plans = new HashMap<>();
        if (in.plans() != null) {
            in.plans().forEach(p -> plans.put(p.index(), p));
        }
        java.util.function.Function<PartResult, PartPlan> planOf =
                r -> plans.getOrDefault(r.index(), new PartPlan(r.index(), 0, 0, 0, 0, 0, null));
        var reports = parts.stream().map(r -> report(r, planOf.apply(r))).toList();
        List<String> imports = parts.stream()
                .map(PartResult::importId)
                .filter(Objects::nonNull)
                .toList();
        long found = parts.stream().mapToLong(p -> nz(p.profilesFound())).sum();
        long processed =
                parts.stream().mapToLong(p -> nz(p.profilesProcessed())).sum();
        long failedProfiles =
                parts.stream().mapToLong(p -> nz(p.profilesFailed())).sum();

        String failedStep = in.failedStep();
        String error = null;
        String cause = null;
        if (in.error() != null) {
            error = in.error().name();
            cause = in.error().message();
        } else {
            var failedParts = parts.stream().filter(p -> !p.completed()).toList();
            if (!failedParts.isEmpty()) {
                PartResult first = failedParts.stream()
                        .filter(FileReport::replaced)
                        .findFirst()
                        .orElse(failedParts.get(0));
                error = first.error() != null ? first.error().name() : "ImportFailed";
                failedStep = first.failedStep() != null ? first.failedStep() : "Check import status";
                cause = replaced(first)
                        ? first.error().message() + partsBefore(parts)
                        : describeFailedParts(key, failedParts, parts.size(), planOf);
            }
        }
        if (cause != null && !cause.contains(key)) {
            cause = key + ": " + cause; // the console's Cause names the file, whatever failed
        }
        return new Draft(in, parts, reports, imports, found, processed, failedProfiles, failedStep, error, cause);
    }

    /** Why the drop was not moved ({@code null}: it was). */
    public static String note(String key, LandingFiles.Copy copy, boolean succeeded) {
        return switch (copy) {
            case COPIED -> null;
            case REPLACED ->
                key + " was replaced by a newer file before this drop could be moved to "
                        + (succeeded ? "archive/" : "failed/") + "; the newer file has its own execution";
            case GONE ->
                key + " was replaced or deleted before this drop could be moved to "
                        + (succeeded ? "archive/" : "failed/");
        };
    }

    /** The execution's page in the Step Functions console, in the execution's own region. */
    public static String consoleUrl(String executionArn) {
        if (executionArn == null) {
            return null;
        }
        String[] arn = executionArn.split(":");
        String region = arn.length > 3 ? arn[3] : "";
        return "https://" + region + ".console.aws.amazon.com/states/home?region=" + region + "#/v2/executions/details/"
                + executionArn;
    }

    private static boolean replaced(PartResult r) {
        return r.error() != null
                && r.error().error() != null
                && r.error().name().equals(StepError.shortName(FileReplacedException.class.getName()));
    }

    private static String partsBefore(List<PartResult> parts) {
        long imported = parts.stream().filter(PartResult::completed).count();
        return imported == 0 ? "" : " (" + imported + " of " + parts.size() + " parts had been imported before)";
    }

    private static PartReport report(PartResult r, PartPlan p) {
        return new PartReport(
                p.index() + 1,
                p.firstRow(),
                p.lastRow(),
                p.rows(),
                p.start(),
                p.end(),
                r.importId(),
                r.completed() ? "completed" : (r.status() != null ? r.status() : "not imported"),
                r.profilesFound(),
                r.profilesProcessed(),
                r.profilesFailed(),
                r.failedStep(),
                r.error() == null ? null : r.error().name(),
                r.error() == null ? null : r.error().message(),
                p.execution());
    }

    private static String describeFailedParts(
            String key, List<PartResult> failed, int total, java.util.function.Function<PartResult, PartPlan> planOf) {
        var lines = new ArrayList<String>();
        int length = 0;
        for (PartResult r : failed) {
            if (length > CAUSE_CHARS) {
                lines.add("and " + (failed.size() - lines.size()) + " more (see the report)");
                break;
            }
            PartPlan p = planOf.apply(r);
            String why = r.error() != null ? r.error().message() : "APSIS reported status \"" + r.status() + "\"";
            String where = total > 1
                    ? "part " + (p.index() + 1) + "/" + total + " (rows " + p.firstRow() + "-" + p.lastRow()
                            + ", bytes " + p.start() + "-" + p.end() + ")"
                    : key;
            lines.add(where + ": " + why);
            length += where.length() + why.length() + 4;
        }
        String head = total > 1 ? failed.size() + " of " + total + " parts of " + key + " were not imported: " : "";
        return head + String.join("; ", lines);
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
