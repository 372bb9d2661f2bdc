package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.ReleaseReason;
import io.apsisimport.slots.SlotOwner;

/**
 * "Release import slot" (after a terminal status) and "Release slot after failure" (every Catch
 * path). Idempotent: releasing a slot that is not held does nothing.
 */
public final class ReleaseSlotHandler extends JsonHandler<ReleaseSlotHandler.Input, ReleaseSlotHandler.Output> {
  private final ImportSlots slots;

  public ReleaseSlotHandler() {
    this(Wiring.fromSystem());
  }

  public ReleaseSlotHandler(Wiring wiring) {
    this(wiring.slots());
  }

  public ReleaseSlotHandler(ImportSlots slots) {
    super(Input.class);
    this.slots = slots;
  }

  /** {@code reason}: IMPORT_FINISHED or ABANDONED (see {@link ReleaseReason}). */
  public record Input(String executionArn, String key, int part, String reason) {}

  public record Output(boolean released) {}

  @Override
  public Output handle(Input in, Context context) {
    var reason = in.reason() == null ? ReleaseReason.ABANDONED : ReleaseReason.valueOf(in.reason());
    slots.release(new SlotOwner(in.executionArn(), in.part()), reason);
    Log.info(context, "import slot released", "key", in.key(), "part", in.part(), "reason", reason.name(),
        "execution", in.executionArn());
    return new Output(true);
  }
}
