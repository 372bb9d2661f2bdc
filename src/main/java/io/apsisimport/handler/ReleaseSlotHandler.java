package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.ReleaseReason;
import io.apsisimport.slots.SlotOwner;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * "Release import slot" (after a terminal status) and "Release slot after failure" (every Catch
 * path). Idempotent: releasing a slot that is not held does nothing. Then wakes the oldest waiters
 * if slots are free.
 */
public final class ReleaseSlotHandler extends JsonHandler<ReleaseSlotHandler.Input, ReleaseSlotHandler.Output> {
  private final ImportSlots slots;
  private final TaskTokenCallback wakeups;

  public ReleaseSlotHandler() {
    this(Wiring.fromSystem());
  }

  public ReleaseSlotHandler(Wiring wiring) {
    this(wiring.slots(), wiring.sfn());
  }

  public ReleaseSlotHandler(ImportSlots slots, SfnClient sfn) {
    this(slots, TaskTokenCallback.of(sfn));
  }

  public ReleaseSlotHandler(ImportSlots slots, TaskTokenCallback wakeups) {
    super(Input.class);
    this.slots = slots;
    this.wakeups = wakeups;
  }

  /** {@code reason}: IMPORT_FINISHED or ABANDONED (see {@link ReleaseReason}). */
  public record Input(String executionArn, String key, int part, String reason) {}

  public record Output(boolean released) {}

  @Override
  public Output handle(Input in, Context context) {
    var reason = in.reason() == null ? ReleaseReason.ABANDONED : ReleaseReason.valueOf(in.reason());
    slots.release(new SlotOwner(in.executionArn(), in.part()), reason);
    // The slot is free: nothing after this line may fail the part (wake-ups are best effort).
    int woken = SlotWakeups.wake(slots, wakeups, context);
    Log.info(context, "import slot released", "key", in.key(), "part", in.part(), "reason", reason.name(),
        "waitersWoken", woken, "execution", in.executionArn());
    return new Output(true);
  }
}
