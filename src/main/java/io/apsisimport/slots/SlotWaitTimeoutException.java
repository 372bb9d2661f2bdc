package io.apsisimport.slots;

/**
 * A part waited longer than {@code SLOT_MAX_WAIT_SECONDS} for an import slot. No Retry names it;
 * "Acquire import slot" catches it with {@code States.ALL} ("Acquire import slot failed"), and its
 * class name reaches the file's report as the part's error.
 */
public final class SlotWaitTimeoutException extends RuntimeException {
  public SlotWaitTimeoutException(String message) {
    super(message);
  }
}
