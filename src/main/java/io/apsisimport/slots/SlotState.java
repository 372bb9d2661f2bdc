package io.apsisimport.slots;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One account's slots and waiters as one strongly consistent Query read them ({@link SlotTable#load()}):
 * plain values, no AWS SDK types, so {@link SlotPolicy} decides on them without a table.
 *
 * @param slots the slot items that exist, by index (a slot never written is free: {@link #slot(int)})
 * @param waiters the waiter records (docs/import-slots.md, "Waiting")
 */
record SlotState(Map<Integer, Slot> slots, List<Waiter> waiters) {

    /** One slot item (docs/import-slots.md, "Item layout"); times are null when the attribute is absent. */
    record Slot(
            int index,
            boolean exists,
            long version,
            String owner,
            String exec,
            int part,
            Instant leaseUntil,
            Instant holdUntil,
            String importId,
            Instant urlExpiresAt,
            boolean uploaded,
            int uploadAttempts,
            int uploadsSettled,
            int uploadResends,
            Instant acquiredAt,
            Instant expectedEndAt) {

        /** A slot without upload attempts recorded. */
        Slot(
                int index,
                boolean exists,
                long version,
                String owner,
                String exec,
                int part,
                Instant leaseUntil,
                Instant holdUntil,
                String importId,
                Instant urlExpiresAt,
                boolean uploaded,
                Instant acquiredAt,
                Instant expectedEndAt) {
            this(
                    index,
                    exists,
                    version,
                    owner,
                    exec,
                    part,
                    leaseUntil,
                    holdUntil,
                    importId,
                    urlExpiresAt,
                    uploaded,
                    0,
                    0,
                    0,
                    acquiredAt,
                    expectedEndAt);
        }

        static Slot absent(int index) {
            return new Slot(index, false, 0, null, null, 0, null, null, null, null, false, 0, 0, 0, null, null);
        }

        /** Held by its owner (not released). */
        boolean active() {
            return owner != null && holdUntil == null;
        }

        /**
         * What a release with {@code reason} acts on: a slot its owner holds, or, once APSIS reported
         * the import terminal, a slot still held after an ABANDONED release.
         */
        boolean releasable(ReleaseReason reason, Instant now) {
            return active() || (reason == ReleaseReason.IMPORT_FINISHED && owner != null && !free(now));
        }

        /** Free: never taken, released, or held after release and the hold has passed. */
        boolean free(Instant now) {
            return owner == null || (holdUntil != null && !holdUntil.isAfter(now));
        }
    }

    /** A part told to wait; {@code token} is its parked task token, if any. */
    record Waiter(String ownerId, String exec, Instant waitingSince, Instant nextCheckBy, String token) {
        /** Still counts: it announced it would be back by {@code nextCheckBy} and that has not passed. */
        boolean live(Instant now) {
            return nextCheckBy != null && nextCheckBy.isAfter(now);
        }
    }

    Slot slot(int index) {
        Slot s = slots.get(index);
        return s != null ? s : Slot.absent(index);
    }

    List<Slot> allSlotsUpTo(int maxSlots) {
        Map<Integer, Slot> all = new TreeMap<>(slots);
        for (int i = 0; i < maxSlots; i++) {
            all.putIfAbsent(i, Slot.absent(i));
        }
        return new ArrayList<>(all.values());
    }

    /** The owner's slot while it holds it; a slot held after its release is not the owner's any more. */
    Slot activeSlotOf(String ownerId) {
        return slots.values().stream()
                .filter(s -> s.active() && ownerId.equals(s.owner()))
                .findFirst()
                .orElse(null);
    }

    /** The owner's active slot, or (for IMPORT_FINISHED) a slot still held after its release. */
    Slot releasableSlotOf(String ownerId, ReleaseReason reason, Instant now) {
        Slot active = activeSlotOf(ownerId);
        if (active != null) {
            return active;
        }
        return slots.values().stream()
                .filter(s -> ownerId.equals(s.owner()) && s.releasable(reason, now))
                .findFirst()
                .orElse(null);
    }

    /** Live waiters that arrived before (waitingSince, id) and hold no slot: they are served first. */
    int waitersAhead(String ownerId, Instant waitingSince, Instant now) {
        Set<String> holders = new HashSet<>();
        slots.values().stream().filter(Slot::active).forEach(s -> holders.add(s.owner()));
        int ahead = 0;
        for (Waiter w : waiters) {
            if (w.live(now)
                    && !w.ownerId().equals(ownerId)
                    && !holders.contains(w.ownerId())
                    && w.waitingSince() != null
                    && isBefore(w.waitingSince(), w.ownerId(), waitingSince, ownerId)) {
                ahead++;
            }
        }
        return ahead;
    }

    private static boolean isBefore(Instant a, String aId, Instant b, String bId) {
        int c = a.compareTo(b);
        return c < 0 || (c == 0 && aId.compareTo(bId) < 0);
    }
}
