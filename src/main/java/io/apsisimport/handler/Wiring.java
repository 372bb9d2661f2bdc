package io.apsisimport.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SfnExecutionProbe;
import io.apsisimport.slots.SlotsConfig;
import io.apsisimport.upload.PresignedPostUploader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
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
 */
public final class Wiring {
  private final Env env;
  private final Region region;
  private final Optional<URI> endpoint;

  private final Supplier<S3Client> s3 = memo(this::newS3);
  private final Supplier<SfnClient> sfn = memo(() -> configure(SfnClient.builder()).build());
  private final Supplier<DynamoDbClient> dynamo = memo(() -> configure(DynamoDbClient.builder()).build());
  private final Supplier<ApsisApi> apsis = memo(this::newApsis);
  private final Supplier<ImportSlots> slots = memo(this::newSlots);

  public Wiring(Env env) {
    this.env = env;
    this.region = Region.of(env.optional("AWS_REGION", "eu-west-1"));
    this.endpoint = Optional.ofNullable(env.optional("AWS_ENDPOINT_URL", null)).map(URI::create);
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

  private S3Client newS3() {
    // Path-style only against a local endpoint (moto, LocalStack); AWS gets virtual hosts.
    return configure(S3Client.builder()).forcePathStyle(endpoint.isPresent()).build();
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
    builder.region(region);
    endpoint.ifPresent(builder::endpointOverride);
    if (builder instanceof software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<?, ?> sync) {
      sync.httpClientBuilder(UrlConnectionHttpClient.builder());
    }
    return builder;
  }

  private ImportSlots newSlots() {
    var probe = new SfnExecutionProbe(sfn(), (execution, e) -> Log.warn(null,
        "could not tell whether the execution holding an import slot still runs: the slot is kept",
        "execution", execution, "error", SlotWakeups.describe(e, null)));
    return new ImportSlots(dynamo.get(), probe, SlotsConfig.fromEnvironment(env.asMap()),
        Clock.systemUTC(), new java.util.Random());
  }

  private ApsisApi newApsis() {
    URI base = ApsisClient.baseUrlFrom(env.asMap());
    return new ApsisClient(base, credentials(), ApsisClient.Options.defaults());
  }

  /** From the Secrets Manager secret named by APSIS_SECRET_ARN, else APSIS_CLIENT_ID/APSIS_CLIENT_SECRET. */
  private ApsisCredentials credentials() {
    String secretArn = env.optional("APSIS_SECRET_ARN", null);
    if (secretArn != null) {
      try (SecretsManagerClient sm = configure(SecretsManagerClient.builder()).build()) {
        String json = sm.getSecretValue(b -> b.secretId(secretArn)).secretString();
        JsonNode node = JsonHandler.JSON.readTree(json);
        String id = node.path("client_id").asText("");
        String secret = node.path("client_secret").asText("");
        if (id.isBlank() || secret.isBlank() || id.startsWith("REPLACE")) {
          throw new IllegalStateException("the APSIS secret " + secretArn
              + " must hold {\"client_id\": …, \"client_secret\": …} (see README: credentials)");
        }
        return new ApsisCredentials(id, secret);
      } catch (IOException e) {
        throw new UncheckedIOException("the APSIS secret " + secretArn + " is not JSON", e);
      }
    }
    String id = env.optional("APSIS_CLIENT_ID", null);
    String secret = env.optional("APSIS_CLIENT_SECRET", null);
    if (id == null || secret == null) {
      throw new IllegalStateException("no APSIS credentials: set APSIS_SECRET_ARN (Secrets Manager) "
          + "or APSIS_CLIENT_ID and APSIS_CLIENT_SECRET");
    }
    return new ApsisCredentials(id, secret);
  }

  private static <T> Supplier<T> memo(Supplier<T> factory) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = factory.get();
        }
        return value;
      }
    };
  }
}
