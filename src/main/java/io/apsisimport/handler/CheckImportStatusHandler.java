package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotLostException;
import io.apsisimport.slots.SlotOwner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * "Check import status": one status request, and a renewal of the slot's lease (the import still
 * counts as pending at APSIS). Says when to look again ({@link PollSchedule}: the longer APSIS
 * takes, the rarer the checks). An import pending longer than IMPORT_TIMEOUT_SECONDS, or checked
 * {@link PollSchedule#MAX_CHECKS} times, fails. An import APSIS reports failed comes back with the
 * {@code failure} that "APSIS did not import the part" ends the part's execution with.
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

  public CheckImportStatusHandler() {
    this(Wiring.fromSystem());
  }

  public CheckImportStatusHandler(Wiring wiring) {
    this(wiring.apsis(), wiring.slots(), wiring.clock(),
        Duration.ofSeconds(wiring.env().longValue("IMPORT_TIMEOUT_SECONDS", 21_600, 60, MAX_IMPORT_TIMEOUT_SECONDS)),
        new PollSchedule(Duration.ofSeconds(wiring.env().longValue("POLL_INTERVAL_SECONDS", 30, 1, 3600))));
  }

  public CheckImportStatusHandler(ApsisApi apsis, ImportSlots slots, Clock clock, Duration timeout,
      PollSchedule schedule) {
    super(Input.class);
    this.apsis = apsis;
    this.slots = slots;
    this.clock = clock;
    this.timeout = timeout;
    this.schedule = schedule;
  }

  /**
   * {@code executionArn}: the part's execution (the slot's owner); {@code checks}: how many checks
   * this part has made so far (0 before the first).
   */
  public record Input(String executionArn, String key, int part, Integer partCount, String section, String importId,
      String requestedAt, Integer checks) {}

  /** What the Fail state "APSIS did not import the part" says: Error and Cause ({@link PartFailure}). */
  public record Failure(String error, String cause) {}

  /**
   * {@code nextCheckSeconds}: the wait before the next check ("Wait before checking import
   * status" reads it); {@code failure}: only when APSIS reported the import failed.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String outcome, String status, Long profilesFound, Long profilesProcessed,
      Long profilesFailed, String checkedAt, int checks, long nextCheckSeconds, Failure failure) {}

  @Override
  public Output handle(Input in, Context context) {
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

  private static Failure failure(Input in, ImportStatus status) {
    String message = "APSIS import " + in.importId() + " for " + in.key() + " ended \"" + status.status() + "\""
        + (status.profilesFound() == null ? "" : " (" + status.profilesFound() + " profiles found, "
            + status.profilesProcessed() + " processed, " + status.profilesFailed() + " failed)");
    var cause = new PartFailure(message, "ImportFailed", "Check import status", in.part() + 1, in.partCount(),
        in.importId(), status.status(), status.profilesFound(), status.profilesProcessed(), status.profilesFailed());
    return new Failure("ImportFailed", cause.toCause());
  }
}
