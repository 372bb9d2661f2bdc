package io.apsisimport.handler;

// Integration tests of init and credentials: every handler is built (the init phase SnapStart runs
// when a version is published) with the placeholder secret the stack creates and nothing reachable;
// the secret is read at the first APSIS call, against moto's Secrets Manager and the APSIS simulator.

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.ApsisAuthenticationException;
import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ApsisCredentialsException;
import io.apsisimport.lambda.ApsisSecret;
import io.apsisimport.lambda.Env;
import io.apsisimport.lambda.FakeContext;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.local.MotoServer;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.template.TemplateModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
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
class InitWithoutSecretTest {
    /** What template.yaml's ApsisSecret holds after the first deploy: a placeholder id and a random secret. */
    private static final String RANDOM_SECRET = "Qm9ndXNSYW5kb21TZWNyZXQxMjM0NTY3";

    private static final String PLACEHOLDER =
            "{\"client_id\":\"REPLACE_WITH_APSIS_CLIENT_ID\",\"client_secret\":\"" + RANDOM_SECRET + "\"}";

    private static MotoServer moto;
    private static SecretsManagerClient secrets;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void start() {
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "test"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "test"));
        moto = MotoServer.start(0);
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
    }

    @AfterAll
    static void stop() {
        if (secrets != null) {
            secrets.close();
            dynamo.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void everyHandlerIsBuiltWithThePlaceholderSecretAndNothingReachable() throws Exception {
        int nothing;
        try (ServerSocket s = new ServerSocket(0)) {
            nothing = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + nothing;
        Map<String, String> handlers =
                TemplateModel.load(Path.of("template.yaml")).functionHandlers();
        assertFalse(handlers.isEmpty());
        assertAll(handlers.entrySet().stream().map(e -> (Executable) () -> {
            Map<String, String> env = new HashMap<>(baseEnv());
            env.put("AWS_ENDPOINT_URL", dead); // any AWS call during init would fail
            env.put("APSIS_BASE_URL", dead); // any APSIS call too
            env.put("APSIS_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apsis-AbCdEf");
            Class<?> type = Class.forName(e.getValue().split("::", 2)[0]);
            type.getConstructor(Wiring.class).newInstance(new Wiring(new Env(env)));
        }));
    }

    @Test
    void theSecretPutAfterInitIsUsedWithoutRebuildingTheHandler() throws Exception {
        try (var sim = ApsisSimulator.start(ApsisSimulator.Config.defaults())) {
            String arn = secrets.createSecret(
                            b -> b.name("apsis-put-after-init").secretString(PLACEHOLDER))
                    .arn();
            var handler = new CheckImportStatusHandler(new Wiring(new Env(envFor(sim, arn))));
            String importId = new ApsisClient(
                            sim.baseUrl(),
                            new ApsisCredentials("demo-client", "demo-secret"),
                            ApsisClient.Options.defaults())
                    .requestImport("s", spec())
                    .importId();
            int requestsBefore = sim.requests().size();

            var context = new FakeContext("CheckImportStatusFunction");
            var placeholder = assertThrows(ApsisCredentialsException.class, () -> invoke(handler, importId, context));
            assertTrue(
                    placeholder.getMessage().startsWith("the APSIS secret " + arn + " still holds the placeholder"),
                    placeholder.getMessage());
            assertTrue(
                    placeholder.getMessage().contains("put-secret-value --secret-id " + arn), placeholder.getMessage());
            assertFalse(placeholder.getMessage().contains(RANDOM_SECRET));
            assertEquals(requestsBefore, sim.requests().size(), "nothing was sent to APSIS");
            assertTrue(context.lines.stream().anyMatch(l -> l.contains("ApsisCredentialsException")), "failure logged");
            assertTrue(context.lines.stream().noneMatch(l -> l.contains(RANDOM_SECRET)));

            // Wrong credentials first: APSIS rejects them...
            secrets.putSecretValue(
                    b -> b.secretId(arn).secretString("{\"client_id\":\"demo-client\",\"client_secret\":\"typo\"}"));
            var rejected = assertThrows(ApsisAuthenticationException.class, () -> invoke(handler, importId, context));
            assertTrue(rejected.getMessage().contains("the secret " + arn), rejected.getMessage());
            assertFalse(rejected.getMessage().contains("typo"), rejected.getMessage());

            // ...then the right ones: used at once, although the rejected ones were read moments ago.
            secrets.putSecretValue(b ->
                    b.secretId(arn).secretString("{\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}"));
            String out = invoke(handler, importId, context);
            assertTrue(out.contains("\"outcome\":\"PENDING\""), out);
        }
    }

    @Test
    void aSecretThatIsNotJsonIsNamedButNeverQuoted() {
        String value = "s3cr3tValue123";
        String arn = secrets.createSecret(b -> b.name("apsis-not-json").secretString(value))
                .arn();
        var e = assertThrows(ApsisCredentialsException.class, () -> ApsisSecret.read(secrets, arn));
        assertTrue(e.getMessage().startsWith("the APSIS secret " + arn + " is not a JSON object"), e.getMessage());
        assertFalse(e.getMessage().contains(value), e.getMessage());
        assertNull(e.getCause(), "Jackson's exception quotes the value: not chained");
        assertFalse(e.toString().contains(value));
        for (StackTraceElement frame : e.getStackTrace()) {
            assertFalse(frame.toString().contains(value));
        }
    }

    @Test
    void malformedSecretsSayWhatIsWrongWithoutTheirContent() {
        String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x";
        Map<String, String> cases = Map.of(
                "[\"s3cr3t\"]", "is not a JSON object",
                "{\"client_secret\":\"s3cr3t\"}", "has no client_id",
                "{\"client_id\":\"id\",\"client_secret\":\"  \"}", "has no client_secret",
                "{\"client_id\":\"id\"", "is not a JSON object",
                "{\"client_id\":\"REPLACE_WITH_APSIS_CLIENT_ID\",\"client_secret\":\"s3cr3t\"}",
                        "still holds the placeholder");
        assertAll(cases.entrySet().stream().map(c -> (Executable) () -> {
            var e = assertThrows(ApsisCredentialsException.class, () -> ApsisSecret.parse(arn, c.getKey()));
            assertTrue(e.getMessage().startsWith("the APSIS secret " + arn + " " + c.getValue()), e.getMessage());
            assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
        }));
        assertEquals(
                new ApsisCredentials("id", "pw"),
                ApsisSecret.parse(arn, "{\"client_id\":\"id\",\"client_secret\":\"pw\"}"));
    }

    @Test
    void aSecretThisFunctionCannotReadIsACredentialsError() {
        String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:does-not-exist-AbCdEf";
        var e = assertThrows(ApsisCredentialsException.class, () -> ApsisSecret.read(secrets, arn));
        assertTrue(
                e.getMessage()
                        .startsWith("the APSIS secret " + arn + " cannot be read by this function: "
                                + "ResourceNotFoundException"),
                e.getMessage());
    }

    // --- helpers

    private static String invoke(CheckImportStatusHandler handler, String importId, FakeContext context)
            throws Exception {
        String input = """
        {"executionArn":"arn:aws:states:eu-west-1:123456789012:execution:m:e","key":"inbox/a.csv","part":0,
         "section":"s","importId":"%s","requestedAt":"%s"}""".formatted(importId, java.time.Instant.now());
        var out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, context);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "eu-west-1");
        env.put("SLOTS_TABLE", "slots");
        env.put("APSIS_ACCOUNT_KEY", "test");
        env.put("STATE_MACHINE_ARN", "arn:aws:states:eu-west-1:123456789012:stateMachine:apsis-import-import");
        return env;
    }

    private static Map<String, String> envFor(ApsisSimulator sim, String secretArn) {
        Map<String, String> env = baseEnv();
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("APSIS_BASE_URL", sim.baseUrl().toString());
        env.put("APSIS_SECRET_ARN", secretArn);
        return env;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode spec() {
        var spec = JsonHandler.JSON.createObjectNode();
        spec.putObject("keyspace_mapping")
                .put("keyspace_discriminator", "com.apsis1.keyspaces.email")
                .put("field_selector", "email");
        return spec;
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }
}
