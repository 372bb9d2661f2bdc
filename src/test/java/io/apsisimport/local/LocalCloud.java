package io.apsisimport.local;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.iam.AwsCallRecorder;
import io.apsisimport.template.TemplateModel;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.StateMachineListItem;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The pipeline on this machine: moto (S3, DynamoDB, Secrets Manager, Step Functions with its ASL
 * engine), every function of template.yaml in the real AWS Lambda Java runtime ({@link
 * LambdaRuntime}: the Runtime Interface Client under the Runtime Interface Emulator, one JVM per
 * execution environment) with the template's handler, environment, timeout, memory and logging,
 * and the real statemachine/import.asl.json and import-part.asl.json (one execution per part)
 * created the way SAM would (the template's DefinitionSubstitutions applied). The APSIS credentials are in moto's Secrets Manager, named by
 * APSIS_SECRET_ARN as on AWS.
 *
 * <p>moto neither delivers S3 notifications nor emits Step Functions status-change events, so this
 * class does both, in the shapes AWS uses: {@link #drop} puts an object and sends its S3 event to
 * StartImport; a watcher sends the status changes that the template's EventBridge rules match
 * (the reaper's, for both state machines) to their functions, built from DescribeExecution as AWS
 * builds them (name, dates, input and output: {@link #statusChangeEvent(DescribeExecutionResponse)}).
 * moto also lets a part's execution run on when the file's execution that started it
 * ({@code startExecution.sync:2}) is stopped; AWS stops it (what the integration's StopExecution
 * permission is for), so the watcher does too. A test that stops an execution holds a task's answer
 * first ({@link LambdaEndpoint#hold}): moto ends it ABORTED only when stopped there or in a Wait.
 *
 * <p>Each finished file's EventBridge event (the file state machine's {@code events:putEvents}, which
 * moto's ASL engine sends to moto's EventBridge) is captured as EventBridge delivers it: a rule of the
 * local cloud's own on the template's bus matches the pipeline's source and sends each event to an
 * SQS queue, read by {@link #importEvents}.
 *
 * <p>{@link #close} checks that no secret (the APSIS client secret, every token, upload signature
 * and policy the simulator handed out) appears in any function log line or execution history, and
 * fails if one does: every end-to-end test checks it without asking.
 */
public final class LocalCloud implements AutoCloseable {
    public static final String REGION = "eu-west-1";
    public static final String ACCOUNT = "123456789012";
    /** The local stack's name: the template builds fixed names (the state machine's) from it. */
    public static final String STACK_NAME = "apsis-local";

    static final ObjectMapper JSON = new ObjectMapper();
    static volatile PrintStream logSink = null;
    /** The local cloud's own warnings (not the functions': those are in {@link #logDirectory}). */
    static final LambdaLogger LOGGER = new LambdaLogger() {
        @Override
        public void log(String message) {
            PrintStream sink = logSink;
            if (sink != null) {
                sink.print(message);
            }
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }
    };

    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{([A-Za-z0-9]+)}");
    private static final DateTimeFormatter RUN_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /**
     * Tunables of a local run; {@link #defaults} then withers.
     *
     * @param inJvm the fast mode: handlers called inside this JVM instead of the Lambda runtime
     *     (default: the system property {@code apsisimport.lambda=in-jvm}); nothing may be proven
     *     only there
     * @param maxEnvironmentsPerFunction the local cap on concurrent execution environments per
     *     function (see LambdaRuntime)
     * @param extraClasspath local-only entries added to every function's code (lib/), e.g. an AWS SDK
     *     ExecutionInterceptor registered through software/amazon/awssdk/global/handlers/execution.interceptors
     * @param extraEnvironment local-only variables added to every function's environment
     * @param secrets what must never appear in a log line or execution history (label → value),
     *     asked for when the cloud closes
     */
    public record Options(
            URI apsisBaseUrl,
            String apsisClientId,
            String apsisClientSecret,
            int pollIntervalSeconds,
            int maxConcurrentImports,
            long slotLeaseSeconds,
            long slotMaxWaitSeconds,
            long maxPartBytes,
            String landingPrefix,
            Path definition,
            boolean inJvm,
            int maxEnvironmentsPerFunction,
            List<Path> extraClasspath,
            Map<String, String> extraEnvironment,
            Supplier<Map<String, String>> secrets) {

        public Options {
            extraClasspath = List.copyOf(extraClasspath);
            extraEnvironment = Map.copyOf(extraEnvironment);
        }

        public static Options defaults(URI apsisBaseUrl, String clientId, String clientSecret) {
            return new Options(
                    apsisBaseUrl,
                    clientId,
                    clientSecret,
                    1,
                    3,
                    900,
                    3600,
                    50_000_000L,
                    "inbox/",
                    LocalSupport.definition(),
                    "in-jvm".equals(System.getProperty("apsisimport.lambda")),
                    DEFAULT_MAX_ENVIRONMENTS,
                    List.of(),
                    Map.of(),
                    () -> Map.of("the APSIS client secret", clientSecret));
        }

        /** Defaults for the APSIS One simulator with its demo credentials (and every secret it hands out). */
        public static Options defaults(io.apsisimport.sim.ApsisSimulator sim) {
            return defaults(sim.baseUrl(), sim.config().clientId(), sim.config().clientSecret())
                    .withSecrets(sim::secretsHandedOut);
        }

        public Options withPollIntervalSeconds(int s) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    s,
                    maxConcurrentImports,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    landingPrefix,
                    definition,
                    inJvm,
                    maxEnvironmentsPerFunction,
                    extraClasspath,
                    extraEnvironment,
                    secrets);
        }

        public Options withMaxConcurrentImports(int n) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    n,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    landingPrefix,
                    definition,
                    inJvm,
                    maxEnvironmentsPerFunction,
                    extraClasspath,
                    extraEnvironment,
                    secrets);
        }

        public Options withSlotLeaseSeconds(long s) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    maxConcurrentImports,
                    s,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    landingPrefix,
                    definition,
                    inJvm,
                    maxEnvironmentsPerFunction,
                    extraClasspath,
                    extraEnvironment,
                    secrets);
        }

        public Options withMaxPartBytes(long bytes) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    maxConcurrentImports,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    bytes,
                    landingPrefix,
                    definition,
                    inJvm,
                    maxEnvironmentsPerFunction,
                    extraClasspath,
                    extraEnvironment,
                    secrets);
        }

        public Options withLandingPrefix(String p) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    maxConcurrentImports,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    p,
                    definition,
                    inJvm,
                    maxEnvironmentsPerFunction,
                    extraClasspath,
                    extraEnvironment,
                    secrets);
        }

        /** Handlers inside this JVM (true) or in the Lambda runtime (false, the default). */
        public Options withInJvm(boolean fast) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    maxConcurrentImports,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    landingPrefix,
                    definition,
                    fast,
                    maxEnvironmentsPerFunction,
                    extraClasspath,
                    extraEnvironment,
                    secrets);
        }

        public Options withMaxEnvironmentsPerFunction(int n) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    maxConcurrentImports,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    landingPrefix,
                    definition,
                    inJvm,
                    n,
                    extraClasspath,
                    extraEnvironment,
                    secrets);
        }

        /** Local-only code and variables for every function process (instrumentation; never the artifact). */
        public Options withInstrumentation(List<Path> classpath, Map<String, String> environment) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    maxConcurrentImports,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    landingPrefix,
                    definition,
                    inJvm,
                    maxEnvironmentsPerFunction,
                    classpath,
                    environment,
                    secrets);
        }

        public Options withSecrets(Supplier<Map<String, String>> s) {
            return new Options(
                    apsisBaseUrl,
                    apsisClientId,
                    apsisClientSecret,
                    pollIntervalSeconds,
                    maxConcurrentImports,
                    slotLeaseSeconds,
                    slotMaxWaitSeconds,
                    maxPartBytes,
                    landingPrefix,
                    definition,
                    inJvm,
                    maxEnvironmentsPerFunction,
                    extraClasspath,
                    extraEnvironment,
                    s);
        }
    }

    /** See LambdaRuntime: enough for three import slots' worth of work, few enough for two cores. */
    public static final int DEFAULT_MAX_ENVIRONMENTS = 4;

    private final Options options;
    private final Path runDirectory;
    private final MotoServer moto;
    private final LambdaEndpoint lambda;
    private final LambdaRuntime runtime;
    private final InJvmFunctions inJvm;
    private final S3Client s3;
    private final SfnClient sfn;
    private final DynamoDbClient dynamo;
    private final EventBridgeClient eventBridge;
    private final SqsClient sqs;
    /** The bus the template sends each file's event to (parameter EventBusName). */
    private final String eventBusName;

    private final String eventQueueUrl;
    /** Every event the capture queue delivered so far, in arrival order. */
    private final List<JsonNode> capturedEvents = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final Map<String, FunctionConfig> functions = new LinkedHashMap<>();
    private final List<LocalTemplate.Rule> rules;
    private final String bucket = "landing";
    private final String slotsTable = "import-slots";
    private final String stateMachineArn;
    private final String partStateMachineArn;
    /** Files' executions whose running parts were stopped (AWS stops a .sync task's execution). */
    private final Set<String> partsStopped = ConcurrentHashMap.newKeySet();

    private final String secretArn;
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "local-cloud-events");
        t.setDaemon(true);
        return t;
    });
    /** Executions whose status change was handed to a rule's function (delivered once, as EventBridge does). */
    private final Set<String> reaped = ConcurrentHashMap.newKeySet();
    /** "function executionArn" of each status change a rule's function handled (its invocation returned without error). */
    private final Set<String> reapDone = ConcurrentHashMap.newKeySet();
    /** Delivers status changes to the reaper; tests switch it off to exercise lease expiry. */
    private volatile boolean reaperOn = true;

    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    private LocalCloud(Options options) throws IOException {
        this.options = options;
        Path home = Path.of(System.getProperty("apsisimport.home", "."))
                .toAbsolutePath()
                .normalize();
        // Outside the work tree: `sam build` copies the work tree (symbolic links followed).
        Path runs = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "apsis-one-import"));
        this.runDirectory =
                Files.createTempDirectory(runs, "run-" + LocalDateTime.now().format(RUN_NAME) + "-");
        // The SDK's default chain reads these; moto accepts any credentials.
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "test"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "test"));
        int lambdaPort = MotoServer.freePort();
        // What has started so far, stopped again if the start fails half-way (no process left behind).
        var opened = new java.util.ArrayDeque<AutoCloseable>();
        try {
            this.moto = MotoServer.start(lambdaPort);
            opened.push(moto);
            var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
            this.s3 = S3Client.builder()
                    .endpointOverride(moto.endpoint())
                    .region(Region.of(REGION))
                    .forcePathStyle(true)
                    .credentialsProvider(creds)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            this.sfn = SfnClient.builder()
                    .endpointOverride(moto.endpoint())
                    .region(Region.of(REGION))
                    .credentialsProvider(creds)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            this.dynamo = DynamoDbClient.builder()
                    .endpointOverride(moto.endpoint())
                    .region(Region.of(REGION))
                    .credentialsProvider(creds)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            this.eventBridge = EventBridgeClient.builder()
                    .endpointOverride(moto.endpoint())
                    .region(Region.of(REGION))
                    .credentialsProvider(creds)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            this.sqs = SqsClient.builder()
                    .endpointOverride(moto.endpoint())
                    .region(Region.of(REGION))
                    .credentialsProvider(creds)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            opened.push(s3);
            opened.push(sfn);
            opened.push(dynamo);
            opened.push(eventBridge);
            opened.push(sqs);

            // What the stack creates: bucket, slots table, the APSIS secret.
            s3.createBucket(b -> b.bucket(bucket).createBucketConfiguration(c -> c.locationConstraint(REGION)));
            dynamo.createTable(b -> b.tableName(slotsTable)
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
            try (var secrets = SecretsManagerClient.builder()
                    .endpointOverride(moto.endpoint())
                    .region(Region.of(REGION))
                    .credentialsProvider(creds)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build()) {
                this.secretArn = secrets.createSecret(b -> b.name(STACK_NAME + "/apsis")
                                .secretString(JSON.createObjectNode()
                                        .put("client_id", options.apsisClientId())
                                        .put("client_secret", options.apsisClientSecret())
                                        .toString()))
                        .arn();
            }

            TemplateModel model = TemplateModel.load(home.resolve("template.yaml"));
            var parameters = new LinkedHashMap<String, String>();
            parameters.put("ApsisBaseUrl", options.apsisBaseUrl().toString());
            parameters.put("PollIntervalSeconds", Integer.toString(options.pollIntervalSeconds()));
            parameters.put("MaxConcurrentImports", Integer.toString(options.maxConcurrentImports()));
            parameters.put("SlotLeaseSeconds", Long.toString(options.slotLeaseSeconds()));
            parameters.put("SlotMaxWaitSeconds", Long.toString(options.slotMaxWaitSeconds()));
            parameters.put("MaxPartBytes", Long.toString(options.maxPartBytes()));
            parameters.put("LandingPrefix", options.landingPrefix());
            // Waits run in real time here: "Did the file arrive?" gives up after 15 s, not 5 minutes.
            parameters.put("UploadArrivalWaitSeconds", "15");
            var physical = new LinkedHashMap<String, String>();
            physical.put("LandingBucket", bucket);
            physical.put("SlotsTable", slotsTable);
            physical.put("ApsisSecret", secretArn);
            for (String fn : model.functionHandlers().keySet()) {
                physical.put(fn, fn);
                physical.put(fn + ".Alias", functionArn(fn) + ":live");
            }
            var template = new LocalTemplate(model, parameters, physical, STACK_NAME, REGION, ACCOUNT);
            var names = new LinkedHashMap<String, String>();
            for (String machine : List.of("ImportPartStateMachine", "ImportStateMachine")) {
                names.put(
                        machine,
                        template.resolvedString(
                                model.resource(machine).path("Properties").path("Name")));
                physical.put(
                        machine, "arn:aws:states:" + REGION + ":" + ACCOUNT + ":stateMachine:" + names.get(machine));
            }
            template = new LocalTemplate(model, parameters, physical, STACK_NAME, REGION, ACCOUNT);

            // The part state machine first: the file's starts its executions (startExecution.sync:2).
            var created = new LinkedHashMap<String, String>();
            for (String machine : names.keySet()) {
                var substitutions = new LinkedHashMap<String, String>();
                JsonNode given = model.resource(machine).path("Properties").path("DefinitionSubstitutions");
                for (String key : (Iterable<String>) given::fieldNames) {
                    substitutions.put(key, template.resolvedString(given.get(key)));
                }
                String definition = substitute(
                        Files.readString(options.definition()
                                .resolveSibling(
                                        Path.of(model.definitionUri(machine)).getFileName())),
                        substitutions);
                created.put(
                        machine,
                        sfn.createStateMachine(b -> b.name(names.get(machine))
                                        .definition(definition)
                                        .roleArn("arn:aws:iam::" + ACCOUNT + ":role/" + STACK_NAME))
                                .stateMachineArn());
            }
            this.stateMachineArn = created.get("ImportStateMachine");
            this.partStateMachineArn = created.get("ImportPartStateMachine");
            this.rules = template.eventBridgeRules();

            // The files' events: the bus the template names, and a capture rule of the local cloud's own
            // (not the template's) that hands every event of the pipeline's source to an SQS queue.
            this.eventBusName = template.resolvedString(JSON.createObjectNode().put("Ref", "EventBusName"));
            if (!"default".equals(eventBusName)) {
                eventBridge.createEventBus(b -> b.name(eventBusName));
            }
            String queue = STACK_NAME + "-captured-import-events";
            this.eventQueueUrl = sqs.createQueue(b -> b.queueName(queue)).queueUrl();
            String rule = STACK_NAME + "-capture-import-events";
            eventBridge.putRule(b -> b.name(rule)
                    .eventBusName(eventBusName)
                    .eventPattern(JSON.createObjectNode()
                            .set("source", JSON.createArrayNode().add(io.apsisimport.contract.ImportEvent.SOURCE))
                            .toString()));
            eventBridge.putTargets(b -> b.rule(rule)
                    .eventBusName(eventBusName)
                    .targets(Target.builder()
                            .id("capture")
                            .arn("arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + queue)
                            .build()));

            Path logs = Files.createDirectories(runDirectory.resolve("logs"));
            Path taskRoot = runDirectory.resolve("task");
            Map<String, String> local = new LinkedHashMap<>(options.extraEnvironment());
            List<Path> extraClasspath = new ArrayList<>(options.extraClasspath());
            String awsCalls = System.getProperty(AwsCallRecorder.DIR_PROPERTY);
            if (awsCalls != null && !options.inJvm()) {
                // The IAM check's call recorder, loaded into every function process (never the artifact).
                extraClasspath.add(AwsCallRecorder.instrumentation(runDirectory.resolve("instrumentation")));
                local.put(AwsCallRecorder.DIR_ENV, awsCalls);
            }
            // Local only: the AWS SDK in the functions talks to moto.
            local.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
            for (FunctionConfig fn : template.functions(taskRoot.toString())) {
                var env = new LinkedHashMap<>(fn.environment());
                env.putAll(local);
                functions.put(
                        fn.name(),
                        new FunctionConfig(fn.name(), fn.handler(), fn.timeoutSeconds(), fn.memoryMb(), env));
            }
            LambdaEndpoint.Invoker invoker;
            if (options.inJvm()) {
                this.runtime = null;
                this.inJvm = new InJvmFunctions(logs);
                opened.push(inJvm);
                functions.values().forEach(inJvm::register);
                invoker = inJvm;
            } else {
                this.inJvm = null;
                LambdaArtifact.layOut(taskRoot, LambdaArtifact.projectEntries(home), extraClasspath);
                this.runtime = new LambdaRuntime(new LambdaRuntime.Settings(
                        LambdaRuntime.rieBinary(),
                        LambdaRuntime.javaLauncher(),
                        LambdaRuntime.runtimeClasspath(home),
                        taskRoot,
                        logs,
                        options.maxEnvironmentsPerFunction(),
                        Map.of()));
                opened.push(runtime);
                functions.values().forEach(runtime::register);
                invoker = runtime::invoke;
            }
            this.lambda = new LambdaEndpoint(lambdaPort, moto.endpoint(), invoker);
        } catch (IOException | RuntimeException | Error e) {
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        watcher.scheduleWithFixedDelay(this::deliverStatusChanges, 200, 200, TimeUnit.MILLISECONDS);
    }

    public static LocalCloud start(Options options) {
        try {
            return new LocalCloud(options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends the local cloud's own warnings to {@code sink} (null: drop them). */
    public static void logTo(PrintStream sink) {
        logSink = sink;
    }

    public static String functionArn(String name) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
    }

    /** Applies DefinitionSubstitutions the way SAM does; a missing one is an error. */
    public static String substitute(String definition, Map<String, String> values) {
        Matcher m = SUBSTITUTION.matcher(definition);
        var out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException(
                        "no substitution for ${" + m.group(1) + "} in the state machine definition");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    public S3Client s3() {
        return s3;
    }

    public SfnClient sfn() {
        return sfn;
    }

    public DynamoDbClient dynamo() {
        return dynamo;
    }

    /** The EventBridge bus the files' events go to (the template's EventBusName). */
    public String eventBusName() {
        return eventBusName;
    }

    /**
     * Every file's event EventBridge has delivered so far (source {@code io.apsisimport}), as its
     * rules' targets receive it: {@code version}, {@code id}, {@code detail-type}, {@code source},
     * {@code account}, {@code time}, {@code region}, {@code resources} (Step Functions adds the state
     * machine's and the execution's ARNs), {@code detail}. In arrival order.
     */
    public synchronized List<JsonNode> importEvents() {
        while (true) {
            List<Message> messages = sqs.receiveMessage(
                            b -> b.queueUrl(eventQueueUrl).maxNumberOfMessages(10))
                    .messages();
            if (messages.isEmpty()) {
                return List.copyOf(capturedEvents);
            }
            for (Message m : messages) {
                try {
                    capturedEvents.add(JSON.readTree(m.body()));
                } catch (IOException e) {
                    throw new UncheckedIOException("not an event: " + m.body(), e);
                }
                sqs.deleteMessage(b -> b.queueUrl(eventQueueUrl).receiptHandle(m.receiptHandle()));
            }
        }
    }

    /** The events delivered so far for one file's execution (Step Functions puts its ARN in resources). */
    public List<JsonNode> importEvents(String fileExecutionArn) {
        return importEvents().stream()
                .filter(e -> {
                    for (JsonNode r : e.path("resources")) {
                        if (fileExecutionArn.equals(r.asText())) {
                            return true;
                        }
                    }
                    return false;
                })
                .toList();
    }

    /** Waits (deadline {@code timeout}) for the event of a file's execution, and returns it. */
    public JsonNode awaitImportEvent(String fileExecutionArn, Duration timeout) {
        var deadline = new PatientDeadline(timeout);
        while (true) {
            List<JsonNode> found = importEvents(fileExecutionArn);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            if (deadline.passed()) {
                throw new IllegalStateException(
                        "no event for " + fileExecutionArn + " reached EventBridge within " + deadline);
            }
            pause(100);
        }
    }

    public LambdaEndpoint lambda() {
        return lambda;
    }

    /** Each function as the local cloud runs it (template.yaml's settings, resolved), by logical id. */
    public Map<String, FunctionConfig> functions() {
        return Map.copyOf(functions);
    }

    /** The Lambda runtime running the functions (absent in the in-JVM fast mode). */
    public java.util.Optional<LambdaRuntime> runtime() {
        return java.util.Optional.ofNullable(runtime);
    }

    /**
     * Where this run keeps its files, under the temporary directory's apsis-one-import/: logs/ (one
     * file per function, kept after the run), task/ (the function code, removed on close).
     */
    public Path runDirectory() {
        return runDirectory;
    }

    /** One log file per function: its runtime's and its emulator's lines, every environment's. */
    public Path logDirectory() {
        return runDirectory.resolve("logs");
    }

    /** Every line the functions (and their emulators) have written so far. */
    public List<String> logLines() {
        if (runtime != null) {
            return runtime.logLines();
        }
        var lines = new ArrayList<String>();
        try (Stream<Path> files = Files.list(logDirectory())) {
            for (Path f : files.sorted().toList()) {
                lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** The lines one function (all its environments, and their emulators) has written so far. */
    public List<String> logLines(String function) {
        if (!functions.containsKey(function)) {
            throw new IllegalArgumentException("no function " + function + " (known: " + functions.keySet() + ")");
        }
        Path file = logDirectory().resolve(function + ".log");
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String secretArn() {
        return secretArn;
    }

    public String bucket() {
        return bucket;
    }

    public String stateMachineArn() {
        return stateMachineArn;
    }

    /** The part state machine: one execution per part, started by the file's execution. */
    public String partStateMachineArn() {
        return partStateMachineArn;
    }

    /** Where a file's execution puts its drop and report (names of the drop's own: {@link io.apsisimport.landing.DropNames}). */
    public io.apsisimport.landing.DropNames dropNames(String fileExecutionArn) {
        DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(fileExecutionArn));
        try {
            var input = JSON.readTree(d.input());
            return io.apsisimport.landing.DropNames.of(
                    input.path("key").asText(),
                    input.path("eventTime").asText(null),
                    d.startDate().toString(),
                    fileExecutionArn);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The parts' executions a file's execution started (as its "Import part" steps' TaskSubmitted
     * events name them), in the order they were started.
     */
    public List<String> partExecutions(String fileExecutionArn) {
        var parts = new ArrayList<String>();
        for (HistoryEvent e : history(fileExecutionArn)) {
            if (e.type() == software.amazon.awssdk.services.sfn.model.HistoryEventType.TASK_SUBMITTED
                    && e.taskSubmittedEventDetails() != null
                    && e.taskSubmittedEventDetails().output() != null) {
                try {
                    String arn = JSON.readTree(e.taskSubmittedEventDetails().output())
                            .path("ExecutionArn")
                            .asText(null);
                    if (arn != null && !parts.contains(arn)) {
                        parts.add(arn);
                    }
                } catch (IOException notJson) {
                    // not a part's start
                }
            }
        }
        return parts;
    }

    /** The slots table as the pipeline sees it (read-only use: views for assertions and progress). */
    public List<io.apsisimport.slots.SlotView> slots() {
        return new io.apsisimport.slots.ImportSlots(
                        dynamo,
                        arn -> false,
                        io.apsisimport.slots.SlotsConfig.fromEnvironment(
                                functions.get("AcquireSlotFunction").environment()),
                        java.time.Clock.systemUTC(),
                        new java.util.Random())
                .slots();
    }

    public void reaper(boolean on) {
        this.reaperOn = on;
    }

    /**
     * Waits until every function of a rule that matches this execution's terminal status change (the
     * slot reaper's, the feed queue's) has handled it: not just any execution's (other tests' aborted
     * executions reach the reaper too), and not just the first of the rules' functions to finish.
     */
    public void awaitReaped(String executionArn, Duration timeout) {
        var deadline = new PatientDeadline(timeout);
        while (true) {
            List<String> functions = rulesMatching(executionArn);
            List<String> waiting = functions.stream()
                    .filter(f -> !reapDone.contains(f + " " + executionArn))
                    .toList();
            if (!functions.isEmpty() && waiting.isEmpty()) {
                return;
            }
            if (deadline.passed()) {
                throw new IllegalStateException("the reaper did not handle " + executionArn + " within " + deadline
                        + (reaperOn ? "" : " (the reaper is switched off)") + "; still waiting for " + waiting);
            }
            pause(50);
        }
    }

    /** A rule of the template on Step Functions' execution status changes (the reaper's, the feed queue's). */
    private static boolean onStatusChanges(LocalTemplate.Rule rule) {
        return rule.pattern().path("source").toString().contains("aws.states");
    }

    /** The functions of the template's rules that the execution's status change matches (none while it runs). */
    private List<String> rulesMatching(String executionArn) {
        DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(executionArn));
        if (d.status() == ExecutionStatus.RUNNING) {
            return List.of();
        }
        try {
            JsonNode event = JSON.readTree(statusChangeEvent(d));
            return rules.stream()
                    .filter(LocalCloud::onStatusChanges)
                    .filter(r -> LocalTemplate.matches(r.pattern(), event))
                    .map(LocalTemplate.Rule::function)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void putRoutes(String json) {
        s3.putObject(
                b -> b.bucket(bucket).key("config/routes.json").contentType("application/json"),
                RequestBody.fromString(json));
    }

    /** Puts the file at {@code key} and delivers its S3 ObjectCreated event to StartImport. */
    public Dropped drop(String key, Path file) {
        PutObjectResponse put =
                s3.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromFile(file));
        return notify(key, sizeOf(file), put.eTag());
    }

    public Dropped drop(String key, byte[] content) {
        PutObjectResponse put =
                s3.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromBytes(content));
        return notify(key, content.length, put.eTag());
    }

    /** What StartImport answered for one S3 event, plus the event itself (to deliver it again). */
    public record Dropped(String key, byte[] event, List<String> executions, List<String> alreadyHandled) {
        public String execution() {
            if (executions.size() != 1) {
                throw new IllegalStateException("expected one execution for " + key + ", got " + executions);
            }
            return executions.get(0);
        }
    }

    private Dropped notify(String key, long size, String eTag) {
        byte[] event = s3Event(key, size, eTag);
        return deliverS3Event(key, event);
    }

    public Dropped deliverS3Event(String key, byte[] event) {
        try {
            var result = JSON.readTree(lambda.invoke("StartImportFunction", event));
            List<String> started = new ArrayList<>();
            result.path("started").forEach(n -> started.add(n.asText()));
            List<String> dup = new ArrayList<>();
            result.path("alreadyHandled").forEach(n -> dup.add(n.asText()));
            return new Dropped(key, event, started, dup);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An S3 ObjectCreated:Put notification in the shape S3 sends (see events/s3-put.json). */
    byte[] s3Event(String key, long size, String eTag) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode r = root.putArray("Records").addObject();
        r.put("eventVersion", "2.1")
                .put("eventSource", "aws:s3")
                .put("awsRegion", REGION)
                .put("eventTime", Instant.now().toString())
                .put("eventName", "ObjectCreated:Put");
        ObjectNode s3node = r.putObject("s3");
        s3node.put("s3SchemaVersion", "1.0").put("configurationId", "landing");
        s3node.putObject("bucket").put("name", bucket).put("arn", "arn:aws:s3:::" + bucket);
        s3node.putObject("object")
                .put(
                        "key",
                        java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"))
                .put("size", size)
                .put("eTag", eTag == null ? "" : eTag.replace("\"", ""))
                .put("sequencer", Long.toHexString(System.nanoTime()).toUpperCase());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls until the execution leaves RUNNING (deadline {@code timeout}, see {@link PatientDeadline}). */
    public DescribeExecutionResponse await(String executionArn, Duration timeout) {
        var deadline = new PatientDeadline(timeout);
        while (true) {
            DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(executionArn));
            if (d.status() != ExecutionStatus.RUNNING) {
                if (d.status() != ExecutionStatus.SUCCEEDED) {
                    // Whether the test expects it or not, say why: an unexpected failure's assertion names only the
                    // ARN.
                    String cause = d.cause() == null ? "" : d.cause();
                    System.err.println("[local cloud] " + executionArn + " ended " + d.status() + ": " + d.error()
                            + ": " + (cause.length() > 2000 ? cause.substring(0, 2000) + "…" : cause));
                }
                return d;
            }
            if (deadline.passed()) {
                throw new IllegalStateException("execution still running after " + deadline + ": " + executionArn);
            }
            pause(100);
        }
    }

    public List<HistoryEvent> history(String executionArn) {
        var events = new ArrayList<HistoryEvent>();
        sfn.getExecutionHistoryPaginator(b -> b.executionArn(executionArn))
                .events()
                .forEach(events::add);
        return events;
    }

    /**
     * The execution status changes EventBridge would carry to the template's rules (the reaper's):
     * each execution's terminal status, delivered once to every rule whose pattern matches it.
     */
    private void deliverStatusChanges() {
        stopPartsOfEndedFiles();
        if (!reaperOn) {
            return;
        }
        try {
            for (LocalTemplate.Rule rule : rules) {
                JsonNode pattern = rule.pattern();
                if (!onStatusChanges(rule)) {
                    continue;
                }
                for (StateMachineListItem machine : sfn.listStateMachines().stateMachines()) {
                    for (ExecutionStatus status : statusesOf(pattern)) {
                        for (ExecutionListItem e : sfn.listExecutions(b -> b.stateMachineArn(machine.stateMachineArn())
                                        .statusFilter(status))
                                .executions()) {
                            String key = rule.function() + " " + e.executionArn();
                            if (reaped.contains(key)) {
                                continue;
                            }
                            byte[] event =
                                    statusChangeEvent(sfn.describeExecution(b -> b.executionArn(e.executionArn())));
                            // A terminal status does not change: a rule that does not match it never will.
                            if (!reaped.add(key) || !LocalTemplate.matches(pattern, JSON.readTree(event))) {
                                continue;
                            }
                            try {
                                lambda.invoke(rule.function(), event);
                                reapDone.add(key);
                            } catch (RuntimeException failed) {
                                // EventBridge retries a failed asynchronous invocation: deliver it again next round.
                                reaped.remove(key);
                                throw failed;
                            }
                        }
                    }
                }
            }
        } catch (RuntimeException | IOException e) {
            LOGGER.log("{\"level\":\"WARN\",\"message\":\"status change delivery failed: " + e.getMessage() + "\"}\n");
        }
    }

    /** As AWS does for a stopped {@code .sync} task: stops the running parts' executions of a file's execution that ended. */
    private void stopPartsOfEndedFiles() {
        try {
            for (ExecutionStatus status :
                    List.of(ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED)) {
                for (ExecutionListItem file : sfn.listExecutions(
                                b -> b.stateMachineArn(stateMachineArn).statusFilter(status))
                        .executions()) {
                    if (!partsStopped.add(file.executionArn())) {
                        continue;
                    }
                    for (ExecutionListItem part : sfn.listExecutions(
                                    b -> b.stateMachineArn(partStateMachineArn).statusFilter(ExecutionStatus.RUNNING))
                            .executions()) {
                        String input = sfn.describeExecution(b -> b.executionArn(part.executionArn()))
                                .input();
                        if (input != null
                                && file.executionArn()
                                        .equals(JSON.readTree(input)
                                                .path("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID")
                                                .asText(null))) {
                            sfn.stopExecution(b -> b.executionArn(part.executionArn()));
                        }
                    }
                }
            }
        } catch (RuntimeException | IOException e) {
            LOGGER.log("{\"level\":\"WARN\",\"message\":\"stopping parts failed: " + e.getMessage() + "\"}\n");
        }
    }

    /** The terminal statuses a pattern asks for (all of them when it names none). */
    private static List<ExecutionStatus> statusesOf(JsonNode pattern) {
        JsonNode listed = pattern.path("detail").path("status");
        if (!listed.isArray()) {
            return List.of(
                    ExecutionStatus.SUCCEEDED,
                    ExecutionStatus.FAILED,
                    ExecutionStatus.TIMED_OUT,
                    ExecutionStatus.ABORTED);
        }
        var statuses = new ArrayList<ExecutionStatus>();
        listed.forEach(n -> statuses.add(ExecutionStatus.fromValue(n.asText())));
        return statuses;
    }

    /**
     * EventBridge's size rule for these events (Step Functions developer guide, "EventBridge payloads"):
     * when the escaped input and output together exceed 248 KB the input is left out, and when the
     * escaped output alone does, the output too; {@code inputDetails}/{@code outputDetails} say so.
     */
    static final int EVENT_PAYLOAD_LIMIT = 248 * 1024;

    /**
     * The "Step Functions Execution Status Change" event AWS sends for an execution, built from its
     * DescribeExecution as AWS builds it ("the detail section provides the same information as the
     * DescribeExecution API"; events/reap-slots.json and reap-slots-file.json are the documented shape):
     * name, dates as epoch milliseconds, the input and output as JSON strings with their details.
     */
    byte[] statusChangeEvent(DescribeExecutionResponse d) {
        return statusChangeEvent(
                d.executionArn(),
                d.stateMachineArn(),
                d.name(),
                d.statusAsString(),
                d.startDate(),
                d.stopDate(),
                d.input(),
                d.output());
    }

    /** The same for an execution that does not exist (a benchmark's): no dates, no input. */
    byte[] statusChangeEvent(String executionArn, String machineArn, String status) {
        return statusChangeEvent(
                executionArn,
                machineArn,
                executionArn.substring(executionArn.lastIndexOf(':') + 1),
                status,
                null,
                null,
                null,
                null);
    }

    static byte[] statusChangeEvent(
            String executionArn,
            String machineArn,
            String name,
            String status,
            Instant start,
            Instant stop,
            String input,
            String output) {
        ObjectNode root = JSON.createObjectNode();
        Instant time = (stop == null ? Instant.now() : stop).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        root.put("version", "0")
                .put("id", java.util.UUID.randomUUID().toString())
                .put("detail-type", "Step Functions Execution Status Change")
                .put("source", "aws.states")
                .put("account", ACCOUNT)
                .put("time", time.toString())
                .put("region", REGION);
        root.putArray("resources").add(executionArn);
        ObjectNode detail = root.putObject("detail")
                .put("executionArn", executionArn)
                .put("stateMachineArn", machineArn)
                .put("name", name)
                .put("status", status);
        if (start == null) {
            detail.putNull("startDate");
        } else {
            detail.put("startDate", start.toEpochMilli());
        }
        if (stop == null) {
            detail.putNull("stopDate");
        } else {
            detail.put("stopDate", stop.toEpochMilli());
        }
        boolean outputKept = output == null || escapedBytes(output) <= EVENT_PAYLOAD_LIMIT;
        boolean inputKept = escapedBytes(input) + (outputKept ? escapedBytes(output) : 0) <= EVENT_PAYLOAD_LIMIT;
        detail.put("input", inputKept ? input : null);
        detail.putObject("inputDetails").put("included", inputKept);
        detail.put("output", outputKept ? output : null);
        if (output == null) {
            detail.putNull("outputDetails");
        } else {
            detail.putObject("outputDetails").put("included", outputKept);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int escapedBytes(String s) {
        if (s == null) {
            return 0;
        }
        try {
            return JSON.writeValueAsBytes(s).length - 2;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOGGER.log("{\"level\":\"WARN\",\"message\":\"cannot delete " + dir + ": " + e.getMessage() + "\"}\n");
        }
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Where each secret of {@link Options#secrets} occurs in a function log line or an execution
     * history ("what, where"; never the secret itself). Empty when none does.
     */
    public List<String> secretsFound() {
        Map<String, String> texts = new LinkedHashMap<>();
        List<String> lines = logLines();
        for (int i = 0; i < lines.size(); i++) {
            texts.put("function log line " + (i + 1) + " (" + logDirectory() + ")", lines.get(i));
        }
        for (StateMachineListItem machine : sfn.listStateMachines().stateMachines()) {
            for (ExecutionListItem e : sfn.listExecutionsPaginator(b -> b.stateMachineArn(machine.stateMachineArn()))
                    .executions()) {
                texts.put("the history of " + e.executionArn(), rawHistory(e.executionArn()));
            }
        }
        return SecretScan.findings(options.secrets().get(), texts);
    }

    /** GetExecutionHistory as moto answers it, unparsed (the SDK redacts inputs and outputs in toString). */
    private String rawHistory(String executionArn) {
        var out = new StringBuilder();
        String next = null;
        try (HttpClient http = HttpClient.newHttpClient()) {
            do {
                ObjectNode body = JSON.createObjectNode()
                        .put("executionArn", executionArn)
                        .put("maxResults", 1000);
                if (next != null) {
                    body.put("nextToken", next);
                }
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(moto.endpoint())
                                .header("Content-Type", "application/x-amz-json-1.0")
                                .header("X-Amz-Target", "AWSStepFunctions.GetExecutionHistory")
                                .header(
                                        "Authorization",
                                        "AWS4-HMAC-SHA256 Credential=test/20200101/" + REGION + "/states/aws4_request, "
                                                + "SignedHeaders=host, Signature=0")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                out.append(r.body());
                JsonNode page = JSON.readTree(r.body());
                next = page.hasNonNull("nextToken") ? page.get("nextToken").asText() : null;
            } while (next != null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /**
     * Stops everything this cloud started, after checking that no secret reached a function log or
     * an execution history: a secret found fails the close (and so the test that closes it).
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        watcher.shutdownNow();
        List<String> leaks = List.of();
        RuntimeException scanFailed = null;
        try {
            leaks = secretsFound();
        } catch (RuntimeException e) {
            scanFailed = e;
        }
        lambda.close();
        if (runtime != null) {
            runtime.close();
        }
        if (inJvm != null) {
            inJvm.close();
        }
        s3.close();
        sfn.close();
        dynamo.close();
        eventBridge.close();
        sqs.close();
        moto.close();
        // The logs stay (they are what a failed test leaves to read); the function code links go.
        deleteTree(runDirectory.resolve("task"));
        deleteTree(runDirectory.resolve("runtime-lib"));
        if (scanFailed != null) {
            throw new AssertionError("the secret scan of logs and execution histories could not run", scanFailed);
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError("secrets leaked: " + String.join("; ", leaks));
        }
    }
}
