package io.apsisimport.apsis;

import java.time.Duration;

/**
 * When a call must be over: the Lambda invocation's end minus a margin for the work that follows
 * the call (recording the import on its slot, writing the answer). Handed explicitly from the
 * handler to {@link ApsisApi}, so that retries, back-offs and {@code Retry-After} waits stop in time
 * for the state machine to retry, instead of Lambda killing the invocation in the middle of a request.
 *
 * <p>Monotonic ({@link System#nanoTime()}): wall-clock changes do not move it.
 */
public final class Deadline {

    private static final Deadline NONE = new Deadline(Long.MAX_VALUE, true);

    private final long atNanos;
    private final boolean unbounded;

    private Deadline(long atNanos, boolean unbounded) {
        this.atNanos = atNanos;
        this.unbounded = unbounded;
    }

    /** A deadline {@code d} from now (zero or negative: already over). */
    public static Deadline in(Duration d) {
        return new Deadline(System.nanoTime() + Math.max(0, d.toNanos()), false);
    }

    /**
     * The deadline of an invocation that has {@code remainingMillis} left
     * ({@code Context.getRemainingTimeInMillis()}), keeping {@code margin} for the work after the call.
     */
    public static Deadline ofRemaining(long remainingMillis, Duration margin) {
        return in(Duration.ofMillis(remainingMillis).minus(margin));
    }

    /** No deadline: tools and tests that run outside Lambda. */
    public static Deadline none() {
        return NONE;
    }

    /** Time left, never negative. */
    public Duration remaining() {
        if (unbounded) {
            return Duration.ofSeconds(Long.MAX_VALUE / 4);
        }
        return Duration.ofNanos(Math.max(0, atNanos - System.nanoTime()));
    }

    /** True when at least {@code d} is left. */
    public boolean allows(Duration d) {
        return remaining().compareTo(d) >= 0;
    }

    @Override
    public String toString() {
        return unbounded ? "Deadline[none]" : "Deadline[in " + remaining().toMillis() + " ms]";
    }
}
