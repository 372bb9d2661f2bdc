package io.apsisimport.slots;

import static io.apsisimport.slots.SlotTable.millis;
import static io.apsisimport.slots.SlotTable.n;

import io.apsisimport.slots.SlotState.Slot;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The upload attempts a slot remembers (docs/import-slots.md, "Uploads"), so that no repeat of
 * "Upload file" sends the file while an earlier attempt may have delivered it: each change one
 * write on the owner's slot, conditioned on the version read. The public contract is on
 * {@link ImportSlots#startUpload}, {@link ImportSlots#settleUpload}, {@link ImportSlots#giveUpOnUpload}.
 */
final class SlotUploads {
    /** Lost conditional-write races are retried with a fresh read this many times per call. */
    private static final int MAX_ROUNDS = 8;

    private final SlotTable table;
    private final SlotsConfig config;
    private final Clock clock;

    SlotUploads(SlotTable table, SlotsConfig config, Clock clock) {
        this.table = table;
        this.config = config;
        this.clock = clock;
    }

    UploadStart start(SlotOwner owner) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Slot slot = requireActive(owner);
            if (slot.uploaded()) {
                return new UploadStart.AlreadyUploaded();
            }
            if (slot.uploadAttempts() > slot.uploadsSettled()) {
                return new UploadStart.InDoubt(slot.uploadAttempts());
            }
            int attempt = slot.uploadAttempts() + 1;
            try {
                table.updateOwned(
                        slot.index(),
                        owner.id(),
                        "SET #uploadAttempts = :attempt, #leaseUntil = :lease",
                        Map.of(
                                ":attempt",
                                n(attempt),
                                ":lease",
                                millis(clock.instant().plus(config.lease())),
                                ":seen",
                                n(slot.version())),
                        " AND #version = :seen");
                return new UploadStart.Send(attempt);
            } catch (ConditionalCheckFailedException raced) {
                // changed since we read it (released, or another invocation began an attempt): decide again
            }
        }
        throw new IllegalStateException(
                "slot of " + owner.displayName() + " kept changing while an upload was starting");
    }

    void settle(SlotOwner owner, int attempt) {
        Slot slot = requireActive(owner);
        try {
            table.updateOwned(
                    slot.index(),
                    owner.id(),
                    "SET #uploadsSettled = :attempt",
                    Map.of(":attempt", n(attempt)),
                    " AND #uploadAttempts = :attempt");
        } catch (ConditionalCheckFailedException e) {
            // released, or a later attempt began: nothing of this one left to settle
        }
    }

    boolean giveUp(SlotOwner owner, int maxResends) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Slot slot = requireActive(owner);
            if (slot.uploaded()) {
                return false;
            }
            if (slot.uploadAttempts() <= slot.uploadsSettled()) {
                return true; // nothing in doubt: the next attempt may start anyway
            }
            if (slot.uploadResends() >= maxResends) {
                return false;
            }
            try {
                table.updateOwned(
                        slot.index(),
                        owner.id(),
                        "SET #uploadsSettled = :attempt, #uploadResends = :resends",
                        Map.of(
                                ":attempt",
                                n(slot.uploadAttempts()),
                                ":resends",
                                n(slot.uploadResends() + 1L),
                                ":seen",
                                n(slot.version())),
                        " AND #version = :seen");
                return true;
            } catch (ConditionalCheckFailedException raced) {
                // changed since we read it: decide again
            }
        }
        throw new IllegalStateException(
                "slot of " + owner.displayName() + " kept changing while giving up on an upload");
    }

    ImportSlots.UploadAttempts attempts(SlotOwner owner) {
        Slot slot = requireActive(owner);
        return new ImportSlots.UploadAttempts(
                slot.uploadAttempts(), slot.uploadsSettled(), slot.uploadResends(), slot.uploaded());
    }

    private Slot requireActive(SlotOwner owner) {
        Slot slot = table.load().activeSlotOf(owner.id());
        if (slot == null) {
            throw SlotLostException.of(owner);
        }
        return slot;
    }
}
