package io.apsisimport.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The shared back-off's own rules; the slot and feed waiters' uses are in SlotPolicyTest and FeedRulesTest. */
class TurnBackoffTest {
    private final TurnBackoff backoff = new TurnBackoff(Duration.ofHours(2));
    private final Duration poll = Duration.ofSeconds(5);

    /** A generator whose every draw is {@code value} (clamped below the bound). */
    private static RandomGenerator drawing(long value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return value;
            }

            @Override
            public long nextLong(long bound) {
                return Math.min(value, bound - 1);
            }
        };
    }

    @Test
    void theCeilingDoublesFromTwoSecondsAndTheJitterKeepsTheUpperHalf() {
        assertEquals(Duration.ofSeconds(1), backoff.next(0, false, poll, Duration.ZERO, drawing(0)));
        assertEquals(Duration.ofSeconds(2), backoff.next(0, false, poll, Duration.ZERO, drawing(Long.MAX_VALUE)));
        assertEquals(Duration.ofSeconds(8), backoff.next(3, false, poll, Duration.ZERO, drawing(0)));
        assertEquals(Duration.ofSeconds(16), backoff.next(3, false, poll, Duration.ZERO, drawing(Long.MAX_VALUE)));
        assertEquals(Duration.ofSeconds(13), backoff.next(3, false, poll, Duration.ZERO, drawing(4567)));
    }

    @Test
    void theJitterIsDrawnOverTheWholeUpperHalfAndAWaitNeverPassesTheCeiling() {
        var bounds = new java.util.ArrayList<Long>();
        backoff.next(3, false, poll, Duration.ZERO, new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                bounds.add(bound);
                return 0;
            }
        });
        assertEquals(java.util.List.of(8001L), bounds, "[8000, 16000] ms: 8001 values");
        // A ceiling of 1.5 s (the poll interval) with the jitter at its top: 1 s, not 2.
        assertEquals(
                Duration.ofSeconds(1),
                backoff.next(5, true, Duration.ofMillis(1500), Duration.ZERO, drawing(Long.MAX_VALUE)));
    }

    @Test
    void theNextInLineWaitsAPollAtMostTheOthersTheTailCap() {
        assertEquals(poll, backoff.next(10, true, poll, Duration.ZERO, drawing(Long.MAX_VALUE)));
        assertEquals(TurnBackoff.TAIL_CAP, backoff.next(10, false, poll, Duration.ZERO, drawing(Long.MAX_VALUE)));
        assertEquals(Duration.ofSeconds(1), backoff.next(10, true, Duration.ofMillis(300), Duration.ZERO, drawing(0)));
    }

    @Test
    void theCapGrowsWithAQuarterOfTheTimeWaitedUpToTheMaxCeiling() {
        assertEquals(
                Duration.ofMinutes(15), backoff.next(30, true, poll, Duration.ofHours(1), drawing(Long.MAX_VALUE)));
        assertEquals(Duration.ofHours(2), backoff.next(30, false, poll, Duration.ofDays(3), drawing(Long.MAX_VALUE)));
        assertEquals(
                Duration.ofHours(6),
                new TurnBackoff(Duration.ofHours(6))
                        .next(30, false, poll, Duration.ofDays(3), drawing(Long.MAX_VALUE)));
    }

    @Test
    void everyWaitIsWholeSecondsWithinItsBounds() {
        var random = new SplittableRandom(7);
        for (int attempt = 0; attempt < 40; attempt++) {
            Duration d = backoff.next(attempt, attempt % 2 == 0, poll, Duration.ofMinutes(attempt), random);
            assertEquals(0, d.toMillisPart(), d.toString());
            assertTrue(d.compareTo(Duration.ofSeconds(1)) >= 0 && d.compareTo(Duration.ofHours(2)) <= 0, d.toString());
        }
    }

    @Test
    void asksWithinCountsTheShortestWaitsAndTheAskThatFindsTheDeadlinePassed() {
        assertEquals(2, backoff.asksWithin(Duration.ZERO, Duration.ofSeconds(1)));
        assertEquals(3, backoff.asksWithin(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertEquals(24, backoff.asksWithin(Duration.ofSeconds(60), Duration.ofSeconds(1)));
        assertEquals(18, backoff.asksWithin(Duration.ofSeconds(60), Duration.ofSeconds(5)));
        assertTrue(
                new TurnBackoff(Duration.ofHours(6)).asksWithin(Duration.ofDays(7), Duration.ofSeconds(1))
                        < backoff.asksWithin(Duration.ofDays(7), Duration.ofSeconds(1)),
                "a higher ceiling takes fewer asks over a long wait");
    }
}
