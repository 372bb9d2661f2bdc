package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end test (issue 9 §7): transient APSIS faults on every call a file makes are survived
// without a person. The real statemachine/import.asl.json on the local cloud, the real handlers, the
// APSIS One simulator with injected faults; assertions on the execution and on what APSIS received.
@LocalCloudTest
class TransientFaultsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(ApsisSimulator.Config.defaults()
                    .processing(Duration.ofMillis(1500))
                    .uploadUrlLifetime(Duration.ofMinutes(5))
                    .keepUploads(true))
            .routes("""
        {"routes": [{"name": "faults", "match": "inbox/**", "section": "com.apsis1.sections.default",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email", "field_selector": "email-address"}}}]}""");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void aFileSurvivesFaultsOnTokenImportRequestAndStatusAndIsUploadedOnceToOneImport() throws Exception {
        sim.faults().on(Endpoint.TOKEN).call(1).respond(503, "{\"message\":\"token service unavailable\"}");
        sim.faults().on(Endpoint.REQUEST_IMPORT).call(1).respond(500, "{\"message\":\"internal error\"}");
        sim.faults()
                .on(Endpoint.REQUEST_IMPORT)
                .call(2)
                .respond(429, "{\"message\":\"Pending import count limit reached\"}", Map.of("Retry-After", "1"));
        // Status #1 says "in progress" whatever the timing, so that there is a status #2 to fail.
        sim.faults().on(Endpoint.IMPORT_STATUS).call(1).respond(200, "{\"result\":{\"status\":\"in progress\"}}");
        sim.faults().on(Endpoint.IMPORT_STATUS).call(2).respond(502, "<html>502 Bad Gateway</html>");

        String execution = cloud.drop(
                        "inbox/faults.csv",
                        "email-address\na@example.com\nb@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), () -> done.error() + ": " + done.cause());
        JsonNode out = JSON.readTree(done.output());
        assertEquals(1, out.get("imports").size());
        String importId = out.get("imports").get(0).asText();

        // Every fault was met and answered by a repeat.
        // Token #1 failed once (503) and was repeated; every other token request is an execution
        // environment's first (each has its own cache, as on Lambda).
        LambdaRuntime runtime = cloud.runtime().orElseThrow();
        assertEquals(
                1
                        + runtime.environmentsStarted("RequestImportFunction")
                        + runtime.environmentsStarted("CheckImportStatusFunction"),
                sim.calls(Endpoint.TOKEN));
        assertEquals(3, sim.calls(Endpoint.REQUEST_IMPORT));
        assertTrue(sim.calls(Endpoint.IMPORT_STATUS) >= 3, "status #2 failed and was repeated");

        // Uploaded exactly once, to exactly one import: the one the execution reports.
        List<ApsisSimulator.ImportState> uploaded =
                sim.imports().stream().filter(i -> i.uploadsReceived() > 0).toList();
        assertEquals(1, uploaded.size(), () -> "imports: " + sim.imports());
        assertEquals(importId, uploaded.get(0).importId());
        assertEquals(1, uploaded.get(0).uploadsReceived());
        assertNotNull(uploaded.get(0).upload());
        assertEquals(2, uploaded.get(0).upload().records());
        assertEquals("completed", uploaded.get(0).status());

        // Nothing secret reached a log line on the way.
        String logged = String.join("\n", cloud.logLines());
        assertTrue(logged.contains("\"importId\":\"" + importId + "\""), "the handlers logged the import");
        assertFalse(logged.contains(LocalSupport.SIM_CLIENT_SECRET), "client secret in the logs");
        assertFalse(logged.matches("(?s).*eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\..*"), "access token in the logs");
        assertFalse(
                logged.contains("x-amz-signature") || logged.contains("x-amz-credential"), "upload form in the logs");
    }
}
