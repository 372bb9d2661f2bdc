package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.slots.SlotView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;

// End-to-end tests of the import slots under load, on the local cloud (every function in the Lambda
// runtime, scaling as Lambda does): many files at once never exceed APSIS's three pending imports,
// each execution environment fetches its own APSIS token, and a 429 from APSIS is waited out, not
// failed.
@LocalCloudTest
class SlotsEndToEndTest {
    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(
                    ApsisSimulator.Config.defaults().processing(Duration.ofSeconds(2)))
            .defaultRoutes("inbox/");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void thirtyFilesAtOnceNeverExceedThreePendingImports() {
        int importsBefore = sim.importsRequested();
        int tokensBefore = sim.tokenRequests();
        int apsisEnvironmentsBefore = apsisEnvironments();
        var executions = new ArrayList<String>();
        for (int i = 0; i < 30; i++) {
            byte[] csv =
                    ("email-address,name\nuser" + i + "@example.com,User " + i + "\n").getBytes(StandardCharsets.UTF_8);
            executions.add(cloud.drop("inbox/load/file-" + i + ".csv", csv).execution());
        }
        for (String e : executions) {
            assertEquals(
                    ExecutionStatus.SUCCEEDED,
                    cloud.await(e, Duration.ofMinutes(4)).status(),
                    e);
        }
        assertEquals(30, sim.importsRequested() - importsBefore, "one import per file");
        assertTrue(sim.maxPendingSeen() <= 3, "APSIS saw " + sim.maxPendingSeen() + " pending imports");
        assertEquals(3, sim.maxPendingSeen(), "the three slots were used");
        assertEquals(0, sim.tooManyRequestsAnswered(), "APSIS never had to answer 429");
        assertEquals(List.of(), heldSlots(), "no slot is held at the end");

        // Each execution environment has its own memory, so its own token cache: one token request per
        // environment of the functions that call APSIS, as on Lambda.
        int tokens = sim.tokenRequests() - tokensBefore;
        assertEquals(apsisEnvironments() - apsisEnvironmentsBefore, tokens, "token requests vs environments");
        LambdaRuntime runtime = cloud.runtime().orElseThrow();
        var report = new StringBuilder("30 files: " + tokens + " APSIS token requests; environments (peak busy):");
        for (String fn : cloud.functions().keySet()) {
            report.append(' ')
                    .append(fn)
                    .append('=')
                    .append(runtime.environmentsStarted(fn))
                    .append('(')
                    .append(runtime.peakConcurrency(fn))
                    .append(')');
        }
        System.out.println(report);
    }

    /** Environments started so far by the functions that talk to APSIS (each fetches its own token). */
    private static int apsisEnvironments() {
        LambdaRuntime runtime = cloud.runtime().orElseThrow();
        return runtime.environmentsStarted("RequestImportFunction")
                + runtime.environmentsStarted("CheckImportStatusFunction");
    }

    @Test
    void a429FromApsisKeepsTheSlotBacksOffAndRetries() {
        // More 429s than the client's own retries: the state machine's Retry takes over.
        sim.faults()
                .on(Endpoint.REQUEST_IMPORT)
                .nextCalls(5)
                .respond(429, "{\"message\":\"Too many pending imports\"}", Map.of("Retry-After", "1"));
        String execution = cloud.drop(
                        "inbox/limit/busy.csv", "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();

        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(execution, Duration.ofMinutes(2)).status());
        String part = cloud.partExecutions(execution).get(0); // the part's own execution runs the import
        long retried = cloud.history(part).stream()
                .filter(e -> e.type() == HistoryEventType.LAMBDA_FUNCTION_FAILED)
                .count();
        assertTrue(retried >= 1, "the Request import task was retried by the state machine");
        long acquired = cloud.history(part).stream()
                .filter(e -> e.stateEnteredEventDetails() != null
                        && "Acquire import slot"
                                .equals(e.stateEnteredEventDetails().name()))
                .count();
        assertEquals(1, acquired, "the slot was kept while retrying");
        assertEquals(List.of(), heldSlots());
    }

    static List<SlotView> heldSlots() {
        return cloud.slots().stream().filter(s -> s.ownerId() != null).toList();
    }
}
