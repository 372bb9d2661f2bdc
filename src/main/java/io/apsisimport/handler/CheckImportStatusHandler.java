package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotLostException;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.upload.UploadOutcomeUnknownException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * "Check import status": one status request, and a renewal of the slot's lease (the import still
 * counts as pending at APSIS). Says when to look again ({@link PollSchedule}: the longer APSIS
 * takes, the rarer the checks). An import pending longer than IMPORT_TIMEOUT_SECONDS, or checked
 * {@link PollSchedule#MAX_CHECKS} times, fails. An import APSIS reports failed comes back with the
 * {@code failure} that "APSIS did not import the part" ends the part's execution with.
 *
 * <p>Also "Did the file arrive?" (input {@code arrival}): after an upload whose outcome is unknown,
 * whether APSIS has the file ({@link UploadArrival}); see {@link #arrivalCheck}.
 */
public final class CheckImportStatusHandler
    extends JsonHandler<CheckImportStatusHandler.Input, CheckImportStatusHandler.Output> {
  /** The longest ImportTimeoutSeconds the template allows (HistoryBudgetTest budgets for it). */
  public static final long MAX_IMPORT_TIMEOUT_SECONDS = 172_800;

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
        Duration.ofSeconds(wiring.env().longValue("IMPORT_TIMEOUT_SECONDS", 21_600, 60, MAX_IMPORT_TIMEOUT_SECONDS)),
        new PollSchedule(Duration.ofSeconds(wiring.env().longValue("POLL_INTERVAL_SECONDS", 30, 1, 3600))),
        new UploadArrival(Duration.ofSeconds(wiring.env().longValue("UPLOAD_ARRIVAL_WAIT_SECONDS", 300,
            UploadArrival.MIN_WAIT_SECONDS, UploadArrival.MAX_WAIT_SECONDS))));
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
   * {@code executionArn}: the part's execution (the slot's owner); {@code checks}: how many checks
   * this part has made so far (0 before the first); {@code arrival}: only for "Did the file arrive?".
   */
  public record Input(String executionArn, String key, int part, Integer partCount, String section, String importId,
      String requestedAt, Integer checks, Arrival arrival) {
    public Input(String executionArn, String key, int part, Integer partCount, String section, String importId,
        String requestedAt, Integer checks) {
      this(executionArn, key, part, partCount, section, importId, requestedAt, checks, null);
    }
  }

  /**
   * "Did the file arrive?"'s state ({@code $.arrival}): since when the upload's outcome is unknown,
   * and how many checks were made for it (0 before the first).
   */
  public record Arrival(String since, Integer checks) {}

  /** What the Fail state "APSIS did not import the part" says: Error and Cause ({@link PartFailure}). */
  public record Failure(String error, String cause) {}

  /**
   * {@code nextCheckSeconds}: the wait before the next check ("Wait before checking import
   * status" reads it); {@code failure}: only when APSIS reported the import failed. For "Did the
   * file arrive?" also {@code arrived} (APSIS no longer waits for the file), {@code resend} (it
   * waited the whole UPLOAD_ARRIVAL_WAIT_SECONDS: send the file again) and {@code since}; there
   * {@code checks} and {@code nextCheckSeconds} count and time the arrival checks.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String outcome, String status, Long profilesFound, Long profilesProcessed,
      Long profilesFailed, String checkedAt, int checks, long nextCheckSeconds, Failure failure, Boolean arrived,
      Boolean resend, String since) {
    public Output(String outcome, String status, Long profilesFound, Long profilesProcessed, Long profilesFailed,
        String checkedAt, int checks, long nextCheckSeconds, Failure failure) {
      this(outcome, status, profilesFound, profilesProcessed, profilesFailed, checkedAt, checks, nextCheckSeconds,
          failure, null, null, null);
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
    int checks = (in.checks() == null ? 0 : in.checks()) + 1;
    Duration age = in.requestedAt() == null ? Duration.ZERO : Duration.between(Instant.parse(in.requestedAt()), now);
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
    Log.info(context, "import status", "key", in.key(), "part", in.part(), "importId", in.importId(),
        "status", status.status(), "outcome", status.outcome().name(), "checks", checks,
        "execution", in.executionArn());
    Failure failure = status.outcome() == Outcome.FAILED ? failure(in, status) : null;
    return new Output(status.outcome().name(), status.status(), status.profilesFound(), status.profilesProcessed(),
        status.profilesFailed(), now.toString(), checks, schedule.nextCheckSeconds(age), failure);
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
