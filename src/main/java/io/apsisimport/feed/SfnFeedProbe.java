package io.apsisimport.feed;

import java.util.Objects;
import java.util.function.BiConsumer;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/** {@link FeedProbe} backed by Step Functions {@code DescribeExecution}; unsure means running. */
public final class SfnFeedProbe implements FeedProbe {
    private final SfnClient sfn;
    private final BiConsumer<String, RuntimeException> onUnsure;

    public SfnFeedProbe(SfnClient sfn, BiConsumer<String, RuntimeException> onUnsure) {
        this.sfn = Objects.requireNonNull(sfn, "sfn");
        this.onUnsure = Objects.requireNonNull(onUnsure, "onUnsure");
    }

    @Override
    public String status(String executionArn) {
        ExecutionStatus status;
        try {
            status = sfn.describeExecution(b -> b.executionArn(executionArn)).status();
        } catch (ExecutionDoesNotExistException e) {
            return GONE;
        } catch (RuntimeException unsure) {
            onUnsure.accept(executionArn, unsure);
            return RUNNING;
        }
        if (status == null) {
            return RUNNING;
        }
        return switch (status) {
            case SUCCEEDED, FAILED, TIMED_OUT, ABORTED -> status.toString();
            default -> RUNNING; // RUNNING, PENDING_REDRIVE, anything newer than this SDK
        };
    }
}
