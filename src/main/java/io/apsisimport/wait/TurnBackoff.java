package io.apsisimport.wait;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The back-off of a waiter for its turn, shared by a part that waits for an import slot
 * ({@code slots.SlotPolicy}) and a file that waits for its turn in a feed ({@code feed.FeedRules}):
 * exponential with "equal jitter" (a random wait in [ceiling/2, ceiling]), the ceiling doubling per
 * ask from {@link #BASE}. The waiter next in line is capped at the poll interval (the safety net of a
 * lost wake-up costs about one poll); the others at {@link #TAIL_CAP} (a release or a leave wakes
 * them, so their back-off is only a safety net and may be long and cheap). Either cap grows with the
 * time already waited, a quarter of it, up to the waiter's {@code maxCeiling}, which bounds the
 * rounds of a long wait. Whole seconds (Step Functions waits whole seconds), at least one.
 */
public record TurnBackoff(Duration maxCeiling) {
    /** First waits are 1–2 s; each ask doubles the ceiling. */
    public static final Duration BASE = Duration.ofSeconds(2);
    /** A waiter further back looks at least this often (a wake-up comes earlier). */
    public static final Duration TAIL_CAP = Duration.ofSeconds(60);

    /** The wait before ask {@code attempt + 1}, after {@code waited} in all. */
    public Duration next(int attempt, boolean nextInLine, Duration poll, Duration waited, RandomGenerator random) {
        long pollMillis = Math.min(TAIL_CAP.toMillis(), Math.max(1000, poll.toMillis()));
        long grown = Math.min(maxCeiling.toMillis(), Math.max(0, waited.toMillis()) / 4);
        long cap = Math.max(grown, nextInLine ? pollMillis : TAIL_CAP.toMillis());
        int shift = Math.min(Math.max(attempt, 0), 20);
        long ceiling = Math.max(1000, Math.min(cap, BASE.toMillis() << shift));
        long half = ceiling / 2;
        long waitMillis = half + random.nextLong(ceiling - half + 1);
        long seconds = Math.max(1, (waitMillis + 999) / 1000);
        return Duration.ofSeconds(Math.min(seconds, Math.max(1, ceiling / 1000)));
    }

    /**
     * The most asks a wait of {@code maxWait} takes when no wake-up comes: every back-off at its
     * shortest (next in line, the jitter at its minimum, whole seconds as Step Functions waits), the
     * last ask the one that finds the deadline passed. Wake-ups add rounds; the waiter's own cap on
     * asks bounds them all.
     */
    public int asksWithin(Duration maxWait, Duration poll) {
        long waited = 0;
        int asks = 1;
        while (waited <= maxWait.toMillis()) {
            waited += next(asks - 1, true, poll, Duration.ofMillis(waited), SHORTEST)
                    .toMillis();
            asks++;
        }
        return asks;
    }

    /** The jitter at its minimum. */
    private static final RandomGenerator SHORTEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            return 0;
        }
    };
}
