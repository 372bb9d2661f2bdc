package io.apsisimport.slots;

import java.time.Instant;

/**
 * Read-only view of one slot for inspection, tests and logs; never carries the upload ticket.
 *
 * @param ownerId {@code null} when the slot is free
 * @param holdUntil set when the owner released the slot but APSIS may still count its import
 */
public record SlotView(
        int slot, String ownerId, Instant leaseExpiresAt, Instant holdUntil, String importId, boolean uploaded) {
    public boolean free() {
        return ownerId == null;
    }
}
