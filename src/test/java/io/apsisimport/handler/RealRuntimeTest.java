package io.apsisimport.handler;

// Tests under the real Lambda Java runtime (the runtime interface client under the runtime interface
// emulator, see RieFunction), with moto for DynamoDB and Secrets Manager and the APSIS One simulator:
// what the runtime makes of the handlers' log lines under the JSON log format and the application log
// level; the secret read at the first call, not at init; APSIS calls that end before the function's
// timeout, with a typed error the state machine retries.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.local.MotoServer;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

class RealRuntimeTest {
  private static final String REQUEST_IMPORT = "io.apsisimport.handler.RequestImportHandler::handleRequest";
  private static final String CHECK_STATUS = "io.apsisimport.handler.CheckImportStatusHandler::handleRequest";
  private static final String RANDOM_SECRET = "Qm9ndXNSYW5kb21TZWNyZXQxMjM0NTY3";
  private static final String EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import-import:e-";

  private static MotoServer moto;
  private static ApsisSimulator sim;
  private static DynamoDbClient dynamo;
  private static SecretsManagerClient secrets;
  private static String realSecretArn;

  @BeforeAll
  static void start() {
    moto = MotoServer.start(0);
    sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMillis(200)).pendingLimit(100));
    var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    secrets = SecretsManagerClient.builder().endpointOverride(moto.endpoint()).region(Region.EU_WEST_1)
        .credentialsProvider(creds).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    dynamo = DynamoDbClient.builder().endpointOverride(moto.endpoint()).region(Region.EU_WEST_1)
        .credentialsProvider(creds).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    dynamo.createTable(b -> b.tableName("slots").billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(attr("pk"), attr("sk"))
        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
            KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build()));
    realSecretArn = secrets.createSecret(b -> b.name("apsis-real")
        .secretString("{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}")).arn();
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
        .secretString("{\"client_id\":\"REPLACE_WITH_APSIS_CLIENT_ID\",\"client_secret\":\"" + RANDOM_SECRET + "\"}"))
        .arn();
    try (var function = RieFunction.start("RequestImportFunction", REQUEST_IMPORT, env(placeholderArn, "INFO"), 30)) {
      holdSlot("logs", 0);

      // Init succeeded with the placeholder secret; the first invocation says what to do...
      var failed = function.invoke(requestImport("logs", 0));
      assertEquals("io.apsisimport.apsis.ApsisCredentialsException", failed.errorType(), failed.body());
      assertTrue(failed.json().get("errorMessage").asText().contains("put-secret-value --secret-id " + placeholderArn));

      // ...and the secret put afterwards is used by the same execution environment.
      secrets.putSecretValue(b -> b.secretId(placeholderArn)
          .secretString("{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}"));
      var answer = function.invoke(requestImport("logs", 0));
      assertEquals(null, answer.errorType(), answer.body());
      String importId = answer.json().get("importId").asText();

      List<String> requestIds = function.requestIds();
      assertEquals(2, requestIds.size(), function.output());
      List<JsonNode> ours = function.jsonLines().stream().filter(l -> l.has("functionName")).toList();
      assertFalse(ours.isEmpty(), function.output());
      for (JsonNode line : ours) {
        assertTrue(List.of("INFO", "WARN", "ERROR").contains(line.get("level").asText()), line.toString());
        assertEquals("RequestImportFunction", line.get("functionName").asText());
        assertEquals("inbox/logs.csv", line.get("key").asText(), line.toString());
        assertEquals(EXECUTION + "logs", line.get("execution").asText());
        assertEquals(0, line.get("part").asInt());
      }
      JsonNode error = ours.stream().filter(l -> l.get("level").asText().equals("ERROR")).findFirst().orElseThrow();
      assertEquals("io.apsisimport.apsis.ApsisCredentialsException", error.get("errorType").asText());
      assertEquals(requestIds.get(0), error.get("requestId").asText());
      JsonNode requested = ours.stream().filter(l -> l.get("message").asText().equals("import requested"))
          .findFirst().orElseThrow(() -> new AssertionError(function.output()));
      assertEquals("INFO", requested.get("level").asText());
      assertEquals(importId, requested.get("importId").asText());
      assertEquals(requestIds.get(1), requested.get("requestId").asText());
      assertTrue(ours.stream().noneMatch(l -> l.get("level").asText().equals("DEBUG")), "DEBUG is dropped at INFO");

      // The runtime did not wrap our lines in its own (a string message holding JSON, level UNDEFINED).
      String output = function.output();
      assertFalse(output.contains("\"level\":\"UNDEFINED\""), output);
      assertTrue(function.jsonLines().stream().noneMatch(l -> l.path("message").asText().startsWith("{")), output);
      assertFalse(output.contains(RANDOM_SECRET), "the placeholder's random secret is in the output");
      assertFalse(output.contains("demo-secret"), "the client secret is in the output");
      assertFalse(output.matches("(?s).*eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\..*"), "an access token is in the output");
      assertFalse(output.contains("x-amz-signature") || output.contains("x-amz-credential"), output);
    }
  }

  @Test
  void debugLinesAreWrittenOnlyWhenTheApplicationLogLevelIsDebug() {
    String importId = new io.apsisimport.apsis.ApsisClient(sim.baseUrl(),
        new io.apsisimport.apsis.ApsisCredentials("demo-client", "demo-secret"),
        io.apsisimport.apsis.ApsisClient.Options.defaults()).requestImport("s", JsonHandler.JSON.createObjectNode()
        .set("keyspace_mapping", JsonHandler.JSON.createObjectNode().put("keyspace_discriminator", "k")
            .put("field_selector", "email"))).importId();
    try (var function = RieFunction.start("CheckImportStatusFunction", CHECK_STATUS, env(realSecretArn, "DEBUG"), 30)) {
      var answer = function.invoke("""
          {"executionArn":"%sdebug","key":"inbox/debug.csv","part":1,"section":"s","importId":"%s",
           "requestedAt":"%s"}""".formatted(EXECUTION, importId, Instant.now()));

      assertEquals(null, answer.errorType(), answer.body());
      JsonNode done = function.jsonLines().stream().filter(l -> l.path("message").asText().equals("invocation done"))
          .findFirst().orElseThrow(() -> new AssertionError(function.output()));
      assertEquals("DEBUG", done.get("level").asText());
      assertEquals("inbox/debug.csv", done.get("key").asText());
      assertEquals(importId, done.get("importId").asText());
      assertEquals(1, done.get("part").asInt());
    }
  }

  @Test
  void aRetryAfterCloseToTheTimeoutEndsTheInvocationAtOnceWithRateLimited() {
    // Timeout 20 s, of which 10 s are kept for the work after the call: 10 s for APSIS.
    try (var function = RieFunction.start("RequestImportFunction", REQUEST_IMPORT, env(realSecretArn, "INFO"), 20)) {
      warm(function, "retry-after");
      holdSlot("retry-after", 1);
      sim.faults().on(Endpoint.REQUEST_IMPORT).next()
          .respond(429, "{\"message\":\"Pending import count limit reached\"}", Map.of("Retry-After", "9"));
      int before = sim.calls(Endpoint.REQUEST_IMPORT);

      var answer = function.invoke(requestImport("retry-after", 1));

      assertEquals("io.apsisimport.apsis.ApsisRateLimitedException", answer.errorType(), answer.body());
      assertTrue(answer.json().get("errorMessage").asText().contains("no time left"), answer.body());
      assertTrue(answer.elapsed().compareTo(Duration.ofSeconds(8)) < 0, "took " + answer.elapsed());
      assertEquals(before + 1, sim.calls(Endpoint.REQUEST_IMPORT), "waiting 9 s would not leave time to ask again");
      assertFalse(function.output().contains("Task timed out"), function.output());
    }
  }

  @Test
  void anApsisSlowerThanTheTimeoutIsGivenUpOnBeforeLambdaWould() {
    try (var function = RieFunction.start("RequestImportFunction", REQUEST_IMPORT, env(realSecretArn, "INFO"), 20)) {
      warm(function, "slow");
      holdSlot("slow", 1);
      sim.faults().on(Endpoint.REQUEST_IMPORT).next().delay(Duration.ofSeconds(60));
      int before = sim.calls(Endpoint.REQUEST_IMPORT);

      var answer = function.invoke(requestImport("slow", 1));

      assertEquals("io.apsisimport.apsis.ApsisTransientException", answer.errorType(), answer.body());
      assertTrue(answer.json().get("errorMessage").asText().contains("no answer within"), answer.body());
      assertTrue(answer.elapsed().compareTo(Duration.ofSeconds(19)) < 0, "took " + answer.elapsed());
      assertEquals(before + 1, sim.calls(Endpoint.REQUEST_IMPORT), "no request started without time to finish it");
      assertFalse(function.output().contains("Task timed out"), function.output());
    }
  }

  /** A first, successful invocation: the secret is read and the token cached, as in a warm environment. */
  private static void warm(RieFunction function, String execution) {
    holdSlot(execution, 0);
    var answer = function.invoke(requestImport(execution, 0));
    assertEquals(null, answer.errorType(), answer.body());
  }

  // --- helpers

  private static Map<String, String> env(String secretArn, String logLevel) {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_LAMBDA_LOG_LEVEL", logLevel);
    env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
    env.put("AWS_ACCESS_KEY_ID", "test");
    env.put("AWS_SECRET_ACCESS_KEY", "test");
    env.put("SLOTS_TABLE", "slots");
    env.put("APSIS_ACCOUNT_KEY", "runtime-test");
    env.put("MAX_CONCURRENT_IMPORTS", "20");
    env.put("APSIS_BASE_URL", sim.baseUrl().toString());
    env.put("APSIS_SECRET_ARN", secretArn);
    return env;
  }

  private static void holdSlot(String execution, int part) {
    Map<String, String> config = Map.of("SLOTS_TABLE", "slots", "APSIS_ACCOUNT_KEY", "runtime-test",
        "MAX_CONCURRENT_IMPORTS", "20");
    var slots = new ImportSlots(dynamo, arn -> true, SlotsConfig.fromEnvironment(config), Clock.systemUTC(), new Random());
    var decision = slots.acquire(new SlotOwner(EXECUTION + execution, part), Instant.now(), 0);
    assertTrue(decision instanceof SlotDecision.Acquired, decision::toString);
  }

  private static String requestImport(String execution, int part) {
    return """
        {"executionArn":"%s%s","key":"inbox/%s.csv","part":%d,"section":"com.apsis1.sections.default",
         "importSpec":{"keyspace_mapping":{"keyspace_discriminator":"com.apsis1.keyspaces.email","field_selector":"email"}}}"""
        .formatted(EXECUTION, execution, execution, part);
  }

  private static AttributeDefinition attr(String name) {
    return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
  }
}
