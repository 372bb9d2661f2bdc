package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.ReleaseReason;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) → releases the
 * slots that execution still holds: an aborted execution never reaches its own release states.
 */
public final class ReapSlotsHandler extends JsonHandler<ReapSlotsHandler.Event, ReapSlotsHandler.Output> {
  private final ImportSlots slots;
  private final SfnClient sfn;

  public ReapSlotsHandler() {
    this(Wiring.fromSystem());
  }

  public ReapSlotsHandler(Wiring wiring) {
    this(wiring.slots(), wiring.sfn());
  }

  public ReapSlotsHandler(ImportSlots slots, SfnClient sfn) {
    super(Event.class);
    this.slots = slots;
    this.sfn = sfn;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Event(@JsonProperty("detail-type") String detailType, Detail detail) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Detail(String executionArn, String status) {}

  public record Output(String executionArn, int released) {}

  @Override
  public Output handle(Event event, Context context) {
    if (event.detail() == null || event.detail().executionArn() == null) {
      throw new IllegalArgumentException("not a Step Functions execution status change event: no detail.executionArn");
    }
    String arn = event.detail().executionArn();
    int released = slots.releaseAll(arn, ReleaseReason.ABANDONED);
    int woken = SlotWakeups.wake(slots, sfn, context);
    Log.info(context, "slots reaped", "execution", arn, "status", event.detail().status(), "released", released,
        "waitersWoken", woken);
    return new Output(arn, released);
  }
}
