package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.apsisimport.contract.PartFailure;
import io.apsisimport.contract.StepError;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.TaskTokenCallback;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.ReleaseReason;
import io.apsisimport.slots.SlotOwner;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * "Release import slot" (after a terminal status) and "Release slot after failure" (every Catch
 * path). Idempotent: releasing a slot that is not held does nothing. Then wakes the oldest waiters
 * if slots are free. After a failure it also says, short, why the part was not imported: the
 * Error and Cause ({@link PartFailure}) that "Part not imported" ends the part's execution with.
 */
public final class ReleaseSlotHandler extends JsonHandler<ReleaseSlotHandler.Input, ReleaseSlotHandler.Output> {
    private final ImportSlots slots;
    private final TaskTokenCallback wakeups;

    public ReleaseSlotHandler() {
        this(Wiring.fromSystem());
    }

    public ReleaseSlotHandler(Wiring wiring) {
        this(wiring.slots(), wiring.sfn());
        PrimingInputs.holdSlot(wiring); // its own slot, released
        primeInvocation(
                wiring,
                new Input(
                        PrimingInputs.PART_EXECUTION,
                        PrimingInputs.key(wiring),
                        PrimingInputs.PLAN.index(),
                        ReleaseReason.IMPORT_FINISHED.name()));
    }

    public ReleaseSlotHandler(ImportSlots slots, SfnClient sfn) {
        this(slots, TaskTokenCallback.of(sfn));
    }

    public ReleaseSlotHandler(ImportSlots slots, TaskTokenCallback wakeups) {
        super(Input.class);
        this.slots = slots;
        this.wakeups = wakeups;
    }

    /**
     * {@code executionArn}: the part's execution (the slot's owner); {@code reason}: IMPORT_FINISHED or
     * ABANDONED (see {@link ReleaseReason}); after a failure also the step that failed, its error as
     * the Catch handed it over, the import id if one was requested, and how many parts the file has.
     */
    public record Input(
            String executionArn,
            String key,
            int part,
            String reason,
            String failedStep,
            StepError error,
            String importId,
            Integer partCount) {
        public Input(String executionArn, String key, int part, String reason) {
            this(executionArn, key, part, reason, null, null, null, null);
        }
    }

    /** {@code error}/{@code cause}: only after a failure. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Output(boolean released, String error, String cause) {}

    @Override
    public Output handle(Input in, Context context) {
        var reason = in.reason() == null ? ReleaseReason.ABANDONED : ReleaseReason.valueOf(in.reason());
        slots.release(new SlotOwner(in.executionArn(), in.part()), reason);
        // The slot is free: nothing after this line may fail the part (wake-ups are best effort).
        int woken = SlotWakeups.wake(slots, wakeups, context);
        Log.info(
                context,
                "import slot released",
                "key",
                in.key(),
                "part",
                in.part(),
                "reason",
                reason.name(),
                "waitersWoken",
                woken,
                "execution",
                in.executionArn());
        return outcome(in);
    }

    /** What a release says: after a failure, the short Error and Cause of the part's execution. */
    public static Output outcome(Input in) {
        if (in.error() == null && in.failedStep() == null) {
            return new Output(true, null, null);
        }
        StepError error = in.error() == null ? new StepError(null, null) : in.error();
        var failure = new PartFailure(
                error.message(),
                error.error(),
                in.failedStep(),
                in.part() + 1,
                in.partCount(),
                in.importId(),
                null,
                null,
                null,
                null);
        return new Output(true, error.name(), failure.toCause());
    }
}
