package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.slots.DurationModel;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotLostException;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.source.SourceFormat;
import io.apsisimport.upload.PresignedPostUploader;
import io.apsisimport.upload.PresignedPostUploader.UploadResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * "Upload file": streams the header line and the part's byte range straight from S3 (two ranged
 * GETs, pinned to the drop the S3 event announced) into the presigned POST: constant memory,
 * whatever the file size. A file replaced meanwhile fails the part with {@code FileReplacedException}
 * before a byte of the newer file reaches APSIS.
 *
 * <p>Then it says when to look at the import first: near the end estimated from the part's rows and
 * bytes and what APSIS took for this account's recent imports ({@link PollSchedule}); the answer
 * becomes the state the status checks carry ({@code $.status}).
 */
public final class UploadPartHandler extends JsonHandler<UploadPartHandler.Input, UploadPartHandler.Output> {
  private final LandingFiles files;
  private final ImportSlots slots;
  private final PresignedPostUploader uploader;
  private final PollSchedule schedule;
  private final Clock clock;

  public UploadPartHandler() {
    this(Wiring.fromSystem());
  }

  public UploadPartHandler(Wiring wiring) {
    this(wiring.s3(), wiring.slots(), wiring.uploader(), wiring.pollSchedule(), wiring.clock());
  }

  public UploadPartHandler(S3Client s3, ImportSlots slots, PresignedPostUploader uploader) {
    this(s3, slots, uploader, new PollSchedule(Duration.ofSeconds(30)), Clock.systemUTC());
  }

  public UploadPartHandler(S3Client s3, ImportSlots slots, PresignedPostUploader uploader, PollSchedule schedule,
      Clock clock) {
    super(Input.class);
    this.files = new LandingFiles(s3);
    this.slots = slots;
    this.uploader = uploader;
    this.schedule = schedule;
    this.clock = clock;
  }

  /**
   * {@code executionArn}: the part's execution (the slot's owner); bucket/key/eTag/versionId: the drop;
   * {@code readKey}: the object the part's byte ranges refer to when it is not the drop (a compressed
   * file's work object, private to the file's execution); absent, the drop itself.
   */
  public record Input(String bucket, String key, String eTag, String versionId, String executionArn, PartPlan part,
      int partCount, HeaderRef header, String importId, String readKey) {
    public Input(String bucket, String key, String eTag, String versionId, String executionArn, PartPlan part,
        int partCount, HeaderRef header, String importId) {
      this(bucket, key, eTag, versionId, executionArn, part, partCount, header, importId, null);
    }
  }

  /**
   * {@code bytes}, {@code elapsedMillis}: the upload; the rest starts the state the status checks
   * carry ({@link CheckImportStatusHandler.Input#previous}): when the file was uploaded, the part's
   * rows, no check yet, the wait before the first ("Wait before checking import status" reads
   * {@code nextCheckSeconds}), and the estimate it was planned on (null: none yet).
   */
  public record Output(long bytes, long elapsedMillis, String uploadedAt, long rows, int checks, long nextCheckSeconds,
      int earlyChecks, Double estimateSeconds, Double spread) {}

  @Override
  public Output handle(Input in, Context context) {
    var owner = new SlotOwner(in.executionArn(), in.part().index());
    ImportTicket ticket = ImportTicket.fromJson(slots.ticket(owner).orElseThrow(() -> new SlotLostException(
        "no upload form stored for " + owner.id() + ": the slot was released or taken over before the upload")));
    long length = in.header().length() + (in.part().end() - in.part().start());
    var drop = in.readKey() == null || in.readKey().equals(in.key())
        ? new DroppedFile(in.bucket(), in.key(), in.eTag(), in.versionId(), null, null)
        : new DroppedFile(in.bucket(), in.readKey(), null, null, null, null);
    UploadResult result;
    try (InputStream header = files.range(drop, in.header().offset(), in.header().offset() + in.header().length());
        InputStream records = files.range(drop, in.part().start(), in.part().end());
        InputStream body = new SequenceInputStream(header, records)) {
      result = uploader.upload(ticket, fileName(SourceFormat.csvKey(in.key()), in.part().index(), in.partCount()),
          length, body);
    } catch (IOException e) {
      throw new UncheckedIOException("reading s3://" + in.bucket() + "/" + drop.key(), e);
    }
    Instant uploadedAt = clock.instant();
    DurationModel.Estimate estimate = estimate(in.part().rows(), length, context, in);
    // Waiters plan their safety-net waits on when this import is likely to have ended.
    slots.markUploaded(owner, estimate == null ? null
        : uploadedAt.plusMillis(Math.round((estimate.seconds() + estimate.deviation()) * 1000)));
    PollSchedule.Wait first = schedule.first(estimate);
    Log.info(context, "file uploaded", "key", in.key(), "part", in.part().index(), "importId", in.importId(),
        "bytes", result.bytesSent(), "millis", result.elapsed().toMillis(), "estimateSeconds",
        estimate == null ? null : Math.round(estimate.seconds()), "firstCheckSeconds", first.seconds(),
        "execution", in.executionArn());
    return new Output(result.bytesSent(), result.elapsed().toMillis(), uploadedAt.toString(), in.part().rows(), 0,
        first.seconds(), first.early() ? 1 : 0, estimate == null ? null : estimate.seconds(),
        estimate == null ? null : estimate.spread());
  }

  /** From this account's finished imports; none (the configured interval) when nothing was learned or it cannot be read. */
  private DurationModel.Estimate estimate(long rows, long bytes, Context context, Input in) {
    try {
      return slots.durations().estimate(rows, bytes).orElse(null);
    } catch (RuntimeException e) {
      Log.warn(context, "could not read how long APSIS's imports took: checking at the poll interval", "key", in.key(),
          "part", in.part().index(), "error", SlotWakeups.describe(e, null), "execution", in.executionArn());
      return null;
    }
  }

  /** The name APSIS shows for the upload: the source's base name, with the part number when split. */
  static String fileName(String key, int index, int partCount) {
    String base = key.substring(key.lastIndexOf('/') + 1);
    if (partCount <= 1) {
      return base;
    }
    int dot = base.lastIndexOf('.');
    String stem = dot > 0 ? base.substring(0, dot) : base;
    return stem + ".part-" + (index + 1) + "-of-" + partCount + ".csv";
  }
}
