package io.apsisimport.slots;

import java.util.Objects;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/** {@link ExecutionProbe} backed by Step Functions {@code DescribeExecution}. */
public final class SfnExecutionProbe implements ExecutionProbe {
  private final SfnClient sfn;

  public SfnExecutionProbe(SfnClient sfn) {
    this.sfn = Objects.requireNonNull(sfn, "sfn");
  }

  @Override
  public boolean isRunning(String executionArn) {
    ExecutionStatus status;
    try {
      status = sfn.describeExecution(b -> b.executionArn(executionArn)).status();
    } catch (ExecutionDoesNotExistException e) {
      // Also what Step Functions answers once a finished execution has aged out of its history.
      return false;
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
