package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.slots.SlotState.Slot;
import io.apsisimport.slots.SlotState.Waiter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

// Unit tests of the slot rules (SlotPolicy, SlotState) without a table: each rule docs/import-slots.md
// states, decided on a hand-made state at a fixed instant. ImportSlotsTest holds the same rules
// against moto's DynamoDB, through the conditional writes.
class SlotPolicyTest {
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final Duration POLL = Duration.ofSeconds(6);
    private static final SlotPolicy POLICY =
            new SlotPolicy(new SlotsConfig("t", "acct", 3, Duration.ofMinutes(15), Duration.ofHours(6)));

    // ---------------------------------------------------------------------------------------------
    // states

    /** Slot {@code index} held by exec-{index}#0, its lease ending {@code leaseIn} seconds from now. */
    private static Slot leased(int index, long leaseIn) {
        return new Slot(
                index,
                true,
                3,
                "exec-" + index + "#0",
                "exec-" + index,
                0,
                NOW.plusSeconds(leaseIn),
                null,
                null,
                null,
                false,
                NOW.minusSeconds(60),
                null);
    }

    /** Slot {@code index} released ABANDONED by exec-{index}#0 and held until {@code holdIn} seconds from now. */
    private static Slot heldAfterRelease(int index, long holdIn) {
        return new Slot(
                index,
                true,
                4,
                "exec-" + index + "#0",
                "exec-" + index,
                0,
                NOW.minusSeconds(10),
                NOW.plusSeconds(holdIn),
                "import-" + index,
                null,
                false,
                NOW.minusSeconds(60),
                null);
    }

    /** Slot {@code index} released for good (the item written whole again without an owner). */
    private static Slot released(int index) {
        return new Slot(index, true, 5, null, null, 0, null, null, null, null, false, null, null);
    }

    private static Waiter waiter(String id, long sinceSecondsAgo, long liveFor, String token) {
        return new Waiter(id, "exec-" + id, NOW.minusSeconds(sinceSecondsAgo), NOW.plusSeconds(liveFor), token);
    }

    private static SlotState with(List<Waiter> waiters, Slot... slots) {
        Map<Integer, Slot> map = new HashMap<>();
        for (Slot s : slots) {
            map.put(s.index(), s);
        }
        return new SlotState(map, waiters);
    }

    /** An execution probe that says every execution but {@code stopped} runs, and records whom it was asked about. */
    private static final class Probe implements java.util.function.Predicate<String> {
        final Set<String> stopped;
        final List<String> asked = new ArrayList<>();

        Probe(String... stopped) {
            this.stopped = Set.of(stopped);
        }

        @Override
        public boolean test(String exec) {
            asked.add(exec);
            return !stopped.contains(exec);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // who gets a slot

    @Test
    void aFreeSlotIsTakenWithoutAskingWhetherAnyExecutionRuns() {
        var probe = new Probe("exec-0");
        var state = with(List.of(), leased(0, -60), released(1)); // slot 2 never written
        var pick = POLICY.pick(state, 0, NOW, probe);
        assertEquals(1, pick.slot().index());
        assertFalse(pick.reclaimed());
        assertEquals(List.of(), probe.asked, "free slots suffice: no DescribeExecution");
        assertEquals(2, POLICY.pick(state, 1, NOW, probe).slot().index(), "a slot never written is free too");
    }

    @Test
    void aCallerWithOlderLiveWaitersAheadAimsPastTheSlotsTheyWillTake() {
        var state = with(List.of(), leased(0, 600)); // slots 1 and 2 free
        assertEquals(1, POLICY.pick(state, 0, NOW, new Probe()).slot().index());
        assertEquals(
                2, POLICY.pick(state, 1, NOW, new Probe()).slot().index(), "one older waiter: the second free slot");
        assertNull(POLICY.pick(state, 2, NOW, new Probe()), "two older waiters and two free slots: wait");
    }

    @Test
    void anExpiredLeaseOfAStoppedExecutionIsReclaimedOldestFirst() {
        var probe = new Probe("exec-0", "exec-1", "exec-2");
        var state = with(List.of(), leased(0, -10), leased(1, -300), leased(2, 600));
        var pick = POLICY.pick(state, 0, NOW, probe);
        assertEquals(1, pick.slot().index(), "the lease that ended first");
        assertTrue(pick.reclaimed());
        assertEquals(0, POLICY.pick(state, 1, NOW, probe).slot().index());
        assertFalse(probe.asked.contains("exec-2"), "a lease still running is not even looked at");
    }

    @Test
    void anExpiredLeaseOfAnExecutionStillRunningIsNeverTaken() {
        var state = with(List.of(), leased(0, -3600), leased(1, 600), leased(2, 600));
        var probe = new Probe();
        assertNull(POLICY.pick(state, 0, NOW, probe), "it may be between two status checks");
        assertEquals(List.of("exec-0"), probe.asked);
    }

    @Test
    void aLeaseThatHasNotEndedIsNotReclaimedEvenIfItsExecutionStopped() {
        var state = with(List.of(), leased(0, 1), leased(1, 600), leased(2, 600));
        var probe = new Probe("exec-0", "exec-1", "exec-2");
        assertNull(POLICY.pick(state, 0, NOW, probe));
        assertEquals(List.of(), probe.asked);
    }

    @Test
    void aSlotHeldAfterAnAbandonedReleaseIsFreeOnlyOnceItsHoldEnds() {
        var held = heldAfterRelease(0, 120);
        var state = with(List.of(), held, leased(1, 600), leased(2, 600));
        assertFalse(held.free(NOW));
        assertNull(POLICY.pick(state, 0, NOW, new Probe("exec-0")), "APSIS still counts its import");
        Instant later = NOW.plusSeconds(120);
        assertTrue(held.free(later));
        assertEquals(0, POLICY.pick(state, 0, later, new Probe()).slot().index());
    }

    @Test
    void theSameOwnerDoesNotGetBackASlotHeldAfterItsOwnRelease() {
        var state = with(List.of(), heldAfterRelease(0, 120));
        assertNull(state.activeSlotOf("exec-0#0"), "a new import would be a fourth pending one");
        assertEquals(0, with(List.of(), leased(0, 600)).activeSlotOf("exec-0#0").index(), "a held lease is its own");
    }

    @Test
    void slotsAboveTheLimitAreNeverGranted() {
        var state = with(List.of(), leased(0, 600), leased(1, 600), leased(2, 600), released(3), released(4));
        assertNull(POLICY.pick(state, 0, NOW, new Probe()), "after lowering the limit, slots 3 and 4 drain");
    }

    // ---------------------------------------------------------------------------------------------
    // arrival order

    @Test
    void olderLiveWaitersThatHoldNoSlotAreAheadInArrivalOrder() {
        var waiters = List.of(
                waiter("a", 300, 60, null),
                waiter("b", 200, 60, null),
                waiter("c", 200, 60, null),
                waiter("d", 100, 60, null));
        var state = with(waiters, leased(0, 600));
        Instant cSince = NOW.minusSeconds(200);
        assertEquals(2, state.waitersAhead("c", cSince, NOW), "a (older) and b (same instant, smaller id)");
        assertEquals(0, state.waitersAhead("a", NOW.minusSeconds(300), NOW), "itself does not count");
        assertEquals(4, state.waitersAhead("new", NOW, NOW), "a first-time caller is behind everyone");
        var holding = with(
                waiters,
                new Slot(0, true, 3, "a", "exec-a", 0, NOW.plusSeconds(600), null, null, null, false, NOW, null));
        assertEquals(1, holding.waitersAhead("c", cSince, NOW), "a holds a slot: its waiter record no longer counts");
    }

    @Test
    void aWaiterThatStoppedComingBackStopsCountingAtItsNextCheckBy() {
        var state = with(List.of(waiter("gone", 3600, 0, null), waiter("late", 3600, -1, null)));
        assertEquals(0, state.waitersAhead("new", NOW, NOW));
        assertEquals(1, state.waitersAhead("new", NOW, NOW.minusSeconds(1)), "one second earlier it still counted");
    }

    @Test
    void aWaiterCountsUntilItsWaitPlusThirtySeconds() {
        assertEquals(NOW.plusSeconds(47), SlotPolicy.nextCheckBy(NOW, Duration.ofSeconds(17)));
        assertEquals(Duration.ofSeconds(30), SlotPolicy.WAITER_GRACE);
    }

    // ---------------------------------------------------------------------------------------------
    // how long to wait, and giving up

    @Test
    void aPartGivesUpAfterMaxWaitOrItsLastAsk() {
        assertFalse(POLICY.timedOut(Duration.ofHours(6), 0), "exactly maxWait: one more ask");
        assertTrue(POLICY.timedOut(Duration.ofHours(6).plusMillis(1), 0));
        assertFalse(POLICY.timedOut(Duration.ofMinutes(1), SlotPolicy.MAX_ASKS - 2));
        assertTrue(POLICY.timedOut(Duration.ofMinutes(1), SlotPolicy.MAX_ASKS - 1), "the 200th ask is the last");
    }

    @Test
    void theLastWaitEndsJustAfterTheDeadline() {
        var state = with(List.of(), leased(0, 36_000), leased(1, 36_000), leased(2, 36_000));
        Duration waited = Duration.ofHours(6).minusSeconds(3);
        Duration wait = POLICY.waitFor(30, 5, waited, state, NOW, Optional::empty, new SplittableRandom(1));
        assertEquals(Duration.ofSeconds(4), wait);
    }

    @Test
    void theWaitIsTheExpectedTurnWhenThatIsLaterThanTheBackoff() {
        var end = new Slot(
                0,
                true,
                3,
                "exec-0#0",
                "exec-0",
                0,
                NOW.plusSeconds(36_000),
                null,
                "i",
                null,
                true,
                NOW.minusSeconds(10),
                NOW.plusSeconds(400));
        var state = with(List.of(), end, leased(1, 36_000), leased(2, 36_000));
        var policy = new SlotPolicy(new SlotsConfig("t", "acct", 3, Duration.ofMinutes(15), Duration.ofHours(6), POLL));
        Duration wait = policy.waitFor(
                0, 0, Duration.ZERO, state, NOW, () -> Optional.of(Duration.ofSeconds(600)), new SplittableRandom(1));
        assertEquals(Duration.ofSeconds(500), wait, "400 s to the earliest expected end plus a quarter of it");
        Duration nothingKnown = policy.waitFor(
                0,
                0,
                Duration.ZERO,
                with(List.of(), leased(0, 36_000), leased(1, 36_000), leased(2, 36_000)),
                NOW,
                Optional::empty,
                new SplittableRandom(1));
        assertTrue(
                nothingKnown.toSeconds() >= 1 && nothingKnown.toSeconds() <= 2, "the back-off alone: " + nothingKnown);
    }

    @Test
    void theTimeoutMessageNamesExecutionsNeverArnsOrTickets() {
        var arn = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:";
        var a = new Slot(
                0,
                true,
                3,
                arn + "customers.csv-1a2b#0",
                arn + "customers.csv-1a2b",
                0,
                NOW.plusSeconds(60),
                null,
                null,
                null,
                false,
                NOW,
                null);
        var b = new Slot(
                1,
                true,
                3,
                arn + "orders.csv-9f8e#1",
                arn + "orders.csv-9f8e",
                1,
                NOW.plusSeconds(90),
                null,
                "5f00",
                null,
                true,
                NOW,
                null);
        var state = with(List.of(waiter("x", 10, 60, "secret-token")), a, b);
        var config = new SlotsConfig("t", "acct", 2, Duration.ofMinutes(15), Duration.ofHours(6));
        String message = SlotWaitTimeoutException.after(
                        new SlotOwner(arn + "late.csv-77aa", 0), Duration.ofSeconds(21_601), 5, state, NOW, config)
                .getMessage();
        assertEquals(
                "late.csv-77aa#0 waited 6h 00m 01s for an APSIS import slot (limit 6h 00m 00s); all 2 slots of"
                        + " account acct are held: slot 0 by customers.csv-1a2b#0, lease until 2025-03-01T10:01:00Z; slot 1 by"
                        + " orders.csv-9f8e#1, APSIS import 5f00, lease until 2025-03-01T10:01:30Z; 1 other part(s) waiting",
                message);
        assertFalse(message.contains("arn:") || message.contains("secret-token"), message);
    }

    // ---------------------------------------------------------------------------------------------
    // release semantics

    private static Slot withImport(boolean uploaded, Instant urlExpiresAt, Instant leaseUntil) {
        return new Slot(
                0,
                true,
                3,
                "exec-0#0",
                "exec-0",
                0,
                leaseUntil,
                null,
                "import-0",
                urlExpiresAt,
                uploaded,
                NOW.minusSeconds(60),
                null);
    }

    @Test
    void aFinishedImportFreesItsSlotAtOnce() {
        var slot = withImport(false, NOW.plusSeconds(600), NOW.plusSeconds(600));
        assertNull(SlotPolicy.holdUntil(slot, ReleaseReason.IMPORT_FINISHED, NOW));
        assertNull(
                SlotPolicy.holdUntil(withImport(true, null, NOW.plusSeconds(600)), ReleaseReason.IMPORT_FINISHED, NOW));
    }

    @Test
    void abandonedWithoutAnImportFreesAtOnce() {
        assertNull(SlotPolicy.holdUntil(leased(0, 600), ReleaseReason.ABANDONED, NOW));
    }

    @Test
    void abandonedWithAnUnusedUploadUrlHoldsUntilTheUrlExpiresAtMost24Hours() {
        Instant url = NOW.plusSeconds(600);
        assertEquals(
                url, SlotPolicy.holdUntil(withImport(false, url, NOW.plusSeconds(60)), ReleaseReason.ABANDONED, NOW));
        assertEquals(
                NOW.plus(Duration.ofHours(24)),
                SlotPolicy.holdUntil(
                        withImport(false, NOW.plus(Duration.ofDays(30)), NOW.plusSeconds(60)),
                        ReleaseReason.ABANDONED,
                        NOW),
                "a bogus far-future expiry does not pin the slot");
    }

    @Test
    void abandonedWithAnExpiredUploadUrlFreesAtOnce() {
        assertNull(SlotPolicy.holdUntil(withImport(false, NOW, NOW.plusSeconds(60)), ReleaseReason.ABANDONED, NOW));
    }

    @Test
    void abandonedAfterTheUploadHoldsUntilTheLeaseExpires() {
        Instant lease = NOW.plusSeconds(300);
        assertEquals(
                lease,
                SlotPolicy.holdUntil(withImport(true, NOW.minusSeconds(1), lease), ReleaseReason.ABANDONED, NOW));
        assertNull(
                SlotPolicy.holdUntil(withImport(true, null, NOW), ReleaseReason.ABANDONED, NOW), "lease already over");
    }

    @Test
    void aReleaseActsOnTheOwnersSlotAndAFinishedReportAlsoOnItsHeldOne() {
        var state = with(List.of(), heldAfterRelease(0, 120), leased(1, 600));
        assertEquals(
                1,
                state.releasableSlotOf("exec-1#0", ReleaseReason.ABANDONED, NOW).index());
        assertNull(state.releasableSlotOf("exec-0#0", ReleaseReason.ABANDONED, NOW), "a second ABANDONED: nothing");
        assertEquals(
                0,
                state.releasableSlotOf("exec-0#0", ReleaseReason.IMPORT_FINISHED, NOW)
                        .index(),
                "APSIS reported the import terminal: the held slot frees");
        assertNull(
                state.releasableSlotOf("exec-0#0", ReleaseReason.IMPORT_FINISHED, NOW.plusSeconds(120)),
                "the hold has ended by itself");
        assertNull(state.releasableSlotOf("never#0", ReleaseReason.IMPORT_FINISHED, NOW), "holds nothing: nothing");
    }

    // ---------------------------------------------------------------------------------------------
    // wake-ups

    @Test
    void aReleaseWakesTheOldestLiveWaitersOnePerFreeSlot() {
        var waiters = List.of(
                waiter("young", 10, 60, "t-young"),
                waiter("old", 300, 60, "t-old"),
                waiter("middle", 100, 60, "t-middle"),
                waiter("dead", 900, -1, "t-dead"));
        var oneFree = with(waiters, leased(0, 600), leased(1, 600)); // slot 2 free
        assertEquals(
                List.of("old"),
                POLICY.toWake(oneFree, NOW).stream().map(Waiter::ownerId).toList());
        var twoFree = with(waiters, leased(0, 600));
        assertEquals(
                List.of("old", "middle"),
                POLICY.toWake(twoFree, NOW).stream().map(Waiter::ownerId).toList());
        assertEquals(
                List.of(),
                POLICY.toWake(with(waiters, leased(0, 600), leased(1, 600), leased(2, 600)), NOW),
                "no free slot: nobody is woken");
    }

    @Test
    void aWaiterNextInLineWithoutAParkedTokenIsNotSkippedForAYoungerOne() {
        // It is between its "no slot" and its park(), and park() wakes waiters itself.
        var waiters = List.of(waiter("old", 300, 60, null), waiter("young", 10, 60, "t-young"));
        assertEquals(List.of(), POLICY.toWake(with(waiters, leased(0, 600), leased(1, 600)), NOW));
    }

    // ---------------------------------------------------------------------------------------------
    // back-off and the expected turn (moved from ImportSlotsUnitTest)

    /** Draws a fixed share of the bound: 0 the shortest wait, 1 the longest. */
    private static RandomGenerator draw(double share) {
        return fixed(bound -> (long) ((bound - 1) * share));
    }

    private static RandomGenerator fixed(LongUnaryOperator ofBound) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return ofBound.applyAsLong(bound);
            }
        };
    }

    @Test
    void theBackoffIsHalfItsCeilingPlusAJitterRoundedUpToWholeSecondsWithinTheCeiling() {
        Duration poll = Duration.ofSeconds(5);
        // attempt 3 of a waiter far back (5 ahead of 3 slots): ceiling 2 s << 3 = 16 s, a wait in [8 s, 16 s].
        assertEquals(Duration.ofSeconds(8), SlotPolicy.backoff(3, 5, 3, poll, Duration.ZERO, draw(0)));
        assertEquals(Duration.ofSeconds(12), SlotPolicy.backoff(3, 5, 3, poll, Duration.ZERO, draw(0.5)));
        assertEquals(Duration.ofSeconds(16), SlotPolicy.backoff(3, 5, 3, poll, Duration.ZERO, draw(1)));
        // The jitter is drawn from [0, ceiling - half]: both ends included.
        var bounds = new ArrayList<Long>();
        SlotPolicy.backoff(3, 5, 3, poll, Duration.ZERO, fixed(bound -> {
            bounds.add(bound);
            return 0;
        }));
        assertEquals(List.of(8_001L), bounds);
        // 8,000 + 4,567 ms rounds up to 13 s.
        assertEquals(Duration.ofSeconds(13), SlotPolicy.backoff(3, 5, 3, poll, Duration.ZERO, fixed(bound -> 4567)));
        // Next in line at a 1.5 s poll: ceiling 1.5 s; a draw of 1.5 s rounds up to 2 s, but never
        // past the ceiling's whole seconds (at least one).
        assertEquals(
                Duration.ofSeconds(1), SlotPolicy.backoff(5, 0, 3, Duration.ofMillis(1500), Duration.ZERO, draw(1)));
        // As many waiters ahead as slots: not next in line, the tail cap (60 s), not the poll.
        assertEquals(Duration.ofSeconds(60), SlotPolicy.backoff(5, 3, 3, poll, Duration.ZERO, draw(1)));
        assertEquals(Duration.ofSeconds(5), SlotPolicy.backoff(5, 2, 3, poll, Duration.ZERO, draw(1)));
    }

    @Test
    void theAsksOfAWaitWithoutWakeUpsAreCounted() {
        Duration poll = Duration.ofSeconds(1);
        assertEquals(2, SlotPolicy.asksWithin(Duration.ZERO, poll));
        assertEquals(3, SlotPolicy.asksWithin(Duration.ofSeconds(1), poll));
        assertEquals(7, SlotPolicy.asksWithin(Duration.ofSeconds(5), poll));
        assertEquals(11, SlotPolicy.asksWithin(Duration.ofSeconds(10), poll));
        assertEquals(24, SlotPolicy.asksWithin(Duration.ofSeconds(60), poll));
        assertEquals(58, SlotPolicy.asksWithin(Duration.ofHours(1), poll));
        assertEquals(18, SlotPolicy.asksWithin(Duration.ofSeconds(60), Duration.ofSeconds(5)));
    }

    @Test
    void theLastWaitEndsAtTheDeadlineWhenTheBackoffReachesItExactly() {
        // Nothing known of the holders; attempt 0 next in line: the shortest wait is 1 s, and 1 s is left.
        var state = with(List.of(), leased(0, 36_000), leased(1, 36_000), leased(2, 36_000));
        Duration waited = Duration.ofHours(6).minusSeconds(1);
        assertEquals(Duration.ofSeconds(1), POLICY.waitFor(0, 0, waited, state, NOW, Optional::empty, draw(0)));
    }

    @Test
    void aSlotAboveTheLimitThatIsFreeWakesNobody() {
        // The limit was lowered from 4 to 3: slot 3 is free, but above the limit.
        var waiters = List.of(waiter("old", 300, 60, "t-old"));
        var state = with(waiters, leased(0, 600), leased(1, 600), leased(2, 600), released(3));
        assertEquals(List.of(), POLICY.toWake(state, NOW));
    }

    @Test
    void backoffStartsSmallGrowsAndIsCapped() {
        var random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            long first = SlotPolicy.backoff(0, 5, 3, random).toSeconds();
            assertTrue(first >= 1 && first <= 2, "first wait " + first);
            long tail = SlotPolicy.backoff(30, 5, 3, random).toSeconds();
            assertTrue(tail >= 30 && tail <= 60, "tail wait " + tail);
            long head = SlotPolicy.backoff(30, 0, 3, random).toSeconds();
            assertTrue(head >= 15 && head <= 30, "head-of-line wait about one poll interval (30 s): " + head);
            long fastPoll =
                    SlotPolicy.backoff(30, 0, 3, Duration.ofSeconds(1), random).toSeconds();
            assertEquals(1, fastPoll, "with a 1 s poll interval the next in line look every second");
            long deep =
                    SlotPolicy.backoff(30, 27, 3, Duration.ofSeconds(1), random).toSeconds();
            assertTrue(deep >= 30 && deep <= 60, "far back, woken by releases: the long safety-net cap: " + deep);
            assertTrue(SlotPolicy.backoff(Integer.MAX_VALUE, 5, 3, random).toSeconds() <= 60);
        }
    }

    @Test
    void theBackoffCeilingGrowsWithTheTimeWaitedUpToTwoHours() {
        var random = new SplittableRandom(11);
        for (int i = 0; i < 200; i++) {
            long early = SlotPolicy.backoff(30, 0, 3, Duration.ofSeconds(1), Duration.ofMinutes(1), random)
                    .toSeconds();
            assertTrue(early <= 15, "after a minute, next in line: at most a quarter of the wait: " + early);
            long hour = SlotPolicy.backoff(30, 0, 3, Duration.ofSeconds(1), Duration.ofHours(1), random)
                    .toSeconds();
            assertTrue(hour >= 450 && hour <= 900, "after an hour: between an eighth and a quarter of it: " + hour);
            long day = SlotPolicy.backoff(30, 5, 3, Duration.ofSeconds(1), Duration.ofDays(1), random)
                    .toSeconds();
            assertTrue(day >= 3600 && day <= 7200, "after a day: the two-hour ceiling: " + day);
        }
    }

    @Test
    void aPartAsksForASlotFewerTimesThanTheCapWithinTheLongestWait() {
        int asks = SlotPolicy.asksWithin(Duration.ofDays(2), Duration.ofSeconds(1));
        assertTrue(asks < SlotPolicy.MAX_ASKS, "asks within two days at a 1 s poll: " + asks);
        assertTrue(
                SlotPolicy.asksWithin(Duration.ofMinutes(1), Duration.ofSeconds(1)) > 10, "a short wait stays prompt");
    }

    @Test
    void backoffIsJittered() {
        Set<Long> seen = new HashSet<>();
        for (int seed = 0; seed < 50; seed++) {
            seen.add(SlotPolicy.backoff(5, 10, 3, new SplittableRandom(seed)).toSeconds());
        }
        assertTrue(seen.size() > 10, "waiters of the same attempt spread out: " + seen);
    }

    /** A slot held since {@code acquired} seconds ago, expected to end in {@code end} seconds (null: unknown). */
    private static Slot held(int index, Integer end) {
        return new Slot(
                index,
                true,
                3,
                "owner-" + index,
                "exec-" + index,
                0,
                NOW.plusSeconds(36_000),
                null,
                "import-" + index,
                null,
                end != null,
                NOW.minusSeconds(10),
                end == null ? null : NOW.plusSeconds(end));
    }

    private static SlotState state(Slot... slots) {
        Map<Integer, Slot> map = new HashMap<>();
        for (Slot s : slots) {
            map.put(s.index(), s);
        }
        return new SlotState(map, List.of());
    }

    private static Duration turn(SlotState state, int rank, Double meanSeconds) {
        return SlotPolicy.untilTurn(
                state,
                3,
                POLL,
                rank,
                NOW,
                () -> Optional.ofNullable(meanSeconds).map(s -> Duration.ofMillis((long) (s * 1000))));
    }

    @Test
    void theNextWaitersTurnIsTheEarliestExpectedEndPlusAMargin() {
        var state = state(held(0, 90), held(1, 30), held(2, 60));
        assertEquals(
                Duration.ofSeconds(38),
                turn(state, 0, null),
                "the holder expected to end first frees its place in 30 s; margin a quarter of that (7.5 s > a poll)");
        // Each waiter ahead takes the earliest place and holds it for the mean duration plus a poll (46 s).
        assertEquals(Duration.ofSeconds(75), turn(state, 1, 40.0), "60 s + 15 s");
        assertEquals(Duration.ofSeconds(95), turn(state, 2, 40.0), "76 s + 19 s");
        assertEquals(Duration.ofSeconds(113), turn(state, 3, 40.0), "90 s + 22.5 s");
        assertEquals(Duration.ofSeconds(153), turn(state, 5, 40.0), "122 s + 30.5 s");
        assertEquals(null, turn(state, 1, null), "waiters ahead and no duration learned: the back-off decides");
    }

    @Test
    void aHolderWithoutAnEstimateIsExpectedToTakeTheMeanDurationFromItsSlot() {
        var state = state(held(0, 90), held(1, null), held(2, 60));
        assertEquals(Duration.ofSeconds(26), turn(state, 0, 30.0), "taken 10 s ago, 30 s on average");
        assertEquals(null, turn(state, 0, null), "nothing known about it");
        // A holder expected to have ended already: its place is due now.
        assertEquals(POLL, turn(state(held(0, -5), held(1, 60), held(2, 60)), 0, null));
    }

    @Test
    void freeSlotsAreNowAndOlderWaitersTakeThemFirst() {
        var state = state(held(0, 90), held(2, 60)); // slot 1 free, an older waiter on its way to it
        assertEquals(POLL, turn(state, 0, null), "a free place now: the margin alone, one poll");
        assertEquals(
                Duration.ofSeconds(58),
                turn(state, 1, 40.0),
                "the older waiter's place is free again in 46 s + 11.5 s");
    }

    @Test
    void aSlotThatFreesWithoutARelease() {
        // A hold after an abandoned release ends by itself: nobody wakes a waiter then.
        var hold = new Slot(
                0,
                true,
                3,
                "owner-0",
                "exec-0",
                0,
                NOW.plusSeconds(900),
                NOW.plusSeconds(20),
                "import-0",
                null,
                false,
                NOW.minusSeconds(10),
                null);
        assertEquals(Duration.ofSeconds(21), turn(state(hold, held(1, 300), held(2, 300)), 1, 40.0));
        // A lease that ends before the turn (its holder may be gone): come back just after it.
        var leased = new Slot(
                0,
                true,
                3,
                "owner-0",
                "exec-0",
                0,
                NOW.plusSeconds(100),
                null,
                "import-0",
                null,
                true,
                NOW.minusSeconds(10),
                NOW.plusSeconds(400));
        assertEquals(Duration.ofSeconds(101), turn(state(leased, held(1, 300), held(2, 300)), 2, 40.0));
    }

    @Test
    void aTurnFarAheadIsCappedAtTheLongestWait() {
        var state = state(held(0, 90), held(1, 30), held(2, 60));
        assertEquals(SlotPolicy.MAX_CEILING, turn(state, 500, 3600.0));
    }
}
