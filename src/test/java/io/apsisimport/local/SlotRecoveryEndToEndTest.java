package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.slots.SlotView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests on the local cloud with ONE import slot and a short lease: a slot held by an
// aborted execution comes back through the reaper (EventBridge status change), and with the reaper
// off, through lease expiry (the next acquire reclaims it after asking Step Functions).
class SlotRecoveryEndToEndTest {
  private static ApsisSimulator sim;
  private static LocalCloud cloud;

  @BeforeAll
  static void start() {
    // Imports take long enough to abort one in flight.
    sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofSeconds(8)));
    cloud = LocalCloud.start(LocalCloud.Options.defaults(sim).withMaxConcurrentImports(1).withSlotLeaseSeconds(4));
    cloud.putRoutes(LocalImport.defaultRoutes("inbox/"));
  }

  @AfterAll
  static void stop() {
    cloud.close();
    sim.close();
  }

  @Test
  void anAbortedExecutionsSlotComesBackThroughTheReaper() {
    cloud.reaper(true);
    long reaps = cloud.lambda().invocations("ReapSlotsFunction");
    String aborted = startAndAbortOnceItHoldsTheSlot("inbox/reaper/a.csv");

    Instant deadline = Instant.now().plusSeconds(30);
    while (cloud.lambda().invocations("ReapSlotsFunction") == reaps) {
      assertTrue(Instant.now().isBefore(deadline), "no status change reached the reaper");
      LocalCloud.pause(100);
    }
    // The import was uploaded and APSIS still counts it: the reaper keeps the slot until the lease ends,
    // then it is free for the next file without anyone having to ask Step Functions.
    Optional<SlotView> slot = slotOf(aborted);
    assertTrue(slot.isEmpty() || slot.get().holdUntil() != null, () -> "after the reaper: " + slot);
    String next = cloud.drop("inbox/reaper/b.csv", csv()).execution();
    assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(next, Duration.ofSeconds(90)).status());
    assertEquals(List.of(), cloud.slots().stream().filter(s -> s.ownerId() != null).toList());
  }

  @Test
  void withoutTheReaperTheSlotComesBackWhenItsLeaseExpires() {
    cloud.reaper(false);
    try {
      String aborted = startAndAbortOnceItHoldsTheSlot("inbox/lease/a.csv");
      assertTrue(slotOf(aborted).isPresent(), "nobody released the aborted execution's slot");

      String next = cloud.drop("inbox/lease/b.csv", csv()).execution();
      assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(next, Duration.ofSeconds(90)).status());
      assertTrue(slotOf(aborted).isEmpty(), "the expired lease of the aborted execution was reclaimed");
    } finally {
      cloud.reaper(true);
    }
  }

  private static String startAndAbortOnceItHoldsTheSlot(String key) {
    String execution = cloud.drop(key, csv()).execution();
    Instant deadline = Instant.now().plusSeconds(30);
    while (!slotOf(execution).map(SlotView::uploaded).orElse(false)) {
      assertTrue(Instant.now().isBefore(deadline), "the execution never uploaded its file");
      LocalCloud.pause(100);
    }
    cloud.sfn().stopExecution(b -> b.executionArn(execution));
    var stopped = cloud.await(execution, Duration.ofSeconds(10));
    // AWS ends it ABORTED; moto's engine, stopped inside a Map iteration, ends it FAILED with an
    // uncatchable States.Runtime. Either way none of its own release states runs after the stop.
    assertTrue(stopped.status() == ExecutionStatus.ABORTED
        || stopped.status() == ExecutionStatus.FAILED && "States.Runtime".equals(stopped.error()),
        () -> stopped.status() + " " + stopped.error() + ": " + stopped.cause());
    return execution;
  }

  private static byte[] csv() {
    return "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8);
  }

  private static Optional<SlotView> slotOf(String execution) {
    return cloud.slots().stream().filter(s -> s.ownerId() != null && s.ownerId().startsWith(execution)).findFirst();
  }

}
