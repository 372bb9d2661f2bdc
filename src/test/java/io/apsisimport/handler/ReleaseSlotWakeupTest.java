package io.apsisimport.handler;

// Handler test against moto's DynamoDB (the real slot table): releasing a slot wakes the next
// waiter at once, seen through our task-token callback (the waiter's back-off cannot hide it here).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.MotoDynamo;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@io.apsisimport.local.LocalCloudTest
class ReleaseSlotWakeupTest {
    private static final String ARN = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:";

    private static MotoDynamo moto;

    private ImportSlots slots;
    private final List<String> woken = new ArrayList<>();
    private ReleaseSlotHandler handler;

    @BeforeAll
    static void start() {
        moto = new MotoDynamo();
    }

    @AfterAll
    static void stop() {
        moto.close();
    }

    @BeforeEach
    void oneSlot() {
        slots = new ImportSlots(
                moto.ddb,
                arn -> true,
                new SlotsConfig(moto.newTable(), "acct", 1, Duration.ofMinutes(15), Duration.ofHours(6)),
                Clock.systemUTC(),
                new SplittableRandom(1));
        handler = new ReleaseSlotHandler(slots, (token, output) -> {
            assertEquals("{\"woken\":true}", output);
            woken.add(token);
            return true;
        });
    }

    private static SlotOwner owner(String execution) {
        return new SlotOwner(ARN + execution, 0);
    }

    private ReleaseSlotHandler.Output release(String execution) {
        return handler.handle(
                new ReleaseSlotHandler.Input(ARN + execution, "inbox/" + execution + ".csv", 0, "IMPORT_FINISHED"),
                null);
    }

    @Test
    void releasingASlotWakesTheWaiterThatParkedItsTaskToken() {
        Instant since = Instant.now();
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("a"), since, 0));
        assertInstanceOf(SlotDecision.Wait.class, slots.acquire(owner("b"), since.plusMillis(1), 0));
        slots.park(owner("b"), "task-token-of-b");
        assertEquals(List.of(), woken);

        release("a");

        assertEquals(List.of("task-token-of-b"), woken);
        // Woken, the waiter gets the freed slot on its next ask.
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("b"), since.plusMillis(1), 1));
        // A release with nobody parked wakes nobody, and a token is handed out once.
        release("b");
        assertEquals(List.of("task-token-of-b"), woken);
    }

    @Test
    void releasesWakeTheWaitersInTheOrderTheyArrivedOnePerFreedSlotAtOnce() {
        Instant since = Instant.now();
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("a"), since, 0));
        // They park in another order than they arrived: arrival (the first ask) decides.
        for (String w : List.of("d", "b", "c")) {
            Instant arrived = since.plusMillis(w.charAt(0) - 'a');
            assertInstanceOf(SlotDecision.Wait.class, slots.acquire(owner(w), arrived, 0));
            slots.park(owner(w), "task-token-of-" + w);
        }
        release("a");
        assertEquals(List.of("task-token-of-b"), woken, "the oldest, within the release's own invocation");
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("b"), since.plusMillis(1), 1));
        release("b");
        assertEquals(List.of("task-token-of-b", "task-token-of-c"), woken);
        // The woken waiter is slow to come back: the next release does not wake the one behind it for
        // the same slot (c still has the slot coming), and d's token stays parked.
        release("b");
        assertEquals(List.of("task-token-of-b", "task-token-of-c"), woken);
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("c"), since.plusMillis(2), 1));
        release("c");
        assertEquals(List.of("task-token-of-b", "task-token-of-c", "task-token-of-d"), woken);
    }

    @Test
    void aReleaseWhileEverySlotIsStillHeldWakesNobody() {
        Instant since = Instant.now();
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("a"), since, 0));
        assertInstanceOf(SlotDecision.Wait.class, slots.acquire(owner("b"), since.plusMillis(1), 0));
        slots.park(owner("b"), "task-token-of-b");

        release("not-a-holder");

        assertEquals(List.of(), woken);
    }
}
