package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
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
 * The end of every file: on success the object moves to {@code archive/<key>} with
 * {@code reports/<key>.json}; on failure to {@code failed/<key>} with {@code reports/<key>.error.json}.
 * The copy and the report are written before the source is deleted, so nothing is lost if this
 * step fails halfway (it is retried and every step is idempotent). A compressed file's work object
 * (its decompressed CSV) is removed last, on every path.
 */
public final class FinishImportHandler extends JsonHandler<FinishImportHandler.Input, FinishImportHandler.Summary> {
  private final S3Client s3;
  private final Clock clock;

  public FinishImportHandler() {
    this(Wiring.fromSystem());
  }

  public FinishImportHandler(Wiring wiring) {
    this(wiring.s3(), wiring.clock());
  }

  public FinishImportHandler(S3Client s3, Clock clock) {
    super(Input.class);
    this.s3 = s3;
    this.clock = clock;
  }

  /**
   * {@code parts}: the Map's results (absent when the file failed before any import);
   * {@code error}/{@code failedStep}: set by a Catch on the way to the failure path;
   * {@code compressed}: preflight's word on a compressed file (absent on the failure path).
   */
  public record Input(String bucket, String key, String executionArn, String route, String section, Long rows,
      Long bytes, String startedAt, List<PartResult> parts, StepError error, String failedStep,
      CompressedFile compressed) {
    public Input(String bucket, String key, String executionArn, String route, String section, Long rows, Long bytes,
        String startedAt, List<PartResult> parts, StepError error, String failedStep) {
      this(bucket, key, executionArn, route, section, rows, bytes, startedAt, parts, error, failedStep, null);
    }
  }

  /** A part in the report: what was imported, or exactly which rows and bytes were not. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PartReport(int part, long firstRow, long lastRow, long rows, long byteStart, long byteEnd,
      String importId, String status, Long profilesFound, Long profilesProcessed, Long profilesFailed,
      String failedStep, String error, String cause) {}

  /**
   * The execution's output and the report's content. {@code bytes}: of the CSV (decompressed);
   * {@code compressed}: format and both sizes of a compressed file, left out for a plain one.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Summary(String key, String status, String route, String section, Long rows, Long bytes,
      List<String> imports, long profilesFound, long profilesProcessed, long profilesFailed,
      List<PartReport> parts, String movedTo, String report, String executionArn, String consoleUrl,
      String startedAt, String finishedAt, Double durationSeconds, String failedStep, String error,
      String cause, @JsonInclude(JsonInclude.Include.NON_NULL) CompressedFile compressed) {}

  @Override
  public Summary handle(Input in, Context context) {
    List<PartResult> parts = in.parts() == null ? List.of() : in.parts();
    var reports = parts.stream().map(FinishImportHandler::report).toList();
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
        PartResult first = failedParts.get(0);
        error = first.error() != null ? first.error().name() : "ImportFailed";
        cause = describeFailedParts(in.key(), failedParts, parts.size());
        failedStep = first.failedStep() != null ? first.failedStep() : "Check import status";
      }
    }
    if (cause != null && !cause.contains(in.key())) {
      cause = in.key() + ": " + cause; // the console's Cause names the file, whatever failed
    }
    boolean succeeded = error == null;
    String folder = succeeded ? "archive/" : "failed/";
    String movedTo = folder + in.key();
    String reportKey = "reports/" + in.key() + (succeeded ? ".json" : ".error.json");
    Instant now = clock.instant();
    Double duration = in.startedAt() == null ? null
        : Duration.between(java.time.OffsetDateTime.parse(in.startedAt()).toInstant(), now).toMillis() / 1000.0;
    var summary = new Summary(in.key(), succeeded ? "SUCCEEDED" : "FAILED", in.route(), in.section(), in.rows(),
        in.bytes(), imports, found, processed, failedProfiles, reports, movedTo, reportKey, in.executionArn(),
        consoleUrl(in.executionArn()), in.startedAt(), now.toString(), duration, failedStep, error, cause,
        in.compressed());

    moveAndReport(in.bucket(), in.key(), movedTo, reportKey, summary);
    if (SourceFormat.of(in.key()).compressed()) {
      WorkObjects.delete(s3, in.bucket(), WorkObjects.keyFor(in.executionArn(), in.key()));
    }
    Log.info(context, succeeded ? "import finished" : "import failed", "key", in.key(), "status", summary.status(),
        "imports", imports, "profilesFound", found, "movedTo", movedTo, "error", error, "execution", in.executionArn());
    return summary;
  }

  private void moveAndReport(String bucket, String key, String target, String reportKey, Summary summary) {
    boolean sourceExists = exists(bucket, key);
    if (sourceExists) {
      s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key).destinationBucket(bucket).destinationKey(target));
    } else if (!exists(bucket, target)) {
      // Neither there nor moved: someone removed the file meanwhile; the report still says what happened.
      Log.warn(null, "source object is gone and was not moved", "key", key);
    }
    try {
      s3.putObject(b -> b.bucket(bucket).key(reportKey).contentType("application/json"),
          RequestBody.fromBytes(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (sourceExists) {
      s3.deleteObject(b -> b.bucket(bucket).key(key));
    }
  }

  private boolean exists(String bucket, String key) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
      return false;
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private static PartReport report(PartResult r) {
    PartPlan p = r.part();
    return new PartReport(p.index() + 1, p.firstRow(), p.lastRow(), p.rows(), p.start(), p.end(), r.importId(),
        r.completed() ? "completed" : (r.status() != null ? r.status() : "not imported"),
        r.profilesFound(), r.profilesProcessed(), r.profilesFailed(), r.failedStep(),
        r.error() == null ? null : r.error().name(), r.error() == null ? null : r.error().message());
  }

  private static String describeFailedParts(String key, List<PartResult> failed, int total) {
    var lines = new ArrayList<String>();
    for (PartResult r : failed) {
      PartPlan p = r.part();
      String why = r.error() != null ? r.error().message() : "APSIS reported status \"" + r.status() + "\"";
      String where = total > 1
          ? "part " + (p.index() + 1) + "/" + total + " (rows " + p.firstRow() + "-" + p.lastRow() + ", bytes "
              + p.start() + "-" + p.end() + ")"
          : key;
      lines.add(where + ": " + why);
    }
    String head = total > 1 ? failed.size() + " of " + total + " parts of " + key + " were not imported: " : "";
    return head + String.join("; ", lines);
  }

  private static String consoleUrl(String executionArn) {
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
