package io.apsisimport.slots;

import io.apsisimport.slots.SlotState.Slot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A part waited longer than {@code SLOT_MAX_WAIT_SECONDS} for an import slot. No Retry names it;
 * "Acquire import slot" catches it with {@code States.ALL} ("Acquire import slot failed"), and its
 * class name reaches the file's report as the part's error.
 */
public final class SlotWaitTimeoutException extends RuntimeException {
    public SlotWaitTimeoutException(String message) {
        super(message);
    }

    /**
     * The message for a part that gave up after {@code rounds} asks: who holds each slot, by execution
     * name (never an ARN or a ticket), and how many others wait.
     */
    static SlotWaitTimeoutException after(
            SlotOwner owner, Duration waited, int rounds, SlotState state, Instant now, SlotsConfig config) {
        StringBuilder sb = new StringBuilder()
                .append(owner.displayName())
                .append(" waited ")
                .append(human(waited))
                .append(" for an APSIS import slot (limit ")
                .append(human(config.maxWait()))
                .append(
                        rounds >= SlotPolicy.MAX_ASKS
                                ? "; asked " + rounds + " times, the most a part's execution asks"
                                : "")
                .append("); all ")
                .append(config.maxSlots())
                .append(" slots of account ")
                .append(config.accountKey())
                .append(" are held: ");
        List<String> holders = new ArrayList<>();
        for (int i = 0; i < config.maxSlots(); i++) {
            Slot s = state.slot(i);
            if (s.owner() == null) {
                holders.add("slot " + i + " free (taken by an older waiter)");
                continue;
            }
            String who = SlotOwner.executionName(s.exec() == null ? s.owner() : s.exec()) + "#" + s.part();
            String importPart = s.importId() == null ? "" : ", APSIS import " + s.importId();
            if (s.holdUntil() != null) {
                holders.add("slot " + i + " held after " + who + " gave up" + importPart + " until " + s.holdUntil());
            } else {
                holders.add("slot " + i + " by " + who + importPart + ", lease until " + s.leaseUntil());
            }
        }
        sb.append(String.join("; ", holders));
        int waiting = (int) state.waiters().stream()
                .filter(w -> w.live(now) && !w.ownerId().equals(owner.id()))
                .count();
        if (waiting > 0) {
            sb.append("; ").append(waiting).append(" other part(s) waiting");
        }
        return new SlotWaitTimeoutException(sb.toString());
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 3600
                ? "%dh %02dm %02ds".formatted(s / 3600, s % 3600 / 60, s % 60)
                : s >= 60 ? "%dm %02ds".formatted(s / 60, s % 60) : s + "s";
    }
}
