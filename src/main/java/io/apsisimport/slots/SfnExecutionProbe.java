package io.apsisimport.slots;

import java.util.Objects;
import java.util.function.BiConsumer;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * {@link ExecutionProbe} backed by Step Functions {@code DescribeExecution}.
 *
 * <p>Any other answer than a status or "does not exist" (access denied, e.g. an execution of a stack
 * whose executions this role may not describe; throttling; a network failure) means "unsure": the
 * slot is kept, as the contract asks, and {@code onUnsure} hears why. The part that asked waits
 * and asks again; it does not fail because somebody else's slot could not be checked.
 */
public final class SfnExecutionProbe implements ExecutionProbe {
    private final SfnClient sfn;
    private final BiConsumer<String, RuntimeException> onUnsure;

    /** {@code onUnsure} gets the execution ARN and the failure (to log as a warning). */
    public SfnExecutionProbe(SfnClient sfn, BiConsumer<String, RuntimeException> onUnsure) {
        this.sfn = Objects.requireNonNull(sfn, "sfn");
        this.onUnsure = Objects.requireNonNull(onUnsure, "onUnsure");
    }

    @Override
    public boolean isRunning(String executionArn) {
        ExecutionStatus status;
        try {
            status = sfn.describeExecution(b -> b.executionArn(executionArn)).status();
        } catch (ExecutionDoesNotExistException e) {
            // Also what Step Functions answers once a finished execution has aged out of its history.
            return false;
        } catch (RuntimeException unsure) {
            onUnsure.accept(executionArn, unsure);
            return true;
        }
        return isRunning(status);
    }

    static boolean isRunning(ExecutionStatus status) {
        if (status == null) {
            return true;
        }
        return switch (status) {
            case SUCCEEDED, FAILED, TIMED_OUT, ABORTED -> false;
            // RUNNING, PENDING_REDRIVE and any status newer than this SDK: keep the slot, reclaim nothing.
            default -> true;
        };
    }
}
