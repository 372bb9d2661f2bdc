package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.sim.ApsisSimulator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests of what the local cloud itself promises, each with a cloud of its own: status
// changes reach the reaper as template.yaml's EventBridge rule matches them (an ABORTED execution
// too: drop ABORTED from the rule and this fails), every function runs with template.yaml's
// settings, and a secret that shows in a function log or an execution history fails the close.
@LocalCloudTest
class LocalCloudEndToEndTest {
    @RegisterExtension
    final LocalCloudExtension env = LocalCloudExtension.perTest();

    private LocalCloud cloud;

    @Test
    void anAbortedExecutionReachesTheReaperThroughTheTemplatesRule() {
        env.start(ApsisSimulator.Config.defaults(), o -> o, LocalImport.defaultRoutes("inbox/"));
        cloud = env.cloud();
        // Stopped while its first task waits for its answer (held until then), and ended ABORTED, as AWS
        // ends any stopped execution. moto's engine does so only for a stop that lands while a task waits
        // for its answer or in a Wait state: one that lands while it evaluates a state's fields (the first
        // milliseconds of an execution, say) makes its next step fail, and it ends the execution FAILED
        // (docs/local-runtime.md, "Stopping an execution on the local cloud").
        String key = "inbox/stopped.csv";
        String execution;
        try (var preflight = cloud.lambda().hold("PreflightFileFunction", key)) {
            execution = cloud.drop(key, "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                    .execution();
            preflight.awaitHeld(Duration.ofSeconds(90));
            cloud.sfn().stopExecution(b -> b.executionArn(execution));
        }

        var stopped = cloud.await(execution, Duration.ofSeconds(30));
        assertEquals(ExecutionStatus.ABORTED, stopped.status(), () -> stopped.error() + ": " + stopped.cause());
        cloud.awaitReaped(execution, Duration.ofSeconds(30));
    }

    @Test
    void everyFunctionRunsWithTheTemplatesSettings() {
        env.start(ApsisSimulator.Config.defaults(), o -> o, null);
        cloud = env.cloud();
        var functions = cloud.functions();

        var template = io.apsisimport.template.TemplateModel.load(java.nio.file.Path.of("template.yaml"));
        assertEquals(template.functionHandlers().keySet(), functions.keySet());
        FunctionConfig preflight = functions.get("PreflightFileFunction");
        assertEquals(template.functionHandlers().get("PreflightFileFunction"), preflight.handler());
        assertEquals(
                template.resource("PreflightFileFunction")
                        .at("/Properties/Timeout")
                        .asInt(),
                preflight.timeoutSeconds());
        assertTrue(preflight.environment().containsKey("MAX_DECOMPRESSED_BYTES"), "the function's own variables too");
        functions
                .values()
                .forEach(f -> assertEquals(
                        null,
                        f.environment().get("JAVA_TOOL_OPTIONS"),
                        f.name() + ": the runtime's default JVM flags (no plain-text notice at init)"));
        FunctionConfig request = functions.get("RequestImportFunction");
        assertEquals(template.root().at("/Globals/Function/Timeout").asInt(), request.timeoutSeconds());
        assertEquals(template.root().at("/Globals/Function/MemorySize").asInt(), request.memoryMb());
        assertEquals(null, request.environment().get("JAVA_TOOL_OPTIONS"), "the runtime's default JVM flags");
        assertEquals(
                cloud.secretArn(), request.environment().get("APSIS_SECRET_ARN"), "credentials from Secrets Manager");
        assertTrue(!request.environment().containsKey("APSIS_CLIENT_SECRET"), "no credential in the environment");
        assertEquals("JSON", request.environment().get("AWS_LAMBDA_LOG_FORMAT"));
        assertEquals("RequestImportFunction", request.environment().get("AWS_LAMBDA_FUNCTION_NAME"));
        assertEquals(
                "/aws/lambda/" + LocalCloud.STACK_NAME + "/RequestImportFunction",
                request.environment().get("AWS_LAMBDA_LOG_GROUP_NAME"));
        assertEquals(
                cloud.stateMachineArn(),
                functions.get("StartImportFunction").environment().get("STATE_MACHINE_ARN"),
                "the ARN the template builds from the stack name is the state machine's");
    }

    @Test
    void aSecretInAFunctionLogOrAnExecutionHistoryFailsTheClose() {
        // The file's key is logged by the functions and is the execution's input: call it a secret.
        String key = "inbox/pretend-this-key-is-a-secret.csv";
        env.start(
                ApsisSimulator.Config.defaults(),
                o -> o.withSecrets(() -> Map.of("the marker", key)),
                LocalImport.defaultRoutes("inbox/"));
        cloud = env.cloud();
        String execution = cloud.drop(key, "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(execution, Duration.ofSeconds(90)).status());

        List<String> found = cloud.secretsFound();
        assertTrue(found.stream().anyMatch(f -> f.startsWith("the marker in function log line")), found::toString);
        assertTrue(
                found.stream().anyMatch(f -> f.equals("the marker in the history of " + execution)), found::toString);
        AssertionError failed = assertThrows(AssertionError.class, cloud::close);
        assertTrue(failed.getMessage().startsWith("secrets leaked: the marker in "), failed.getMessage());
        cloud = null;
    }
}
