package io.apsisimport.slots;

import java.time.Duration;
import java.time.Instant;

/** The outcome of {@link ImportSlots#acquire}. */
public sealed interface SlotDecision {
    /**
     * The owner holds slot {@code slot} until {@code leaseExpiresAt} unless it renews it.
     *
     * @param reclaimed the slot was taken over from an execution that stopped running with an expired lease
     */
    record Acquired(int slot, Instant leaseExpiresAt, boolean reclaimed) implements SlotDecision {}

    /**
     * No slot for now: try again after {@code waitFor} (whole seconds, at least one, jittered).
     *
     * @param waitersAhead live waiters that arrived earlier and are served first
     */
    record Wait(Duration waitFor, int waitersAhead) implements SlotDecision {}
}
