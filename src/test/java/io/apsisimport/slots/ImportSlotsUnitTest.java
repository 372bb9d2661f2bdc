package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// Unit tests without AWS: configuration, owner ids, back-off arithmetic, execution-status mapping.
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
