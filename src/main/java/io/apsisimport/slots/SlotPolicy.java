package io.apsisimport.slots;

import io.apsisimport.slots.SlotState.Slot;
import io.apsisimport.slots.SlotState.Waiter;
import io.apsisimport.wait.TurnBackoff;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The rules of the import slots, as decisions on a {@link SlotState} at a given instant: who gets a
 * slot, which lease may be reclaimed, how long a waiter waits, how long an abandoned slot stays held,
 * whom a release wakes. Pure: no table, no clock, no AWS SDK type; {@link ImportSlots} reads the state,
 * asks here, and writes the answer under the conditions of docs/import-slots.md. Tested without a
 * table by {@code SlotPolicyTest}.
 * About 300 lines because it is every slot rule of docs/import-slots.md with the constants that
 * bound them (back-off, asks, grace, hold); each rule is a short function, and keeping them in one
 * place keeps their shared terms (rank, lease, hold) and their one test class together.
 */
final class SlotPolicy {
    /** A waiter far back sleeps at least up to this between two looks (releases wake it earlier). */
    static final Duration TAIL_CAP = TurnBackoff.TAIL_CAP;
    /**
     * The back-off ceiling grows with the time already waited (a quarter of it), up to this: a part
     * that waits for hours looks about every hour instead of every minute, and a release still wakes
     * it at once. Together with {@link #MAX_ASKS} this bounds the slot-wait rounds of a part's
     * execution (HistoryBudgetTest: about 13 history events each).
     */
    static final Duration MAX_CEILING = Duration.ofHours(2);

    private static final TurnBackoff BACKOFF = new TurnBackoff(MAX_CEILING);
    /**
     * A part asks for a slot at most this often (back-offs and wake-ups together), then fails with
     * {@link SlotWaitTimeoutException}: a safety net for the 25,000 history events of its execution,
     * above what the back-off needs within the longest SLOT_MAX_WAIT_SECONDS (HistoryBudgetTest).
     */
    static final int MAX_ASKS = 200;
    /** A waiter that has not come back this long after its announced wait no longer blocks younger ones. */
    static final Duration WAITER_GRACE = Duration.ofSeconds(30);
    /** A bogus far-future upload-URL expiry must not pin a slot for longer than this. */
    static final Duration MAX_HOLD = Duration.ofHours(24);

    private final SlotsConfig config;

    SlotPolicy(SlotsConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** A slot a caller may try to take; {@code reclaimed}: from an expired lease of a stopped execution. */
    record Candidate(Slot slot, boolean reclaimed) {}

    /**
     * The slot this caller may try, or null: the caller with {@code rank} older live waiters takes
     * the (rank+1)-th takeable slot, so the older ones still find theirs and concurrent callers of
     * different rank aim at different slots. Free slots first; leases are reclaimed (and
     * {@code isRunning} asked) only when free slots do not suffice, oldest lease first. A lease that
     * expired while its execution is still running is never taken.
     */
    Candidate pick(SlotState state, int rank, Instant now, Predicate<String> isRunning) {
        List<Candidate> takeable = new ArrayList<>();
        List<Slot> expired = new ArrayList<>();
        for (int i = 0; i < config.maxSlots(); i++) {
            Slot s = state.slot(i);
            if (s.free(now)) {
                takeable.add(new Candidate(s, false));
            } else if (s.active() && !s.leaseUntil().isAfter(now)) {
                expired.add(s);
            }
        }
        if (takeable.size() > rank) {
            return takeable.get(rank);
        }
        expired.sort(Comparator.comparing(Slot::leaseUntil));
        for (Slot s : expired) {
            if (!isRunning.test(s.exec())) {
                takeable.add(new Candidate(s, true));
                if (takeable.size() > rank) {
                    return takeable.get(rank);
                }
            }
        }
        return null;
    }

    /** A part that found no slot gives up: it waited longer than maxWait, or this was its last ask. */
    boolean timedOut(Duration waited, int attempt) {
        return waited.compareTo(config.maxWait()) > 0 || attempt + 1 >= MAX_ASKS;
    }

    /**
     * How long a part that found no slot waits before it asks again (unless a release wakes it): the
     * back-off, or the expected turn when that is later ({@link #untilTurn}), ending just after the
     * maxWait deadline rather than long after it.
     */
    Duration waitFor(
            int attempt,
            int rank,
            Duration waited,
            SlotState seen,
            Instant now,
            Supplier<Optional<Duration>> meanDuration,
            RandomGenerator random) {
        Duration waitFor = backoff(attempt, rank, config.maxSlots(), config.pollInterval(), waited, random);
        Duration net = untilTurn(seen, config.maxSlots(), config.pollInterval(), rank, now, meanDuration);
        if (net != null && net.compareTo(waitFor) > 0) {
            // The back-off is the safety net of a lost wake-up; when the holders' imports are expected to
            // end later, a wait that ends before then only costs a round of transitions.
            waitFor = net;
        }
        Duration left = config.maxWait().minus(waited);
        if (waitFor.compareTo(left) > 0) {
            // Come back just after the deadline rather than long after it.
            waitFor = Duration.ofSeconds(Math.max(1, left.toSeconds() + 1));
        }
        return waitFor;
    }

    /** Until when a waiter that waits {@code waitFor} counts for the younger ones. */
    static Instant nextCheckBy(Instant now, Duration waitFor) {
        return now.plus(waitFor).plus(WAITER_GRACE);
    }

    /**
     * Exponential back-off with "equal jitter" ({@link TurnBackoff}): a random wait in [ceiling/2, ceiling], where the
     * ceiling doubles per attempt from {@link TurnBackoff#BASE}. Waiters next in line (fewer than
     * maxSlots live waiters ahead) are capped at the status-poll interval: a holder notices its
     * import ended at that cadence, so even without a wake-up a freed slot is taken about one poll
     * later. The others are capped at {@link #TAIL_CAP}: a release wakes the oldest waiters (see
     * {@link #toWake}), so the back-off of a waiter far back is only a safety net and may
     * be long and cheap. Either cap grows with the time already waited (a quarter of it, at most
     * {@link #MAX_CEILING}), which bounds the rounds of a long wait. Whole seconds (Step Functions
     * counts seconds), at least one.
     */
    static Duration backoff(
            int attempt, int waitersAhead, int maxSlots, Duration poll, Duration waited, RandomGenerator random) {
        return BACKOFF.next(attempt, waitersAhead < maxSlots, poll, waited, random);
    }

    static Duration backoff(int attempt, int waitersAhead, int maxSlots, Duration poll, RandomGenerator random) {
        return backoff(attempt, waitersAhead, maxSlots, poll, Duration.ZERO, random);
    }

    static Duration backoff(int attempt, int waitersAhead, int maxSlots, RandomGenerator random) {
        return backoff(attempt, waitersAhead, maxSlots, SlotsConfig.DEFAULT_POLL_INTERVAL, random);
    }

    /**
     * When a waiter with {@code rank} older live waiters ahead can expect its turn, with a margin: the
     * safety net of its wait, which a release cuts short by waking it. The places free as the holders'
     * imports are expected to end (each holder's {@code expectedEndAt}, written at its upload from the
     * estimate of its duration; a holder not uploaded yet is expected to take the mean duration from
     * when it took its slot); each waiter ahead takes the earliest place and holds it for the mean
     * duration plus one poll interval (its request and upload, the check that sees its end, the
     * hand-over). The margin is a quarter of the expected wait, at least one poll interval: the
     * estimates of the imports ahead add up their errors, and a net that runs out before the turn
     * costs a round of transitions, while one that runs out later costs nothing unless a wake-up was
     * lost. Never past the earliest moment a slot can free without a release (a hold or a lease that
     * ends), nor longer than {@link #MAX_CEILING}. Null when nothing is known (no duration learned yet
     * and a holder without an expected end): the back-off alone decides. {@code mean} is asked at
     * most once, and only when needed (it reads the duration model's item).
     */
    static Duration untilTurn(
            SlotState state, int maxSlots, Duration poll, int rank, Instant now, Supplier<Optional<Duration>> mean) {
        List<Instant> places = new ArrayList<>();
        Instant silent = null;
        Optional<Duration> typical = null;
        for (int i = 0; i < maxSlots; i++) {
            Slot s = state.slot(i);
            if (s.free(now)) {
                places.add(now);
                continue;
            }
            if (s.holdUntil() != null) {
                // Held after an abandoned release: it frees when the hold ends, and nobody wakes anyone then.
                places.add(s.holdUntil());
                silent = earliest(silent, s.holdUntil());
                continue;
            }
            // A lease that runs out may be reclaimed (its holder gone), again without a wake-up.
            silent = earliest(silent, s.leaseUntil());
            Instant end = s.expectedEndAt();
            if (end == null) {
                if (typical == null) {
                    typical = mean.get();
                }
                if (typical.isEmpty() || s.acquiredAt() == null) {
                    return null;
                }
                end = s.acquiredAt().plus(typical.get());
            }
            places.add(end.isAfter(now) ? end : now);
        }
        if (places.isEmpty()) {
            return null;
        }
        for (int ahead = 0; ahead < rank; ahead++) {
            if (typical == null) {
                typical = mean.get();
            }
            if (typical.isEmpty()) {
                return null;
            }
            int k = earliestIndex(places);
            places.set(k, places.get(k).plus(typical.get()).plus(poll));
        }
        Duration expected = Duration.between(now, places.get(earliestIndex(places)));
        Duration margin = expected.dividedBy(4).compareTo(poll) > 0 ? expected.dividedBy(4) : poll;
        Instant turn = now.plus(expected).plus(margin);
        if (silent != null && silent.isAfter(now) && silent.isBefore(turn)) {
            turn = silent.plusSeconds(1);
        }
        Duration wait = Duration.between(now, turn);
        if (wait.compareTo(MAX_CEILING) > 0) {
            wait = MAX_CEILING;
        }
        return Duration.ofSeconds(Math.max(1, (wait.toMillis() + 999) / 1000));
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    private static int earliestIndex(List<Instant> places) {
        int k = 0;
        for (int i = 1; i < places.size(); i++) {
            if (places.get(i).isBefore(places.get(k))) {
                k = i;
            }
        }
        return k;
    }

    /**
     * The most times a part asks for a slot before {@code maxWait} has passed, when no release ever
     * wakes it: every back-off at its shortest (the next in line, the jitter at its minimum, the
     * wait rounded up to whole seconds as Step Functions waits), the last ask the one that finds the
     * deadline passed. Wake-ups add rounds; {@link #MAX_ASKS} bounds them all.
     */
    static int asksWithin(Duration maxWait, Duration poll) {
        return BACKOFF.asksWithin(maxWait, poll);
    }

    /**
     * Until when a released slot stays held, or null when it is free at once (docs/import-slots.md,
     * "Release semantics"): ABANDONED with an import APSIS still counts keeps the slot held, until the
     * upload URL expires when nothing was uploaded, until the current lease expires when the file was
     * uploaded; never longer than {@link #MAX_HOLD}.
     */
    static Instant holdUntil(Slot slot, ReleaseReason reason, Instant now) {
        Instant holdUntil = null;
        if (reason == ReleaseReason.ABANDONED && slot.active() && slot.importId() != null) {
            if (!slot.uploaded()
                    && slot.urlExpiresAt() != null
                    && slot.urlExpiresAt().isAfter(now)) {
                holdUntil = slot.urlExpiresAt();
            } else if (slot.uploaded() && slot.leaseUntil().isAfter(now)) {
                holdUntil = slot.leaseUntil();
            }
            if (holdUntil != null && holdUntil.isAfter(now.plus(MAX_HOLD))) {
                holdUntil = now.plus(MAX_HOLD);
            }
        }
        return holdUntil;
    }

    /**
     * Whom a release wakes: the oldest live waiters, one per slot free now, of which those with a
     * parked token. One of them without a token is between its "no slot" and its park(), and park()
     * wakes waiters itself.
     */
    List<Waiter> toWake(SlotState state, Instant now) {
        long free = state.allSlotsUpTo(config.maxSlots()).stream()
                .filter(s -> s.index() < config.maxSlots() && s.free(now))
                .count();
        if (free == 0) {
            return List.of();
        }
        return state.waiters().stream()
                .filter(w -> w.live(now) && w.waitingSince() != null)
                .sorted(Comparator.comparing(Waiter::waitingSince).thenComparing(Waiter::ownerId))
                .limit(free)
                .filter(w -> w.token() != null)
                .toList();
    }
}
