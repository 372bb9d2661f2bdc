package io.apsisimport.lambda;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * SnapStart priming of the AWS SDK clients of one {@link Wiring}: while {@link #redirect} is in
 * effect, every request of these clients goes to a {@link PrimingEndpoint} on loopback instead of
 * AWS, signed with made-up credentials, and runs to the end (marshalling, endpoint rules, signing,
 * the HTTP client, the answer's unmarshalling), so that a first invocation after a restore finds it
 * all loaded and compiled. Outside priming it changes nothing.
 *
 * <p>The function's own credentials are not resolved before the snapshot: SnapStart hands them
 * out after the restore (through the container credentials endpoint), and credentials cached in a
 * snapshot would be shared by every environment restored from it.
 *
 * <p>Priming runs in the runtime's beforeCheckpoint hook, before the first invocation and alone:
 * one volatile field is all the coordination needed.
 */
final class SdkPriming implements ExecutionInterceptor {
    /**
     * Marks a request redirected to the priming endpoint (tools that record AWS calls, such as the
     * IAM check's recorder in the tests, leave such requests out: they never reached AWS).
     */
    static final String HEADER = "x-apsisimport-priming";
    /** Made up; session credentials, as Lambda's own are, so that their classes are primed too. */
    private static final AwsCredentials DUMMY = AwsSessionCredentials.create("priming", "priming", "priming");

    private volatile URI endpoint;

    /** Sends every request of these clients to {@code to} until the returned scope is closed. */
    Scope redirect(URI to) {
        endpoint = to;
        return () -> endpoint = null;
    }

    /** The clients' credentials: {@code real}'s, except made-up ones while priming. */
    AwsCredentialsProvider credentials(AwsCredentialsProvider real) {
        return new AwsCredentialsProvider() {
            @Override
            public AwsCredentials resolveCredentials() {
                return endpoint != null ? DUMMY : real.resolveCredentials();
            }

            @Override
            public String toString() {
                return "SnapStart-priming-aware " + real;
            }
        };
    }

    /**
     * Builds, and closes unused, the providers the SDK's default chain builds when it first resolves
     * credentials (DefaultCredentialsProvider.createChain, SDK 2.57): their classes (some fifty) are
     * loaded before the snapshot instead of in the first invocation. None is asked for credentials:
     * nothing is read from the container credentials endpoint or the environment's keys, nothing is
     * sent, and nothing of them stays in the snapshot.
     */
    static void primeCredentialsChain() {
        try (var chain = AwsCredentialsProviderChain.builder()
                .reuseLastProviderEnabled(true)
                .credentialsProviders(
                        SystemPropertyCredentialsProvider.create(), EnvironmentVariableCredentialsProvider.create(),
                        WebIdentityTokenFileCredentialsProvider.builder().build(),
                                ProfileCredentialsProvider.builder().build(),
                        ContainerCredentialsProvider.builder().build(),
                                InstanceProfileCredentialsProvider.builder().build())
                .build()) {
            chain.toString();
        }
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        URI to = endpoint;
        if (to == null) {
            return context.httpRequest();
        }
        return context.httpRequest().toBuilder()
                .protocol(to.getScheme())
                .host(to.getHost())
                .port(to.getPort())
                .putHeader(HEADER, "1")
                .build();
    }

    /** Ends a {@link #redirect}; closing never throws. */
    @FunctionalInterface
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
