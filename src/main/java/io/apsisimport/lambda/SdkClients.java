package io.apsisimport.lambda;

import io.apsisimport.lambda.Wiring.S3Calls;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * The AWS SDK clients of one container, for {@link Wiring}: each built on first use, all sharing one
 * HTTP client and the default credentials chain, every call but S3's bounded by
 * {@link #AWS_CALL_TIMEOUT}, and each primed for SnapStart against the priming endpoint
 * ({@link #prime}) when it was built.
 */
final class SdkClients {
    /**
     * Bounds every DynamoDB, Step Functions and Secrets Manager call, SDK retries included, so that
     * a function ends inside its timeout (template.yaml) even when a service hangs.
     */
    static final Duration AWS_CALL_TIMEOUT = Duration.ofSeconds(20);

    private final Region region;
    private final Optional<URI> endpoint;
    /** Sends the SDK clients' requests to the priming endpoint while priming (and nowhere else). */
    private final SdkPriming sdkPriming = new SdkPriming();

    private final Set<S3Calls> s3Calls = EnumSet.noneOf(S3Calls.class);
    /**
     * One HTTP client for every SDK client of this container (each would build its own, with its own
     * TLS context): lighter to build, and one connection pool.
     */
    private final Memo<SdkHttpClient> http =
            new Memo<>(() -> UrlConnectionHttpClient.builder().build());
    /** The SDK's default chain (on SnapStart: the container credentials endpoint), resolved at first use. */
    private final Memo<AwsCredentialsProvider> credentials = new Memo<>(
            () -> sdkPriming.credentials(DefaultCredentialsProvider.builder().build()));

    private final Memo<S3Client> s3 = new Memo<>(this::newS3);
    private final Memo<SfnClient> sfn =
            new Memo<>(() -> configure(SfnClient.builder()).build());
    private final Memo<DynamoDbClient> dynamo =
            new Memo<>(() -> configure(DynamoDbClient.builder()).build());
    private final Memo<SecretsManagerClient> secretsManager =
            new Memo<>(() -> configure(SecretsManagerClient.builder()).build());

    SdkClients(Env env) {
        this.region = Region.of(env.optional("AWS_REGION", "eu-west-1"));
        this.endpoint =
                Optional.ofNullable(env.optional("AWS_ENDPOINT_URL", null)).map(URI::create);
    }

    /** See {@link Wiring#s3(S3Calls...)}. */
    S3Client s3(S3Calls... primed) {
        synchronized (s3Calls) {
            s3Calls.addAll(List.of(primed));
        }
        return s3.get();
    }

    SfnClient sfn() {
        return sfn.get();
    }

    DynamoDbClient dynamo() {
        return dynamo.get();
    }

    SecretsManagerClient secretsManager() {
        return secretsManager.get();
    }

    private S3Client newS3() {
        // Path-style only against a local endpoint (moto, LocalStack); AWS gets virtual hosts.
        // No call timeout: GetObject streams whole parts (UploadPart, PreflightFile bound their own time).
        return configure(S3Client.builder())
                .forcePathStyle(endpoint.isPresent())
                .build();
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

    /** Sends the clients' requests to {@code priming} until the scope is closed. */
    SdkPriming.Scope redirect(URI priming) {
        return sdkPriming.redirect(priming);
    }

    /**
     * Runs the calls this project makes with each client built so far (while {@link #redirect}ed to
     * the priming endpoint that gives {@code answers}).
     */
    void prime(PrimingAnswers answers) {
        sfn.ifBuilt(c -> ClientPriming.sfn(c, answers));
        dynamo.ifBuilt(c -> ClientPriming.dynamo(c, answers));
        Set<S3Calls> calls;
        synchronized (s3Calls) {
            calls = EnumSet.copyOf(s3Calls.isEmpty() ? EnumSet.of(S3Calls.READ) : s3Calls);
        }
        s3.ifBuilt(c -> ClientPriming.s3(c, calls, answers));
        secretsManager.ifBuilt(c -> c.getSecretValue(b -> b.secretId("priming")));
        credentials.ifBuilt(c -> SdkPriming.primeCredentialsChain()); // built with the first SDK client
    }
}
