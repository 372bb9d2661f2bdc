package io.apsisimport.apsis;

// Unit tests of the credentials cache and the re-seedable jitter: no network, no simulator.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.apsisimport.sim.MutableClock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CredentialsAndJitterTest {

    @Test
    void cachedCredentialsAreReadOnceWithinTheirLifetimeThenAgain() {
        MutableClock clock = MutableClock.startingNow();
        AtomicInteger reads = new AtomicInteger();
        var cached = new CachedCredentials(
                () -> new ApsisCredentials("id-" + reads.incrementAndGet(), "s"),
                "the test store",
                Duration.ofMinutes(5),
                clock);

        assertEquals("id-1", cached.get().clientId());
        clock.advance(Duration.ofMinutes(4));
        assertEquals("id-1", cached.get().clientId());
        clock.advance(Duration.ofMinutes(1));
        assertEquals("id-2", cached.get().clientId(), "read again once the lifetime is over");
        cached.invalidate();
        assertEquals("id-3", cached.get().clientId(), "read again after invalidate");
        assertEquals("the test store", cached.origin());
    }

    @Test
    void aFailedReadIsNotCached() {
        AtomicInteger reads = new AtomicInteger();
        var cached = new CachedCredentials(
                () -> {
                    if (reads.incrementAndGet() == 1) {
                        throw new ApsisCredentialsException("the APSIS secret arn:x still holds the placeholder");
                    }
                    return new ApsisCredentials("real", "secret");
                },
                "the secret arn:x",
                Duration.ofMinutes(5),
                MutableClock.startingNow());

        assertThrows(ApsisCredentialsException.class, cached::get);
        assertEquals("real", cached.get().clientId(), "the secret put after the failure is used at once");
    }

    @Test
    void environmentsRestoredFromOneSnapshotDrawDifferentJitterOnceReseeded() {
        // Two environments restored from one snapshot hold the same generator state: simulated by two
        // generators with the same seed (what init left in the snapshot).
        Jitter first = new Jitter(new Random(42));
        Jitter second = new Jitter(new Random(42));
        assertEquals(
                draws(new Jitter(new Random(42))),
                draws(new Jitter(new Random(42))),
                "without a re-seed, restored environments draw the same waits");

        first.reseed(); // afterRestore, in each environment
        second.reseed();

        assertNotEquals(draws(first), draws(second));
    }

    private static java.util.List<Long> draws(Jitter jitter) {
        return LongStream.range(0, 8)
                .map(i -> jitter.nextLong(1_000_000))
                .boxed()
                .toList();
    }
}
