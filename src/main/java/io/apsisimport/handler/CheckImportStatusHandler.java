package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
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
 * counts as pending at APSIS). An import pending longer than IMPORT_TIMEOUT_SECONDS fails.
 */
public final class CheckImportStatusHandler
    extends JsonHandler<CheckImportStatusHandler.Input, CheckImportStatusHandler.Output> {
  private final ApsisApi apsis;
  private final ImportSlots slots;
  private final Clock clock;
  private final Duration timeout;

  public CheckImportStatusHandler() {
    this(Wiring.fromSystem());
  }

  public CheckImportStatusHandler(Wiring wiring) {
    this(wiring.apsis(), wiring.slots(), wiring.clock(),
        Duration.ofSeconds(wiring.env().longValue("IMPORT_TIMEOUT_SECONDS", 21_600, 60, 7 * 86_400)));
  }

  public CheckImportStatusHandler(ApsisApi apsis, ImportSlots slots, Clock clock, Duration timeout) {
    super(Input.class);
    this.apsis = apsis;
    this.slots = slots;
    this.clock = clock;
    this.timeout = timeout;
  }

  public record Input(String executionArn, String key, int part, String section, String importId,
      String requestedAt) {}

  public record Output(String outcome, String status, Long profilesFound, Long profilesProcessed,
      Long profilesFailed, String checkedAt) {}

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
    if (status.outcome() == Outcome.PENDING && in.requestedAt() != null
        && Duration.between(Instant.parse(in.requestedAt()), now).compareTo(timeout) > 0) {
      throw new ImportTimedOutException("APSIS import " + in.importId() + " for " + in.key() + " is still \""
          + status.status() + "\" after " + timeout.toMinutes() + " minutes (IMPORT_TIMEOUT_SECONDS)");
    }
    Log.info(context, "import status", "key", in.key(), "part", in.part(), "importId", in.importId(),
        "status", status.status(), "outcome", status.outcome().name(), "execution", in.executionArn());
    return new Output(status.outcome().name(), status.status(), status.profilesFound(), status.profilesProcessed(),
        status.profilesFailed(), now.toString());
  }
}
