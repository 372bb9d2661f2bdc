package io.apsisimport.handler;

import io.apsisimport.slots.ImportSlots;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Ends the "Wait for a free import slot" task of the oldest waiters when slots are free, so they
 * ask again at once instead of at the end of their back-off (which stays as the safety net).
 */
final class SlotWakeups {
  private static final String WOKEN = "{\"woken\":true}";

  private SlotWakeups() {}

  static int wake(ImportSlots slots, SfnClient sfn) {
    return wake(slots, TaskTokenCallback.of(sfn));
  }

  static int wake(ImportSlots slots, TaskTokenCallback callback) {
    int woken = 0;
    for (String token : slots.waitersToWake()) {
      if (callback.succeed(token, WOKEN)) {
        woken++;
      }
    }
    return woken;
  }
}
