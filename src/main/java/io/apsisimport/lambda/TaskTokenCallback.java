package io.apsisimport.lambda;

import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/**
 * Ends a Step Functions task that waits for its task token (SendTaskSuccess). Ours, so a test sees
 * each wake-up without faking the SDK.
 */
@FunctionalInterface
public interface TaskTokenCallback {

    /** Sends success with {@code output} to the task of {@code taskToken}; false when that task had already ended. */
    boolean succeed(String taskToken, String output);

    static TaskTokenCallback of(SfnClient sfn) {
        return (token, output) -> {
            try {
                sfn.sendTaskSuccess(b -> b.taskToken(token).output(output));
                return true;
            } catch (TaskTimedOutException | TaskDoesNotExistException | InvalidTokenException alreadyBack) {
                // Its wait ended by timeout (or its execution ended): it is asking again anyway.
                return false;
            }
        };
    }
}
