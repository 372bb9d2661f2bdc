package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// Unit tests without AWS: configuration, owner ids, back-off arithmetic, when a waiter's turn is
// expected, execution-status mapping.
class ImportSlotsUnitTest {
  @Test
  void configDefaults() {
    SlotsConfig c = SlotsConfig.fromEnvironment(Map.of("SLOTS_TABLE", "t"));
    assertEquals(new SlotsConfig("t", "default", 3, Duration.ofSeconds(900), Duration.ofSeconds(21600)), c);
  }

  @Test
  void configReadsEveryVariable() {
    SlotsConfig c = SlotsConfig.fromEnvironment(Map.of("SLOTS_TABLE", "t", "APSIS_ACCOUNT_KEY", "acme",
        "MAX_CONCURRENT_IMPORTS", "5", "SLOT_LEASE_SECONDS", "120", "SLOT_MAX_WAIT_SECONDS", "600"));
    assertEquals(new SlotsConfig("t", "acme", 5, Duration.ofSeconds(120), Duration.ofSeconds(600)), c);
  }

  @Test
  void configErrorsNameTheVariable() {
    assertTrue(assertThrows(IllegalStateException.class, () -> SlotsConfig.fromEnvironment(Map.of()))
        .getMessage().contains("SLOTS_TABLE"));
    for (var bad : Map.of("MAX_CONCURRENT_IMPORTS", "0", "SLOT_LEASE_SECONDS", "x", "SLOT_MAX_WAIT_SECONDS", "-1")
        .entrySet()) {
      var e = assertThrows(IllegalStateException.class,
          () -> SlotsConfig.fromEnvironment(Map.of("SLOTS_TABLE", "t", bad.getKey(), bad.getValue())));
      assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
    }
    assertThrows(IllegalStateException.class,
        () -> SlotsConfig.fromEnvironment(Map.of("SLOTS_TABLE", "t", "MAX_CONCURRENT_IMPORTS", "51")));
  }

  @Test
  void ownerIdAndDisplayName() {
    SlotOwner o = new SlotOwner("arn:aws:states:eu-west-1:1:execution:m:file-abc", 2);
    assertEquals("arn:aws:states:eu-west-1:1:execution:m:file-abc#2", o.id());
    assertEquals("file-abc#2", o.displayName());
  }

  @Test
  void backoffStartsSmallGrowsAndIsCapped() {
    var random = new SplittableRandom(7);
    for (int i = 0; i < 200; i++) {
      long first = ImportSlots.backoff(0, 5, 3, random).toSeconds();
      assertTrue(first >= 1 && first <= 2, "first wait " + first);
      long tail = ImportSlots.backoff(30, 5, 3, random).toSeconds();
      assertTrue(tail >= 30 && tail <= 60, "tail wait " + tail);
      long head = ImportSlots.backoff(30, 0, 3, random).toSeconds();
      assertTrue(head >= 15 && head <= 30, "head-of-line wait about one poll interval (30 s): " + head);
      long fastPoll = ImportSlots.backoff(30, 0, 3, Duration.ofSeconds(1), random).toSeconds();
      assertEquals(1, fastPoll, "with a 1 s poll interval the next in line look every second");
      long deep = ImportSlots.backoff(30, 27, 3, Duration.ofSeconds(1), random).toSeconds();
      assertTrue(deep >= 30 && deep <= 60, "far back, woken by releases: the long safety-net cap: " + deep);
      assertTrue(ImportSlots.backoff(Integer.MAX_VALUE, 5, 3, random).toSeconds() <= 60);
    }
  }

  @Test
  void theBackoffCeilingGrowsWithTheTimeWaitedUpToTwoHours() {
    var random = new SplittableRandom(11);
    for (int i = 0; i < 200; i++) {
      long early = ImportSlots.backoff(30, 0, 3, Duration.ofSeconds(1), Duration.ofMinutes(1), random).toSeconds();
      assertTrue(early <= 15, "after a minute, next in line: at most a quarter of the wait: " + early);
      long hour = ImportSlots.backoff(30, 0, 3, Duration.ofSeconds(1), Duration.ofHours(1), random).toSeconds();
      assertTrue(hour >= 450 && hour <= 900, "after an hour: between an eighth and a quarter of it: " + hour);
      long day = ImportSlots.backoff(30, 5, 3, Duration.ofSeconds(1), Duration.ofDays(1), random).toSeconds();
      assertTrue(day >= 3600 && day <= 7200, "after a day: the two-hour ceiling: " + day);
    }
  }

  @Test
  void aPartAsksForASlotFewerTimesThanTheCapWithinTheLongestWait() {
    int asks = ImportSlots.asksWithin(Duration.ofDays(2), Duration.ofSeconds(1));
    assertTrue(asks < ImportSlots.MAX_ASKS, "asks within two days at a 1 s poll: " + asks);
    assertTrue(ImportSlots.asksWithin(Duration.ofMinutes(1), Duration.ofSeconds(1)) > 10, "a short wait stays prompt");
  }

  @Test
  void backoffIsJittered() {
    Set<Long> seen = new HashSet<>();
    for (int seed = 0; seed < 50; seed++) {
      seen.add(ImportSlots.backoff(5, 10, 3, new SplittableRandom(seed)).toSeconds());
    }
    assertTrue(seen.size() > 10, "waiters of the same attempt spread out: " + seen);
  }

  private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
  private static final Duration POLL = Duration.ofSeconds(6);

  /** A slot held since {@code acquired} seconds ago, expected to end in {@code end} seconds (null: unknown). */
  private static ImportSlots.Slot held(int index, Integer end) {
    return new ImportSlots.Slot(index, true, 3, "owner-" + index, "exec-" + index, 0, NOW.plusSeconds(36_000), null,
        "import-" + index, null, end != null, NOW.minusSeconds(10), end == null ? null : NOW.plusSeconds(end));
  }

  private static ImportSlots.State state(ImportSlots.Slot... slots) {
    Map<Integer, ImportSlots.Slot> map = new HashMap<>();
    for (ImportSlots.Slot s : slots) {
      map.put(s.index(), s);
    }
    return new ImportSlots.State(map, List.of());
  }

  private static Duration turn(ImportSlots.State state, int rank, Double meanSeconds) {
    return ImportSlots.untilTurn(state, 3, POLL, rank, NOW,
        () -> Optional.ofNullable(meanSeconds).map(s -> Duration.ofMillis((long) (s * 1000))));
  }

  @Test
  void theNextWaitersTurnIsTheEarliestExpectedEndPlusAMargin() {
    var state = state(held(0, 90), held(1, 30), held(2, 60));
    assertEquals(Duration.ofSeconds(38), turn(state, 0, null),
        "the holder expected to end first frees its place in 30 s; margin a quarter of that (7.5 s > a poll)");
    // Each waiter ahead takes the earliest place and holds it for the mean duration plus a poll (46 s).
    assertEquals(Duration.ofSeconds(75), turn(state, 1, 40.0), "60 s + 15 s");
    assertEquals(Duration.ofSeconds(95), turn(state, 2, 40.0), "76 s + 19 s");
    assertEquals(Duration.ofSeconds(113), turn(state, 3, 40.0), "90 s + 22.5 s");
    assertEquals(Duration.ofSeconds(153), turn(state, 5, 40.0), "122 s + 30.5 s");
    assertEquals(null, turn(state, 1, null), "waiters ahead and no duration learned: the back-off decides");
  }

  @Test
  void aHolderWithoutAnEstimateIsExpectedToTakeTheMeanDurationFromItsSlot() {
    var state = state(held(0, 90), held(1, null), held(2, 60));
    assertEquals(Duration.ofSeconds(26), turn(state, 0, 30.0), "taken 10 s ago, 30 s on average");
    assertEquals(null, turn(state, 0, null), "nothing known about it");
    // A holder expected to have ended already: its place is due now.
    assertEquals(POLL, turn(state(held(0, -5), held(1, 60), held(2, 60)), 0, null));
  }

  @Test
  void freeSlotsAreNowAndOlderWaitersTakeThemFirst() {
    var state = state(held(0, 90), held(2, 60)); // slot 1 free, an older waiter on its way to it
    assertEquals(POLL, turn(state, 0, null), "a free place now: the margin alone, one poll");
    assertEquals(Duration.ofSeconds(58), turn(state, 1, 40.0), "the older waiter's place is free again in 46 s + 11.5 s");
  }

  @Test
  void aSlotThatFreesWithoutARelease() {
    // A hold after an abandoned release ends by itself: nobody wakes a waiter then.
    var hold = new ImportSlots.Slot(0, true, 3, "owner-0", "exec-0", 0, NOW.plusSeconds(900), NOW.plusSeconds(20),
        "import-0", null, false, NOW.minusSeconds(10), null);
    assertEquals(Duration.ofSeconds(21), turn(state(hold, held(1, 300), held(2, 300)), 1, 40.0));
    // A lease that ends before the turn (its holder may be gone): come back just after it.
    var leased = new ImportSlots.Slot(0, true, 3, "owner-0", "exec-0", 0, NOW.plusSeconds(100), null, "import-0", null,
        true, NOW.minusSeconds(10), NOW.plusSeconds(400));
    assertEquals(Duration.ofSeconds(101), turn(state(leased, held(1, 300), held(2, 300)), 2, 40.0));
  }

  @Test
  void aTurnFarAheadIsCappedAtTheLongestWait() {
    var state = state(held(0, 90), held(1, 30), held(2, 60));
    assertEquals(ImportSlots.MAX_CEILING, turn(state, 500, 3600.0));
  }

  @Test
  void executionStatusMapping() {
    assertTrue(SfnExecutionProbe.isRunning(ExecutionStatus.RUNNING));
    assertTrue(SfnExecutionProbe.isRunning(ExecutionStatus.PENDING_REDRIVE));
    assertTrue(SfnExecutionProbe.isRunning(ExecutionStatus.UNKNOWN_TO_SDK_VERSION));
    for (var s : new ExecutionStatus[] {ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT,
        ExecutionStatus.ABORTED}) {
      assertFalse(SfnExecutionProbe.isRunning(s), s.toString());
    }
  }
}
