package io.apsisimport.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.feed.FeedRules.Disposal;
import io.apsisimport.feed.FeedSnapshot.Meta;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

// Unit tests without a table: arrival order from S3 events, the feed wait's back-off and its bound,
// and each rule of docs/feeds.md that FeedRules decides (whose place a drop takes, late files, the
// settle time, what a starting file reports, what a file's end does to its place, messages).
class FeedRulesTest {
    private static final Instant T = Instant.parse("2026-03-02T08:00:00.123Z");

    @Test
    void eventTimeThenSequencerThenKey() {
        var early = ArrivalOrder.of("2026-03-02T08:00:00.123Z", "0FFFFFFF", "inbox/z.csv", T);
        var later = ArrivalOrder.of("2026-03-02T08:00:00.124Z", "00", "inbox/a.csv", T);
        assertTrue(early.before(later));
        // S3: compare sequencers of one key after right-padding the shorter with zeros.
        var shortSeq = ArrivalOrder.of("2026-03-02T08:00:00.123Z", "0055", "inbox/a.csv", T);
        var longSeq = ArrivalOrder.of("2026-03-02T08:00:00.123Z", "00550000000001", "inbox/a.csv", T);
        assertTrue(shortSeq.before(longSeq));
        assertEquals(0, ArrivalOrder.compareSequencers("0055", "00550000"));
        var a = ArrivalOrder.of("2026-03-02T08:00:00.123Z", "0055", "inbox/a.csv", T);
        var b = ArrivalOrder.of("2026-03-02T08:00:00.123Z", "0055", "inbox/b.csv", T);
        assertTrue(a.before(b));
        assertEquals(
                T.plusSeconds(60).toEpochMilli(),
                ArrivalOrder.of(null, null, "k", T.plusSeconds(60)).eventMillis(),
                "an execution started by hand has no event time");
        assertEquals(
                T.toEpochMilli(),
                ArrivalOrder.of("2026-03-02T08:00:00.123+00:00", null, "k", Instant.EPOCH)
                        .eventMillis());
    }

    @Test
    void theNextFileInLineLooksAtLeastEveryPollAndTheOthersEveryMinuteAtFirst() {
        var random = new SplittableRandom(3);
        for (int attempt = 0; attempt < 30; attempt++) {
            Duration next = FeedRules.backoff(attempt, true, Duration.ofSeconds(5), Duration.ofSeconds(20), random);
            assertTrue(next.toSeconds() >= 1 && next.toSeconds() <= 5, next.toString());
            Duration tail = FeedRules.backoff(attempt, false, Duration.ofSeconds(5), Duration.ofSeconds(20), random);
            assertTrue(tail.toSeconds() >= 1 && tail.toSeconds() <= 60, tail.toString());
        }
        assertTrue(
                FeedRules.backoff(0, false, Duration.ofSeconds(5), Duration.ZERO, random)
                                .toSeconds()
                        <= 2,
                "the first wait is short");
    }

    @Test
    void aLongWaitLooksSeldomerUpToSixHours() {
        var random = new SplittableRandom(3);
        Duration day = FeedRules.backoff(30, false, Duration.ofSeconds(5), Duration.ofDays(1), random);
        assertTrue(day.compareTo(Duration.ofHours(3)) >= 0 && day.compareTo(Duration.ofHours(6)) <= 0, day.toString());
        Duration days = FeedRules.backoff(30, true, Duration.ofSeconds(1), Duration.ofDays(6), random);
        assertTrue(days.compareTo(Duration.ofHours(6)) <= 0, days.toString());
    }

    @Test
    void theLongestWaitAtTheShortestPollStaysFarBelowTheCapOfAsks() {
        int asks = FeedRules.asksWithin(FeedConfig.MAX_WAIT, Duration.ofSeconds(1));
        System.out.printf(
                "feed wait: %d asks within %s at a 1 s poll interval without wake-ups (cap %d)%n",
                asks, FeedRules.human(FeedConfig.MAX_WAIT), FeedRules.MAX_ASKS);
        assertTrue(asks < FeedRules.MAX_ASKS * 3 / 4, "leaves room for wake-ups: " + asks);
    }

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
    void theBackOffIsHalfItsCeilingPlusAJitterRoundedUpToWholeSecondsWithinTheCeiling() {
        Duration poll = Duration.ofSeconds(5);
        // attempt 3 of a file further back: ceiling 2 s << 3 = 16 s, a wait in [8 s, 16 s].
        assertEquals(Duration.ofSeconds(8), FeedRules.backoff(3, false, poll, Duration.ZERO, draw(0)));
        assertEquals(Duration.ofSeconds(12), FeedRules.backoff(3, false, poll, Duration.ZERO, draw(0.5)));
        assertEquals(Duration.ofSeconds(16), FeedRules.backoff(3, false, poll, Duration.ZERO, draw(1)));
        // The jitter is drawn from [0, ceiling - half]: both ends included.
        var bounds = new ArrayList<Long>();
        FeedRules.backoff(3, false, poll, Duration.ZERO, fixed(bound -> {
            bounds.add(bound);
            return 0;
        }));
        assertEquals(List.of(8_001L), bounds);
        // 8,000 + 4,567 ms rounds up to 13 s.
        assertEquals(Duration.ofSeconds(13), FeedRules.backoff(3, false, poll, Duration.ZERO, fixed(bound -> 4567)));
        // The next in line at a 1.5 s poll: ceiling 1.5 s; a draw of 1.5 s rounds up to 2 s, but
        // never past the ceiling's whole seconds (at least one).
        assertEquals(
                Duration.ofSeconds(1), FeedRules.backoff(5, true, Duration.ofMillis(1500), Duration.ZERO, draw(1)));
        // A quarter of the time waited lifts the cap of the next in line: 40 s waited, 10 s.
        assertEquals(Duration.ofSeconds(10), FeedRules.backoff(10, true, poll, Duration.ofSeconds(40), draw(1)));
    }

    @Test
    void theAsksOfAWaitWithoutWakeUpsAreCounted() {
        Duration poll = Duration.ofSeconds(1);
        assertEquals(2, FeedRules.asksWithin(Duration.ZERO, poll));
        assertEquals(3, FeedRules.asksWithin(Duration.ofSeconds(1), poll));
        assertEquals(7, FeedRules.asksWithin(Duration.ofSeconds(5), poll));
        assertEquals(11, FeedRules.asksWithin(Duration.ofSeconds(10), poll));
        assertEquals(24, FeedRules.asksWithin(Duration.ofSeconds(60), poll));
        assertEquals(58, FeedRules.asksWithin(Duration.ofHours(1), poll));
        assertEquals(18, FeedRules.asksWithin(Duration.ofSeconds(60), Duration.ofSeconds(5)));
        assertEquals(133, FeedRules.asksWithin(FeedConfig.MAX_WAIT, poll));
    }

    @Test
    void theLastWaitEndsAtTheDeadlineWhenTheBackOffReachesItExactly() {
        // attempt 0, next in line: the shortest wait is 1 s; 1 s left: it stays 1 s.
        Duration max = Duration.ofMinutes(1);
        assertEquals(
                Duration.ofSeconds(1),
                FeedRules.waitFor(0, true, Duration.ofSeconds(5), max.minusSeconds(1), max, draw(0)));
        assertEquals(
                Duration.ofSeconds(1),
                FeedRules.waitFor(0, true, Duration.ofSeconds(5), max.minusMillis(500), max, draw(1)));
    }

    @Test
    void durationsAtTheirUnitsBoundaries() {
        assertEquals("1d 00h 00m", FeedRules.human(Duration.ofDays(1)));
        assertEquals("23h 59m 59s", FeedRules.human(Duration.ofDays(1).minusSeconds(1)));
        assertEquals("1d 02h 03m", FeedRules.human(Duration.ofSeconds(86_400 + 2 * 3600 + 3 * 60 + 4)));
        assertEquals("1h 00m 00s", FeedRules.human(Duration.ofHours(1)));
        assertEquals("59m 59s", FeedRules.human(Duration.ofHours(1).minusSeconds(1)));
        assertEquals("1m 00s", FeedRules.human(Duration.ofMinutes(1)));
        assertEquals("59s", FeedRules.human(Duration.ofSeconds(59)));
        assertEquals("0s", FeedRules.human(Duration.ofSeconds(-5)));
    }

    @Test
    void aNameOrMessageAtItsLimitIsKeptWhole() {
        String name = "E".repeat(256);
        assertEquals(name, FeedRules.failedName(name));
        String message = "m".repeat(300);
        assertSame(message, FeedRules.failedMessage(message));
    }

    @Test
    void durationsReadAsTheConsoleReaderCounts() {
        assertEquals("7d 00h 00m", FeedRules.human(Duration.ofDays(7)));
        assertEquals("1h 01m 01s", FeedRules.human(Duration.ofSeconds(3661)));
        assertEquals("2m 05s", FeedRules.human(Duration.ofSeconds(125)));
        assertEquals("9s", FeedRules.human(Duration.ofSeconds(9)));
    }

    // ---------------------------------------------------------------------------------------------
    // the rules of docs/feeds.md, on hand-made entries

    private static final String ARN = "arn:aws:states:eu-west-1:123456789012:execution:import:";

    private static FeedEntry entry(String name, long atSecond, FeedEntry.State state) {
        return new FeedEntry(
                "daily",
                ARN + name,
                "inbox/" + name + ".csv",
                new ArrivalOrder(T.plusSeconds(atSecond).toEpochMilli(), "00", "inbox/" + name + ".csv"),
                T.plusSeconds(atSecond),
                state,
                true,
                1,
                T,
                state == FeedEntry.State.IMPORTING ? T.plusSeconds(100) : null,
                null,
                null,
                state == FeedEntry.State.FAILED ? "CsvMissingColumns" : null,
                null,
                null);
    }

    private static FeedFailure failure(String name, long atSecond) {
        return new FeedFailure(
                "inbox/" + name + ".csv",
                name,
                "CsvMissingColumns",
                null,
                null,
                T.plusSeconds(atSecond).toEpochMilli(),
                "00");
    }

    private static Meta started(FeedEntry e) {
        return new Meta(true, 3, e.position(), e.execution(), List.of());
    }

    @Test
    void aDropOfAFailedKeyTakesItsPlaceOnlyOnARouteThatStops() {
        var failed = entry("mon", 0, FeedEntry.State.FAILED);
        var entries = List.of(entry("tue", 10, FeedEntry.State.QUEUED), failed);
        assertSame(failed, FeedRules.placeToTakeOver(entries, true, "inbox/mon.csv"));
        assertNull(
                FeedRules.placeToTakeOver(entries, false, "inbox/mon.csv"), "onFailure: continue keeps no failed file");
        assertNull(FeedRules.placeToTakeOver(entries, true, "inbox/tue.csv"), "tue is queued, not failed");
    }

    @Test
    void entriesSortByArrivalNotByWhenTheyEntered() {
        var wed = entry("wed", 20, FeedEntry.State.QUEUED);
        var mon = entry("mon", 0, FeedEntry.State.QUEUED);
        var tue = entry("tue", 10, FeedEntry.State.QUEUED);
        assertEquals(List.of(mon, tue, wed), FeedRules.inOrder(List.of(wed, mon, tue)));
        var snapshot = new FeedSnapshot(
                "daily",
                Map.of(wed.execution(), wed, mon.execution(), mon, tue.execution(), tue),
                Meta.ABSENT,
                Map.of());
        assertEquals(2, snapshot.ahead(wed));
    }

    @Test
    void aFileBeforeTheLastStartedOneIsLateButTheStartedOneItselfIsNot() {
        var tue = entry("tue", 10, FeedEntry.State.IMPORTING);
        var mon = entry("mon", 0, FeedEntry.State.QUEUED);
        var wed = entry("wed", 20, FeedEntry.State.QUEUED);
        assertTrue(FeedRules.late(mon, started(tue)));
        assertFalse(FeedRules.late(tue, started(tue)));
        assertFalse(FeedRules.late(wed, started(tue)));
        assertFalse(FeedRules.late(mon, Meta.ABSENT), "nothing started yet");
        assertEquals(
                "inbox/mon.csv reached feed \"daily\" (S3 event of 2026-03-02T08:00:00.123Z) after inbox/tue.csv"
                        + " (S3 event of 2026-03-02T08:00:10.123Z) had started its import: importing it now would write older data"
                        + " over newer, so it is not imported. Drop it again to import it as the newest file of the feed.",
                FeedRules.outOfOrderMessage(mon, started(tue), "daily"));
    }

    @Test
    void theFirstFileWaitsUntilItsEventIsSettleOld() {
        var mon = entry("mon", 0, FeedEntry.State.QUEUED);
        Duration settle = Duration.ofSeconds(10);
        assertEquals(Duration.ofSeconds(10), FeedRules.settling(mon, T, settle));
        assertEquals(
                Duration.ofSeconds(1),
                FeedRules.settling(mon, T.plusMillis(9_500), settle),
                "whole seconds, at least one");
        assertNull(FeedRules.settling(mon, T.plusSeconds(10), settle));
    }

    @Test
    void aStartingFileReportsTheFailuresBeforeItsPlaceAndLeavesTheLaterOnes() {
        var tue = entry("tue", 10, FeedEntry.State.QUEUED);
        var failures = List.of(failure("wed", 20), failure("mon", 0), failure("sun", -10));
        assertEquals(List.of(failure("sun", -10), failure("mon", 0)), FeedRules.reportedBy(failures, tue));
        assertEquals(List.of(failure("wed", 20)), FeedRules.keptAfter(failures, tue));
        var go = FeedRules.go(T, FeedRules.reportedBy(failures, tue));
        assertEquals(List.of(failure("sun", -10)), go.earlierFailures(), "the earliest is named");
        assertEquals(1, go.notListed(), "the others counted");
    }

    @Test
    void aFailureIsRememberedOncePerExecutionAndOnlyTheLatestTwenty() {
        assertNull(
                FeedRules.withFailure(List.of(failure("mon", 0)), failure("mon", 0)),
                "already there: nothing to write");
        var many = new ArrayList<FeedFailure>();
        for (int i = 0; i < FeedRules.KEPT_FAILURES; i++) {
            many.add(failure("f" + i, i));
        }
        var next = FeedRules.withFailure(many, failure("new", 99));
        assertEquals(FeedRules.KEPT_FAILURES, next.size());
        assertEquals("f1", next.get(0).execution(), "the oldest goes");
        assertEquals("new", next.get(next.size() - 1).execution());
    }

    @Test
    void aFilesEndLeavesReportsOrHoldsTheFeed() {
        assertEquals(Disposal.LEAVE, FeedRules.disposal(true, true, null), "imported or skipped");
        assertEquals(
                Disposal.LEAVE_AND_REPORT,
                FeedRules.disposal(false, false, "CsvMissingColumns"),
                "onFailure: continue");
        assertEquals(Disposal.HOLD, FeedRules.disposal(false, true, "CsvMissingColumns"), "onFailure: stop");
        assertEquals(
                Disposal.HOLD,
                FeedRules.disposal(false, true, "ABORTED"),
                "an execution that ended, on a stopping route");
        assertEquals(
                Disposal.HOLD,
                FeedRules.disposal(false, true, null),
                "a failure without an error name, on a stopping route");
        assertEquals(
                Disposal.LEAVE_AND_REPORT,
                FeedRules.disposal(false, false, null),
                "a failure without an error name, on a continuing route");
        for (String always : List.of("FileReplaced", "FeedOutOfOrder")) {
            assertEquals(
                    Disposal.LEAVE_AND_REPORT, FeedRules.disposal(false, true, always), always + " never holds a feed");
        }
    }

    @Test
    void aFailedEntryKeepsAShortErrorNameAndMessage() {
        assertEquals("ImportFailed", FeedRules.failedName(null));
        assertEquals(256, FeedRules.failedName("E".repeat(300)).length(), "Step Functions' limit on an error name");
        assertNull(FeedRules.failedMessage(null));
        String cut = FeedRules.failedMessage("m".repeat(400));
        assertEquals(300, cut.length());
        assertTrue(cut.endsWith("…"));
        assertEquals("short", FeedRules.failedMessage("short"));
    }

    @Test
    void anExecutionThatEndedWithoutLeavingIsNamedInTheReport() {
        var mon = entry("mon", 0, FeedEntry.State.QUEUED);
        assertEquals("its execution mon ended ABORTED before its turn", FeedRules.ended(mon, "ABORTED"));
        assertEquals(
                "its execution tue no longer exists during its import",
                FeedRules.ended(entry("tue", 10, FeedEntry.State.IMPORTING), FeedProbe.GONE));
        assertEquals("ExecutionGone", FeedRules.endedError(FeedProbe.GONE));
        assertEquals("TIMED_OUT", FeedRules.endedError("TIMED_OUT"));
    }

    @Test
    void onlyTheFirstFileWithAParkedTokenSettledAndNotLateIsWoken() {
        var parked = new FeedEntry(
                "daily",
                ARN + "mon",
                "inbox/mon.csv",
                new ArrivalOrder(T.toEpochMilli(), "00", "inbox/mon.csv"),
                T,
                FeedEntry.State.QUEUED,
                true,
                1,
                T,
                null,
                null,
                "token",
                null,
                null,
                null);
        Duration settle = Duration.ofSeconds(10);
        assertTrue(FeedRules.mayWake(parked, Meta.ABSENT, T.plusSeconds(10), settle));
        assertFalse(FeedRules.mayWake(parked, Meta.ABSENT, T.plusSeconds(9), settle), "not settled yet");
        assertFalse(
                FeedRules.mayWake(entry("mon", 0, FeedEntry.State.QUEUED), Meta.ABSENT, T.plusSeconds(10), settle),
                "no token parked");
        assertFalse(
                FeedRules.mayWake(
                        parked, started(entry("tue", 10, FeedEntry.State.IMPORTING)), T.plusSeconds(60), settle),
                "too late: its turn would fail it");
    }

    @Test
    void aFileGivesUpAfterMaxWaitOrItsLastAskAndItsLastWaitEndsJustAfterTheDeadline() {
        Duration max = Duration.ofHours(1);
        assertFalse(FeedRules.timedOut(max, 0, max));
        assertTrue(FeedRules.timedOut(max.plusMillis(1), 0, max));
        assertTrue(FeedRules.timedOut(Duration.ZERO, FeedRules.MAX_ASKS - 1, max));
        assertEquals(
                Duration.ofSeconds(3),
                FeedRules.waitFor(30, false, Duration.ofSeconds(5), max.minusSeconds(2), max, new SplittableRandom(1)));
    }

    @Test
    void theTimeoutNamesTheFileThatStoppedTheFeedOrTheFirstBeforeIt() {
        var mon = entry("mon", 0, FeedEntry.State.FAILED);
        var tue = entry("tue", 10, FeedEntry.State.QUEUED);
        var wed = entry("wed", 20, FeedEntry.State.QUEUED);
        assertEquals(
                "inbox/wed.csv waited 2h 00m 00s for the earlier files of feed \"daily\" (limit 1h 00m 00s); 2 file(s)"
                        + " before it, the feed stopped at inbox/mon.csv (failed: CsvMissingColumns)",
                FeedRules.timeoutMessage(
                        wed, "daily", Duration.ofHours(2), 3, Duration.ofHours(1), List.of(mon, tue), mon));
        assertEquals(
                "inbox/wed.csv waited 5m 00s for the earlier files of feed \"daily\" (limit 1h 00m 00s; asked 200"
                        + " times, the most a file asks); 1 file(s) before it, the first inbox/tue.csv (queued)",
                FeedRules.timeoutMessage(
                        wed,
                        "daily",
                        Duration.ofMinutes(5),
                        FeedRules.MAX_ASKS - 1,
                        Duration.ofHours(1),
                        List.of(tue),
                        null));
    }
}
