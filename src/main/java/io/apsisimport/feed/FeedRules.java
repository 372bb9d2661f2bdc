package io.apsisimport.feed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/** The feed queue's decisions that need no table: order, back-off, how many asks a wait takes. */
public final class FeedRules {
  /** First waits are 1–2 s; each ask doubles the ceiling. */
  static final Duration BACKOFF_BASE = Duration.ofSeconds(2);
  /** A file further back looks at least this often (the file before it wakes it when it leaves). */
  static final Duration TAIL_CAP = Duration.ofSeconds(60);
  /**
   * The ceiling grows with the time waited (a quarter of it) up to this: a file that waits days
   * behind a stopped feed looks every few hours, and a leave or a release still wakes it at once.
   */
  static final Duration MAX_CEILING = Duration.ofHours(6);
  /**
   * A file asks for its turn at most this often (back-offs and wake-ups together), then fails with
   * {@link FeedWaitTimeoutException}: the safety net of its execution's 25,000 history events
   * (HistoryBudgetTest), above what the back-off needs within {@link FeedConfig#MAX_WAIT}.
   */
  public static final int MAX_ASKS = 200;
  /**
   * Earlier failures a starting file names in its state and report (the earliest); the rest are
   * counted (and named in its log line): the state of a file of 128 parts has no room for more
   * (PayloadBudgetTest).
   */
  public static final int LISTED_FAILURES = 1;
  /** Failures a feed remembers until a later file starts and reports them. */
  static final int KEPT_FAILURES = 20;

  private FeedRules() {}

  /** Arrival order; two entries at the same place (never, but) by execution name. */
  static final Comparator<FeedEntry> ORDER = Comparator.comparing(FeedEntry::position)
      .thenComparing(FeedEntry::execution);

  static List<FeedEntry> inOrder(Collection<FeedEntry> entries) {
    var sorted = new ArrayList<>(entries);
    sorted.sort(ORDER);
    return sorted;
  }

  /**
   * Exponential back-off with equal jitter (a random wait in [ceiling/2, ceiling]), the ceiling
   * doubling per ask from {@link #BACKOFF_BASE}, capped at the poll interval for the next file in
   * line (the safety net of a lost wake-up costs about one poll) and at {@link #TAIL_CAP} for the
   * others; either cap grows with the time waited, a quarter of it, at most {@link #MAX_CEILING}.
   * Whole seconds, at least one.
   */
  static Duration backoff(int attempt, boolean nextInLine, Duration poll, Duration waited, RandomGenerator random) {
    long pollMillis = Math.min(TAIL_CAP.toMillis(), Math.max(1000, poll.toMillis()));
    long grown = Math.min(MAX_CEILING.toMillis(), Math.max(0, waited.toMillis()) / 4);
    long cap = Math.max(grown, nextInLine ? pollMillis : TAIL_CAP.toMillis());
    int shift = Math.min(Math.max(attempt, 0), 20);
    long ceiling = Math.max(1000, Math.min(cap, BACKOFF_BASE.toMillis() << shift));
    long half = ceiling / 2;
    long waitMillis = half + random.nextLong(ceiling - half + 1);
    long seconds = Math.max(1, (waitMillis + 999) / 1000);
    return Duration.ofSeconds(Math.min(seconds, Math.max(1, ceiling / 1000)));
  }

  /**
   * The most asks a wait of {@code maxWait} takes without a wake-up: every back-off at its shortest
   * (next in line, the jitter at its minimum), the last ask the one that finds the deadline passed.
   */
  public static int asksWithin(Duration maxWait, Duration poll) {
    RandomGenerator shortest = new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public long nextLong(long bound) {
        return 0;
      }
    };
    long waited = 0;
    int asks = 1;
    while (waited <= maxWait.toMillis()) {
      Duration w = backoff(asks - 1, true, poll, Duration.ofMillis(waited), shortest);
      long left = maxWait.toMillis() - waited;
      waited += Math.min(w.toMillis(), Math.max(1000, (left / 1000 + 1) * 1000));
      asks++;
    }
    return asks;
  }

  /** "1d 02h 03m", "4m 05s", "6s". */
  static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s >= 86_400) {
      return "%dd %02dh %02dm".formatted(s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    }
    return s >= 3600 ? "%dh %02dm %02ds".formatted(s / 3600, s % 3600 / 60, s % 60)
        : s >= 60 ? "%dm %02ds".formatted(s / 60, s % 60) : s + "s";
  }
}
