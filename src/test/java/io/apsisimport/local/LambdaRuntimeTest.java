package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

// Tests of the local Lambda runtime itself (RIC under RIE, one JVM per execution environment) with
// small probe functions from the test sources: a handler runs and returns; init runs once per
// environment and idle environments are reused; concurrent invocations start new environments up
// to the cap; errors, init failures and timeouts reach the caller as Lambda reports them; SnapStart
// functions run their CRaC hooks in init; logs land in one file per function; nothing outlives the
// runtime.
@LocalCloudTest
class LambdaRuntimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = "io.apsisimport.local.fn.ProbeHandler::handleRequest";

    // Kept when a test fails: its logs/ show what the emulator and the runtime said.
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private LambdaRuntime runtime;

    private LambdaRuntime start(int cap, FunctionConfig... functions) {
        return start(cap, List.of(), Map.of(), functions);
    }

    private LambdaRuntime start(
            int cap, List<Path> extraClasspath, Map<String, String> extraEnv, FunctionConfig... functions) {
        Path task = LambdaArtifact.layOut(dir.resolve("task"), List.of(Path.of("target/test-classes")), extraClasspath);
        runtime = new LambdaRuntime(new LambdaRuntime.Settings(
                LambdaRuntime.rieBinary(),
                LambdaRuntime.javaLauncher(),
                LambdaRuntime.runtimeClasspath(Path.of(".")),
                task,
                dir.resolve("logs"),
                cap,
                extraEnv));
        for (FunctionConfig f : functions) {
            runtime.register(f);
        }
        return runtime;
    }

    private FunctionConfig function(String name, String handler, int timeoutSeconds) {
        return FunctionConfig.lambda(
                name,
                handler,
                timeoutSeconds,
                512,
                Map.of("PROBE_SETTING", "from-template"),
                Map.of("LogFormat", "JSON"),
                LocalCloud.REGION,
                dir.resolve("task").toString());
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void aHandlerRunsInTheRuntimeWithItsFunctionsSettings() throws IOException {
        start(2, function("Probe", PROBE, 30));
        LambdaRuntime.Result r =
                runtime.invoke("Probe", "{\"getenv\":\"PROBE_SETTING\"}".getBytes(StandardCharsets.UTF_8));

        assertFalse(r.error(), r::text);
        JsonNode out = JSON.readTree(r.body());
        assertEquals("Probe", out.get("function").asText(), "the function name reaches the Context");
        assertEquals(512, out.get("memoryMb").asInt());
        assertEquals("from-template", out.get("envValue").asText(), "the template's variables reach the process");
        long remaining = out.get("remainingMillis").asLong();
        assertTrue(remaining > 0 && remaining <= 30_000, "remaining time counts down from the timeout: " + remaining);
        assertNotEquals(ProcessHandle.current().pid(), out.get("pid").asLong(), "runs in a process of its own");
    }

    @Test
    void initRunsOncePerEnvironmentAndAnIdleEnvironmentIsReused() throws IOException {
        start(2, function("Probe", PROBE, 30));
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(JSON.readTree(runtime.invoke("Probe", "{}".getBytes(StandardCharsets.UTF_8))
                    .body()));
        }

        assertEquals(
                1,
                answers.stream()
                        .map(a -> a.get("environment").asText())
                        .distinct()
                        .count(),
                answers::toString);
        assertEquals(
                List.of(1, 2, 3),
                answers.stream().map(a -> a.get("invocation").asInt()).toList());
        assertEquals(1, answers.get(2).get("inits").asInt(), "one handler instance per environment");
        assertEquals(1, runtime.environmentsStarted("Probe"));
        var stats = runtime.environmentStats("Probe").get(0);
        assertEquals(1, stats.initMillis().size(), "one INIT REPORT: " + stats);
        assertEquals(3, stats.invokeMillis().size(), "one invoke phase per invocation: " + stats);
    }

    @Test
    void concurrentInvocationsStartNewEnvironmentsUpToTheCapThenWait() throws Exception {
        start(3, function("Probe", PROBE, 30));
        List<JsonNode> answers = concurrently(5, "{\"sleepMillis\":1500}");

        Set<String> environments = new HashSet<>();
        answers.forEach(a -> environments.add(a.get("environment").asText()));
        assertEquals(3, environments.size(), "three environments (the cap) served five concurrent calls: " + answers);
        assertEquals(3, runtime.environmentsStarted("Probe"));
        assertEquals(3, runtime.peakConcurrency("Probe"));
        assertEquals(5, runtime.invocations("Probe"));
        long reused =
                answers.stream().filter(a -> a.get("invocation").asInt() == 2).count();
        assertEquals(2, reused, "the two calls beyond the cap waited for a busy environment: " + answers);
    }

    @Test
    void aHandlerExceptionReachesTheCallerInLambdasErrorShape() throws Exception {
        start(1, function("Probe", PROBE, 30));
        LambdaRuntime.Result r =
                runtime.invoke("Probe", "{\"fail\":\"the probe failed\"}".getBytes(StandardCharsets.UTF_8));

        assertTrue(r.error());
        JsonNode error = JSON.readTree(r.body());
        assertEquals(
                "io.apsisimport.local.fn.ProbeHandler$ProbeFailedException",
                error.get("errorType").asText());
        assertEquals("the probe failed", error.get("errorMessage").asText());
        assertTrue(error.get("stackTrace").isArray() && error.get("stackTrace").size() > 0, error::toString);

        // Through the Lambda endpoint moto's engine calls: HTTP 200 plus X-Amz-Function-Error.
        try (var endpoint =
                        new LambdaEndpoint(MotoServer.freePort(), URI.create("http://127.0.0.1:9"), runtime::invoke);
                var http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(endpoint.url()
                                    .resolve("/2015-03-31/functions/" + LocalCloud.functionArn("Probe")
                                            + ":live/invocations"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"fail\":\"again\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(
                    "Unhandled",
                    response.headers().firstValue("X-Amz-Function-Error").orElse(null));
            assertEquals(
                    "again", JSON.readTree(response.body()).get("errorMessage").asText());
        }
        // The environment survives a handled error (as on Lambda): the next call reuses it.
        JsonNode next = JSON.readTree(
                runtime.invoke("Probe", "{}".getBytes(StandardCharsets.UTF_8)).body());
        assertEquals(3, next.get("invocation").asInt());
    }

    @Test
    void aTimeoutIsEnforcedAndReportedAsLambdaReportsItThenInitRunsAgain() throws IOException {
        start(1, function("Probe", PROBE, 2));
        JsonNode first = JSON.readTree(
                runtime.invoke("Probe", "{}".getBytes(StandardCharsets.UTF_8)).body());
        Instant t0 = Instant.now();
        LambdaRuntime.Result r = runtime.invoke("Probe", "{\"sleepMillis\":20000}".getBytes(StandardCharsets.UTF_8));
        Duration took = Duration.between(t0, Instant.now());

        assertTrue(r.error());
        JsonNode error = JSON.readTree(r.body());
        assertEquals(LambdaRuntime.TIMEOUT_ERROR_TYPE, error.get("errorType").asText());
        assertTrue(error.get("errorMessage").asText().endsWith("Task timed out after 2.00 seconds"), error::toString);
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "killed at the timeout, not after the sleep: " + took);
        // The emulator kills the timed-out runtime; the kill is reaped asynchronously: poll with a deadline.
        Instant gone = Instant.now().plusSeconds(10);
        while (ProcessHandle.of(first.get("pid").asLong())
                        .map(ProcessHandle::isAlive)
                        .orElse(false)
                && Instant.now().isBefore(gone)) {
            LocalCloud.pause(50);
        }
        assertFalse(
                ProcessHandle.of(first.get("pid").asLong())
                        .map(ProcessHandle::isAlive)
                        .orElse(false),
                "the timed-out runtime is gone");

        JsonNode after = JSON.readTree(
                runtime.invoke("Probe", "{}".getBytes(StandardCharsets.UTF_8)).body());
        assertNotEquals(
                first.get("environment").asText(), after.get("environment").asText(), "init ran again");
        assertEquals(2, runtime.environmentStats("Probe").get(0).initMillis().size());
    }

    @Test
    void aFailedInitAnswersWithTheInitError() throws IOException {
        start(1, function("Broken", "io.apsisimport.local.fn.FailingInitHandler::handleRequest", 30));
        LambdaRuntime.Result r = runtime.invoke("Broken", "{}".getBytes(StandardCharsets.UTF_8));

        assertTrue(r.error());
        JsonNode error = JSON.readTree(r.body());
        assertEquals("java.lang.IllegalStateException", error.get("errorType").asText());
        assertEquals("init failed on purpose", error.get("errorMessage").asText());
    }

    @Test
    void aSnapStartFunctionRunsItsCheckpointAndRestoreHooksDuringInit() throws IOException {
        String handler = "io.apsisimport.local.fn.SnapStartProbeHandler::handleRequest";
        var snap = FunctionConfig.lambda(
                "Snap",
                handler,
                30,
                512,
                Map.of(),
                Map.of(),
                true,
                LocalCloud.REGION,
                dir.resolve("task").toString());
        start(1, snap, function("OnDemand", handler, 30));

        assertEquals(
                "[\"beforeCheckpoint\",\"afterRestore\"]",
                JSON.readTree(runtime.invoke("Snap", "{}".getBytes(StandardCharsets.UTF_8))
                                .body())
                        .get("hooks")
                        .toString());
        assertEquals(
                "[]",
                JSON.readTree(runtime.invoke("OnDemand", "{}".getBytes(StandardCharsets.UTF_8))
                                .body())
                        .get("hooks")
                        .toString());
    }

    @Test
    void logsGoToOneFilePerFunctionAsJsonWithTheEmulatorsReports() throws IOException {
        start(1, function("Probe", PROBE, 30), function("Other", PROBE, 30));
        runtime.invoke("Probe", "{\"log\":\"hello from the probe\"}".getBytes(StandardCharsets.UTF_8));
        runtime.invoke("Other", "{}".getBytes(StandardCharsets.UTF_8));

        List<String> probe = Files.readAllLines(runtime.logFile("Probe"));
        JsonNode line = probe.stream()
                .filter(l -> l.contains("hello from the probe"))
                .map(LambdaRuntimeTest::json)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no log line: " + probe));
        assertEquals("hello from the probe", line.get("message").asText(), "the runtime's JSON log format applies");
        assertTrue(line.has("AWSRequestId"), line::toString);
        assertTrue(probe.stream().anyMatch(l -> l.startsWith("REPORT RequestId: ")), "the emulator's REPORT line");
        assertTrue(probe.stream().anyMatch(l -> l.contains("INIT REPORT(durationMs:")), "the emulator's INIT REPORT");
        assertFalse(probe.stream().anyMatch(l -> l.contains("Other")), "another function's lines stay in its own file");
        assertTrue(runtime.logLines().containsAll(probe));
    }

    @Test
    void extraClasspathAndEnvironmentReachEveryFunctionProcess() throws IOException {
        Path extra = Files.createDirectories(dir.resolve("instrumentation/local"));
        Files.writeString(extra.resolve("marker.txt"), "here");
        start(
                1,
                List.of(dir.resolve("instrumentation")),
                Map.of("LOCAL_PROBE", "instrumented"),
                function("Probe", PROBE, 30));
        JsonNode out = JSON.readTree(runtime.invoke(
                        "Probe",
                        "{\"getenv\":\"LOCAL_PROBE\",\"resource\":\"local/marker.txt\"}"
                                .getBytes(StandardCharsets.UTF_8))
                .body());

        assertEquals("instrumented", out.get("envValue").asText());
        assertTrue(out.get("resourceFound").asBoolean(), "the function's class loader sees the extra entry");
    }

    @Test
    void closingTheRuntimeEndsEveryProcessItStarted() throws Exception {
        start(3, function("Probe", PROBE, 30));
        List<JsonNode> answers = concurrently(3, "{\"sleepMillis\":500}");
        List<ProcessHandle> processes = new ArrayList<>();
        ProcessHandle.current().descendants().forEach(processes::add);
        assertTrue(processes.size() >= 6, "three emulators and three JVMs (and their watchdogs): " + processes.size());

        // The function JVMs themselves (the pids they answered), whatever became of their parents.
        for (JsonNode a : answers) {
            ProcessHandle.of(a.get("pid").asLong()).ifPresent(processes::add);
        }
        runtime.close();
        runtime = null;
        // Killed processes are reaped asynchronously (by their parent or init): poll with a deadline.
        Instant deadline = Instant.now().plusSeconds(10);
        while (processes.stream().anyMatch(ProcessHandle::isAlive)
                && Instant.now().isBefore(deadline)) {
            LocalCloud.pause(50);
        }
        assertEquals(
                List.of(),
                processes.stream()
                        .filter(ProcessHandle::isAlive)
                        .map(ProcessHandle::info)
                        .toList());
    }

    private List<JsonNode> concurrently(int n, String payload) throws Exception {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<JsonNode>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Callable<JsonNode> call =
                        () -> JSON.readTree(runtime.invoke("Probe", payload.getBytes(StandardCharsets.UTF_8))
                                .body());
                calls.add(pool.submit(call));
            }
            List<JsonNode> answers = new ArrayList<>();
            for (Future<JsonNode> f : calls) {
                answers.add(f.get());
            }
            return answers;
        }
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
