package io.apsisimport.lambda;

import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ApsisCredentialsException;
import io.apsisimport.apsis.ApsisCredentialsSource;
import io.apsisimport.apsis.CachedCredentials;
import io.apsisimport.apsis.Jitter;
import io.apsisimport.feed.FeedConfig;
import io.apsisimport.feed.FeedQueue;
import io.apsisimport.feed.SfnFeedProbe;
import io.apsisimport.handler.PollSchedule;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SfnExecutionProbe;
import io.apsisimport.slots.SlotsConfig;
import io.apsisimport.upload.PresignedPostUploader;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Builds the real collaborators once per container from the environment (template.yaml sets it;
 * the local cloud passes its own map). Each client is created on first use, so a function builds
 * only what its handler needs; handlers call the getters in their constructors (init phase,
 * captured by SnapStart), never inside handleRequest.
 *
 * <p>Init makes no network call and reads no secret: with SnapStart it runs when a version is
 * published, before the user has put the APSIS credentials into the secret, and whatever it read
 * would be frozen into the snapshot. The credentials are read at the first APSIS call, kept for
 * {@link CachedCredentials#DEFAULT_LIFETIME}, and read again when APSIS rejects them. The jitter of
 * the slots' and the APSIS client's back-offs is re-seeded after every restore
 * ({@link SnapStartHooks}).
 */
public final class Wiring {
  /**
   * Bounds every DynamoDB, Step Functions and Secrets Manager call, SDK retries included, so that
   * a function ends inside its timeout (template.yaml) even when a service hangs.
   */
  static final Duration AWS_CALL_TIMEOUT = Duration.ofSeconds(20);

  private final Env env;
  private final Settings settings;
  private final Region region;
  private final Optional<URI> endpoint;
  private final Jitter jitter;
  /** Held here: the CRaC context keeps its resources only weakly. */
  private final SnapStartHooks snapStart;
  /** Sends the SDK clients' requests to the priming endpoint while priming (and nowhere else). */
  private final SdkPriming sdkPriming = new SdkPriming();
  /** Priming of what the handler adds to the clients built here (the upload relay's copy path). */
  private final List<Primer> primers = new CopyOnWriteArrayList<>();
  private final java.util.Set<S3Calls> s3Calls = java.util.EnumSet.noneOf(S3Calls.class);
  /**
   * One HTTP client for every SDK client of this container (each would build its own, with its own
   * TLS context): lighter to build, and one connection pool.
   */
  private final Memo<SdkHttpClient> http = new Memo<>(() -> UrlConnectionHttpClient.builder().build());
  /** The SDK's default chain (on SnapStart: the container credentials endpoint), resolved at first use. */
  private final Memo<AwsCredentialsProvider> credentials =
      new Memo<>(() -> sdkPriming.credentials(DefaultCredentialsProvider.builder().build()));

  private final Memo<S3Client> s3 = new Memo<>(this::newS3);
  private final Memo<SfnClient> sfn = new Memo<>(() -> configure(SfnClient.builder()).build());
  private final Memo<DynamoDbClient> dynamo = new Memo<>(() -> configure(DynamoDbClient.builder()).build());
  private final Memo<SecretsManagerClient> secretsManager =
      new Memo<>(() -> configure(SecretsManagerClient.builder()).build());
  private final Memo<ApsisClient> apsis = new Memo<>(this::newApsis);
  private final Memo<ImportSlots> slots = new Memo<>(this::newSlots);
  private final Memo<FeedQueue> feeds = new Memo<>(this::newFeeds);

  public Wiring(Env env) {
    this(env, Core.getGlobalContext(), new Jitter());
  }

  /** {@code crac}: where the SnapStart hooks are registered; both given by tests. */
  Wiring(Env env, org.crac.Context<Resource> crac, Jitter jitter) {
    this.env = env;
    this.settings = new Settings(env);
    this.jitter = jitter;
    this.region = Region.of(env.optional("AWS_REGION", "eu-west-1"));
    this.endpoint = Optional.ofNullable(env.optional("AWS_ENDPOINT_URL", null)).map(URI::create);
    this.snapStart = SnapStartHooks.register(crac).onRestore(jitter::reseed).prime(this::prime);
  }

  public static Wiring fromSystem() {
    return new Wiring(Env.system());
  }

  public Env env() {
    return env;
  }

  /** The handlers' tunables, read from {@link #env()}. */
  public Settings settings() {
    return settings;
  }

  /**
   * The S3 client; {@code primed}: the kinds of call the handler makes with it, run by the SnapStart
   * priming ({@link #prime}). Each kind loads its own share of the S3 model (over a thousand classes
   * for all of them), so a handler names only what it calls.
   */
  public S3Client s3(S3Calls... primed) {
    synchronized (s3Calls) {
      s3Calls.addAll(List.of(primed));
    }
    return s3.get();
  }

  /** Kinds of S3 call, for the priming: see {@link #s3(S3Calls...)}. */
  public enum S3Calls {
    /** HEAD and GET (ranges, small objects), and a failed precondition (a file replaced meanwhile). */
    READ,
    /** PUT of a small object. */
    WRITE,
    /** Server-side copy, and a failed precondition. */
    COPY,
    DELETE,
    /** A multipart upload: create, upload a part, complete, abort. */
    MULTIPART
  }

  public SfnClient sfn() {
    return sfn.get();
  }

  public ApsisApi apsis() {
    return apsis.get();
  }

  public ImportSlots slots() {
    return slots.get();
  }

  /** The feed queues of ordered routes (in the slots table). */
  public FeedQueue feeds() {
    return feeds.get();
  }

  public RoutesSource routes() {
    return new RoutesSource(s3(S3Calls.READ), settings.routesKey());
  }

  public PresignedPostUploader uploader() {
    return new PresignedPostUploader(PresignedPostUploader.Options.defaults());
  }

  public Clock clock() {
    return Clock.systemUTC();
  }

  /** When to check an import's status (POLL_INTERVAL_SECONDS: the interval when nothing better is known). */
  public PollSchedule pollSchedule() {
    return new PollSchedule(settings.pollInterval());
  }

  /** The random source of every back-off this wiring builds; re-seeded after a SnapStart restore. */
  Jitter jitter() {
    return jitter;
  }

  private S3Client newS3() {
    // Path-style only against a local endpoint (moto, LocalStack); AWS gets virtual hosts.
    // No call timeout: GetObject streams whole parts (UploadPart, PreflightFile bound their own time).
    return configure(S3Client.builder()).forcePathStyle(endpoint.isPresent()).build();
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
    builder.region(region).credentialsProvider(credentials.get());
    endpoint.ifPresent(builder::endpointOverride);
    if (builder instanceof AwsSyncClientBuilder<?, ?> sync) {
      sync.httpClient(http.get());
    }
    boolean s3 = builder instanceof software.amazon.awssdk.services.s3.S3ClientBuilder;
    builder.overrideConfiguration(c -> {
      c.addExecutionInterceptor(sdkPriming);
      if (!s3) {
        c.apiCallTimeout(AWS_CALL_TIMEOUT);
      }
    });
    return builder;
  }

  /**
   * Only acquiring a slot asks whether its holder still runs: the Step Functions client behind the
   * probe is built when a probe is first needed, so handlers that never acquire a slot (request,
   * upload, status) do not build one at init.
   */
  private ImportSlots newSlots() {
    Memo<SfnExecutionProbe> probe = new Memo<>(() -> new SfnExecutionProbe(sfn(), (execution, e) -> Log.warn(null,
        "could not tell whether the execution holding an import slot still runs: the slot is kept",
        "execution", execution, "error", AwsErrors.describe(e, null))));
    return new ImportSlots(dynamo.get(), execution -> probe.get().isRunning(execution),
        SlotsConfig.fromEnvironment(env.asMap()), Clock.systemUTC(), jitter);
  }

  private FeedQueue newFeeds() {
    var probe = new SfnFeedProbe(sfn(), (execution, e) -> Log.warn(null,
        "could not tell whether the execution before this file in its feed still runs: it keeps its place",
        "execution", execution, "error", AwsErrors.describe(e, null)));
    return new FeedQueue(dynamo.get(), probe, FeedConfig.fromEnvironment(env.asMap()), Clock.systemUTC(), jitter);
  }

  private ApsisClient newApsis() {
    URI base = ApsisClient.baseUrlFrom(env.asMap());
    return new ApsisClient(base, credentials(), ApsisClient.Options.defaults().withRandom(jitter));
  }

  /**
   * From the Secrets Manager secret named by APSIS_SECRET_ARN, else APSIS_CLIENT_ID/APSIS_CLIENT_SECRET
   * (local runs). Decides where from, reads nothing yet.
   */
  private ApsisCredentialsSource credentials() {
    String secretArn = env.optional("APSIS_SECRET_ARN", null);
    if (secretArn != null) {
      // Built now (no connection is opened) so that restored environments do not each build it.
      SecretsManagerClient client = secretsManager.get();
      return new CachedCredentials(() -> ApsisSecret.read(client, secretArn), "the secret " + secretArn,
          CachedCredentials.DEFAULT_LIFETIME, Clock.systemUTC());
    }
    String id = env.optional("APSIS_CLIENT_ID", null);
    String secret = env.optional("APSIS_CLIENT_SECRET", null);
    if (id == null || secret == null) {
      return () -> {
        throw new ApsisCredentialsException("no APSIS credentials: set APSIS_SECRET_ARN (Secrets Manager) "
            + "or APSIS_CLIENT_ID and APSIS_CLIENT_SECRET");
      };
    }
    return ApsisCredentialsSource.of(new ApsisCredentials(id, secret));
  }

  /**
   * Work a handler adds to the priming of this wiring's clients, run with the priming endpoint's
   * address while the clients' requests go there.
   */
  @FunctionalInterface
  public interface Primer {
    void prime(URI endpoint) throws Exception;
  }

  /** Adds {@code primer} to this wiring's SnapStart priming (after the clients' own). */
  public void primeAlso(Primer primer) {
    primers.add(primer);
  }

  /** The port the last priming's endpoint listened on (0: none yet), for the tests that check nothing stays connected. */
  volatile int lastPrimingPort;

  /**
   * Before the snapshot: what the first invocation would load, build and compile. Every client the
   * handler asked for runs the calls this project makes with it against a {@link PrimingEndpoint} of
   * our own on loopback, answers and typed errors included ({@link SdkPriming}, {@link PrimingAnswers}),
   * then the handler's own primers run (the upload relay). Nothing is sent anywhere else, no
   * credential is read, and the endpoint is closed before the snapshot.
   */
  void prime() throws Exception {
    long started = System.nanoTime();
    long cpuStarted = processCpuMillis();
    int requests;
    var answers = new java.util.concurrent.atomic.AtomicReference<PrimingAnswers>();
    try (PrimingEndpoint endpoint = PrimingEndpoint.start(uri -> {
          answers.set(new PrimingAnswers(uri));
          return answers.get();
        });
        SdkPriming.Scope redirected = sdkPriming.redirect(endpoint.uri())) {
      PrimingAnswers a = answers.get();
      lastPrimingPort = endpoint.port();
      sfn.ifBuilt(c -> ClientPriming.sfn(c, a));
      dynamo.ifBuilt(c -> ClientPriming.dynamo(c, a));
      java.util.Set<S3Calls> calls;
      synchronized (s3Calls) {
        calls = java.util.EnumSet.copyOf(s3Calls.isEmpty() ? java.util.EnumSet.of(S3Calls.READ) : s3Calls);
      }
      s3.ifBuilt(c -> ClientPriming.s3(c, calls, a));
      secretsManager.ifBuilt(c -> c.getSecretValue(b -> b.secretId("priming")));
      credentials.ifBuilt(c -> SdkPriming.primeCredentialsChain()); // built with the first SDK client
      apsis.ifBuilt(c -> c.prime(endpoint.uri()));
      for (Primer p : primers) {
        p.prime(endpoint.uri());
      }
      requests = endpoint.served();
    }
    Log.line(com.amazonaws.services.lambda.runtime.logging.LogLevel.INFO, null, Map.of("key", "priming"),
        "priming", "part", 0);
    long cpu = processCpuMillis();
    Log.info(null, "SnapStart priming done", "millis", (System.nanoTime() - started) / 1_000_000,
        "requests", requests, "cpuMillis", cpu < 0 || cpuStarted < 0 ? null : cpu - cpuStarted);
  }

  /** The JVM's CPU time so far (all its threads, the JIT's included), or -1 where the system does not tell. */
  private static long processCpuMillis() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
  }
}
