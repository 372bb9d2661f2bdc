package io.apsisimport.handler;

import io.apsisimport.slots.ImportSlots;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/**
 * Ends the "Wait for a free import slot" task of the oldest waiters when slots are free, so they
 * ask again at once instead of at the end of their back-off (which stays as the safety net).
 */
final class SlotWakeups {
  private static final String WOKEN = "{\"woken\":true}";

  private SlotWakeups() {}

  static int wake(ImportSlots slots, SfnClient sfn) {
    int woken = 0;
    for (String token : slots.waitersToWake()) {
      try {
        sfn.sendTaskSuccess(b -> b.taskToken(token).output(WOKEN));
        woken++;
      } catch (TaskTimedOutException | TaskDoesNotExistException | InvalidTokenException alreadyBack) {
        // Its wait ended by timeout (or its execution ended): it is asking again anyway.
      }
    }
    return woken;
  }
}
