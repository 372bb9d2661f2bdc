package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

// End-to-end tests (issue 9: "the file is uploaded exactly once, to exactly one import, whatever
// happened to the requests") on the local cloud, the upload's connection failing at each point: after
// APSIS took the file (its answer lost: "Did the file arrive?" finds it, nothing is sent again), before
// the whole file was sent (repeated at once), and after the whole file was sent without APSIS keeping
// it (sent once more after UploadArrivalWaitSeconds, 15 s here). APSIS notices a file 6 s after it
// lands, as a real bucket-to-import delay would make it: the first check, by a function already warm,
// sees "waiting for file".
@LocalCloudTest
class UploadAnswerLostEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(180);
    private static final Duration NOTICE = Duration.ofSeconds(6);

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(ApsisSimulator.Config.defaults()
                    .processing(Duration.ofMillis(1500))
                    .fileNoticedAfter(NOTICE))
            .defaultRoutes("inbox/");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
        // One file through every function first: the checks below are not slowed by a cold start.
        String warmUp = cloud.drop("inbox/warm-up.csv", csv(1)).execution();
        assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(warmUp, DEADLINE).status());
    }

    private record Run(String importId, List<HistoryEvent> part) {
        long entered(String state) {
            return part.stream()
                    .filter(e -> e.stateEnteredEventDetails() != null
                            && state.equals(e.stateEnteredEventDetails().name()))
                    .count();
        }

        long failedWith(String errorType) {
            return part.stream()
                    .filter(e -> e.lambdaFunctionFailedEventDetails() != null
                            && errorType.equals(
                                    e.lambdaFunctionFailedEventDetails().error()))
                    .count();
        }
    }

    private static Run importOnce(String key, byte[] content) throws Exception {
        int uploadsBefore = sim.calls(Endpoint.UPLOAD);
        String execution = cloud.drop(key, content).execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), () -> done.error() + ": " + done.cause());
        JsonNode out = JSON.readTree(done.output());
        assertEquals(1, out.get("imports").size(), out::toString);
        String importId = out.get("imports").get(0).asText();
        // Exactly once, to exactly one import: the one the execution reports, and it completed.
        assertEquals(
                1,
                sim.importState(importId).orElseThrow().uploadsReceived(),
                () -> "uploads " + sim.uploadsPerImport());
        assertEquals("completed", sim.importState(importId).orElseThrow().status());
        assertTrue(sim.calls(Endpoint.UPLOAD) > uploadsBefore);
        return new Run(importId, cloud.history(cloud.partExecutions(execution).get(0)));
    }

    private static byte[] csv(int rows) {
        var sb = new StringBuilder("email-address,name\n");
        for (int i = 0; i < rows; i++) {
            sb.append("person")
                    .append(i)
                    .append("@example.com,Person number ")
                    .append(i)
                    .append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anUploadWhoseAnswerWasLostAfterTheFileArrivedIsNotSentAgain() throws Exception {
        int requestsBefore = sim.importsRequested();
        int uploadsBefore = sim.calls(Endpoint.UPLOAD);
        sim.faults().on(Endpoint.UPLOAD).next().dropAfterActing();

        Run run = importOnce("inbox/answer-lost.csv", csv(2));

        assertEquals(1, sim.calls(Endpoint.UPLOAD) - uploadsBefore, "the file was sent again");
        assertEquals(1, sim.importsRequested() - requestsBefore);
        assertEquals(1, run.entered("Upload file"));
        assertEquals(1, run.failedWith("io.apsisimport.upload.UploadOutcomeUnknownException"));
        assertEquals(1, run.entered("Upload answer lost"));
        assertTrue(
                run.entered("Did the file arrive?") >= 2,
                "APSIS noticed the file " + NOTICE.toSeconds()
                        + " s after it landed: the first check saw \"waiting for file\"");
        assertEquals(run.entered("Did the file arrive?") - 1, run.entered("Wait for the file to arrive"));
    }

    @Test
    void aConnectionLostBeforeTheWholeFileWasSentIsRepeatedAtOnce() throws Exception {
        int uploadsBefore = sim.calls(Endpoint.UPLOAD);
        // 16 MB: far more than the socket buffers between the relay and APSIS hold once APSIS stops reading.
        byte[] big = csv(400_000);
        assertTrue(big.length > 16_000_000, "" + big.length);
        sim.faults().on(Endpoint.UPLOAD).next().dropWhileReceiving(1024 * 1024);

        Run run = importOnce("inbox/cut-short.csv", big);

        assertEquals(2, sim.calls(Endpoint.UPLOAD) - uploadsBefore);
        assertEquals(1, run.entered("Upload file"), "repeated by the Retry of the same step");
        assertEquals(1, run.failedWith("io.apsisimport.upload.UploadTransientException"));
        assertEquals(0, run.entered("Did the file arrive?"), "nothing to ask: the file cannot have arrived");
    }

    @Test
    void anUploadWhoseAnswerWasLostAndThatNeverArrivedIsSentOnceMoreAfterTheWait() throws Exception {
        int uploadsBefore = sim.calls(Endpoint.UPLOAD);
        // Received whole, then the connection drops: nothing stored, nothing answered.
        sim.faults().on(Endpoint.UPLOAD).next().dropAfterReceiving();

        Run run = importOnce("inbox/never-arrived.csv", csv(3));

        assertEquals(2, sim.calls(Endpoint.UPLOAD) - uploadsBefore);
        assertEquals(2, run.entered("Upload file"), "sent once more, by \"File arrived?\"");
        assertEquals(1, run.entered("Upload answer lost"));
        assertTrue(run.entered("Did the file arrive?") >= 3, "checked until the 15 s wait was over");
    }
}
