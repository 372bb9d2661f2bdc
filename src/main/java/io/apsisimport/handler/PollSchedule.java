package io.apsisimport.handler;

import io.apsisimport.slots.DurationModel.Estimate;
import java.time.Duration;

/**
 * When "Check import status" looks (again): when the answer is likely to change.
 *
 * <ul>
 *   <li>With an estimate of the import's duration ({@link io.apsisimport.slots.DurationModel}: rows
 *       and bytes of the part, APSIS's recent throughput for this account), the first check comes
 *       one standard deviation of recent estimates before the estimated end; then a short step
 *       (half a standard deviation) while the end is likely, and a doubling step once it is
 *       overdue or while APSIS keeps the import queued, until the steps reach the back-off below.
 *   <li>Without one (nothing learned yet, or an execution started before this schedule), the
 *       back-off alone: every {@code interval} (POLL_INTERVAL_SECONDS) while the import is young,
 *       then a tenth of its age.
 * </ul>
 *
 * <p>Bounded: never sooner than the {@link #floor} (a sixth of the interval, at least a second),
 * never later than {@link #CEILING}. A check sooner than the back-off would have made is
 * <em>early</em>; a part makes at most {@link #MAX_EARLY_CHECKS}, after which the back-off is the
 * shortest wait. Since the back-off's step never shrinks as the import ages, checks made out of
 * its rhythm cannot add checks of its own: an import that stays pending until the timeout gets at
 * most {@link #MAX_EARLY_CHECKS} + the back-off's checks ({@link #checksUntil}), whatever the
 * estimates — the bound the history budget of a part's execution relies on (HistoryBudgetTest).
 *
 * @param interval the configured poll interval (POLL_INTERVAL_SECONDS)
 */
public record PollSchedule(Duration interval) {
    /** The back-off grows with the import's age by this fraction. */
    public static final double GROWTH = 0.1;
    /** No wait is longer (unless the interval is). */
    public static final Duration CEILING = Duration.ofMinutes(30);
    /**
     * A part's execution checks at most this often: a safety net for the history budget, above what
     * the schedule needs within the longest ImportTimeoutSeconds (HistoryBudgetTest).
     */
    public static final int MAX_CHECKS = 250;
    /** At most this many checks of a part come sooner than the back-off would have made them. */
    public static final int MAX_EARLY_CHECKS = 12;
    /** The first check comes this many standard deviations of the estimate before its end... */
    static final double FIRST_CHECK_DEVIATIONS = 1.0;
    /** ...then one every this many standard deviations while the end is likely... */
    static final double STEP_DEVIATIONS = 0.5;
    /** ...up to this many after it; later, the steps double. */
    static final double WINDOW_DEVIATIONS = 2.0;
    /** The floor is this fraction of the interval. */
    static final int FLOOR_DIVISOR = 6;

    public PollSchedule {
        if (interval == null || interval.toSeconds() < 1) {
            throw new IllegalArgumentException("the poll interval must be at least one second, was " + interval);
        }
    }

    /** A wait before the next check, and whether it is sooner than the back-off's ({@link #MAX_EARLY_CHECKS}). */
    public record Wait(long seconds, boolean early) {}

    /** The shortest wait: a sixth of the interval, at least one second. */
    public long floorSeconds() {
        return Math.max(1, (interval.toSeconds() + FLOOR_DIVISOR - 1) / FLOOR_DIVISOR);
    }

    /**
     * The back-off: seconds to wait before the next check of an import pending for {@code age} (since
     * its request) when nothing better is known: the interval while it is young, then a tenth of
     * its age, at most {@link #CEILING}.
     */
    public long nextCheckSeconds(Duration age) {
        long grown = (long) Math.ceil(Math.max(0, age.toMillis()) / 1000.0 * GROWTH);
        long ceiling = Math.max(interval.toSeconds(), CEILING.toSeconds());
        return Math.min(ceiling, Math.max(interval.toSeconds(), grown));
    }

    /**
     * The wait before the first check, right after the upload. Without an estimate, the interval
     * (as before anything was learned). With one, it counts as early: the upload does not know how
     * long ago the import was requested, so it cannot tell whether the back-off would have waited longer.
     */
    public Wait first(Estimate estimate) {
        if (estimate == null) {
            return new Wait(interval.toSeconds(), false);
        }
        long at = seconds(estimate.seconds() - FIRST_CHECK_DEVIATIONS * estimate.deviation());
        return new Wait(Math.max(floorSeconds(), Math.min(at, ceilingSeconds())), true);
    }

    /**
     * The wait before the next check after one that found the import pending.
     *
     * @param age since the import was requested (the back-off's clock)
     * @param sinceUpload since its file was uploaded (the estimate's clock)
     * @param queued APSIS has not started it (status "queued"/"waiting for file")
     * @param estimate the estimate the checks follow, or null
     * @param early how many early checks the part made so far
     * @param lastWait the wait before this check (seconds)
     */
    public Wait next(Duration age, Duration sinceUpload, boolean queued, Estimate estimate, int early, long lastWait) {
        long backoff = nextCheckSeconds(age);
        if (estimate == null) {
            return new Wait(backoff, false);
        }
        double since = sinceUpload.toMillis() / 1000.0;
        long step = Math.max(floorSeconds(), seconds(STEP_DEVIATIONS * estimate.deviation()));
        double windowStart = estimate.seconds() - FIRST_CHECK_DEVIATIONS * estimate.deviation();
        double windowEnd = estimate.seconds() + WINDOW_DEVIATIONS * estimate.deviation();
        long wait;
        if (queued || since >= windowEnd) {
            // Overdue, or not even started: the estimate no longer says when; back off towards the back-off.
            wait = Math.min(backoff, Math.max(step, 2 * Math.max(1, lastWait)));
        } else if (since < windowStart) {
            wait = Math.max(step, seconds(windowStart - since));
        } else {
            wait = step;
        }
        return bounded(wait, age, early);
    }

    /** Within floor and ceiling; no sooner than the back-off once the early checks are spent. */
    private Wait bounded(long wait, Duration age, int early) {
        long backoff = nextCheckSeconds(age);
        long w = Math.max(floorSeconds(), Math.min(wait, ceilingSeconds()));
        if (w < backoff && early >= MAX_EARLY_CHECKS) {
            w = backoff;
        }
        return new Wait(w, w < backoff);
    }

    private long ceilingSeconds() {
        return Math.max(interval.toSeconds(), CEILING.toSeconds());
    }

    private static long seconds(double s) {
        return (long) Math.ceil(Math.max(0, s) - 1e-9);
    }

    /**
     * How many checks an import that stays pending until {@code timeout} gets at most, whatever the
     * estimates: {@link #MAX_EARLY_CHECKS} early ones, plus the back-off's from the request (the
     * first one {@code interval} after it, each next one {@link #nextCheckSeconds} later; uploads
     * and Lambda run times only make checks rarer; the last one the check that finds the timeout
     * passed). The back-off's step never shrinks as the import ages, so checks out of its rhythm
     * (early ones, or a first check late after a long upload) cannot add checks of its own.
     */
    public int checksUntil(Duration timeout) {
        return MAX_EARLY_CHECKS + backoffChecksUntil(timeout);
    }

    /** The back-off's own checks until {@code timeout} (see {@link #checksUntil}). */
    public int backoffChecksUntil(Duration timeout) {
        long age = interval.toSeconds();
        int checks = 1;
        while (age <= timeout.toSeconds()) {
            age += nextCheckSeconds(Duration.ofSeconds(age));
            checks++;
        }
        return checks;
    }
}
