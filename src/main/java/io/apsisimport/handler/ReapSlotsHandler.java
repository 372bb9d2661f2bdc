package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.ReleaseReason;
import io.apsisimport.source.WorkObjects;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) → releases the
 * slots that execution still holds: an aborted execution never reaches its own release states. It
 * also removes the work object of a compressed file (its decompressed CSV), which such a file's
 * execution never reaches FinishImport to remove; a part's execution's end removes none (the file's
 * execution still reads it, see {@link WorkObjects#deleteAfter}). The event carries the execution's
 * input as AWS sends it (events/reap-slots-file.json); one whose input EventBridge left out (over
 * 248 KB with the output, never a file's execution: its input is StartImport's few fields) leaves the
 * work object to the bucket's lifecycle rule.
 */
public final class ReapSlotsHandler extends JsonHandler<ReapSlotsHandler.Event, ReapSlotsHandler.Output> {
    private final ImportSlots slots;
    private final SfnClient sfn;
    private final S3Client s3;

    public ReapSlotsHandler() {
        this(Wiring.fromSystem());
    }

    public ReapSlotsHandler(Wiring wiring) {
        this(wiring.slots(), wiring.sfn(), wiring.s3(Wiring.S3Calls.DELETE));
        // A compressed file's execution: its work object is removed too.
        var input = PrimingInputs.executionInput(PrimingInputs.key(wiring) + ".gz");
        primeInvocation(
                wiring,
                new Event(
                        "Step Functions Execution Status Change",
                        new Detail(PrimingInputs.EXECUTION, "FAILED", PrimingInputs.json(input))));
    }

    public ReapSlotsHandler(ImportSlots slots, SfnClient sfn) {
        this(slots, sfn, null);
    }

    /** {@code s3}: null leaves work objects to the bucket's lifecycle rule. */
    public ReapSlotsHandler(ImportSlots slots, SfnClient sfn, S3Client s3) {
        super(Event.class);
        this.slots = slots;
        this.sfn = sfn;
        this.s3 = s3;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Event(@JsonProperty("detail-type") String detailType, Detail detail) {}

    /**
     * {@code input}: the execution's input as a JSON string (a file's: StartImport's bucket and key), or
     * null when EventBridge left it out.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Detail(String executionArn, String status, String input) {
        public Detail(String executionArn, String status) {
            this(executionArn, status, null);
        }
    }

    public record Output(String executionArn, int released) {}

    @Override
    public Output handle(Event event, Context context) {
        if (event.detail() == null || event.detail().executionArn() == null) {
            throw new IllegalArgumentException(
                    "not a Step Functions execution status change event: no detail.executionArn");
        }
        String arn = event.detail().executionArn();
        int released = slots.releaseAll(arn, ReleaseReason.ABANDONED);
        int woken = SlotWakeups.wake(slots, sfn, context);
        String workRemoved = null;
        if (s3 != null) {
            try {
                workRemoved = WorkObjects.deleteAfter(s3, arn, event.detail().input());
            } catch (RuntimeException e) {
                // The slots are free, which is what matters; the lifecycle rule removes the copy within days.
                Log.warn(
                        context,
                        "could not remove the work object of an ended execution",
                        "execution",
                        arn,
                        "errorType",
                        e.getClass().getName(),
                        "errorMessage",
                        e.getMessage());
            }
        }
        Log.info(
                context,
                "slots reaped",
                "execution",
                arn,
                "status",
                event.detail().status(),
                "released",
                released,
                "waitersWoken",
                woken,
                "workObjectRemoved",
                workRemoved);
        return new Output(arn, released);
    }
}
