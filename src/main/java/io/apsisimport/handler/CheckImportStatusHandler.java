package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.ImportTimedOutException;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.apsis.UploadArrival;
import io.apsisimport.contract.PartFailure;
import io.apsisimport.lambda.AwsErrors;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Settings;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.slots.DurationModel;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotLostException;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.upload.UploadOutcomeUnknownException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * "Check import status": one status request, and a renewal of the slot's lease (the import still
 * counts as pending at APSIS). Says when to look again ({@link PollSchedule}: near the estimated
 * end, then closely, backing off once it is overdue or still queued; without an estimate, the
 * longer APSIS takes, the rarer the checks). An import pending longer than IMPORT_TIMEOUT_SECONDS,
 * or checked {@link PollSchedule#MAX_CHECKS} times, fails. An import APSIS completed teaches the
 * account's {@link DurationModel} how long it took (as closely as the checks bracket its end). An
 * import APSIS reports failed comes back with the {@code failure} that "APSIS did not import the
 * part" ends the part's execution with.
 *
 * <p>Also "Did the file arrive?" (input {@code arrival}): after an upload whose outcome is unknown,
 * whether APSIS has the file ({@link UploadArrival}); see {@link #arrivalCheck}.
 */
public final class CheckImportStatusHandler
    extends JsonHandler<CheckImportStatusHandler.Input, CheckImportStatusHandler.Output> {
  /** The longest ImportTimeoutSeconds the template allows (HistoryBudgetTest budgets for it). */
  public static final long MAX_IMPORT_TIMEOUT_SECONDS = Settings.MAX_IMPORT_TIMEOUT_SECONDS;

  private final ApsisApi apsis;
  private final ImportSlots slots;
  private final Clock clock;
  private final Duration timeout;
  private final PollSchedule schedule;
  private final UploadArrival arrival;

  public CheckImportStatusHandler() {
    this(Wiring.fromSystem());
  }

  public CheckImportStatusHandler(Wiring wiring) {
    this(wiring.apsis(), wiring.slots(), wiring.clock(),
        wiring.settings().importTimeout(), wiring.pollSchedule(),
        new UploadArrival(wiring.settings().uploadArrivalWait()));
  }

  public CheckImportStatusHandler(ApsisApi apsis, ImportSlots slots, Clock clock, Duration timeout,
      PollSchedule schedule) {
    this(apsis, slots, clock, timeout, schedule, new UploadArrival(Duration.ofSeconds(300)));
  }

  public CheckImportStatusHandler(ApsisApi apsis, ImportSlots slots, Clock clock, Duration timeout,
      PollSchedule schedule, UploadArrival arrival) {
    super(Input.class);
    this.apsis = apsis;
    this.slots = slots;
    this.clock = clock;
    this.timeout = timeout;
    this.schedule = schedule;
    this.arrival = arrival;
  }

  /**
   * {@code executionArn}: the part's execution (the slot's owner); {@code previous}: what the last
   * check (or, before the first, the upload) answered ({@code $.status}); {@code checks}: how many
   * checks this part has made so far, from executions started before {@code previous} was passed;
   * {@code arrival}: only for "Did the file arrive?".
   */
  public record Input(String executionArn, String key, int part, Integer partCount, String section, String importId,
      String requestedAt, Integer checks, Previous previous, Arrival arrival) {
    public Input(String executionArn, String key, int part, Integer partCount, String section, String importId,
        String requestedAt, Integer checks, Previous previous) {
      this(executionArn, key, part, partCount, section, importId, requestedAt, checks, previous, null);
    }

    public Input(String executionArn, String key, int part, Integer partCount, String section, String importId,
        String requestedAt, Integer checks, Arrival arrival) {
      this(executionArn, key, part, partCount, section, importId, requestedAt, checks, null, arrival);
    }

    public Input(String executionArn, String key, int part, Integer partCount, String section, String importId,
        String requestedAt, Integer checks) {
      this(executionArn, key, part, partCount, section, importId, requestedAt, checks, null, null);
    }
  }

  /**
   * "Did the file arrive?"'s state ({@code $.arrival}): since when the upload's outcome is unknown,
   * and how many checks were made for it (0 before the first).
   */
  public record Arrival(String since, Integer checks) {}

  /**
   * The state the checks of one import carry from one to the next (the fields of {@link Output}
   * and {@link UploadPartHandler.Output} this handler reads; every one may be absent).
   * {@code pendingAt}: seconds after the upload when a check last found the import pending.
   */
  public record Previous(Integer checks, Long nextCheckSeconds, String uploadedAt, Long rows, Long bytes,
      Long elapsedMillis, Integer earlyChecks, Double estimateSeconds, Double spread, Double pendingAt) {}

  /** What the Fail state "APSIS did not import the part" says: Error and Cause ({@link PartFailure}). */
  public record Failure(String error, String cause) {}

  /**
   * {@code nextCheckSeconds}: the wait before the next check ("Wait before checking import
   * status" reads it); {@code failure}: only when APSIS reported the import failed; {@code uploadedAt}
   * to {@code pendingAt}: carried to the next check ({@link Previous}); {@code bytes} and
   * {@code elapsedMillis}, the upload's figures, are always written (null after an upload whose answer
   * was lost), as "Part imported" reads them for the part's timing. For "Did the file arrive?"
   * also {@code arrived} (APSIS no longer waits for the file), {@code resend} (it waited the whole
   * UPLOAD_ARRIVAL_WAIT_SECONDS: send the file again) and {@code since}; there {@code checks} and
   * {@code nextCheckSeconds} count and time the arrival checks.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String outcome, String status, Long profilesFound, Long profilesProcessed,
      Long profilesFailed, String checkedAt, int checks, long nextCheckSeconds, Failure failure, String uploadedAt,
      Long rows, @JsonInclude(JsonInclude.Include.ALWAYS) Long bytes,
      @JsonInclude(JsonInclude.Include.ALWAYS) Long elapsedMillis, Integer earlyChecks, Double estimateSeconds,
      Double spread, Double pendingAt, Boolean arrived, Boolean resend, String since) {
    public Output(String outcome, String status, Long profilesFound, Long profilesProcessed, Long profilesFailed,
        String checkedAt, int checks, long nextCheckSeconds, Failure failure, String uploadedAt, Long rows, Long bytes,
        Long elapsedMillis, Integer earlyChecks, Double estimateSeconds, Double spread, Double pendingAt) {
      this(outcome, status, profilesFound, profilesProcessed, profilesFailed, checkedAt, checks, nextCheckSeconds,
          failure, uploadedAt, rows, bytes, elapsedMillis, earlyChecks, estimateSeconds, spread, pendingAt, null, null,
          null);
    }

    public Output(String outcome, String status, Long profilesFound, Long profilesProcessed, Long profilesFailed,
        String checkedAt, int checks, long nextCheckSeconds, Failure failure, Boolean arrived, Boolean resend,
        String since) {
      this(outcome, status, profilesFound, profilesProcessed, profilesFailed, checkedAt, checks, nextCheckSeconds,
          failure, null, null, null, null, null, null, null, null, arrived, resend, since);
    }
  }

  @Override
  public Output handle(Input in, Context context) {
    if (in.arrival() != null) {
      return arrivalCheck(in, context);
    }
    var owner = new SlotOwner(in.executionArn(), in.part());
    try {
      slots.renew(owner);
    } catch (SlotLostException e) {
      // The lease ran out and was taken over; the import itself is unaffected, so keep following it.
      Log.warn(context, "import slot lost while the import is pending", "key", in.key(), "part", in.part(),
          "importId", in.importId(), "execution", in.executionArn());
    }
    ImportStatus status = apsis.importStatus(in.section(), in.importId(), apsisDeadline(context));
    Instant now = clock.instant();
    Previous prev = in.previous() != null ? in.previous()
        : new Previous(in.checks(), null, null, null, null, null, null, null, null, null);
    int checks = (prev.checks() == null ? 0 : prev.checks()) + 1;
    Duration age = in.requestedAt() == null ? Duration.ZERO : Duration.between(Instant.parse(in.requestedAt()), now);
    Instant uploadedAt = prev.uploadedAt() == null ? null : Instant.parse(prev.uploadedAt());
    Duration sinceUpload = uploadedAt == null ? age : Duration.between(uploadedAt, now);
    DurationModel.Estimate estimate = prev.estimateSeconds() != null && prev.spread() != null
        && prev.estimateSeconds() > 0 && prev.spread() > 0
        ? new DurationModel.Estimate(prev.estimateSeconds(), prev.spread()) : null;
    int early = prev.earlyChecks() == null ? 0 : prev.earlyChecks();
    long next = schedule.nextCheckSeconds(age);
    Double pendingAt = prev.pendingAt();
    if (status.outcome() == Outcome.PENDING) {
      if (age.compareTo(timeout) > 0) {
        throw new ImportTimedOutException("APSIS import " + in.importId() + " for " + in.key() + " is still \""
            + status.status() + "\" after " + timeout.toMinutes() + " minutes (IMPORT_TIMEOUT_SECONDS)");
      }
      if (checks >= PollSchedule.MAX_CHECKS) {
        throw new ImportTimedOutException("APSIS import " + in.importId() + " for " + in.key() + " is still \""
            + status.status() + "\" after " + checks + " status checks (the most a part's execution makes)");
      }
    }
    if (status.outcome() == Outcome.PENDING) {
      long lastWait = prev.nextCheckSeconds() == null ? schedule.interval().toSeconds() : prev.nextCheckSeconds();
      PollSchedule.Wait wait = schedule.next(age, sinceUpload, queued(status.status()), estimate, early, lastWait);
      next = wait.seconds();
      early += wait.early() ? 1 : 0;
      pendingAt = sinceUpload.toMillis() / 1000.0;
    }
    Log.info(context, "import status", "key", in.key(), "part", in.part(), "importId", in.importId(),
        "status", status.status(), "outcome", status.outcome().name(), "checks", checks,
        "nextCheckSeconds", status.outcome() == Outcome.PENDING ? next : null, "execution", in.executionArn());
    if (status.outcome() == Outcome.COMPLETED && uploadedAt != null && prev.rows() != null && prev.bytes() != null) {
      learn(in, prev, estimate, sinceUpload, context);
    }
    Failure failure = status.outcome() == Outcome.FAILED ? failure(in, status) : null;
    return new Output(status.outcome().name(), status.status(), status.profilesFound(), status.profilesProcessed(),
        status.profilesFailed(), now.toString(), checks, next, failure, prev.uploadedAt(), prev.rows(), prev.bytes(),
        prev.elapsedMillis(), early, prev.estimateSeconds(), prev.spread(), pendingAt);
  }

  /** APSIS has not started the import yet (the article's "queued" and "waiting for a file"). */
  static boolean queued(String status) {
    String s = status == null ? "" : status.toLowerCase(Locale.ROOT);
    return s.contains("queued") || s.startsWith("waiting");
  }

  /**
   * The import ended between the last check that found it pending and this one: what that says
   * about its duration goes into the account's model. Best effort: an estimate that could not be
   * updated is only a little older.
   */
  private void learn(Input in, Previous prev, DurationModel.Estimate estimate, Duration sinceUpload, Context context) {
    double by = sinceUpload.toMillis() / 1000.0;
    double seconds = DurationModel.observed(prev.pendingAt() == null ? 0 : prev.pendingAt(), by, estimate);
    try {
      var learned = slots.learn(prev.rows(), prev.bytes(), seconds);
      Log.info(context, "import duration learned", "key", in.key(), "part", in.part(), "importId", in.importId(),
          "seconds", Math.round(seconds * 10) / 10.0, "estimateSeconds",
          estimate == null ? null : Math.round(estimate.seconds() * 10) / 10.0, "learned", learned.isPresent(),
          "execution", in.executionArn());
    } catch (RuntimeException e) {
      Log.warn(context, "could not record how long the import took", "key", in.key(), "part", in.part(),
          "importId", in.importId(), "error", AwsErrors.describe(e, null), "execution", in.executionArn());
    }
  }

  /**
   * "Did the file arrive?", after an upload whose outcome is unknown: asks APSIS for the import's
   * status (renewing the slot's lease, as every status check does). Not "waiting for a file": the
   * file is there (recorded on the slot), the status checks take over. "Waiting for a file" for the
   * whole wait: the upload is given up on, and the file may be sent once more; after
   * {@link UploadArrival#MAX_RESENDS} such resends the part fails instead with
   * {@code UploadOutcomeUnknownException}.
   */
  Output arrivalCheck(Input in, Context context) {
    var owner = new SlotOwner(in.executionArn(), in.part());
    Instant now = clock.instant();
    Instant since = in.arrival().since() == null ? now : Instant.parse(in.arrival().since());
    int checks = (in.arrival().checks() == null ? 0 : in.arrival().checks()) + 1;
    try {
      slots.renew(owner);
    } catch (SlotLostException e) {
      Log.warn(context, "import slot lost while checking whether the file arrived", "key", in.key(),
          "part", in.part(), "importId", in.importId(), "execution", in.executionArn());
    }
    ImportStatus status = apsis.importStatus(in.section(), in.importId(), apsisDeadline(context));
    Duration waited = Duration.between(since, clock.instant());
    var verdict = arrival.verdict(status.status(), waited, checks);
    Log.info(context, "did the file arrive?", "key", in.key(), "part", in.part(), "importId", in.importId(),
        "status", status.status(), "verdict", verdict.name(), "checks", checks, "waitedSeconds", waited.toSeconds(),
        "execution", in.executionArn());
    boolean arrived = false;
    boolean resend = false;
    switch (verdict) {
      case ARRIVED -> {
        arrived = true;
        if (status.outcome() == Outcome.PENDING && !KNOWN_AFTER_THE_FILE.contains(status.status().toLowerCase(
            java.util.Locale.ROOT).strip())) {
          // Taken as "the file is there" because it does not say "waiting for a file": logged so that
          // APSIS's real spellings can be learnt (docs/apsis-client.md).
          Log.warn(context, "import status not known to follow the file's arrival; taken as arrived, the file is not"
              + " sent again", "key", in.key(), "part", in.part(), "importId", in.importId(), "status", status.status(),
              "execution", in.executionArn());
        }
        try {
          slots.markUploaded(owner);
        } catch (SlotLostException e) {
          Log.warn(context, "import slot lost; the file arrived", "key", in.key(), "part", in.part(),
              "importId", in.importId(), "execution", in.executionArn());
        }
      }
      case NOT_ARRIVED -> {
        if (!slots.giveUpOnUpload(owner, UploadArrival.MAX_RESENDS)) {
          throw new UploadOutcomeUnknownException("APSIS import " + in.importId() + " of " + in.key()
              + (in.partCount() == null || in.partCount() <= 1 ? "" : " (part " + (in.part() + 1) + ")")
              + " still says \"" + status.status() + "\" " + waited.toSeconds() + " s after an upload whose answer"
              + " was lost, and the file was already sent again " + UploadArrival.MAX_RESENDS + " times after such"
              + " uploads: not sending it once more", -1, null, null);
        }
        resend = true;
      }
      case NOT_YET -> {
        // look again later
      }
    }
    return new Output(status.outcome().name(), status.status(), null, null, null, now.toString(), checks,
        arrival.nextCheckSeconds(checks, waited), null, arrived, resend, since.toString());
  }

  /** Statuses that follow a file's arrival in APSIS's documentation (the help centre's article). */
  private static final java.util.Set<String> KNOWN_AFTER_THE_FILE = java.util.Set.of("queued", "in progress",
      "in_progress", "completed");

  private static Failure failure(Input in, ImportStatus status) {
    String message = "APSIS import " + in.importId() + " for " + in.key() + " ended \"" + status.status() + "\""
        + (status.profilesFound() == null ? "" : " (" + status.profilesFound() + " profiles found, "
            + status.profilesProcessed() + " processed, " + status.profilesFailed() + " failed)");
    var cause = new PartFailure(message, "ImportFailed", "Check import status", in.part() + 1, in.partCount(),
        in.importId(), status.status(), status.profilesFound(), status.profilesProcessed(), status.profilesFailed());
    return new Failure("ImportFailed", cause.toCause());
  }
}
