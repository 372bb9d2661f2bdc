package io.apsisimport.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.sim.MutableClock;
import io.apsisimport.slots.MotoDynamo;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

// Integration test of the feed queue against moto's DynamoDB (real condition evaluation); time moves
// by a test clock, executions' statuses come from a fake probe.
@io.apsisimport.local.LocalCloudTest
class FeedQueueTest {
    private static final Instant T0 = Instant.parse("2026-03-02T08:00:00Z");
    private static final String ARN = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:";
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private static MotoDynamo moto;
    private MutableClock clock;
    private Map<String, String> statuses;
    private FeedQueue feeds;

    @BeforeAll
    static void start() {
        moto = new MotoDynamo();
    }

    @AfterAll
    static void stop() {
        moto.close();
    }

    @BeforeEach
    void freshTable() {
        clock = new MutableClock(T0);
        statuses = new HashMap<>();
        feeds = new FeedQueue(
                moto.ddb,
                arn -> statuses.getOrDefault(arn, FeedProbe.RUNNING),
                new FeedConfig(
                        moto.newTable(), "apsis-import#feeds", Duration.ofSeconds(5), SETTLE, Duration.ofDays(7)),
                clock,
                new SplittableRandom(7));
    }

    /** A file dropped {@code secondsAfterT0} after T0: its execution is named after it. */
    private static FeedQueue.Arrival file(String name, int secondsAfterT0) {
        return new FeedQueue.Arrival(
                "inbox/daily/" + name + ".csv",
                T0.plusSeconds(secondsAfterT0).toString(),
                "00" + Integer.toHexString(secondsAfterT0).toUpperCase());
    }

    private static String exec(FeedQueue.Arrival a) {
        return ARN + a.key().substring(a.key().lastIndexOf('/') + 1).replace('.', '_');
    }

    private void enter(String route, boolean stop, FeedQueue.Arrival... files) {
        for (FeedQueue.Arrival f : files) {
            feeds.enter(route, stop, exec(f), f);
        }
    }

    private FeedTurn turn(String route, boolean stop, FeedQueue.Arrival f) {
        return feeds.turn(route, stop, exec(f), f, null, 0);
    }

    private void settle() {
        clock.advance(Duration.ofMinutes(1));
    }

    @Test
    void filesGoInTheOrderS3ReportedThemNotInTheOrderTheyEntered() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        var wed = file("wed", 3);
        enter("daily", false, wed, mon, tue); // their executions happened to start in another order
        settle();
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, wed));
        var tueWaits = assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, tue));
        assertEquals(mon.key(), tueWaits.previous().key(), "tue waits for the earlier file");
        assertEquals(1, tueWaits.ahead());
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon));
        assertEquals(FeedEntry.State.IMPORTING, feeds.entries("daily").get(0).state());
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon), "asking again is harmless");

        assertEquals(FeedQueue.Outcome.LEFT, feeds.leave("daily", exec(mon), true, null, null));
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, wed));
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, tue));
        feeds.leave("daily", exec(tue), true, null, null);
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, wed));
        feeds.leave("daily", exec(wed), true, null, null);
        assertEquals(List.of(), feeds.entries("daily"));
        assertEquals(FeedQueue.Outcome.NONE, feeds.leave("daily", exec(wed), true, null, null), "leaving twice");
    }

    @Test
    void theSameTimeIsOrderedBySequencerThenKey() {
        String time = T0.toString();
        var a = new FeedQueue.Arrival("inbox/daily/b.csv", time, "0A");
        var b = new FeedQueue.Arrival("inbox/daily/a.csv", time, "0A01"); // right-padded: 0A00 < 0A01
        var c = new FeedQueue.Arrival("inbox/daily/c.csv", time, "0A01");
        for (var f : List.of(c, b, a)) {
            feeds.enter("daily", false, ARN + f.key().replace('/', '_') + f.sequencer(), f);
        }
        assertEquals(
                List.of("inbox/daily/b.csv", "inbox/daily/a.csv", "inbox/daily/c.csv"),
                feeds.entries("daily").stream().map(FeedEntry::key).toList());
    }

    @Test
    void theFirstFileWaitsUntilItsEventHasSettled() {
        var mon = file("mon", 0);
        enter("daily", false, mon);
        clock.advance(Duration.ofSeconds(3));
        var wait = assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, mon));
        assertTrue(wait.settling());
        assertEquals(Duration.ofSeconds(7), wait.waitFor());
        clock.advance(Duration.ofSeconds(7));
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon));
    }

    @Test
    void aFileThatArrivesAfterALaterFileStartedIsNotImported() {
        var tue = file("tue", 2);
        enter("daily", false, tue);
        settle();
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, tue));
        var mon = file("mon", 1); // its event was delivered late
        enter("daily", false, mon);
        var e = assertThrows(FeedOutOfOrderException.class, () -> turn("daily", false, mon));
        assertTrue(e.getMessage().startsWith("inbox/daily/mon.csv reached feed \"daily\""), e.getMessage());
        assertTrue(e.getMessage().contains("after inbox/daily/tue.csv"), e.getMessage());
        // It leaves even on a route that stops on failure: dropped again it is the newest file.
        var stopFeed =
                new FeedQueue(moto.ddb, arn -> FeedProbe.RUNNING, feeds.config(), clock, new SplittableRandom(1));
        assertEquals(
                FeedQueue.Outcome.LEFT, stopFeed.leave("daily", exec(mon), false, "FeedOutOfOrder", e.getMessage()));
    }

    @Test
    void onFailureContinueTheNextFileGoesOnAndNamesTheFailedOne() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        var wed = file("wed", 3);
        enter("daily", false, mon, tue, wed);
        settle();
        // tue fails its checks while mon is still importing: out of turn, it leaves at once.
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon));
        assertEquals(
                FeedQueue.Outcome.LEFT,
                feeds.leave("daily", exec(tue), false, "CsvMissingColumns", "CSV header lacks column 'email-address'"));
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, wed));
        feeds.leave("daily", exec(mon), true, null, null);
        var go = assertInstanceOf(FeedTurn.Go.class, turn("daily", false, wed));
        assertEquals(1, go.earlierFailures().size());
        FeedFailure failed = go.earlierFailures().get(0);
        assertEquals("inbox/daily/tue.csv", failed.key());
        assertEquals("CsvMissingColumns", failed.error());
        assertEquals(go, turn("daily", false, wed), "a repeated turn reports the same");
    }

    @Test
    void aFailureIsReportedByTheNextFileNotByAnEarlierOne() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        var wed = file("wed", 3);
        enter("daily", false, mon, tue, wed);
        settle();
        feeds.leave("daily", exec(tue), false, "CsvEncoding", "not UTF-8");
        var monGo = assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon));
        assertEquals(List.of(), monGo.earlierFailures(), "tue came after mon");
        feeds.leave("daily", exec(mon), true, null, null);
        var wedGo = assertInstanceOf(FeedTurn.Go.class, turn("daily", false, wed));
        assertEquals(
                List.of("inbox/daily/tue.csv"),
                wedGo.earlierFailures().stream().map(FeedFailure::key).toList());
    }

    @Test
    void onFailureStopTheNextFilesWaitUntilTheFailedFileIsDroppedAgainAndImported() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", true, mon, tue);
        settle();
        assertInstanceOf(FeedTurn.Go.class, turn("daily", true, mon));
        assertEquals(
                FeedQueue.Outcome.HOLDS_THE_FEED,
                feeds.leave("daily", exec(mon), false, "ImportFailed", "APSIS reported status \"failed\""));
        var held = assertInstanceOf(FeedTurn.Wait.class, turn("daily", true, tue));
        assertEquals(mon.key(), held.stoppedAt().key());
        assertEquals("ImportFailed", held.stoppedAt().error());
        statuses.put(exec(mon), "FAILED"); // a failed head is not "dead": it holds the feed on purpose
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", true, tue));

        // mon dropped again, fixed: it takes mon's place, ahead of tue.
        var mon2 = new FeedQueue.Arrival(mon.key(), T0.plusSeconds(600).toString(), "0FFF");
        FeedQueue.Entered entered = feeds.enter("daily", true, ARN + "mon2", mon2);
        assertEquals("mon_csv", entered.tookPlaceOf());
        assertEquals(0, entered.ahead());
        clock.advance(Duration.ofMinutes(15));
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", true, tue));
        assertInstanceOf(FeedTurn.Go.class, feeds.turn("daily", true, ARN + "mon2", mon2, null, 0));
        feeds.leave("daily", ARN + "mon2", true, null, null);
        var go = assertInstanceOf(FeedTurn.Go.class, turn("daily", true, tue));
        assertEquals(List.of(), go.earlierFailures(), "the failed file was imported after all");
    }

    @Test
    void anOperatorReleasesAStoppedFeed() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", true, mon, tue);
        settle();
        feeds.leave("daily", exec(mon), false, "CsvEncoding", "not UTF-8");
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", true, tue));
        assertEquals(List.of(), feeds.release("other", null), "another route: nothing");
        assertEquals(List.of(mon.key()), feeds.release("daily", null));
        assertEquals(List.of(), feeds.release("daily", null), "releasing again: nothing");
        var go = assertInstanceOf(FeedTurn.Go.class, turn("daily", true, tue));
        assertEquals("inbox/daily/mon.csv", go.earlierFailures().get(0).key());
        assertTrue(
                go.earlierFailures().get(0).message().startsWith("released by an operator"),
                go.earlierFailures().get(0).message());
    }

    @Test
    void aFileReplacedByANewerDropNeverHoldsTheFeed() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", true, mon, tue);
        settle();
        assertEquals(FeedQueue.Outcome.LEFT, feeds.leave("daily", exec(mon), false, "FileReplaced", "replaced"));
        assertInstanceOf(FeedTurn.Go.class, turn("daily", true, tue));
    }

    @Test
    void aDeadEarlierFileIsRemovedByTheFileBehindIt() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        var wed = file("wed", 3);
        enter("daily", false, mon, tue, wed);
        settle();
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon));
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, tue));
        // mon's execution was aborted and the reaper never heard of it; tue's waited too.
        statuses.put(exec(mon), "ABORTED");
        statuses.put(exec(tue), FeedProbe.GONE);
        var go = assertInstanceOf(FeedTurn.Go.class, turn("daily", false, wed));
        assertEquals(
                List.of("inbox/daily/mon.csv"),
                go.earlierFailures().stream().map(FeedFailure::key).toList(),
                "the earliest is named");
        assertEquals(1, go.notListed(), "tue is counted");
        assertEquals("ABORTED", go.earlierFailures().get(0).error());
        assertTrue(
                go.earlierFailures().get(0).message().contains("ended ABORTED during its import"),
                go.earlierFailures().get(0).message());
    }

    @Test
    void aDeadEarlierFileOfAStoppingFeedHoldsIt() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", true, mon, tue);
        settle();
        assertInstanceOf(FeedTurn.Go.class, turn("daily", true, mon));
        statuses.put(exec(mon), "TIMED_OUT");
        var wait = assertInstanceOf(FeedTurn.Wait.class, turn("daily", true, tue));
        assertEquals("TIMED_OUT", wait.stoppedAt().error());
    }

    @Test
    void anEarlierFileThatSucceededButNeverLeftIsRemovedSilently() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", true, mon, tue);
        settle();
        turn("daily", true, mon);
        statuses.put(exec(mon), "SUCCEEDED");
        var go = assertInstanceOf(FeedTurn.Go.class, turn("daily", true, tue));
        assertEquals(List.of(), go.earlierFailures());
    }

    @Test
    void theReaperTakesAnEndedExecutionOutOfItsFeed() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", false, mon, tue);
        enter("weekly", true, file("sun", 0));
        settle();
        turn("daily", false, mon);
        assertEquals(Set.of("daily"), feeds.reap(exec(mon), "ABORTED"));
        assertEquals(Set.of(), feeds.reap(exec(mon), "ABORTED"), "a second delivery changes nothing");
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, tue));
        // On a stopping route the reaped file holds the feed; a file already failed keeps its error.
        assertEquals(Set.of("weekly"), feeds.reap(exec(file("sun", 0)), "ABORTED"));
        assertEquals(FeedEntry.State.FAILED, feeds.entries("weekly").get(0).state());
        assertEquals(Set.of(), feeds.reap(exec(file("sun", 0)), "FAILED"));
        assertEquals("ABORTED", feeds.entries("weekly").get(0).error());
    }

    @Test
    void onlyTheFileWhoseTurnItIsIsWokenOnceWithItsOwnToken() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", false, mon, tue);
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, mon)); // settling
        feeds.park("daily", exec(mon), "token-mon-1");
        assertEquals(List.of(), feeds.wakeable("daily"), "not settled yet: waking it would only make it wait again");
        settle();
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, tue));
        feeds.park("daily", exec(tue), "token-tue-1");
        assertEquals(List.of("token-mon-1"), feeds.wakeable("daily"));
        assertEquals(List.of(), feeds.wakeable("daily"), "claimed once");
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon));
        assertEquals(List.of(), feeds.wakeable("daily"), "mon imports: nobody's turn");
        assertInstanceOf(FeedTurn.Wait.class, turn("daily", false, tue));
        feeds.park("daily", exec(tue), "token-tue-2");
        feeds.leave("daily", exec(mon), true, null, null);
        assertEquals(List.of("token-tue-2"), feeds.wakeable("daily"));
        feeds.park("daily", exec(mon), "token-after-leaving"); // no place any more: nothing parked
        assertTrue(feeds.entries("daily").stream().noneMatch(e -> "token-after-leaving".equals(e.token())));
    }

    @Test
    void aTokenFromAnEarlierWaitIsNeverUsed() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", false, mon, tue);
        settle();
        turn("daily", false, mon);
        turn("daily", false, tue);
        feeds.park("daily", exec(tue), "old-token");
        turn("daily", false, tue); // its wait timed out: it asks again
        assertNull(feeds.entries("daily").get(1).token());
    }

    @Test
    void aFileWaitsAtMostTheLimit() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        enter("daily", true, mon, tue);
        settle();
        feeds.leave("daily", exec(mon), false, "CsvEncoding", "not UTF-8");
        Instant since = clock.instant();
        clock.advance(Duration.ofDays(7).plusSeconds(1));
        var e = assertThrows(
                FeedWaitTimeoutException.class, () -> feeds.turn("daily", true, exec(tue), tue, since, 40));
        assertTrue(
                e.getMessage()
                        .startsWith("inbox/daily/tue.csv waited 7d 00h 00m for the earlier files of feed \"daily\""),
                e.getMessage());
        assertTrue(
                e.getMessage().contains("the feed stopped at inbox/daily/mon.csv (failed: CsvEncoding: not UTF-8)"),
                e.getMessage());
        var asked = assertThrows(
                FeedWaitTimeoutException.class,
                () -> feeds.turn("daily", true, exec(tue), tue, clock.instant(), FeedRules.MAX_ASKS - 1));
        assertTrue(asked.getMessage().contains("asked 200 times"), asked.getMessage());
    }

    @Test
    void routesWhoseNamesStartAlikeHaveQueuesOfTheirOwn() {
        var mon = file("mon", 1);
        var tue = file("tue", 2);
        feeds.enter("a", false, exec(tue), tue);
        feeds.enter("a#entry", false, exec(mon), mon);
        settle();
        assertInstanceOf(FeedTurn.Go.class, feeds.turn("a", false, exec(tue), tue, null, 0));
        assertEquals(1, feeds.entries("a").size());
        assertEquals(1, feeds.entries("a#entry").size());
    }

    @Test
    void enteringTwiceKeepsOnePlace() {
        var mon = file("mon", 1);
        enter("daily", false, mon, mon);
        assertEquals(1, feeds.entries("daily").size());
        // An entry lost (e.g. removed by hand) is taken again at the file's turn.
        var tue = file("tue", 2);
        settle();
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, mon));
        feeds.leave("daily", exec(mon), true, null, null);
        assertInstanceOf(FeedTurn.Go.class, turn("daily", false, tue));
        assertEquals(1, feeds.entries("daily").size());
    }
}
