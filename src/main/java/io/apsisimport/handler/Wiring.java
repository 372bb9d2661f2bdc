package io.apsisimport.handler;

import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ApsisCredentialsException;
import io.apsisimport.apsis.ApsisCredentialsSource;
import io.apsisimport.apsis.CachedCredentials;
import io.apsisimport.apsis.Jitter;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SfnExecutionProbe;
import io.apsisimport.slots.SlotsConfig;
import io.apsisimport.upload.PresignedPostUploader;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
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
  private final Region region;
  private final Optional<URI> endpoint;
  private final Jitter jitter;
  /** Held here: the CRaC context keeps its resources only weakly. */
  private final SnapStartHooks snapStart;

  private final Memo<S3Client> s3 = new Memo<>(this::newS3);
  private final Memo<SfnClient> sfn = new Memo<>(() -> configure(SfnClient.builder()).build());
  private final Memo<DynamoDbClient> dynamo = new Memo<>(() -> configure(DynamoDbClient.builder()).build());
  private final Memo<SecretsManagerClient> secretsManager =
      new Memo<>(() -> configure(SecretsManagerClient.builder()).build());
  private final Memo<ApsisClient> apsis = new Memo<>(this::newApsis);
  private final Memo<ImportSlots> slots = new Memo<>(this::newSlots);

  public Wiring(Env env) {
    this(env, Core.getGlobalContext(), new Jitter());
  }

  /** {@code crac}: where the SnapStart hooks are registered; both given by tests. */
  Wiring(Env env, org.crac.Context<Resource> crac, Jitter jitter) {
    this.env = env;
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

  public S3Client s3() {
    return s3.get();
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

  public RoutesSource routes() {
    return new RoutesSource(s3(), env.optional("ROUTES_KEY", "config/routes.json"));
  }

  public PresignedPostUploader uploader() {
    return new PresignedPostUploader(PresignedPostUploader.Options.defaults());
  }

  public Clock clock() {
    return Clock.systemUTC();
  }

  /** When to check an import's status (POLL_INTERVAL_SECONDS: the interval when nothing better is known). */
  public PollSchedule pollSchedule() {
    return new PollSchedule(Duration.ofSeconds(env.longValue("POLL_INTERVAL_SECONDS", 30, 1, 3600)));
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
    builder.region(region);
    endpoint.ifPresent(builder::endpointOverride);
    if (builder instanceof AwsSyncClientBuilder<?, ?> sync) {
      sync.httpClientBuilder(UrlConnectionHttpClient.builder());
    }
    boolean s3 = builder instanceof software.amazon.awssdk.services.s3.S3ClientBuilder;
    builder.overrideConfiguration(c -> {
      c.addExecutionInterceptor(new SdkPriming());
      if (!s3) {
        c.apiCallTimeout(AWS_CALL_TIMEOUT);
      }
    });
    return builder;
  }

  private ImportSlots newSlots() {
    var probe = new SfnExecutionProbe(sfn(), (execution, e) -> Log.warn(null,
        "could not tell whether the execution holding an import slot still runs: the slot is kept",
        "execution", execution, "error", SlotWakeups.describe(e, null)));
    return new ImportSlots(dynamo.get(), probe, SlotsConfig.fromEnvironment(env.asMap()), Clock.systemUTC(), jitter);
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
   * Before the snapshot: what the first invocation would load and build, offline. Each SDK client
   * the handler asked for runs the requests its handler makes up to the point of sending
   * ({@link SdkPriming}); the APSIS client builds its requests and reads sample answers.
   */
  void prime() {
    apsis.ifBuilt(ApsisClient::prime);
    String arn = "arn:aws:states:" + region.id() + ":000000000000:execution:priming:priming";
    sfn.ifBuilt(c -> SdkPriming.run(() -> c.describeExecution(b -> b.executionArn(arn)
        .overrideConfiguration(SdkPriming::mark))));
    dynamo.ifBuilt(c -> {
      Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("priming"), "sk", AttributeValue.fromS("priming"));
      SdkPriming.run(() -> c.query(b -> b.tableName("priming").keyConditionExpression("#pk = :pk")
          .expressionAttributeNames(Map.of("#pk", "pk")).expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("p")))
          .overrideConfiguration(SdkPriming::mark)));
      SdkPriming.run(() -> c.updateItem(b -> b.tableName("priming").key(key).updateExpression("SET #v = :v")
          .conditionExpression("#v = :w").expressionAttributeNames(Map.of("#v", "v"))
          .expressionAttributeValues(Map.of(":v", AttributeValue.fromN("1"), ":w", AttributeValue.fromN("0")))
          .overrideConfiguration(SdkPriming::mark)));
      SdkPriming.run(() -> c.putItem(b -> b.tableName("priming").item(key).overrideConfiguration(SdkPriming::mark)));
    });
    s3.ifBuilt(c -> SdkPriming.run(() -> c.getObject(b -> b.bucket("priming").key("priming").range("bytes=0-0")
        .overrideConfiguration(SdkPriming::mark))));
    secretsManager.ifBuilt(c -> SdkPriming.run(() -> c.getSecretValue(b -> b.secretId("priming")
        .overrideConfiguration(SdkPriming::mark))));
    Log.line(com.amazonaws.services.lambda.runtime.logging.LogLevel.INFO, null, Map.of("key", "priming"),
        "priming", "part", 0);
  }

  /** A value built at first use, once. */
  private static final class Memo<T> implements Supplier<T> {
    private final Supplier<T> factory;
    private T value;

    Memo(Supplier<T> factory) {
      this.factory = factory;
    }

    @Override
    public synchronized T get() {
      if (value == null) {
        value = factory.get();
      }
      return value;
    }

    synchronized void ifBuilt(java.util.function.Consumer<T> action) {
      if (value != null) {
        action.accept(value);
      }
    }
  }
}
