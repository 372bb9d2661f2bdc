package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.metrics.ImportMetrics;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import java.time.Clock;
import java.time.Instant;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * "Acquire import slot": takes one of the account's APSIS import slots, or says how long to wait
 * before asking again. "Wait for a free import slot" invokes it again with the task token of that
 * wait: the token is parked on the waiter's record so that a release can end the wait early.
 */
public final class AcquireSlotHandler extends JsonHandler<AcquireSlotHandler.Input, AcquireSlotHandler.Output> {
    private final ImportSlots slots;
    private final SfnClient sfn;
    private final Clock clock;
    private final String metricsNamespace;

    public AcquireSlotHandler() {
        this(Wiring.fromSystem());
    }

    public AcquireSlotHandler(Wiring wiring) {
        this(wiring.slots(), wiring.sfn(), wiring.clock(), ImportMetrics.namespace(wiring.env()));
        primeInvocation(
                wiring,
                new Input(
                        PrimingInputs.PART_EXECUTION,
                        PrimingInputs.key(wiring),
                        PrimingInputs.PLAN.index(),
                        new Output(false, null, 0, null, null, null),
                        null));
    }

    public AcquireSlotHandler(ImportSlots slots, SfnClient sfn, Clock clock) {
        this(slots, sfn, clock, ImportMetrics.DEFAULT_NAMESPACE);
    }

    public AcquireSlotHandler(ImportSlots slots, SfnClient sfn, Clock clock, String metricsNamespace) {
        super(Input.class);
        this.slots = slots;
        this.sfn = sfn;
        this.clock = clock;
        this.metricsNamespace = metricsNamespace;
    }

    /**
     * {@code slot} is this handler's previous output (or {@code {"attempt": 0}} the first time);
     * {@code taskToken} is set only by "Wait for a free import slot".
     */
    public record Input(String executionArn, String key, int part, Output slot, String taskToken) {}

    /**
     * {@code waitingSince}: the part's first ask; {@code acquiredAt}: when it got the slot (null while
     * it waits), for the file's slot-wait metric.
     */
    public record Output(
            boolean acquired,
            Integer slot,
            int attempt,
            String waitingSince,
            Long waitSeconds,
            Integer waitersAhead,
            String acquiredAt) {
        public Output(
                boolean acquired,
                Integer slot,
                int attempt,
                String waitingSince,
                Long waitSeconds,
                Integer waitersAhead) {
            this(acquired, slot, attempt, waitingSince, waitSeconds, waitersAhead, null);
        }
    }

    @Override
    public Output handle(Input in, Context context) {
        if (in.taskToken() != null) {
            slots.park(new SlotOwner(in.executionArn(), in.part()), in.taskToken());
            // A slot may have been freed between "no slot free" and now: nobody would wake us for it.
            SlotWakeups.wake(slots, sfn, context);
            return in.slot();
        }
        Output previous = in.slot();
        int attempt = previous == null ? 0 : previous.attempt();
        Instant waitingSince = previous == null || previous.waitingSince() == null
                ? clock.instant()
                : Instant.parse(previous.waitingSince());
        var owner = new SlotOwner(in.executionArn(), in.part());
        SlotDecision decision = slots.acquire(owner, waitingSince, attempt);
        Instant now = clock.instant();
        // At every ask: how long this part has waited so far (the slot-wait alarm watches it while it waits).
        io.apsisimport.metrics.EmfLog.write(
                context,
                ImportMetrics.slotWait(
                        metricsNamespace,
                        java.time.Duration.between(waitingSince, now),
                        now,
                        in.key(),
                        in.executionArn()));
        return switch (decision) {
            case SlotDecision.Acquired a -> {
                Log.info(
                        context,
                        "import slot acquired",
                        "key",
                        in.key(),
                        "part",
                        in.part(),
                        "slot",
                        a.slot(),
                        "reclaimed",
                        a.reclaimed(),
                        "attempt",
                        attempt,
                        "execution",
                        in.executionArn());
                yield new Output(true, a.slot(), attempt + 1, waitingSince.toString(), 0L, 0, now.toString());
            }
            case SlotDecision.Wait w -> {
                long seconds = Math.max(1, (w.waitFor().toMillis() + 999) / 1000);
                Log.info(
                        context,
                        "no import slot free",
                        "key",
                        in.key(),
                        "part",
                        in.part(),
                        "waitSeconds",
                        seconds,
                        "waitersAhead",
                        w.waitersAhead(),
                        "execution",
                        in.executionArn());
                yield new Output(false, null, attempt + 1, waitingSince.toString(), seconds, w.waitersAhead());
            }
        };
    }
}
