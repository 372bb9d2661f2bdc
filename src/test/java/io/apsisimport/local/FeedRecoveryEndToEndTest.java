package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.feed.FeedEntry;
import io.apsisimport.sim.ApsisSimulator;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests on the local cloud: a feed never blocks for good because the execution at its head
// died. The head is stopped while it imports; the next file goes on after the reaper (EventBridge
// status change) has taken the head out, and, with the reaper off, after the next file itself found
// (DescribeExecution) that the head's execution has ended. Each test has a cloud of its own, so one
// test's aborted execution never reaches the other's reaper; slot leases are short, so the aborted
// part's slot comes back by lease expiry where the reaper is off.
@LocalCloudTest
class FeedRecoveryEndToEndTest {
    private static final Duration DEADLINE = Duration.ofMinutes(3);

    @RegisterExtension
    final LocalCloudExtension env = LocalCloudExtension.of(
                    ApsisSimulator.Config.defaults().processing(Duration.ofSeconds(20)))
            .options(o -> o.withSlotLeaseSeconds(6))
            .routes("""
        {"routes": [{"name": "daily", "match": "inbox/daily/*.csv", "section": "com.apsis1.sections.daily",
          "order": "arrival",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                          "field_selector": "email-address"}}}]}""");

    private ApsisSimulator sim;
    private LocalCloud cloud;

    private void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void theReaperTakesAnAbortedHeadOutAndTheNextFileGoesOn() throws IOException {
        start();
        String head = cloud.drop("inbox/daily/mon.csv", FeedsEndToEndTest.csv("mon", 2))
                .execution();
        String next = cloud.drop("inbox/daily/tue.csv", FeedsEndToEndTest.csv("tue", 2))
                .execution();
        abortWhileImporting(head);
        cloud.awaitReaped(head, Duration.ofSeconds(60));
        DescribeExecutionResponse done = cloud.await(next, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), done::cause);
        JsonNode report = FeedsEndToEndTest.report(cloud, next, true);
        assertEquals(
                "inbox/daily/mon.csv", report.at("/feed/earlierFailures/0/key").asText(), report.toString());
        assertEquals(List.of(), FeedsEndToEndTest.feeds(cloud).entries("daily"));
    }

    @Test
    void withoutTheReaperTheNextFileFindsTheHeadEndedAndGoesOn() throws IOException {
        start();
        cloud.reaper(false);
        String head = cloud.drop("inbox/daily/mon.csv", FeedsEndToEndTest.csv("mon", 2))
                .execution();
        String next = cloud.drop("inbox/daily/tue.csv", FeedsEndToEndTest.csv("tue", 2))
                .execution();
        abortWhileImporting(head);
        DescribeExecutionResponse done = cloud.await(next, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), done::cause);
        JsonNode report = FeedsEndToEndTest.report(cloud, next, true);
        assertEquals(
                "inbox/daily/mon.csv", report.at("/feed/earlierFailures/0/key").asText(), report.toString());
        assertTrue(
                report.at("/feed/earlierFailures/0/message").asText().contains("during its import"), report.toString());
    }

    /** Stops the head's execution once it imports (its place says so and APSIS has its import). */
    private void abortWhileImporting(String execution) {
        var deadline = new PatientDeadline(DEADLINE);
        while (FeedsEndToEndTest.feeds(cloud).entries("daily").stream()
                        .noneMatch(e -> e.execution().equals(execution) && e.state() == FeedEntry.State.IMPORTING)
                || sim.importsRequested() == 0) {
            assertFalse(deadline.passed(), "the head never started its import");
            LocalCloud.pause(200);
        }
        cloud.sfn().stopExecution(b -> b.executionArn(execution));
        var stopped = cloud.await(execution, Duration.ofSeconds(30));
        // AWS ends it ABORTED; moto's engine, stopped inside a Map iteration, ends it FAILED (States.Runtime).
        assertTrue(
                stopped.status() == ExecutionStatus.ABORTED || stopped.status() == ExecutionStatus.FAILED,
                stopped.status()::toString);
    }
}
