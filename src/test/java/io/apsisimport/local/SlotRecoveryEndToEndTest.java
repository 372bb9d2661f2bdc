package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.slots.SlotView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests on the local cloud with ONE import slot: a slot held by an aborted execution comes back
// through the reaper (EventBridge status change), and with the reaper off, through lease expiry
// (the next acquire reclaims it after asking Step Functions). The slot's owner is the part's own
// execution; stopping the file's execution stops it (as AWS stops a .sync task's execution), and a
// part's execution stopped on its own reaches the reaper through the rule's part state machine. Each test has a cloud
// of its own,
// so one test's aborted execution can never reach the other's reaper. In the reaper test APSIS, like
// the real one for an account with one slot, allows ONE pending import: a slot freed too early
// shows as a 429.
@LocalCloudTest
class SlotRecoveryEndToEndTest {
    @RegisterExtension
    final LocalCloudExtension env = LocalCloudExtension.perTest();

    private ApsisSimulator sim;
    private LocalCloud cloud;

    /** Imports take long enough (5 s) to abort one in flight; APSIS counts it pending meanwhile. */
    private void start(long leaseSeconds, int apsisPendingLimit) {
        env.start(
                ApsisSimulator.Config.defaults()
                        .processing(Duration.ofSeconds(5))
                        .pendingLimit(apsisPendingLimit),
                o -> o.withMaxConcurrentImports(1).withSlotLeaseSeconds(leaseSeconds),
                LocalImport.defaultRoutes("inbox/"));
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void anAbortedExecutionsUploadedImportKeepsItsSlotUntilTheLeaseEndsThenTheNextFileGetsIt() {
        // The lease (renewed by every status check) outlasts the import at APSIS: holding the slot for
        // the rest of it is what keeps the next request from meeting APSIS's pending limit. 20 s: the
        // reaper (a cold Lambda environment the first time) must run before the lease ends, also on a
        // loaded machine.
        start(20, 1);
        String aborted = startAndAbortOnceItHoldsTheSlot("inbox/reaper/a.csv");
        assertEquals(
                ExecutionStatus.ABORTED,
                cloud.await(aborted, Duration.ofSeconds(60)).status(),
                "stopping the file's execution stops its part's execution");

        cloud.awaitReaped(aborted, Duration.ofSeconds(60));
        // The import was uploaded and APSIS still counts it: the reaper must hold the slot, not free it.
        Optional<SlotView> slot = slotOf(aborted);
        assertTrue(
                slot.isPresent() && slot.get().holdUntil() != null,
                () -> "after the reaper, the uploaded import's slot must be held until its lease ends: " + slot);

        String next = cloud.drop("inbox/reaper/b.csv", csv()).execution();
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(next, Duration.ofSeconds(180)).status());
        assertEquals(
                0,
                sim.tooManyRequestsAnswered(),
                "the next file asked APSIS for an import while the aborted one was still pending there");
        assertEquals(
                List.of(),
                cloud.slots().stream().filter(s -> s.ownerId() != null).toList());
    }

    @Test
    void anAbortedPartsExecutionReachesTheReaperThroughTheTemplatesRuleAndItsUploadedImportKeepsItsSlot()
            throws Exception {
        // The part's own execution stopped (by hand in the console, say), not its file's: its ABORTED
        // reaches the reaper only through the rule's entry for the part state machine (drop the part
        // state machine or ABORTED from the rule in template.yaml and awaitReaped fails). The lease (25 s)
        // outlasts the reaper's cold start on a loaded machine: a reaper that runs after the lease ended
        // rightly frees the slot, and the hold would not show.
        start(25, 1);
        String file = cloud.drop("inbox/part/a.csv", csv()).execution();
        String part = awaitUploadedPart(file);
        // Stopped while its status check waits for its answer: moto then ends it ABORTED as AWS does.
        try (var check = cloud.lambda().hold("CheckImportStatusFunction", part)) {
            check.awaitHeld(Duration.ofSeconds(60));
            cloud.sfn().stopExecution(b -> b.executionArn(part));
        }
        var stopped = cloud.await(part, Duration.ofSeconds(60));
        assertEquals(ExecutionStatus.ABORTED, stopped.status(), () -> stopped.error() + ": " + stopped.cause());

        cloud.awaitReaped(part, Duration.ofSeconds(60));
        Optional<SlotView> slot = slotOf(part);
        assertTrue(
                slot.isPresent() && slot.get().holdUntil() != null,
                () -> "after the reaper, the uploaded import's slot must be held until its lease ends: " + slot);

        // The file's execution learns it from the part's .sync task, and says so in its report.
        var fileEnd = cloud.await(file, Duration.ofSeconds(60));
        assertEquals(ExecutionStatus.FAILED, fileEnd.status(), () -> fileEnd.error() + ": " + fileEnd.cause());
        String report = cloud.s3()
                .getObjectAsBytes(
                        b -> b.bucket(cloud.bucket()).key(cloud.dropNames(file).report(false)))
                .asUtf8String();
        assertTrue(
                report.contains("part execution " + part.substring(part.lastIndexOf(':') + 1)
                        + " ended ABORTED without saying why"),
                report);

        String next = cloud.drop("inbox/part/b.csv", csv()).execution();
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(next, Duration.ofSeconds(150)).status());
        assertEquals(
                0,
                sim.tooManyRequestsAnswered(),
                "the next file asked APSIS for an import while the aborted part's was still pending there");
        assertEquals(
                List.of(),
                cloud.slots().stream().filter(s -> s.ownerId() != null).toList());
    }

    @Test
    void withoutTheReaperTheSlotComesBackWhenItsLeaseExpires() {
        start(4, 3);
        cloud.reaper(false);
        String aborted = startAndAbortOnceItHoldsTheSlot("inbox/lease/a.csv");
        assertEquals(
                ExecutionStatus.ABORTED,
                cloud.await(aborted, Duration.ofSeconds(60)).status());
        assertTrue(slotOf(aborted).isPresent(), "nobody released the aborted execution's slot");

        String next = cloud.drop("inbox/lease/b.csv", csv()).execution();
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(next, Duration.ofSeconds(180)).status());
        assertTrue(slotOf(aborted).isEmpty(), "the expired lease of the aborted execution was reclaimed");
    }

    /** Returns the part's execution: the slot's owner. */
    private String startAndAbortOnceItHoldsTheSlot(String key) {
        String execution = cloud.drop(key, csv()).execution();
        var deadline = new PatientDeadline(
                Duration.ofSeconds(120)); // cold starts of several environments, maybe on a busy machine
        String part = null;
        while (part == null || !slotOf(part).map(SlotView::uploaded).orElse(false)) {
            assertFalse(deadline.passed(), "the execution never uploaded its file");
            LocalCloud.pause(100);
            part = cloud.partExecutions(execution).stream().findFirst().orElse(null);
        }
        cloud.sfn().stopExecution(b -> b.executionArn(execution));
        var stopped = cloud.await(execution, Duration.ofSeconds(60));
        // AWS ends it ABORTED; moto's engine, stopped inside a Map iteration, ends it FAILED with an
        // uncatchable States.Runtime. Either way none of its own release states runs after the stop.
        assertTrue(
                stopped.status() == ExecutionStatus.ABORTED
                        || stopped.status() == ExecutionStatus.FAILED && "States.Runtime".equals(stopped.error()),
                () -> stopped.status() + " " + stopped.error() + ": " + stopped.cause());
        return part;
    }

    /** The file's part execution once it holds the slot and uploaded its file. */
    private String awaitUploadedPart(String fileExecution) {
        var deadline = new PatientDeadline(Duration.ofSeconds(120));
        String part = null;
        while (part == null || !slotOf(part).map(SlotView::uploaded).orElse(false)) {
            var file = cloud.sfn().describeExecution(b -> b.executionArn(fileExecution));
            assertEquals(
                    ExecutionStatus.RUNNING,
                    file.status(),
                    () -> "ended before its part uploaded its file: " + file.error() + ": " + file.cause());
            assertFalse(deadline.passed(), "the execution never uploaded its file");
            LocalCloud.pause(100);
            part = cloud.partExecutions(fileExecution).stream().findFirst().orElse(null);
        }
        return part;
    }

    private static byte[] csv() {
        return "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8);
    }

    private Optional<SlotView> slotOf(String execution) {
        return cloud.slots().stream()
                .filter(s -> s.ownerId() != null && s.ownerId().startsWith(execution))
                .findFirst();
    }
}
