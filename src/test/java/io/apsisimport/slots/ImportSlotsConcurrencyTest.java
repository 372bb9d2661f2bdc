package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.sim.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Concurrency test against moto's DynamoDB: many threads race for the slots; never more than N holders.
@io.apsisimport.local.LocalCloudTest
class ImportSlotsConcurrencyTest {
    private static final int THREADS = 16;
    private static final int OWNERS_PER_THREAD = 3;
    private static final int MAX = 3;
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    private static MotoDynamo moto;

    @BeforeAll
    static void start() {
        moto = new MotoDynamo();
    }

    @AfterAll
    static void stop() {
        moto.close();
    }

    @Test
    @Timeout(60)
    void concurrentAcquiresNeverExceedTheLimit() throws Exception {
        String table = moto.newTable();
        MutableClock clock = new MutableClock(T0);
        FakeProbe probe = new FakeProbe();
        SlotsConfig config = new SlotsConfig(table, "acct", MAX, Duration.ofMinutes(15), Duration.ofHours(6));
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        AtomicInteger acquired = new AtomicInteger();
        AtomicInteger waits = new AtomicInteger();
        // A told-to-wait thread comes back after the next release instead of spinning: moto serves
        // ~100 requests/s, and retries that cannot succeed only slow the test down.
        AtomicLong releases = new AtomicLong();
        Object released = new Object();
        List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    ImportSlots slots = new ImportSlots(moto.ddb, probe, config, clock, new SplittableRandom(thread));
                    for (int o = 0; o < OWNERS_PER_THREAD; o++) {
                        SlotOwner owner =
                                new SlotOwner("arn:aws:states:eu-west-1:123456789012:execution:import:t" + thread, o);
                        Instant since = T0.plusMillis(thread * 100L + o);
                        int attempt = 0;
                        while (true) {
                            long releasesBefore = releases.get();
                            SlotDecision d = slots.acquire(owner, since, attempt);
                            if (d instanceof SlotDecision.Acquired a) {
                                int now = holders.incrementAndGet();
                                maxSeen.accumulateAndGet(now, Math::max);
                                acquired.incrementAndGet();
                                long scanned = moto.activeHolders(table);
                                if (now > MAX || scanned > MAX) {
                                    violations.add(owner.id() + ": " + now + " holders believed, " + scanned
                                            + " in the table");
                                }
                                var item = moto.item(table, "acct#slots", "slot#%02d".formatted(a.slot()));
                                if (!owner.id()
                                        .equals(
                                                item.get("owner") == null
                                                        ? null
                                                        : item.get("owner").s())) {
                                    violations.add(owner.id() + " was granted slot " + a.slot() + " but the table says "
                                            + item.get("owner"));
                                }
                                long viewHolders = slots.slots().stream()
                                        .filter(v -> !v.free())
                                        .count();
                                if (viewHolders > MAX) {
                                    violations.add("slots() shows " + viewHolders + " holders");
                                }
                                holders.decrementAndGet();
                                slots.release(owner, ReleaseReason.IMPORT_FINISHED);
                                releases.incrementAndGet();
                                synchronized (released) {
                                    released.notifyAll();
                                }
                                break;
                            }
                            waits.incrementAndGet();
                            attempt++;
                            synchronized (released) {
                                while (releases.get() == releasesBefore) {
                                    released.wait(250); // the timeout only guards against a lost wake-up
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), violations);
        assertEquals(THREADS * OWNERS_PER_THREAD, acquired.get());
        assertTrue(maxSeen.get() <= MAX, "at most " + MAX + " holders, saw " + maxSeen.get());
        assertTrue(waits.get() > 0, "the test must actually contend for slots");
        assertEquals(0, moto.activeHolders(table));
        System.out.printf(
                "concurrency: %d acquires, %d waits, max %d holders at once%n",
                acquired.get(), waits.get(), maxSeen.get());
    }
}
