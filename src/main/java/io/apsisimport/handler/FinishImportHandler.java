package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.apsisimport.contract.FeedState;
import io.apsisimport.contract.ImportEvent;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.PartResult;
import io.apsisimport.contract.StepError;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.landing.DropNames;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.FileReplacedException;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.metrics.ImportMetrics;
import io.apsisimport.source.CompressedFile;
import io.apsisimport.source.SourceFormat;
import io.apsisimport.source.WorkObjects;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
public final class FinishImportHandler extends JsonHandler<FinishImportHandler.Input, FinishImportHandler.Summary> {
  private final S3Client s3;
  private final LandingFiles files;
  private final Clock clock;
  private final String metricsNamespace;

  public FinishImportHandler() {
    this(Wiring.fromSystem());
  }

  public FinishImportHandler(Wiring wiring) {
    this(wiring.s3(Wiring.S3Calls.READ, Wiring.S3Calls.WRITE, Wiring.S3Calls.COPY, Wiring.S3Calls.DELETE),
        wiring.clock(), ImportMetrics.namespace(wiring.env()));
  }

  public FinishImportHandler(S3Client s3, Clock clock) {
    this(s3, clock, ImportMetrics.DEFAULT_NAMESPACE);
  }

  public FinishImportHandler(S3Client s3, Clock clock, String metricsNamespace) {
    super(Input.class);
    this.s3 = s3;
    this.files = new LandingFiles(s3);
    this.clock = clock;
    this.metricsNamespace = metricsNamespace;
  }

  /**
   * {@code file}: the execution's input (the drop); {@code plans}: the parts as preflight planned
   * them; {@code parts}: the Map's results, by part index (both absent when the file failed before
   * any import); {@code error}/{@code failedStep}: set by a Catch on the way to the failure path;
   * {@code compressed}: preflight's word on a compressed file (absent on the failure path).
   */
  public record Input(DroppedFile file, String executionArn, String route, String section, Long rows, Long bytes,
      String startedAt, List<PartPlan> plans, List<PartResult> parts, StepError error, String failedStep,
      CompressedFile compressed, FeedState feed) {
    public Input(DroppedFile file, String executionArn, String route, String section, Long rows, Long bytes,
        String startedAt, List<PartPlan> plans, List<PartResult> parts, StepError error, String failedStep) {
      this(file, executionArn, route, section, rows, bytes, startedAt, plans, parts, error, failedStep, null);
    }

    public Input(DroppedFile file, String executionArn, String route, String section, Long rows, Long bytes,
        String startedAt, List<PartPlan> plans, List<PartResult> parts, StepError error, String failedStep,
        CompressedFile compressed) {
      this(file, executionArn, route, section, rows, bytes, startedAt, plans, parts, error, failedStep, compressed, null);
    }
  }

  /** The file-level Cause lists failed parts up to about this many characters (Step Functions allows 32,768). */
  static final int CAUSE_CHARS = 4_000;

  /** A part in the report: what was imported, or exactly which rows and bytes were not. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PartReport(int part, long firstRow, long lastRow, long rows, long byteStart, long byteEnd,
      String importId, String status, Long profilesFound, Long profilesProcessed, Long profilesFailed,
      String failedStep, String error, String cause, String execution) {}

  /**
   * The execution's output and the report's content. {@code movedTo} is null when the drop could
   * not be moved (replaced or deleted meanwhile: {@code note} says which). {@code bytes}: of the CSV
   * (decompressed); {@code compressed}: format and both sizes of a compressed file, left out for a
   * plain one. {@code feed}: for a file of an ordered route, its feed (which earlier files failed),
   * left out otherwise. {@code event}: only in FinishImport's output, the file's EventBridge event for
   * the state machine to send (its task then puts the event's id there instead); not in the report.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Summary(String key, String status, String route, String section, Long rows, Long bytes,
      List<String> imports, long profilesFound, long profilesProcessed, long profilesFailed,
      List<PartReport> parts, String movedTo, String report, String dropId, String executionArn,
      String consoleUrl, String startedAt, String finishedAt, Double durationSeconds, String failedStep,
      String error, String cause, String note,
      @JsonInclude(JsonInclude.Include.NON_NULL) CompressedFile compressed,
      @JsonInclude(JsonInclude.Include.NON_NULL) FeedState feed,
      @JsonInclude(JsonInclude.Include.NON_NULL) ImportEvent event) {

    public Summary(String key, String status, String route, String section, Long rows, Long bytes,
        List<String> imports, long profilesFound, long profilesProcessed, long profilesFailed,
        List<PartReport> parts, String movedTo, String report, String dropId, String executionArn,
        String consoleUrl, String startedAt, String finishedAt, Double durationSeconds, String failedStep,
        String error, String cause, String note, CompressedFile compressed) {
      this(key, status, route, section, rows, bytes, imports, profilesFound, profilesProcessed, profilesFailed, parts,
          movedTo, report, dropId, executionArn, consoleUrl, startedAt, finishedAt, durationSeconds, failedStep,
          error, cause, note, compressed, null, null);
    }

    public Summary(String key, String status, String route, String section, Long rows, Long bytes,
        List<String> imports, long profilesFound, long profilesProcessed, long profilesFailed,
        List<PartReport> parts, String movedTo, String report, String dropId, String executionArn,
        String consoleUrl, String startedAt, String finishedAt, Double durationSeconds, String failedStep,
        String error, String cause, String note, CompressedFile compressed, FeedState feed) {
      this(key, status, route, section, rows, bytes, imports, profilesFound, profilesProcessed, profilesFailed, parts,
          movedTo, report, dropId, executionArn, consoleUrl, startedAt, finishedAt, durationSeconds, failedStep,
          error, cause, note, compressed, feed, null);
    }

    /** This summary with the file's event (FinishImport's output). */
    Summary withEvent(ImportEvent e) {
      return new Summary(key, status, route, section, rows, bytes, imports, profilesFound, profilesProcessed,
          profilesFailed, parts, movedTo, report, dropId, executionArn, consoleUrl, startedAt, finishedAt,
          durationSeconds, failedStep, error, cause, note, compressed, feed, e);
    }

    /**
     * What the execution's output keeps: everything but each part's cause (the report in S3 has
     * them), so that a file of many failed parts stays within Step Functions' 256 KB.
     */
    Summary withoutPartCauses() {
      var lean = parts.stream().map(p -> new PartReport(p.part(), p.firstRow(), p.lastRow(), p.rows(), p.byteStart(),
          p.byteEnd(), p.importId(), p.status(), p.profilesFound(), p.profilesProcessed(), p.profilesFailed(),
          p.failedStep(), p.error(), null, p.execution())).toList();
      return new Summary(key, status, route, section, rows, bytes, imports, profilesFound, profilesProcessed,
          profilesFailed, lean, movedTo, report, dropId, executionArn, consoleUrl, startedAt, finishedAt,
          durationSeconds, failedStep, error, cause, note, compressed, feed, event);
    }
  }

  @Override
  public Summary handle(Input in, Context context) {
    DroppedFile file = Objects.requireNonNull(in.file(), "file (the execution's input)");
    String key = file.key();
    var names = DropNames.of(key, file.eventTime(), in.startedAt(), in.executionArn());
    List<PartResult> parts = in.parts() == null ? List.of()
        : in.parts().stream().map(PartResult::withFailureDetails).toList();
    var plans = new java.util.HashMap<Integer, PartPlan>();
    if (in.plans() != null) {
      in.plans().forEach(p -> plans.put(p.index(), p));
    }
    java.util.function.Function<PartResult, PartPlan> planOf = r -> plans.getOrDefault(r.index(),
        new PartPlan(r.index(), 0, 0, 0, 0, 0, null));
    var reports = parts.stream().map(r -> report(r, planOf.apply(r))).toList();
    List<String> imports = parts.stream().map(PartResult::importId).filter(Objects::nonNull).toList();
    long found = parts.stream().mapToLong(p -> nz(p.profilesFound())).sum();
    long processed = parts.stream().mapToLong(p -> nz(p.profilesProcessed())).sum();
    long failedProfiles = parts.stream().mapToLong(p -> nz(p.profilesFailed())).sum();

    String failedStep = in.failedStep();
    String error = null;
    String cause = null;
    if (in.error() != null) {
      error = in.error().name();
      cause = in.error().message();
    } else {
      var failedParts = parts.stream().filter(p -> !p.completed()).toList();
      if (!failedParts.isEmpty()) {
        PartResult first = failedParts.stream().filter(FinishImportHandler::replaced).findFirst()
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
    boolean succeeded = error == null;
    String target = succeeded ? names.archived() : names.failed();
    String reportKey = names.report(succeeded);

    LandingFiles.Copy copy = files.exists(file.bucket(), target) ? LandingFiles.Copy.COPIED : files.copy(file, target);
    String note = switch (copy) {
      case COPIED -> null;
      case REPLACED -> key + " was replaced by a newer file before this drop could be moved to "
          + (succeeded ? "archive/" : "failed/") + "; the newer file has its own execution";
      case GONE -> key + " was replaced or deleted before this drop could be moved to " + (succeeded ? "archive/" : "failed/");
    };
    String movedTo = copy == LandingFiles.Copy.COPIED ? target : null;

    Instant now = clock.instant();
    Double duration = in.startedAt() == null ? null
        : Duration.between(java.time.OffsetDateTime.parse(in.startedAt()).toInstant(), now).toMillis() / 1000.0;
    var summary = new Summary(key, succeeded ? "SUCCEEDED" : "FAILED", in.route(), in.section(), in.rows(),
        in.bytes(), imports, found, processed, failedProfiles, reports, movedTo, reportKey, names.dropId(),
        in.executionArn(), consoleUrl(in.executionArn()), in.startedAt(), now.toString(), duration, failedStep, error,
        cause, note, in.compressed(), in.feed() != null && in.feed().ordered() ? in.feed() : null);

    try {
      s3.putObject(b -> b.bucket(file.bucket()).key(reportKey).contentType("application/json"),
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
    Log.info(context, succeeded ? "import finished" : "import failed", "key", key, "status", summary.status(),
        "imports", imports, "profilesFound", found, "movedTo", movedTo, "report", reportKey, "note", note,
        "error", error, "execution", in.executionArn());
    // Last, once everything else worked: a retried invocation (after a failed delete, say) must not
    // count the file twice. A retry after this point is a Lambda fault, rarer still.
    io.apsisimport.metrics.EmfLog.write(context, ImportMetrics.file(metricsNamespace, summary, parts, now));
    return output;
  }

  private static boolean replaced(PartResult r) {
    return r.error() != null && r.error().error() != null
        && r.error().name().equals(StepError.shortName(FileReplacedException.class.getName()));
  }

  private static String partsBefore(List<PartResult> parts) {
    long imported = parts.stream().filter(PartResult::completed).count();
    return imported == 0 ? "" : " (" + imported + " of " + parts.size() + " parts had been imported before)";
  }

  private static PartReport report(PartResult r, PartPlan p) {
    return new PartReport(p.index() + 1, p.firstRow(), p.lastRow(), p.rows(), p.start(), p.end(), r.importId(),
        r.completed() ? "completed" : (r.status() != null ? r.status() : "not imported"),
        r.profilesFound(), r.profilesProcessed(), r.profilesFailed(), r.failedStep(),
        r.error() == null ? null : r.error().name(), r.error() == null ? null : r.error().message(), p.execution());
  }

  private static String describeFailedParts(String key, List<PartResult> failed, int total,
      java.util.function.Function<PartResult, PartPlan> planOf) {
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
          ? "part " + (p.index() + 1) + "/" + total + " (rows " + p.firstRow() + "-" + p.lastRow() + ", bytes "
              + p.start() + "-" + p.end() + ")"
          : key;
      lines.add(where + ": " + why);
      length += where.length() + why.length() + 4;
    }
    String head = total > 1 ? failed.size() + " of " + total + " parts of " + key + " were not imported: " : "";
    return head + String.join("; ", lines);
  }

  static String consoleUrl(String executionArn) {
    if (executionArn == null) {
      return null;
    }
    String[] arn = executionArn.split(":");
    String region = arn.length > 3 ? arn[3] : "";
    return "https://" + region + ".console.aws.amazon.com/states/home?region=" + region
        + "#/v2/executions/details/" + executionArn;
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
  }
}
