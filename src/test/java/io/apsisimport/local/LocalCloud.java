package io.apsisimport.local;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.handler.AcquireSlotHandler;
import io.apsisimport.handler.CheckImportStatusHandler;
import io.apsisimport.handler.Env;
import io.apsisimport.handler.FinishImportHandler;
import io.apsisimport.handler.PreflightFileHandler;
import io.apsisimport.handler.ReapSlotsHandler;
import io.apsisimport.handler.ReleaseSlotHandler;
import io.apsisimport.handler.RequestImportHandler;
import io.apsisimport.handler.StartImportHandler;
import io.apsisimport.handler.UploadPartHandler;
import io.apsisimport.handler.Wiring;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

/**
 * The pipeline on this machine: moto (S3, DynamoDB, Step Functions with its ASL engine) plus the
 * in-JVM {@link LambdaEndpoint} running the real handler classes, with the real
 * statemachine/import.asl.json and statemachine/import-part.asl.json created the way SAM would
 * (template.yaml's DefinitionSubstitutions applied: {@link #createStateMachines}).
 *
 * <p>moto neither delivers S3 notifications nor emits Step Functions status-change events, so this
 * class does both, in the shapes AWS uses: {@link #drop} puts an object and sends its S3 event to
 * StartImport; a watcher sends FAILED/TIMED_OUT/ABORTED status changes of both state machines to
 * ReapSlots (the rule in template.yaml covers both). moto also lets a part's execution run on when
 * the file's execution that started it ({@code startExecution.sync:2}) is stopped; AWS stops it
 * (that is what the integration's StopExecution permission is for), so the watcher does too.
 */
public final class LocalCloud implements AutoCloseable {
  public static final String REGION = "eu-west-1";
  public static final String ACCOUNT = "123456789012";
  /**
   * The stack this local cloud plays: its state machine has the name template.yaml gives it
   * ({@code <stack>-import}), so the ARNs the roles build from that name match (tools/iamcheck).
   */
  public static final String STACK_NAME = "apsis-local";
  static final ObjectMapper JSON = new ObjectMapper();
  static volatile PrintStream logSink = null;
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

  /** Tunables of a local run; {@link #defaults} then withers. */
  public record Options(URI apsisBaseUrl, String apsisClientId, String apsisClientSecret, int pollIntervalSeconds,
      int maxConcurrentImports, long slotLeaseSeconds, long slotMaxWaitSeconds, long maxPartBytes,
      String landingPrefix, Path definition) {

    public static Options defaults(URI apsisBaseUrl, String clientId, String clientSecret) {
      return new Options(apsisBaseUrl, clientId, clientSecret, 1, 3, 900, 3600, 50_000_000L, "inbox/",
          LocalSupport.definition());
    }

    /** Defaults for the APSIS One simulator with its demo credentials. */
    public static Options defaults(io.apsisimport.sim.ApsisSimulator sim) {
      return defaults(sim.baseUrl(), LocalSupport.SIM_CLIENT_ID, LocalSupport.SIM_CLIENT_SECRET);
    }

    public Options withPollIntervalSeconds(int s) {
      return new Options(apsisBaseUrl, apsisClientId, apsisClientSecret, s, maxConcurrentImports, slotLeaseSeconds,
          slotMaxWaitSeconds, maxPartBytes, landingPrefix, definition);
    }

    public Options withMaxConcurrentImports(int n) {
      return new Options(apsisBaseUrl, apsisClientId, apsisClientSecret, pollIntervalSeconds, n, slotLeaseSeconds,
          slotMaxWaitSeconds, maxPartBytes, landingPrefix, definition);
    }

    public Options withSlotLeaseSeconds(long s) {
      return new Options(apsisBaseUrl, apsisClientId, apsisClientSecret, pollIntervalSeconds, maxConcurrentImports,
          s, slotMaxWaitSeconds, maxPartBytes, landingPrefix, definition);
    }

    public Options withMaxPartBytes(long bytes) {
      return new Options(apsisBaseUrl, apsisClientId, apsisClientSecret, pollIntervalSeconds, maxConcurrentImports,
          slotLeaseSeconds, slotMaxWaitSeconds, bytes, landingPrefix, definition);
    }

    public Options withLandingPrefix(String p) {
      return new Options(apsisBaseUrl, apsisClientId, apsisClientSecret, pollIntervalSeconds, maxConcurrentImports,
          slotLeaseSeconds, slotMaxWaitSeconds, maxPartBytes, p, definition);
    }
  }

  private final MotoServer moto;
  private final LambdaEndpoint lambda;
  private final S3Client s3;
  private final SfnClient sfn;
  private final DynamoDbClient dynamo;
  private final Map<String, String> env;
  private final String bucket = "landing";
  private final String slotsTable = "import-slots";
  private final String stateMachineArn;
  private final String partStateMachineArn;
  private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "local-cloud-events");
    t.setDaemon(true);
    return t;
  });
  /** Executions whose status change was handed to the reaper (delivered once, as EventBridge does). */
  private final Set<String> reaped = ConcurrentHashMap.newKeySet();
  /** Files' executions whose running parts were stopped (AWS stops a .sync task's execution). */
  private final Set<String> partsStopped = ConcurrentHashMap.newKeySet();
  /** Executions the reaper has handled: its invocation returned without error. */
  private final Set<String> reapDone = ConcurrentHashMap.newKeySet();
  /** Delivers status changes to the reaper; tests switch it off to exercise lease expiry. */
  private volatile boolean reaperOn = true;

  private LocalCloud(Options options) throws IOException {
    // The SDK's default chain reads these; moto accepts any credentials.
    System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "test"));
    System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "test"));
    int lambdaPort = MotoServer.freePort();
    this.moto = MotoServer.start(lambdaPort);
    this.lambda = new LambdaEndpoint(lambdaPort, moto.endpoint());
    var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    this.s3 = S3Client.builder().endpointOverride(moto.endpoint()).region(Region.of(REGION)).forcePathStyle(true)
        .credentialsProvider(creds).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    this.sfn = SfnClient.builder().endpointOverride(moto.endpoint()).region(Region.of(REGION))
        .credentialsProvider(creds).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    this.dynamo = DynamoDbClient.builder().endpointOverride(moto.endpoint()).region(Region.of(REGION))
        .credentialsProvider(creds).httpClientBuilder(UrlConnectionHttpClient.builder()).build();

    s3.createBucket(b -> b.bucket(bucket).createBucketConfiguration(c -> c.locationConstraint(REGION)));
    dynamo.createTable(b -> b.tableName(slotsTable).billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(attr("pk"), attr("sk"))
        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
            KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build()));

    Map<String, String> machines = createStateMachines(options);
    this.stateMachineArn = machines.get("ImportStateMachine");
    this.partStateMachineArn = machines.get("ImportPartStateMachine");

    this.env = new LinkedHashMap<>();
    env.put("AWS_REGION", REGION);
    env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
    env.put("SLOTS_TABLE", slotsTable);
    env.put("APSIS_ACCOUNT_KEY", "local");
    env.put("MAX_CONCURRENT_IMPORTS", Integer.toString(options.maxConcurrentImports()));
    env.put("SLOT_LEASE_SECONDS", Long.toString(options.slotLeaseSeconds()));
    env.put("SLOT_MAX_WAIT_SECONDS", Long.toString(options.slotMaxWaitSeconds()));
    env.put("POLL_INTERVAL_SECONDS", Integer.toString(options.pollIntervalSeconds()));
    env.put("APSIS_BASE_URL", options.apsisBaseUrl().toString());
    env.put("APSIS_CLIENT_ID", options.apsisClientId());
    env.put("APSIS_CLIENT_SECRET", options.apsisClientSecret());
    env.put("LANDING_PREFIX", options.landingPrefix());
    env.put("ROUTES_KEY", "config/routes.json");
    env.put("MAX_PART_BYTES", Long.toString(options.maxPartBytes()));
    env.put("IMPORT_TIMEOUT_SECONDS", "3600");
    env.put("STATE_MACHINE_ARN", stateMachineArn);

    // One set of collaborators for all functions of this JVM, like one warm container each.
    var wiring = new Wiring(new Env(env));
    register("StartImportFunction", new StartImportHandler(wiring));
    register("PreflightFileFunction", new PreflightFileHandler(wiring));
    register("AcquireSlotFunction", new AcquireSlotHandler(wiring));
    register("RequestImportFunction", new RequestImportHandler(wiring));
    register("UploadPartFunction", new UploadPartHandler(wiring));
    register("CheckImportStatusFunction", new CheckImportStatusHandler(wiring));
    register("ReleaseSlotFunction", new ReleaseSlotHandler(wiring));
    register("FinishImportFunction", new FinishImportHandler(wiring));
    register("ReapSlotsFunction", new ReapSlotsHandler(wiring));

    watcher.scheduleWithFixedDelay(this::deliverStatusChanges, 200, 200, TimeUnit.MILLISECONDS);
  }

  public static LocalCloud start(Options options) {
    try {
      return new LocalCloud(options);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends the handlers' structured logs to {@code sink} (null: drop them). */
  public static void logTo(PrintStream sink) {
    logSink = sink;
  }

  public static String functionArn(String name) {
    return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
  }

  /**
   * Creates the part state machine, then the file's state machine (which starts the parts'
   * executions), each from its definition file with the DefinitionSubstitutions template.yaml gives
   * it, resolved the way CloudFormation would here: {@code !Ref X.Alias} → the local function's
   * {@code live} alias ARN, {@code !Ref AWS::Partition} → {@code aws}, {@code !Ref} of a parameter →
   * this cloud's setting or the parameter's default, {@code !Ref} of a state machine → its ARN.
   * Returns logical id → state machine ARN.
   */
  private Map<String, String> createStateMachines(Options options) throws IOException {
    var template = io.apsisimport.template.TemplateModel.load(options.definition().getParent().resolveSibling("template.yaml"));
    var refs = new HashMap<String, String>();
    refs.put("AWS::Partition", "aws");
    refs.put("PollIntervalSeconds", Integer.toString(options.pollIntervalSeconds()));
    refs.put("MaxConcurrentImports", Integer.toString(options.maxConcurrentImports()));
    var created = new LinkedHashMap<String, String>();
    for (var machine : List.of(
        Map.entry("ImportPartStateMachine", STACK_NAME + "-import-part"), Map.entry("ImportStateMachine", STACK_NAME + "-import"))) {
      JsonNodeSubstitutions subs = new JsonNodeSubstitutions(template, refs);
      String file = template.definitionUri(machine.getKey());
      String definition = substitute(Files.readString(options.definition().getParent().resolveSibling(file)),
          subs.of(machine.getKey()));
      String arn = sfn.createStateMachine(b -> b.name(machine.getValue()).definition(definition)
          .roleArn("arn:aws:iam::" + ACCOUNT + ":role/" + machine.getValue())).stateMachineArn();
      refs.put(machine.getKey(), arn);
      created.put(machine.getKey(), arn);
    }
    return created;
  }

  /** A state machine's DefinitionSubstitutions from template.yaml, resolved for this cloud. */
  private record JsonNodeSubstitutions(io.apsisimport.template.TemplateModel template, Map<String, String> refs) {
    Map<String, String> of(String machine) {
      var values = new HashMap<String, String>();
      template.resource(machine).path("Properties").path("DefinitionSubstitutions").properties().forEach(e -> {
        var v = e.getValue();
        String ref = v.path("Ref").asText(null);
        String resolved;
        if (v.isValueNode()) {
          resolved = v.asText();
        } else if (ref != null && ref.endsWith(".Alias")) {
          resolved = functionArn(ref.substring(0, ref.length() - ".Alias".length())) + ":live";
        } else if (ref != null && refs.containsKey(ref)) {
          resolved = refs.get(ref);
        } else if (ref != null && template.root().path("Parameters").path(ref).has("Default")) {
          resolved = template.root().path("Parameters").path(ref).get("Default").asText();
        } else {
          throw new IllegalStateException(machine + ": cannot resolve DefinitionSubstitution " + e.getKey() + " = " + v
              + " on the local cloud");
        }
        values.put(e.getKey(), resolved);
      });
      return values;
    }
  }

  /** Applies DefinitionSubstitutions the way SAM does; a missing one is an error. */
  public static String substitute(String definition, Map<String, String> values) {
    Matcher m = SUBSTITUTION.matcher(definition);
    var out = new StringBuilder();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalStateException("no substitution for ${" + m.group(1) + "} in the state machine definition");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  private void register(String name, RequestStreamHandler handler) {
    lambda.register(name, handler);
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

  public LambdaEndpoint lambda() {
    return lambda;
  }

  public Map<String, String> environment() {
    return Map.copyOf(env);
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
      return io.apsisimport.landing.DropNames.of(input.path("key").asText(), input.path("eventTime").asText(null),
          d.startDate().toString(), fileExecutionArn);
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
          && e.taskSubmittedEventDetails() != null && e.taskSubmittedEventDetails().output() != null) {
        try {
          String arn = JSON.readTree(e.taskSubmittedEventDetails().output()).path("ExecutionArn").asText(null);
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
    return new io.apsisimport.slots.ImportSlots(dynamo, arn -> false,
        io.apsisimport.slots.SlotsConfig.fromEnvironment(env), java.time.Clock.systemUTC(), new java.util.Random())
        .slots();
  }

  public void reaper(boolean on) {
    this.reaperOn = on;
  }

  /**
   * Waits until the reaper has handled the status change of this execution (not just any
   * execution's: other tests' aborted executions reach the reaper too).
   */
  public void awaitReaped(String executionArn, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (!reapDone.contains(executionArn)) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the reaper did not handle " + executionArn + " within " + timeout
            + (reaperOn ? "" : " (the reaper is switched off)"));
      }
      pause(50);
    }
  }

  public void putRoutes(String json) {
    s3.putObject(b -> b.bucket(bucket).key("config/routes.json").contentType("application/json"),
        RequestBody.fromString(json));
  }

  /** Puts the file at {@code key} and delivers its S3 ObjectCreated event to StartImport. */
  public Dropped drop(String key, Path file) {
    PutObjectResponse put = s3.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromFile(file));
    return notify(key, sizeOf(file), put.eTag());
  }

  public Dropped drop(String key, byte[] content) {
    PutObjectResponse put = s3.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv"), RequestBody.fromBytes(content));
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
    r.put("eventVersion", "2.1").put("eventSource", "aws:s3").put("awsRegion", REGION)
        .put("eventTime", Instant.now().toString()).put("eventName", "ObjectCreated:Put");
    ObjectNode s3node = r.putObject("s3");
    s3node.put("s3SchemaVersion", "1.0").put("configurationId", "landing");
    s3node.putObject("bucket").put("name", bucket).put("arn", "arn:aws:s3:::" + bucket);
    s3node.putObject("object")
        .put("key", java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"))
        .put("size", size).put("eTag", eTag == null ? "" : eTag.replace("\"", ""))
        .put("sequencer", Long.toHexString(System.nanoTime()).toUpperCase());
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls until the execution leaves RUNNING (deadline {@code timeout}). */
  public DescribeExecutionResponse await(String executionArn, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(executionArn));
      if (d.status() != ExecutionStatus.RUNNING) {
        return d;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("execution still running after " + timeout + ": " + executionArn);
      }
      pause(100);
    }
  }

  public List<HistoryEvent> history(String executionArn) {
    var events = new ArrayList<HistoryEvent>();
    sfn.getExecutionHistoryPaginator(b -> b.executionArn(executionArn)).events().forEach(events::add);
    return events;
  }

  /** The execution's status changes that EventBridge would carry, for the reaper (see class comment). */
  private void deliverStatusChanges() {
    try {
      for (String machine : List.of(stateMachineArn, partStateMachineArn)) {
        for (ExecutionStatus status : List.of(ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED)) {
          for (ExecutionListItem e : sfn.listExecutions(b -> b.stateMachineArn(machine).statusFilter(status))
              .executions()) {
            if (machine.equals(stateMachineArn) && partsStopped.add(e.executionArn())) {
              stopPartsOf(e.executionArn());
            }
            if (reaperOn && reaped.add(e.executionArn())) {
              try {
                lambda.invoke("ReapSlotsFunction", statusChangeEvent(e.executionArn(), status.toString()));
                reapDone.add(e.executionArn());
              } catch (RuntimeException failed) {
                // EventBridge retries a failed asynchronous invocation: deliver it again next round.
                reaped.remove(e.executionArn());
                throw failed;
              }
            }
          }
        }
      }
    } catch (RuntimeException e) {
      LOGGER.log("{\"level\":\"WARN\",\"message\":\"status change delivery failed: " + e.getMessage() + "\"}\n");
    }
  }

  /** As AWS does for a stopped {@code .sync} task: stops the running parts' executions a file's execution started. */
  private void stopPartsOf(String fileExecutionArn) {
    for (ExecutionListItem part : sfn.listExecutions(b -> b.stateMachineArn(partStateMachineArn)
        .statusFilter(ExecutionStatus.RUNNING)).executions()) {
      String input = sfn.describeExecution(b -> b.executionArn(part.executionArn())).input();
      try {
        if (input != null && fileExecutionArn.equals(
            JSON.readTree(input).path("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID").asText(null))) {
          sfn.stopExecution(b -> b.executionArn(part.executionArn()));
        }
      } catch (IOException | software.amazon.awssdk.services.sfn.model.SfnException gone) {
        // not JSON, or it ended meanwhile
      }
    }
  }

  byte[] statusChangeEvent(String executionArn, String status) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "0").put("id", java.util.UUID.randomUUID().toString())
        .put("detail-type", "Step Functions Execution Status Change").put("source", "aws.states")
        .put("account", ACCOUNT).put("time", Instant.now().toString()).put("region", REGION);
    root.putArray("resources").add(executionArn);
    String machine = executionArn.contains(":execution:" + STACK_NAME + "-import-part:") ? partStateMachineArn : stateMachineArn;
    root.putObject("detail").put("executionArn", executionArn).put("stateMachineArn", machine)
        .put("status", status);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static AttributeDefinition attr(String name) {
    return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
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

  @Override
  public void close() {
    watcher.shutdownNow();
    lambda.close();
    s3.close();
    sfn.close();
    dynamo.close();
    moto.close();
  }
}
