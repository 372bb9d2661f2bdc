package io.apsisimport.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

// Unit tests: arrival order from S3 events, the feed wait's back-off and its bound.
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
    assertEquals(T.plusSeconds(60).toEpochMilli(), ArrivalOrder.of(null, null, "k", T.plusSeconds(60)).eventMillis(),
        "an execution started by hand has no event time");
    assertEquals(T.toEpochMilli(), ArrivalOrder.of("2026-03-02T08:00:00.123+00:00", null, "k", Instant.EPOCH).eventMillis());
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
    assertTrue(FeedRules.backoff(0, false, Duration.ofSeconds(5), Duration.ZERO, random).toSeconds() <= 2,
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
    System.out.printf("feed wait: %d asks within %s at a 1 s poll interval without wake-ups (cap %d)%n", asks,
        FeedRules.human(FeedConfig.MAX_WAIT), FeedRules.MAX_ASKS);
    assertTrue(asks < FeedRules.MAX_ASKS * 3 / 4, "leaves room for wake-ups: " + asks);
  }

  @Test
  void durationsReadAsTheConsoleReaderCounts() {
    assertEquals("7d 00h 00m", FeedRules.human(Duration.ofDays(7)));
    assertEquals("1h 01m 01s", FeedRules.human(Duration.ofSeconds(3661)));
    assertEquals("2m 05s", FeedRules.human(Duration.ofSeconds(125)));
    assertEquals("9s", FeedRules.human(Duration.ofSeconds(9)));
  }
}
