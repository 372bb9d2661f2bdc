package io.apsisimport.handler;

import java.time.Duration;

/**
 * When "Check import status" looks again: every {@code floor} (POLL_INTERVAL_SECONDS) while the
 * import is young, then a tenth of its age, at most {@link #CEILING}. A 5-minute import is
 * checked as often as before; one that APSIS keeps pending for a day costs about 130 checks instead
 * of 2,880, which is what keeps a part's execution within Step Functions' 25,000 history events
 * (docs/state-machine.md). A finished import is noticed at most a tenth of its age late.
 *
 * <p>Issue 16 will derive the wait from an estimate of the import's duration; this is the one
 * place to change.
 *
 * @param floor the wait while the import is young (POLL_INTERVAL_SECONDS)
 */
public record PollSchedule(Duration floor) {
  /** The wait grows with the import's age by this fraction. */
  public static final double GROWTH = 0.1;
  /** No wait is longer (unless the floor is). */
  public static final Duration CEILING = Duration.ofMinutes(30);
  /**
   * A part's execution checks at most this often: a safety net for the history budget, above what
   * the schedule needs within the longest ImportTimeoutSeconds (HistoryBudgetTest).
   */
  public static final int MAX_CHECKS = 250;

  public PollSchedule {
    if (floor == null || floor.toSeconds() < 1) {
      throw new IllegalArgumentException("the poll interval must be at least one second, was " + floor);
    }
  }

  /** Seconds to wait before the next check of an import that has been pending for {@code age}. */
  public long nextCheckSeconds(Duration age) {
    long grown = (long) Math.ceil(Math.max(0, age.toMillis()) / 1000.0 * GROWTH);
    long ceiling = Math.max(floor.toSeconds(), CEILING.toSeconds());
    return Math.min(ceiling, Math.max(floor.toSeconds(), grown));
  }

  /**
   * How many checks an import that stays pending until {@code timeout} gets at most: the first
   * check one {@code floor} after the request, each next one {@link #nextCheckSeconds} later
   * (uploads and Lambda run times only make checks rarer), the last one the check that finds the
   * timeout passed.
   */
  public int checksUntil(Duration timeout) {
    long age = floor.toSeconds();
    int checks = 1;
    while (age <= timeout.toSeconds()) {
      age += nextCheckSeconds(Duration.ofSeconds(age));
      checks++;
    }
    return checks;
  }
}
