package io.apsisimport.localstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.local.Tier;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.template.TemplateModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.Testcontainers;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.localstack.LocalStackContainer.Service;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Architecture;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * The pipeline on LocalStack, the way SAM deploys it: the functions created from the built
 * artifact (target/classes + the runtime jars, the layout `sam build` produces) on the java21
 * runtime with template.yaml's handlers, memory, timeouts and environment; the state machines from
 * statemachine/import-part.asl.json and import.asl.json with the DefinitionSubstitutions template.yaml
 * gives them (the functions' {@code live} aliases, the part state machine's ARN, the partition); the
 * APSIS One simulator on this machine. Scenarios as in PipelineEndToEndTest.
 *
 * <p>Needs Docker (LocalStack runs the Lambda functions in containers of their own). Without it,
 * every test is skipped with the reason. Run with {@code mvn verify} (or {@code mvn test
 * -Dtest=PipelineLocalStackTest}); {@code -Dlocalstack.image=…} picks another LocalStack image, and
 * LOCALSTACK_AUTH_TOKEN is passed on when set.
 *
 * <p>Where it differs from a deployment, and why:
 * <ul>
 *   <li>S3 events are sent to StartImport by the test (synthesised as in the local cloud), not by a
 *       bucket notification: the duplicate-delivery scenario needs to deliver the very same event
 *       twice.
 *   <li>The functions get {@code AWS_ENDPOINT_URL} (LocalStack), and their JAVA_TOOL_OPTIONS gets a
 *       {@link LoopbackRelayAgent} appended, so that the simulator, which runs on this machine's
 *       loopback and hands out loopback upload URLs, is reachable from the function's container at
 *       the same loopback address (the uploader only allows plain http to loopback hosts).
 *   <li>The architecture is the Docker host's (template: arm64), so no emulation is needed.
 *   <li>The reaper (EventBridge rule on execution status changes) is not wired.
 * </ul>
 */
@io.apsisimport.local.LocalCloudTest
class PipelineLocalStackTest {
    static final String NO_DOCKER = "Docker is not available: LocalStack tests skipped (they run where Docker exists)";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final String BUCKET = "landing";
    private static final String SLOTS_TABLE = "import-slots";
    private static final String ALIAS = "live";
    private static final String RELAY_JAR = "loopback-relay.jar";
    private static final List<String> STEP_FUNCTIONS = List.of(
            "PreflightFileFunction",
            "AcquireSlotFunction",
            "RequestImportFunction",
            "UploadPartFunction",
            "CheckImportStatusFunction",
            "ReleaseSlotFunction",
            "FinishImportFunction",
            "FeedQueueFunction",
            "ValidateFileFunction");

    private static ApsisSimulator sim;
    private static LocalStackContainer localstack;
    private static S3Client s3;
    private static SfnClient sfn;
    private static LambdaClient lambda;
    private static String stateMachineArn;

    private static boolean docker;

    @BeforeAll
    static void start() throws Exception {
        Tier.requireLocalCloud("Docker (LocalStack)");
        docker = dockerAvailable();
        if (!docker) {
            System.err.println("PipelineLocalStackTest: " + NO_DOCKER);
            return; // each test reports the skip with its reason (an assumption here would hide it)
        }

        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults()
                .processing(Duration.ofMillis(1200))
                .uploadUrlLifetime(Duration.ofMinutes(10))
                .keepUploads(true));
        int simPort = sim.baseUrl().getPort();
        Testcontainers.exposeHostPorts(simPort); // reachable from containers as host.testcontainers.internal

        localstack = new LocalStackContainer(
                        DockerImageName.parse(System.getProperty("localstack.image", "localstack/localstack:4.4"))
                                .asCompatibleSubstituteFor("localstack/localstack"))
                .withServices(
                        Service.S3,
                        Service.DYNAMODB,
                        Service.SECRETSMANAGER,
                        Service.STEPFUNCTIONS,
                        Service.LAMBDA,
                        Service.IAM)
                .withEnv("LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT", "180");
        String token = System.getenv("LOCALSTACK_AUTH_TOKEN");
        if (token != null && !token.isBlank()) {
            localstack.withEnv("LOCALSTACK_AUTH_TOKEN", token);
        }
        localstack.start();

        s3 = configure(S3Client.builder()).forcePathStyle(true).build();
        sfn = configure(SfnClient.builder()).build();
        lambda = configure(LambdaClient.builder()).build();
        var dynamo = configure(DynamoDbClient.builder()).build();
        var secrets = configure(SecretsManagerClient.builder()).build();
        var iam = configure(IamClient.builder()).build();

        // What the stack creates: bucket, slots table, secret, roles.
        s3.createBucket(b -> b.bucket(BUCKET));
        dynamo.createTable(b -> b.tableName(SLOTS_TABLE)
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
        String secretArn = secrets.createSecret(b -> b.name("apsis-import/apsis")
                        .secretString(JSON.createObjectNode()
                                .put("client_id", sim.config().clientId())
                                .put("client_secret", sim.config().clientSecret())
                                .toString()))
                .arn();
        String lambdaRole = role(iam, "apsis-import-functions", "lambda.amazonaws.com");
        String statesRole = role(iam, "apsis-import-states", "states.amazonaws.com");

        // The functions, from the built artifact, with the template's settings.
        TemplateModel template = TemplateModel.load(Path.of("template.yaml"));
        s3.createBucket(b -> b.bucket("artifacts"));
        s3.putObject(b -> b.bucket("artifacts").key("function.zip"), RequestBody.fromBytes(functionZip()));
        String simHost = hostAddressSeenFromContainers();
        Map<String, String> common = new LinkedHashMap<>();
        common.put("AWS_ENDPOINT_URL", "http://" + localstackAddress() + ":4566");
        common.put("SLOTS_TABLE", SLOTS_TABLE);
        common.put("APSIS_ACCOUNT_KEY", "default");
        common.put("MAX_CONCURRENT_IMPORTS", "3");
        common.put("SLOT_LEASE_SECONDS", "900");
        common.put("SLOT_MAX_WAIT_SECONDS", "3600");
        common.put("APSIS_REGION", "eu");
        common.put("APSIS_BASE_URL", sim.baseUrl().toString());
        common.put("APSIS_SECRET_ARN", secretArn);
        common.put("LANDING_PREFIX", "inbox/");
        common.put("VALIDATE_PREFIX", "validate/");
        common.put("ROUTES_KEY", "config/routes.json");
        // The feed queue keys the stack's feeds by the file state machine's name (created below, as named here).
        common.put(
                "STATE_MACHINE_ARN",
                "arn:aws:states:" + localstack.getRegion() + ":000000000000:stateMachine:" + "apsis-import-import");
        common.put("MAX_PART_BYTES", "50000000");
        common.put("IMPORT_TIMEOUT_SECONDS", "3600");
        common.put(
                "JAVA_TOOL_OPTIONS",
                template.root()
                                .at("/Globals/Function/Environment/Variables/JAVA_TOOL_OPTIONS")
                                .asText() + " -javaagent:/var/task/" + RELAY_JAR + "=" + simPort + "=" + simHost + ":"
                        + simPort);

        Map<String, String> substitutions = new LinkedHashMap<>();
        for (String fn : STEP_FUNCTIONS) {
            substitutions.put(fn + "Arn", createFunction(template, fn, lambdaRole, common));
        }
        substitutions.put("PollIntervalSeconds", "1");
        substitutions.put("MaxConcurrentImports", "3");
        substitutions.put("Partition", "aws");
        String partDefinition = io.apsisimport.local.LocalCloud.substitute(
                Files.readString(Path.of("statemachine/import-part.asl.json")), substitutions);
        substitutions.put(
                "ImportPartStateMachineArn",
                sfn.createStateMachine(b -> b.name("apsis-import-import-part")
                                .definition(partDefinition)
                                .roleArn(statesRole))
                        .stateMachineArn());
        String definition = io.apsisimport.local.LocalCloud.substitute(
                Files.readString(Path.of("statemachine/import.asl.json")), substitutions);
        stateMachineArn = sfn.createStateMachine(b ->
                        b.name("apsis-import-import").definition(definition).roleArn(statesRole))
                .stateMachineArn();

        Map<String, String> startEnv = new LinkedHashMap<>(common);
        startEnv.put("STATE_MACHINE_ARN", stateMachineArn);
        createFunction(template, "StartImportFunction", lambdaRole, startEnv);

        JsonNode example = JSON.readTree(Path.of("examples/routes.json").toFile());
        String newsletterSpec = example.get("routes").get(0).get("import").toString();
        s3.putObject(
                b -> b.bucket(BUCKET).key("config/routes.json").contentType("application/json"),
                RequestBody.fromString("""
            {"routes": [
              {"name": "newsletter", "match": "inbox/newsletter/**/*.csv", "section": "com.apsis1.sections.default", "import": %s}
            ]}""".formatted(newsletterSpec)));
        dynamo.close();
        secrets.close();
        iam.close();
    }

    @BeforeEach
    void requireDocker() {
        Assumptions.assumeTrue(docker, NO_DOCKER);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {s3, sfn, lambda, localstack, sim}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    @Test
    void theSeedExampleIsImportedAndArchived() throws IOException {
        byte[] csv = Files.readAllBytes(Path.of("examples/profiles.csv"));
        String key = "inbox/newsletter/profiles.csv";
        String execution = single(drop(key, csv, event(key, csv)).path("started"));
        DescribeExecutionResponse done = await(execution);

        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), () -> done.error() + ": " + done.cause());
        JsonNode out = JSON.readTree(done.output());
        assertEquals("SUCCEEDED", out.get("status").asText());
        assertEquals(3, out.get("rows").asLong());
        assertEquals(3, out.get("profiles_processed").asLong());
        String importId = out.get("imports").get(0).asText();
        var state = sim.importState(importId).orElseThrow();
        assertEquals(3, state.upload().records());
        assertEquals(
                new String(csv, StandardCharsets.UTF_8),
                new String(state.upload().bytes(), StandardCharsets.UTF_8));
        assertEquals(names(execution).archived(), out.get("moved_to").asText());
        assertTrue(exists(names(execution).archived()));
        assertFalse(exists(key), "the source is removed once archived");
        assertEquals(
                execution,
                object(names(execution).report(true)).get("execution_arn").asText());
    }

    @Test
    void aKeyWithoutRouteFailsWithNoRouteForKey() throws IOException {
        int before = sim.importsRequested();
        String key = "inbox/unrouted/x.csv";
        byte[] csv = "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8);
        String execution = single(drop(key, csv, event(key, csv)).path("started"));
        DescribeExecutionResponse done = await(execution);

        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("NoRouteForKey", done.error());
        assertTrue(
                done.cause().startsWith("no route in config/routes.json matches inbox/unrouted/x.csv"), done.cause());
        assertEquals(before, sim.importsRequested());
        assertTrue(exists(names(execution).failed()));
        assertEquals(
                "NoRouteForKey",
                object(names(execution).report(false)).get("error").asText());
    }

    @Test
    void aDuplicateS3EventStartsOneExecution() throws IOException {
        String key = "inbox/newsletter/dup.csv";
        byte[] csv =
                "email-address,mens-clothing-shoes,address\na@example.com,1,Malmo\n".getBytes(StandardCharsets.UTF_8);
        byte[] event = event(key, csv);
        String execution = single(drop(key, csv, event).path("started"));
        assertEquals(ExecutionStatus.SUCCEEDED, await(execution).status());

        JsonNode again = invoke("StartImportFunction", event);
        assertEquals(0, again.path("started").size(), again::toString);
        assertEquals(List.of(key), texts(again.path("alreadyHandled")));
        long executions = sfn.listExecutionsPaginator(b -> b.stateMachineArn(stateMachineArn)).executions().stream()
                .filter(e -> e.executionArn().equals(execution))
                .count();
        assertEquals(1, executions);
        long imports = sim.imports().stream()
                .filter(i -> i.upload() != null
                        && new String(i.upload().bytes(), StandardCharsets.UTF_8).contains("a@example.com,1,Malmo"))
                .count();
        assertEquals(1, imports);
    }

    // ---------------------------------------------------------------- set-up helpers

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
        builder.endpointOverride(localstack.getEndpoint())
                .region(Region.of(localstack.getRegion()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(localstack.getAccessKey(), localstack.getSecretKey())));
        if (builder instanceof AwsSyncClientBuilder<?, ?> sync) {
            // Lambda invocations include cold starts of java21 containers.
            sync.httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(5)));
        }
        return builder;
    }

    private static String role(IamClient iam, String name, String service) {
        String trust = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"%s"},"Action":"sts:AssumeRole"}]}""".formatted(service);
        return iam.createRole(b -> b.roleName(name).assumeRolePolicyDocument(trust))
                .role()
                .arn();
    }

    /** Creates the function as in template.yaml, publishes a version and the alias; returns the alias ARN. */
    private static String createFunction(
            TemplateModel template, String logicalId, String role, Map<String, String> env) {
        JsonNode props = template.resource(logicalId).path("Properties");
        JsonNode globals = template.root().at("/Globals/Function");
        String name = "apsis-import-" + logicalId;
        lambda.createFunction(b -> b.functionName(name)
                .runtime(Runtime.fromValue(globals.path("Runtime").asText()))
                .handler(props.path("Handler").asText())
                .memorySize(props.path("MemorySize")
                        .asInt(globals.path("MemorySize").asInt()))
                .timeout(props.path("Timeout").asInt(globals.path("Timeout").asInt()))
                .architectures(
                        System.getProperty("os.arch").contains("aarch64") ? Architecture.ARM64 : Architecture.X86_64)
                .role(role)
                .code(c -> c.s3Bucket("artifacts").s3Key("function.zip"))
                .environment(e -> e.variables(env)));
        lambda.waiter().waitUntilFunctionActiveV2(b -> b.functionName(name));
        String version = lambda.publishVersion(b -> b.functionName(name)).version();
        return lambda.createAlias(b -> b.functionName(name).name(ALIAS).functionVersion(version))
                .aliasArn();
    }

    /** target/classes + the runtime jars under lib/ (the `sam build` layout) + the relay agent jar. */
    private static byte[] functionZip() throws IOException {
        Path classpathFile = Path.of("target/lambda-runtime-classpath.txt");
        if (!Files.exists(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: run through Maven (mvn verify), whose "
                    + "generate-test-resources phase writes it");
        }
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            Path classes = Path.of("target/classes");
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    put(zip, classes.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                }
            }
            for (String jar : Files.readString(classpathFile).trim().split(java.io.File.pathSeparator)) {
                if (!jar.isBlank()) {
                    put(zip, "lib/" + Path.of(jar).getFileName(), Files.readAllBytes(Path.of(jar)));
                }
            }
            put(zip, RELAY_JAR, relayAgentJar());
        }
        return bytes.toByteArray();
    }

    private static byte[] relayAgentJar() throws IOException {
        var manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), LoopbackRelayAgent.class.getName());
        var bytes = new ByteArrayOutputStream();
        try (var jar = new JarOutputStream(bytes, manifest)) {
            String entry = LoopbackRelayAgent.class.getName().replace('.', '/') + ".class";
            try (var in = LoopbackRelayAgent.class.getClassLoader().getResourceAsStream(entry)) {
                put(jar, entry, in.readAllBytes());
            }
        }
        return bytes.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }

    /**
     * The address at which containers reach the ports given to exposeHostPorts. Testcontainers puts
     * host.testcontainers.internal into the hosts file of the containers it starts (LocalStack); the
     * functions' containers are started by LocalStack on the same network, so they get the address.
     */
    private static String hostAddressSeenFromContainers() throws Exception {
        var result = localstack.execInContainer("getent", "hosts", "host.testcontainers.internal");
        String[] fields = result.getStdout().trim().split("\\s+");
        if (result.getExitCode() != 0 || fields.length < 2) {
            throw new IllegalStateException("cannot resolve host.testcontainers.internal in LocalStack: " + result);
        }
        return fields[0];
    }

    /** LocalStack's address on its Docker network, where the functions' containers reach it. */
    private static String localstackAddress() {
        var networks = localstack.getContainerInfo().getNetworkSettings().getNetworks();
        return networks.values().iterator().next().getIpAddress();
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    // ---------------------------------------------------------------- scenario helpers

    private static JsonNode drop(String key, byte[] content, byte[] event) {
        s3.putObject(b -> b.bucket(BUCKET).key(key).contentType("text/csv"), RequestBody.fromBytes(content));
        return invoke("StartImportFunction", event);
    }

    private static JsonNode invoke(String logicalId, byte[] payload) {
        InvokeResponse r = lambda.invoke(b ->
                b.functionName("apsis-import-" + logicalId).qualifier(ALIAS).payload(SdkBytes.fromByteArray(payload)));
        String body = r.payload().asUtf8String();
        assertNull(r.functionError(), () -> logicalId + " failed: " + body);
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(body, e);
        }
    }

    /** An S3 ObjectCreated:Put notification in the shape S3 sends (see events/s3-put.json). */
    /** Where a file's execution puts its drop and report (names of the drop's own). */
    private static io.apsisimport.landing.DropNames names(String execution) throws IOException {
        DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(execution));
        JsonNode input = JSON.readTree(d.input());
        return io.apsisimport.landing.DropNames.of(
                input.path("key").asText(),
                input.path("eventTime").asText(null),
                d.startDate().toString(),
                execution);
    }

    /** An S3 ObjectCreated:Put event for {@code content} at {@code key}: its ETag is the content's MD5, as S3's. */
    private static byte[] event(String key, byte[] content) throws IOException {
        long size = content.length;
        String eTag;
        try {
            eTag = java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("MD5").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode r = root.putArray("Records").addObject();
        r.put("eventVersion", "2.1")
                .put("eventSource", "aws:s3")
                .put("awsRegion", localstack.getRegion())
                .put("eventTime", Instant.now().toString())
                .put("eventName", "ObjectCreated:Put");
        ObjectNode s3node = r.putObject("s3");
        s3node.put("s3SchemaVersion", "1.0").put("configurationId", "landing");
        s3node.putObject("bucket").put("name", BUCKET).put("arn", "arn:aws:s3:::" + BUCKET);
        s3node.putObject("object")
                .put("key", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"))
                .put("size", size)
                .put("eTag", eTag)
                .put("sequencer", Long.toHexString(System.nanoTime()).toUpperCase());
        return JSON.writeValueAsBytes(root);
    }

    private static DescribeExecutionResponse await(String executionArn) {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (true) {
            DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(executionArn));
            if (d.status() != ExecutionStatus.RUNNING) {
                return d;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("execution still running after " + DEADLINE + ": " + executionArn);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static String single(JsonNode array) {
        List<String> values = texts(array);
        assertEquals(1, values.size(), () -> "expected one execution, got " + values);
        return values.get(0);
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.asText()));
        return values;
    }

    private static boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(BUCKET).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static JsonNode object(String key) throws IOException {
        return JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray());
    }
}
