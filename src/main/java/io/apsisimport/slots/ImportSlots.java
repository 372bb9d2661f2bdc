package io.apsisimport.slots;

import io.apsisimport.slots.SlotState.Slot;
import io.apsisimport.slots.SlotState.Waiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * A DynamoDB lease semaphore with exactly {@link SlotsConfig#maxSlots()} slots per APSIS account:
 * one item per slot, every change a single conditional write on the state it was decided on.
 * See docs/import-slots.md for the item layout and why at most N owners hold a slot at any time.
 *
 * <p>The façade the handlers use. Each call reads the state ({@link SlotTable}), decides on it
 * ({@link SlotPolicy}: pure rules, unit-tested without a table), writes under the condition that
 * the state is still the one read, and on a lost race reads and decides again. Waiters and their
 * wake-ups: {@link WaiterQueue}; upload attempts: {@link SlotUploads}; the learned import
 * durations: {@link DurationStore}. About 380 lines because it is the public contract of every
 * slot operation docs/import-slots.md lists (one documented method each, with its read-decide-write
 * loop); what those loops decide and write lives in the classes above.
 *
 * <p>Thread-safe: no mutable state besides the injected collaborators.
 */
public final class ImportSlots {
    /** See {@link SlotPolicy#MAX_ASKS}. */
    public static final int MAX_ASKS = SlotPolicy.MAX_ASKS;
    /** Lost conditional-write races are retried with a fresh read this many times per call. */
    private static final int MAX_ROUNDS = 8;

    /**
     * The item of slot {@code index} as the table holds it once {@code owner} took it and recorded the
     * import {@code importId} on it ({@code ticketJson} null: without a ticket): what {@link #acquire}
     * and {@link #attachImport} write, for the SnapStart priming's made-up slot.
     */
    public static Map<String, AttributeValue> heldSlotItem(
            String accountKey,
            int index,
            SlotOwner owner,
            Instant acquiredAt,
            Instant leaseUntil,
            String importId,
            Instant urlExpiresAt,
            String ticketJson) {
        // Version 1 when taken (a fresh slot), 2 once the import is recorded.
        Map<String, AttributeValue> item =
                SlotTable.takenItem(SlotTable.pk(accountKey), index, 2, owner, acquiredAt, leaseUntil);
        item.putAll(SlotTable.importAttributes(importId, urlExpiresAt, ticketJson));
        return item;
    }

    private final SlotTable table;
    private final SlotPolicy policy;
    private final WaiterQueue waiters;
    private final DurationStore durations;
    private final SlotUploads uploads;
    private final ExecutionProbe probe;
    private final SlotsConfig config;
    private final Clock clock;
    private final RandomGenerator random;

    public ImportSlots(
            DynamoDbClient ddb, ExecutionProbe probe, SlotsConfig config, Clock clock, RandomGenerator random) {
        this.probe = Objects.requireNonNull(probe, "probe");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.table = new SlotTable(ddb, config);
        this.policy = new SlotPolicy(config);
        this.waiters = new WaiterQueue(table, policy);
        this.durations = new DurationStore(ddb, config, clock);
        this.uploads = new SlotUploads(table, config, clock);
    }

    // ---------------------------------------------------------------------------------------------
    // acquire

    /**
     * Takes a slot for {@code owner}, or says how long to wait. Idempotent: an owner that already
     * holds a slot gets it back (with a renewed lease).
     *
     * @param waitingSince when this part first asked for a slot (the same value on every attempt)
     * @param attempt how many times this part has been told to wait so far (0 on the first call)
     * @throws SlotWaitTimeoutException when no slot is free and the part has waited longer than maxWait
     */
    public SlotDecision acquire(SlotOwner owner, Instant waitingSince, int attempt) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(waitingSince, "waitingSince");
        String me = owner.id();
        Map<String, Boolean> running = new HashMap<>();
        SlotState state = null;
        int rank = 0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Instant now = clock.instant();
            state = table.load();
            Slot mine = state.activeSlotOf(me);
            if (mine != null) {
                Instant lease = now.plus(config.lease());
                try {
                    table.renew(mine.index(), me, lease);
                } catch (ConditionalCheckFailedException lostMeanwhile) {
                    continue;
                }
                waiters.deleteIfSeen(state, me);
                return new SlotDecision.Acquired(mine.index(), lease, false);
            }
            rank = state.waitersAhead(me, waitingSince, now);
            SlotPolicy.Candidate target =
                    policy.pick(state, rank, now, exec -> running.computeIfAbsent(exec, probe::isRunning));
            if (target == null) {
                break;
            }
            Instant lease = now.plus(config.lease());
            try {
                table.take(target.slot(), owner, now, lease);
            } catch (ConditionalCheckFailedException raced) {
                continue; // someone changed that slot since we read it: decide again on fresh state
            }
            waiters.deleteIfSeen(state, me);
            return new SlotDecision.Acquired(target.slot().index(), lease, target.reclaimed());
        }
        Instant now = clock.instant();
        Duration waited = Duration.between(waitingSince, now);
        if (policy.timedOut(waited, attempt)) {
            waiters.delete(me);
            throw SlotWaitTimeoutException.after(
                    owner, waited, attempt + 1, state == null ? table.load() : state, now, config);
        }
        SlotState seen = state == null ? table.load() : state;
        Duration waitFor = policy.waitFor(attempt, rank, waited, seen, now, this::meanDuration, random);
        waiters.put(owner, waitingSince, SlotPolicy.nextCheckBy(now, waitFor));
        return new SlotDecision.Wait(waitFor, rank);
    }

    private Optional<Duration> meanDuration() {
        try {
            return durations().meanSeconds().map(s -> Duration.ofMillis(Math.round(s * 1000)));
        } catch (RuntimeException e) {
            // An estimate only: without it, the back-off decides.
            return Optional.empty();
        }
    }

    /** See {@link SlotPolicy#asksWithin}. */
    public static int asksWithin(Duration maxWait, Duration poll) {
        return SlotPolicy.asksWithin(maxWait, poll);
    }

    // ---------------------------------------------------------------------------------------------
    // while holding

    /** Extends the owner's lease to now + lease. */
    public void renew(SlotOwner owner) {
        Slot slot = requireActive(owner);
        try {
            table.renew(slot.index(), owner.id(), clock.instant().plus(config.lease()));
        } catch (ConditionalCheckFailedException e) {
            throw SlotLostException.of(owner);
        }
    }

    /**
     * Records the APSIS import on the owner's slot, with its upload ticket (the presigned form, stored
     * only here) and renews the lease. Attaching the same import again is harmless; a different one
     * is refused, since one slot stands for one pending APSIS import.
     */
    public void attachImport(SlotOwner owner, String importId, Instant uploadUrlExpiresAt, String ticketJson) {
        Objects.requireNonNull(importId, "importId");
        Objects.requireNonNull(uploadUrlExpiresAt, "uploadUrlExpiresAt");
        Objects.requireNonNull(ticketJson, "ticketJson");
        Slot slot = requireActive(owner);
        if (slot.importId() != null && !slot.importId().equals(importId)) {
            throw new IllegalStateException("slot " + slot.index() + " of " + owner.displayName()
                    + " already carries APSIS import " + slot.importId() + "; refusing to attach " + importId);
        }
        try {
            table.attachImport(
                    slot.index(),
                    owner.id(),
                    clock.instant().plus(config.lease()),
                    importId,
                    uploadUrlExpiresAt,
                    ticketJson);
        } catch (ConditionalCheckFailedException e) {
            Slot now = table.load().activeSlotOf(owner.id());
            if (now == null) {
                throw SlotLostException.of(owner);
            }
            throw new IllegalStateException("slot " + now.index() + " of " + owner.displayName()
                    + " already carries APSIS import " + now.importId() + "; refusing to attach " + importId);
        }
    }

    /** The upload ticket attached to the owner's slot, while the owner holds it. */
    public Optional<String> ticket(SlotOwner owner) {
        return table.ticket(owner.id());
    }

    /** The upload succeeded: from now on the import counts until APSIS reports a terminal status. */
    public void markUploaded(SlotOwner owner) {
        markUploaded(owner, null);
    }

    /**
     * The upload succeeded, and the import is expected to have ended by {@code expectedEnd} (null:
     * no estimate): waiters plan their safety-net waits on it ({@link SlotPolicy#untilTurn}).
     */
    public void markUploaded(SlotOwner owner, Instant expectedEnd) {
        Slot slot = requireActive(owner);
        try {
            table.markUploaded(slot.index(), owner.id(), clock.instant().plus(config.lease()), expectedEnd);
        } catch (ConditionalCheckFailedException e) {
            throw SlotLostException.of(owner);
        }
    }

    /**
     * Before the file is sent: records that an upload attempt begins, unless the file is known to have
     * arrived or an earlier attempt's outcome is unknown (begun, and neither succeeded nor known to
     * have failed before its request was complete). One conditional write, on the version read: two
     * invocations of the same part (a Lambda retry while the first still runs) never both send.
     *
     * @throws SlotLostException when the owner no longer holds its slot: no upload without one
     */
    public UploadStart startUpload(SlotOwner owner) {
        return uploads.start(owner);
    }

    /**
     * Upload attempt {@code attempt} is known not to have delivered the file (its request never became
     * complete, or S3 refused it unread): the next attempt may be sent. Writes nothing if another
     * attempt has begun since.
     */
    public void settleUpload(SlotOwner owner, int attempt) {
        uploads.settle(owner, attempt);
    }

    /**
     * APSIS has said "waiting for a file" for as long as a file could take to reach it after an
     * attempt whose outcome is unknown: takes that attempt as not delivered, so the file may be sent
     * once more, at most {@code maxResends} times per part. Returns false (and writes nothing) when
     * the part has used them up, or the file is known to have arrived.
     */
    public boolean giveUpOnUpload(SlotOwner owner, int maxResends) {
        return uploads.giveUp(owner, maxResends);
    }

    /** What the owner's slot knows of its upload attempts. */
    public UploadAttempts uploadAttempts(SlotOwner owner) {
        return uploads.attempts(owner);
    }

    /**
     * @param begun attempts begun; @param settled of those, how many are known not to have delivered
     *     the file (counted from the first); @param resends attempts in doubt given up on after APSIS
     *     kept waiting for the file; @param uploaded the file is known to have arrived
     */
    public record UploadAttempts(int begun, int settled, int resends, boolean uploaded) {
        public boolean inDoubt() {
            return !uploaded && begun > settled;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // how long imports take (docs/import-slots.md: the duration model's item)

    /** What this account's finished imports taught about APSIS's import durations (empty at first). */
    public DurationModel durations() {
        return durations.read();
    }

    /**
     * Learns that an import of {@code rows} rows and {@code bytes} bytes took {@code seconds} at APSIS
     * (one conditional write on the model's item; a lost race reads again).
     *
     * @return the model after learning, or empty when the races kept being lost (it is only an estimate)
     */
    public Optional<DurationModel> learn(long rows, long bytes, double seconds) {
        return durations.learn(rows, bytes, seconds);
    }

    private Slot requireActive(SlotOwner owner) {
        Slot slot = table.load().activeSlotOf(owner.id());
        if (slot == null) {
            throw SlotLostException.of(owner);
        }
        return slot;
    }

    // ---------------------------------------------------------------------------------------------
    // release

    /**
     * Gives the owner's slot back. Idempotent: releasing again, or releasing an owner that holds
     * nothing, changes nothing. Also forgets the owner's waiter record.
     */
    public void release(SlotOwner owner, ReleaseReason reason) {
        Objects.requireNonNull(reason, "reason");
        String me = owner.id();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            SlotState state = table.load();
            Slot slot = state.releasableSlotOf(me, reason, clock.instant());
            if (slot == null) {
                break;
            }
            try {
                releaseSlot(slot, reason, clock.instant());
                break;
            } catch (ConditionalCheckFailedException raced) {
                // renewed, attached or taken over since we read it: decide again
            }
        }
        waiters.delete(me);
    }

    /**
     * Releases every slot the execution's parts hold and forgets its waiters (the reaper's call when
     * an execution failed, timed out or was aborted).
     *
     * @return how many slots changed state
     */
    public int releaseAll(String executionArn, ReleaseReason reason) {
        Objects.requireNonNull(executionArn, "executionArn");
        Objects.requireNonNull(reason, "reason");
        int released = 0;
        SlotState state = null;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            state = table.load();
            boolean raced = false;
            for (Slot slot : state.slots().values()) {
                if (executionArn.equals(slot.exec()) && slot.releasable(reason, clock.instant())) {
                    try {
                        releaseSlot(slot, reason, clock.instant());
                        released++;
                    } catch (ConditionalCheckFailedException e) {
                        raced = true;
                    }
                }
            }
            if (!raced) {
                break;
            }
        }
        for (Waiter w : state.waiters()) {
            if (executionArn.equals(w.exec())) {
                waiters.delete(w.ownerId());
            }
        }
        return released;
    }

    /**
     * ABANDONED with an import APSIS still counts keeps the slot held: until the upload URL expires
     * when nothing was uploaded, until the current lease expires when the file was uploaded.
     */
    private void releaseSlot(Slot slot, ReleaseReason reason, Instant now) {
        Instant holdUntil = SlotPolicy.holdUntil(slot, reason, now);
        if (holdUntil == null) {
            table.free(slot, now);
        } else {
            table.hold(slot, holdUntil, now);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // inspection

    /** Every slot 0..maxSlots-1 (free ones with a null owner), plus any occupied slot beyond maxSlots. */
    public List<SlotView> slots() {
        SlotState state = table.load();
        Instant now = clock.instant();
        List<SlotView> views = new ArrayList<>();
        for (Slot s : state.allSlotsUpTo(config.maxSlots())) {
            if (s.index() < config.maxSlots() || !s.free(now)) {
                views.add(
                        s.free(now)
                                ? new SlotView(s.index(), null, null, null, null, false)
                                : new SlotView(
                                        s.index(),
                                        s.owner(),
                                        s.leaseUntil(),
                                        s.holdUntil(),
                                        s.importId(),
                                        s.uploaded()));
            }
        }
        return List.copyOf(views);
    }

    // ---------------------------------------------------------------------------------------------
    // waiters

    /**
     * Parks the Step Functions task token of a waiter that was told to wait: a release hands it to
     * {@link #waitersToWake()}, so the waiter comes back when a slot frees instead of at the end of
     * its back-off. Without a waiter record (it took a slot or was released meanwhile) nothing is
     * parked: its task simply times out and it asks again.
     */
    public void park(SlotOwner owner, String taskToken) {
        waiters.park(owner, taskToken);
    }

    /**
     * The parked task tokens of the oldest live waiters, one per slot free now, each handed out once
     * (a conditional REMOVE claims it). The caller wakes them; a token whose task already ended is
     * harmless to wake.
     */
    public List<String> waitersToWake() {
        Instant now = clock.instant();
        return waiters.claimTokensToWake(table.load(), now);
    }
}
