package io.apsisimport.handler;

// Tests under the real Lambda Java runtime (the runtime interface client under the runtime interface
// emulator, run by the local cloud's LambdaRuntime with template.yaml's handler, memory, log format
// and SnapStart, and a timeout and log level of each test's own), with moto for DynamoDB and Secrets
// Manager and the APSIS One simulator: what the runtime makes of the handlers' log lines under the
// JSON log format and the application log level; the secret read at the first call, not at init;
// APSIS calls that end before the function's timeout, with a typed error the state machine retries.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.local.FunctionConfig;
import io.apsisimport.local.LambdaRuntime;
import io.apsisimport.local.MotoServer;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import io.apsisimport.template.TemplateModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

@io.apsisimport.local.LocalCloudTest
class RealRuntimeTest {
    /** template.yaml's logical ids. */
    private static final String REQUEST_IMPORT = "RequestImportFunction";

    private static final String CHECK_STATUS = "CheckImportStatusFunction";
    private static final String RANDOM_SECRET = "Qm9ndXNSYW5kb21TZWNyZXQxMjM0NTY3";
    private static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import-import:e-";
    /** Key of {@link #env}'s map that is not a variable but the function's LoggingConfig.ApplicationLogLevel. */
    private static final String APPLICATION_LOG_LEVEL = "ApplicationLogLevel";

    private static MotoServer moto;
    private static ApsisSimulator sim;
    private static DynamoDbClient dynamo;
    private static SecretsManagerClient secrets;
    private static String realSecretArn;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(0);
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults()
                .processing(Duration.ofMillis(200))
                .pendingLimit(100));
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        secrets = SecretsManagerClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(creds)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        dynamo = DynamoDbClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(creds)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        dynamo.createTable(b -> b.tableName("slots")
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attr("pk"), attr("sk"))
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName("pk")
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName("sk")
                                .keyType(KeyType.RANGE)
                                .build()));
        realSecretArn = secrets.createSecret(b -> b.name("apsis-real")
                        .secretString("{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}"))
                .arn();
    }

    @AfterAll
    static void stop() {
        if (secrets != null) {
            secrets.close();
            dynamo.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void logLinesAreJsonObjectsWithARealLevelAndTheirFieldsAtTopLevel() {
        String placeholderArn = secrets.createSecret(b -> b.name("apsis-placeholder")
                        .secretString("{\"client_id\":\"REPLACE_WITH_APSIS_CLIENT_ID\",\"client_secret\":\""
                                + RANDOM_SECRET + "\"}"))
                .arn();
        try (var function = RealFunction.start(REQUEST_IMPORT, env(placeholderArn, "INFO"), 30)) {
            holdSlot("logs", 0);

            // Init succeeded with the placeholder secret; the first invocation says what to do...
            var failed = function.invoke(requestImport("logs", 0));
            assertEquals("io.apsisimport.apsis.ApsisCredentialsException", failed.errorType(), failed.body());
            assertTrue(failed.error(), "Lambda flags it as a function error");
            assertTrue(failed.json()
                    .get("errorMessage")
                    .asText()
                    .contains("put-secret-value --secret-id " + placeholderArn));

            // ...and the secret put afterwards is used by the same execution environment.
            secrets.putSecretValue(b -> b.secretId(placeholderArn)
                    .secretString("{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}"));
            var answer = function.invoke(requestImport("logs", 0));
            assertEquals(null, answer.errorType(), answer.body());
            assertFalse(answer.error(), answer.body());
            String importId = answer.json().get("importId").asText();

            List<String> requestIds = function.requestIds();
            assertEquals(2, requestIds.size(), function.output());
            List<JsonNode> ours = function.jsonLines().stream()
                    .filter(l -> l.has("functionName"))
                    .toList();
            assertFalse(ours.isEmpty(), function.output());
            for (JsonNode line : ours) {
                assertTrue(
                        List.of("INFO", "WARN", "ERROR")
                                .contains(line.get("level").asText()),
                        line.toString());
                assertEquals("RequestImportFunction", line.get("functionName").asText());
                assertEquals("inbox/logs.csv", line.get("key").asText(), line.toString());
                assertEquals(EXECUTION + "logs", line.get("execution").asText());
                assertEquals(0, line.get("part").asInt());
            }
            JsonNode error = ours.stream()
                    .filter(l -> l.get("level").asText().equals("ERROR"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(
                    "io.apsisimport.apsis.ApsisCredentialsException",
                    error.get("errorType").asText());
            assertEquals(requestIds.get(0), error.get("requestId").asText());
            JsonNode requested = ours.stream()
                    .filter(l -> l.get("message").asText().equals("import requested"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(function.output()));
            assertEquals("INFO", requested.get("level").asText());
            assertEquals(importId, requested.get("importId").asText());
            assertEquals(requestIds.get(1), requested.get("requestId").asText());
            assertTrue(
                    ours.stream().noneMatch(l -> l.get("level").asText().equals("DEBUG")), "DEBUG is dropped at INFO");

            // The runtime did not wrap our lines in its own (a string message holding JSON, level UNDEFINED).
            String output = function.output();
            assertFalse(output.contains("\"level\":\"UNDEFINED\""), output);
            assertTrue(
                    function.jsonLines().stream()
                            .noneMatch(l -> l.path("message").asText().startsWith("{")),
                    output);
            assertFalse(output.contains(RANDOM_SECRET), "the placeholder's random secret is in the output");
            assertFalse(output.contains("demo-secret"), "the client secret is in the output");
            assertFalse(
                    output.matches("(?s).*eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\..*"),
                    "an access token is in the output");
            assertFalse(output.contains("x-amz-signature") || output.contains("x-amz-credential"), output);
        }
    }

    @Test
    void debugLinesAreWrittenOnlyWhenTheApplicationLogLevelIsDebug() {
        String importId = new io.apsisimport.apsis.ApsisClient(
                        sim.baseUrl(),
                        new io.apsisimport.apsis.ApsisCredentials("demo-client", "demo-secret"),
                        io.apsisimport.apsis.ApsisClient.Options.defaults())
                .requestImport(
                        "s",
                        JsonHandler.JSON
                                .createObjectNode()
                                .set(
                                        "keyspace_mapping",
                                        JsonHandler.JSON
                                                .createObjectNode()
                                                .put("keyspace_discriminator", "k")
                                                .put("field_selector", "email")))
                .importId();
        try (var function = RealFunction.start(CHECK_STATUS, env(realSecretArn, "DEBUG"), 30)) {
            var answer = function.invoke("""
          {"executionArn":"%sdebug","key":"inbox/debug.csv","part":1,"section":"s","importId":"%s",
           "requestedAt":"%s"}""".formatted(EXECUTION, importId, Instant.now()));

            assertEquals(null, answer.errorType(), answer.body());

            assertFalse(answer.error(), answer.body());
            JsonNode done = function.jsonLines().stream()
                    .filter(l -> l.path("message").asText().equals("invocation done"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(function.output()));
            assertEquals("DEBUG", done.get("level").asText());
            assertEquals("inbox/debug.csv", done.get("key").asText());
            assertEquals(importId, done.get("importId").asText());
            assertEquals(1, done.get("part").asInt());
        }
    }

    @Test
    void aRetryAfterCloseToTheTimeoutEndsTheInvocationAtOnceWithRateLimited() {
        // Timeout 20 s, of which 10 s are kept for the work after the call: 10 s for APSIS.
        try (var function = RealFunction.start(REQUEST_IMPORT, env(realSecretArn, "INFO"), 20)) {
            warm(function, "retry-after");
            holdSlot("retry-after", 1);
            sim.faults()
                    .on(Endpoint.REQUEST_IMPORT)
                    .next()
                    .respond(429, "{\"message\":\"Pending import count limit reached\"}", Map.of("Retry-After", "9"));
            int before = sim.calls(Endpoint.REQUEST_IMPORT);

            var answer = function.invoke(requestImport("retry-after", 1));

            assertEquals("io.apsisimport.apsis.ApsisRateLimitedException", answer.errorType(), answer.body());

            assertTrue(answer.error(), answer.body());
            assertTrue(answer.json().get("errorMessage").asText().contains("no time left"), answer.body());
            assertTrue(answer.elapsed().compareTo(Duration.ofSeconds(8)) < 0, "took " + answer.elapsed());
            assertEquals(
                    before + 1, sim.calls(Endpoint.REQUEST_IMPORT), "waiting 9 s would not leave time to ask again");
            assertFalse(function.output().contains("Task timed out"), function.output());
        }
    }

    @Test
    void anApsisSlowerThanTheTimeoutIsGivenUpOnBeforeLambdaWould() {
        try (var function = RealFunction.start(REQUEST_IMPORT, env(realSecretArn, "INFO"), 20)) {
            warm(function, "slow");
            holdSlot("slow", 1);
            sim.faults().on(Endpoint.REQUEST_IMPORT).next().delay(Duration.ofSeconds(60));
            int before = sim.calls(Endpoint.REQUEST_IMPORT);

            var answer = function.invoke(requestImport("slow", 1));

            assertEquals("io.apsisimport.apsis.ApsisTransientException", answer.errorType(), answer.body());

            assertTrue(answer.error(), answer.body());
            assertTrue(answer.json().get("errorMessage").asText().contains("no answer within"), answer.body());
            assertTrue(answer.elapsed().compareTo(Duration.ofSeconds(19)) < 0, "took " + answer.elapsed());
            assertEquals(
                    before + 1, sim.calls(Endpoint.REQUEST_IMPORT), "no request started without time to finish it");
            assertFalse(function.output().contains("Task timed out"), function.output());
        }
    }

    /** A first, successful invocation: the secret is read and the token cached, as in a warm environment. */
    private static void warm(RealFunction function, String execution) {
        holdSlot(execution, 0);
        var answer = function.invoke(requestImport(execution, 0));
        assertEquals(null, answer.errorType(), answer.body());
        assertFalse(answer.error(), answer.body());
    }

    // --- helpers

    /** The function's variables ({@link FunctionConfig#lambda} adds Lambda's own) and its application log level. */
    private static Map<String, String> env(String secretArn, String logLevel) {
        Map<String, String> env = new HashMap<>();
        env.put(APPLICATION_LOG_LEVEL, logLevel);
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("SLOTS_TABLE", "slots");
        env.put("APSIS_ACCOUNT_KEY", "runtime-test");
        env.put("MAX_CONCURRENT_IMPORTS", "20");
        env.put("APSIS_BASE_URL", sim.baseUrl().toString());
        env.put("APSIS_SECRET_ARN", secretArn);
        return env;
    }

    private static void holdSlot(String execution, int part) {
        Map<String, String> config =
                Map.of("SLOTS_TABLE", "slots", "APSIS_ACCOUNT_KEY", "runtime-test", "MAX_CONCURRENT_IMPORTS", "20");
        var slots = new ImportSlots(
                dynamo, arn -> true, SlotsConfig.fromEnvironment(config), Clock.systemUTC(), new Random());
        var decision = slots.acquire(new SlotOwner(EXECUTION + execution, part), Instant.now(), 0);
        assertTrue(decision instanceof SlotDecision.Acquired, decision::toString);
    }

    private static String requestImport(String execution, int part) {
        return """
        {"executionArn":"%s%s","key":"inbox/%s.csv","part":%d,"section":"com.apsis1.sections.default",
         "importSpec":{"keyspace_mapping":{"keyspace_discriminator":"com.apsis1.keyspaces.email","field_selector":"email"}}}""".formatted(EXECUTION, execution, execution, part);
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    /**
     * One function of template.yaml in its own {@link LambdaRuntime} (one execution environment): the
     * template's handler, memory, JSON log format and SnapStart, with this test's timeout, variables and
     * application log level. Its log is the runtime's log file of the function.
     */
    private static final class RealFunction implements AutoCloseable {
        private final Path run;
        private final LambdaRuntime runtime;
        private final String name;

        /** What one invocation answered: Lambda's error shape ({@code errorType}, …) when it failed. */
        record Answer(boolean error, String body, Duration elapsed) {
            JsonNode json() {
                try {
                    return JsonHandler.JSON.readTree(body);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            String errorType() {
                JsonNode type = json().get("errorType");
                return type == null ? null : type.asText();
            }
        }

        private RealFunction(Path run, LambdaRuntime runtime, String name) {
            this.run = run;
            this.runtime = runtime;
            this.name = name;
        }

        static RealFunction start(String name, Map<String, String> variables, int timeoutSeconds) {
            try {
                Path runs = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "apsis-one-import"));
                Path run = Files.createTempDirectory(runs, "runtime-test-");
                TemplateModel template = TemplateModel.load(Path.of("template.yaml"));
                JsonNode globals = template.root().at("/Globals/Function");
                Map<String, String> env = new HashMap<>(variables);
                Map<String, String> logging = Map.of(
                        "LogFormat",
                        globals.at("/LoggingConfig/LogFormat").asText(),
                        "ApplicationLogLevel",
                        env.remove(APPLICATION_LOG_LEVEL));
                var function = FunctionConfig.lambda(
                        name,
                        template.functionHandlers().get(name),
                        timeoutSeconds,
                        globals.path("MemorySize").asInt(),
                        env,
                        logging,
                        "PublishedVersions"
                                .equals(globals.at("/SnapStart/ApplyOn").asText()),
                        "eu-west-1",
                        run.resolve("task").toString());
                LambdaRuntime runtime = LambdaRuntime.forProject(Path.of("").toAbsolutePath(), run, 1);
                runtime.register(function);
                return new RealFunction(run, runtime, name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Answer invoke(String payload) {
            long started = System.nanoTime();
            var result = runtime.invoke(name, payload.getBytes(StandardCharsets.UTF_8));
            return new Answer(result.error(), result.text(), Duration.ofNanos(System.nanoTime() - started));
        }

        /** Everything the function's environment wrote so far: the runtime's, the function's and the emulator's lines. */
        String output() {
            return String.join("\n", runtime.logLines());
        }

        /** The function's log lines that are JSON objects, in order. */
        List<JsonNode> jsonLines() {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : runtime.logLines()) {
                if (line.startsWith("{")) {
                    try {
                        lines.add(JsonHandler.JSON.readTree(line));
                    } catch (IOException notJson) {
                        throw new AssertionError(name + ": a log line starting with { is not one JSON object: " + line);
                    }
                }
            }
            return lines;
        }

        /** Request ids of the invocations so far, from the emulator's START lines. */
        List<String> requestIds() {
            return runtime.logLines().stream()
                    .filter(l -> l.startsWith("START RequestId: "))
                    .map(l -> l.substring("START RequestId: ".length()).split(" ")[0])
                    .toList();
        }

        @Override
        public void close() {
            runtime.close();
            // The function code's links go; the log stays, as the local cloud's do.
            try (var files = Files.walk(run.resolve("task"))) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // a leftover link in the temporary directory is harmless
            }
        }
    }
}
