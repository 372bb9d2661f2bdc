package io.apsisimport.slots;

/**
 * A part waited longer than {@code SLOT_MAX_WAIT_SECONDS} for an import slot. The state machine
 * catches this class by its fully-qualified name.
 */
public final class SlotWaitTimeoutException extends RuntimeException {
  public SlotWaitTimeoutException(String message) {
    super(message);
  }
}
