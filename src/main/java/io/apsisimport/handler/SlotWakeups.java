package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.lambda.AwsErrors;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.TaskTokenCallback;
import io.apsisimport.slots.ImportSlots;
import java.util.List;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Ends the "Wait for a free import slot" task of the oldest waiters when slots are free, so they
 * ask again at once instead of at the end of their back-off.
 *
 * <p>A wake-up is an optimisation: the back-off brings every waiter back anyway. So it never fails
 * its caller: a release has already freed its slot, an acquire has already parked its token, and
 * neither may fail a part because a waiter could not be woken (denied, throttled, unreachable).
 * Such a failure is logged as a warning and the waiter comes back at the end of its back-off.
 */
final class SlotWakeups {
    private static final String WOKEN = "{\"woken\":true}";

    private SlotWakeups() {}

    /** @return how many waiters were woken */
    static int wake(ImportSlots slots, SfnClient sfn, Context context) {
        return wake(slots, TaskTokenCallback.of(sfn), context);
    }

    /** @return how many waiters were woken */
    static int wake(ImportSlots slots, TaskTokenCallback callback, Context context) {
        List<String> tokens;
        try {
            tokens = slots.waitersToWake();
        } catch (RuntimeException e) {
            Log.warn(
                    context,
                    "could not look for slot waiters to wake; they come back after their back-off",
                    "error",
                    AwsErrors.describe(e, null));
            return 0;
        }
        int woken = 0;
        for (String token : tokens) {
            try {
                if (callback.succeed(token, WOKEN)) {
                    woken++;
                }
            } catch (RuntimeException e) {
                Log.warn(
                        context,
                        "could not wake a slot waiter; it comes back after its back-off",
                        "error",
                        AwsErrors.describe(e, token));
            }
        }
        return woken;
    }
}
