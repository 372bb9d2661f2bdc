package io.apsisimport.local;

// End-to-end test of the functions' logs as CloudWatch gets them: every function of template.yaml
// runs in the Lambda Java runtime (RIC under RIE) with the template's JSON log format, through a
// file that is imported, a file that fails (so that the reaper runs too) and a dry run, and every line each
// function's process wrote is one JSON object with a level. Not the platform's lines (the emulator's
// START/END/REPORT and "(rapid)" lines: on AWS, Lambda writes its own platform records). Nothing else
// is let off: no SLF4J notice, and no JVM "Picked up JAVA_TOOL_OPTIONS" notice (no function sets them).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.sim.ApsisSimulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

@LocalCloudTest
class FunctionLogsEndToEndTest {
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(
                    ApsisSimulator.Config.defaults().processing(Duration.ofMillis(200)))
            .defaultRoutes("inbox/");

    @Test
    void everyLineEveryFunctionWritesIsOneJsonObjectWithALevel() {
        LocalCloud cloud = env.cloud();
        String imported = cloud.drop(
                        "inbox/logs.csv", "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        // A header without the mapping's column: PreflightFile fails (its error goes through the
        // runtime's own error log line), the execution fails, and the reaper hears of it.
        String failed = cloud.drop("inbox/no-email.csv", "name\nAda\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        // A dry run (ValidateFile), checked as its import would be.
        String checked = cloud.drop(
                        "validate/checked.csv", "email-address\nb@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(imported, Duration.ofMinutes(3)).status());
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(checked, Duration.ofMinutes(3)).status());
        assertEquals(
                ExecutionStatus.FAILED,
                cloud.await(failed, Duration.ofMinutes(3)).status());
        cloud.awaitReaped(failed, Duration.ofMinutes(1));

        List<String> problems = new ArrayList<>();
        for (var function : cloud.functions().values()) {
            int json = 0;
            List<String> lines = cloud.logLines(function.name());
            // The invocations the emulator started: a line that names a request names one of them.
            Set<String> requests = new java.util.HashSet<>();
            for (String line : lines) {
                if (line.startsWith("START RequestId: ")) {
                    requests.add(line.substring("START RequestId: ".length()).split(" ")[0]);
                }
            }
            for (String line : lines) {
                if (LambdaRuntime.platformLine(line)) {
                    continue;
                }
                String problem = problem(line, requests);
                if (problem == null) {
                    json++;
                } else {
                    problems.add(function.name() + ": " + problem + ": " + line);
                }
            }
            if (json == 0) {
                problems.add(function.name() + " wrote no JSON line (its init logs the SnapStart priming)");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // The failure went through the runtime's own error record too (JSON, level ERROR, its request id).
        assertTrue(
                cloud.logLines("PreflightFileFunction").stream()
                        .anyMatch(l -> l.startsWith("{")
                                && l.contains("\"level\":\"ERROR\"")
                                && l.contains("\"AWSRequestId\"")),
                "the runtime's error record of the failed preflight");
        assertFalse(
                cloud.logLines().stream().anyMatch(l -> l.startsWith("SLF4J") || l.startsWith("Picked up ")),
                "no SLF4J or JVM notice in any log");
    }

    /**
     * Why a line of a function's own output is not what CloudWatch can read as an event, or null: one
     * JSON object with the fields of the runtime's own JSON records (an ISO-8601 {@code timestamp}, a
     * {@code level}, a {@code message}), and a request id (ours: {@code requestId}; the runtime's:
     * {@code AWSRequestId}), when it has one, of an invocation the emulator started.
     */
    private static String problem(String line, Set<String> requests) {
        JsonNode node;
        try (var parser = LocalCloud.JSON.createParser(line)) {
            node = LocalCloud.JSON.readTree(parser);
            if (parser.nextToken() != null) {
                return "more than one JSON value";
            }
        } catch (IOException e) {
            return "not JSON";
        }
        if (node == null || !node.isObject()) {
            return "not a JSON object";
        }
        if (node.has("_aws")) {
            // An embedded-metric-format document: CloudWatch reads it as it is (no runtime fields; the
            // runtime passes it through with no level, so no log level filters metrics out).
            // ObservabilityEndToEndTest holds its content to the EMF specification.
            return node.at("/_aws/Timestamp").isIntegralNumber()
                            && node.at("/_aws/CloudWatchMetrics").isArray()
                    ? null
                    : "an _aws object that is not EMF";
        }
        if (!LEVELS.contains(node.path("level").asText())) {
            return "no level";
        }
        if (!node.path("message").isTextual()) {
            return "no message";
        }
        try {
            java.time.Instant.parse(node.path("timestamp").asText());
        } catch (java.time.format.DateTimeParseException e) {
            return "no ISO-8601 timestamp";
        }
        for (String field : List.of("requestId", "AWSRequestId")) {
            if (node.has(field) && !requests.contains(node.get(field).asText())) {
                return field + " of no invocation";
            }
        }
        return null;
    }
}
