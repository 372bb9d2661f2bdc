package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.apsis.UploadArrival;
import io.apsisimport.contract.StatusCheckInput;
import io.apsisimport.contract.StatusCheckOutput;
import io.apsisimport.contract.StatusCheckState;
import io.apsisimport.lambda.AwsErrors;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Settings;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.slots.DurationModel;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotLostException;
import io.apsisimport.slots.SlotOwner;
import java.time.Clock;
import java.time.Duration;

/**
 * "Check import status": one status request, and a renewal of the slot's lease (the import still
 * counts as pending at APSIS). What the answer means is {@link StatusCheck}'s: when to look again
 * ({@link PollSchedule}: near the estimated end, then closely, backing off once it is overdue or
 * still queued; without an estimate, the longer APSIS takes, the rarer the checks). An import
 * pending longer than IMPORT_TIMEOUT_SECONDS, or checked {@link PollSchedule#MAX_CHECKS} times,
 * fails. An import APSIS completed teaches the account's {@link DurationModel} how long it took (as
 * closely as the checks bracket its end). An import APSIS reports failed comes back with the
 * {@code failure} that "APSIS did not import the part" ends the part's execution with.
 *
 * <p>Also "Did the file arrive?" (input {@code arrival}): after an upload whose outcome is unknown,
 * whether APSIS has the file ({@link ArrivalCheck}, {@link UploadArrival}).
 */
public final class CheckImportStatusHandler extends JsonHandler<StatusCheckInput, StatusCheckOutput> {
    /** The longest ImportTimeoutSeconds the template allows (HistoryBudgetTest budgets for it). */
    public static final long MAX_IMPORT_TIMEOUT_SECONDS = Settings.MAX_IMPORT_TIMEOUT_SECONDS;

    private final ApsisApi apsis;
    private final ImportSlots slots;
    private final Clock clock;
    private final StatusCheck decision;
    private final ArrivalCheck arrival;

    public CheckImportStatusHandler() {
        this(Wiring.fromSystem());
    }

    public CheckImportStatusHandler(Wiring wiring) {
        this(
                wiring.apsis(),
                wiring.slots(),
                wiring.clock(),
                wiring.settings().importTimeout(),
                wiring.pollSchedule(),
                new UploadArrival(wiring.settings().uploadArrivalWait()));
        // The first check of an import: its status read from APSIS (the priming copy of the client).
        PrimingInputs.holdSlot(wiring);
        primeInvocation(
                wiring,
                new StatusCheckInput(
                        PrimingInputs.PART_EXECUTION,
                        PrimingInputs.key(wiring),
                        PrimingInputs.PLAN.index(),
                        1,
                        PrimingInputs.PRIMING,
                        PrimingInputs.PRIMING,
                        "2000-01-01T00:00:00Z",
                        null,
                        new StatusCheckState(
                                0,
                                null,
                                "2000-01-01T00:00:01Z",
                                1L,
                                PrimingInputs.PLAN.bytes(),
                                1L,
                                null,
                                null,
                                null,
                                null)));
    }

    public CheckImportStatusHandler(
            ApsisApi apsis, ImportSlots slots, Clock clock, Duration timeout, PollSchedule schedule) {
        this(apsis, slots, clock, timeout, schedule, new UploadArrival(Duration.ofSeconds(300)));
    }

    public CheckImportStatusHandler(
            ApsisApi apsis,
            ImportSlots slots,
            Clock clock,
            Duration timeout,
            PollSchedule schedule,
            UploadArrival arrival) {
        super(StatusCheckInput.class);
        this.apsis = apsis;
        this.slots = slots;
        this.clock = clock;
        this.decision = new StatusCheck(timeout, schedule);
        this.arrival = new ArrivalCheck(apsis, slots, clock, arrival);
    }

    @Override
    public StatusCheckOutput handle(StatusCheckInput in, Context context) {
        renewLease(in, context);
        if (in.arrival() != null) {
            return arrival.check(in, () -> apsisDeadline(context), context);
        }
        ImportStatus status = apsis.importStatus(in.section(), in.importId(), apsisDeadline(context));
        var decided = decision.decide(in, status, clock.instant());
        StatusCheckOutput out = decided.output();
        Log.info(
                context,
                "import status",
                "key",
                in.key(),
                "part",
                in.part(),
                "importId",
                in.importId(),
                "status",
                status.status(),
                "outcome",
                status.outcome().name(),
                "checks",
                out.checks(),
                "nextCheckSeconds",
                status.outcome() == Outcome.PENDING ? out.nextCheckSeconds() : null,
                "execution",
                in.executionArn());
        if (decided.learnedSeconds() != null) {
            learn(in, out, decided.estimate(), decided.learnedSeconds(), context);
        }
        return out;
    }

    /**
     * The import ended between the last check that found it pending and this one: what that says
     * about its duration goes into the account's model. Best effort: an estimate that could not be
     * updated is only a little older.
     */
    private void learn(
            StatusCheckInput in,
            StatusCheckOutput out,
            DurationModel.Estimate estimate,
            double seconds,
            Context context) {
        try {
            var learned = slots.learn(out.rows(), out.bytes(), seconds);
            Log.info(
                    context,
                    "import duration learned",
                    "key",
                    in.key(),
                    "part",
                    in.part(),
                    "importId",
                    in.importId(),
                    "seconds",
                    Math.round(seconds * 10) / 10.0,
                    "estimateSeconds",
                    estimate == null ? null : Math.round(estimate.seconds() * 10) / 10.0,
                    "learned",
                    learned.isPresent(),
                    "execution",
                    in.executionArn());
        } catch (RuntimeException e) {
            Log.warn(
                    context,
                    "could not record how long the import took",
                    "key",
                    in.key(),
                    "part",
                    in.part(),
                    "importId",
                    in.importId(),
                    "error",
                    AwsErrors.describe(e, null),
                    "execution",
                    in.executionArn());
        }
    }

    /**
     * Renews the part's slot lease, as every status check does (and "Did the file arrive?" too). A
     * lease that ran out and was taken over is only warned about: the import itself is unaffected,
     * so the checks keep following it.
     */
    private void renewLease(StatusCheckInput in, Context context) {
        try {
            slots.renew(new SlotOwner(in.executionArn(), in.part()));
        } catch (SlotLostException e) {
            Log.warn(
                    context,
                    in.arrival() != null
                            ? "import slot lost while checking whether the file arrived"
                            : "import slot lost while the import is pending",
                    "key",
                    in.key(),
                    "part",
                    in.part(),
                    "importId",
                    in.importId(),
                    "execution",
                    in.executionArn());
        }
    }
}
