package io.apsisimport.iam;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS call a Lambda function makes, one JSON line per call, for the IAM check
 * ({@code tools/iamcheck}: each call must be allowed by that function's role in the
 * SAM-transformed template). Local tooling only: registered through the SDK's global interceptor
 * file in test resources, never part of the Lambda artifact.
 *
 * <p>Which function made the call: {@code AWS_LAMBDA_FUNCTION_NAME} in a function's own process
 * (the Lambda runtime sets it; locally it is the function's logical id in template.yaml), else the
 * function whose invocation is running on this thread in the in-JVM endpoint ({@link #inFunction}).
 * A call made by neither (the test harness's own clients) is not recorded.
 *
 * <p>Where: {@code -Dapsis.awsCalls.dir} or {@code APSIS_AWS_CALLS_DIR}; unset means off. Each JVM
 * appends to its own {@code calls-<pid>.jsonl}. What: the SDK's service and operation names, the
 * region, the outcome (ok or the AWS error code) and the request members that name a resource
 * (bucket, key, table, state machine, execution, secret, …) — never tokens, bodies or items. The
 * checker turns them into IAM actions and ARNs: the authorization rules live in one place.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {
    public static final String DIR_PROPERTY = "apsis.awsCalls.dir";
    public static final String DIR_ENV = "APSIS_AWS_CALLS_DIR";

    /**
     * Request members that identify the resource a call addresses, as the checker spells them; the
     * APIs differ in case (S3 "Bucket", Step Functions "stateMachineArn").
     */
    static final Map<String, String> RESOURCE_MEMBERS = canonical(
            // S3
            "Bucket",
            "Key",
            "VersionId",
            "CopySource",
            "SourceBucket",
            "SourceKey",
            "SourceVersionId",
            "DestinationBucket",
            "DestinationKey",
            "Prefix",
            // DynamoDB
            "TableName",
            "IndexName",
            // Step Functions
            "StateMachineArn",
            "ExecutionArn",
            "Name",
            "MapRunArn",
            "ActivityArn",
            // Secrets Manager, KMS, SQS, SNS, Lambda
            "SecretId",
            "VersionStage",
            "KeyId",
            "QueueUrl",
            "TopicArn",
            "FunctionName",
            "Qualifier");

    /** io.apsisimport.lambda.SdkPriming.HEADER (not visible from here): a priming request, not an AWS call. */
    static final String PRIMING_HEADER = "x-apsisimport-priming";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();
    private static final ExecutionAttribute<String> FUNCTION = new ExecutionAttribute<>("apsis.iam.function");
    /** Read from the request as the caller built it: SDK interceptors later rewrite some (S3 copy source). */
    private static final ExecutionAttribute<ObjectNode> PARAMS = new ExecutionAttribute<>("apsis.iam.params");

    private static final ExecutionAttribute<Boolean> ANSWERED = new ExecutionAttribute<>("apsis.iam.answered");
    private static final Map<Path, Writer> WRITERS = new ConcurrentHashMap<>();

    /** The in-JVM endpoint runs each invocation inside one of these: calls on this thread are that function's. */
    public static Scope inFunction(String logicalId) {
        String previous = CURRENT.get();
        CURRENT.set(logicalId);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /**
     * The recorder as a classpath entry for a function process (the local Lambda runtime puts it
     * under the function's lib/): its classes and the SDK's global interceptor file, copied from
     * this test classpath into {@code dir}. Nothing else of the test classpath goes with it.
     */
    public static Path instrumentation(Path dir) {
        try {
            String interceptors = "software/amazon/awssdk/global/handlers/execution.interceptors";
            Path root = Path.of(AwsCallRecorder.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path pkg = root.resolve(AwsCallRecorder.class.getPackageName().replace('.', '/'));
            Files.createDirectories(dir.resolve(interceptors).getParent());
            Files.copy(root.resolve(interceptors), dir.resolve(interceptors), StandardCopyOption.REPLACE_EXISTING);
            Path target = Files.createDirectories(
                    dir.resolve(pkg.toString().substring(root.toString().length() + 1)));
            try (var classes = Files.list(pkg)) {
                for (Path c : classes.filter(f -> f.getFileName().toString().startsWith("AwsCallRecorder"))
                        .toList()) {
                    Files.copy(c, target.resolve(c.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ends an {@link #inFunction} scope; closing never throws. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String function = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
        if (function == null) {
            function = CURRENT.get();
        }
        if (function != null) {
            attributes.putAttribute(FUNCTION, function);
            attributes.putAttribute(PARAMS, resourceMembers(context.request()));
        }
    }

    /**
     * Only calls that reached AWS (an HTTP answer came back) are recorded: a request that failed before
     * it was sent, or that SnapStart priming sent to its own loopback endpoint (marked with
     * {@link #PRIMING_HEADER}), was never authorized by anyone.
     */
    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        if (context.httpRequest().firstMatchingHeader(PRIMING_HEADER).isEmpty()) {
            attributes.putAttribute(ANSWERED, true);
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        record(attributes, "ok");
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        String outcome = context.exception() instanceof AwsServiceException e
                        && e.awsErrorDetails() != null
                        && e.awsErrorDetails().errorCode() != null
                ? e.awsErrorDetails().errorCode()
                : context.exception().getClass().getSimpleName();
        record(attributes, outcome);
    }

    private static void record(ExecutionAttributes attributes, String outcome) {
        String function = attributes.getAttribute(FUNCTION);
        Path dir = directory();
        if (function == null || dir == null || !Boolean.TRUE.equals(attributes.getAttribute(ANSWERED))) {
            return;
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("function", function);
        line.put("service", attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME));
        line.put("operation", attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        var region = attributes.getAttribute(AwsExecutionAttribute.AWS_REGION);
        line.put("region", region == null ? null : region.id());
        line.put("outcome", outcome);
        line.set("params", attributes.getAttribute(PARAMS));
        write(dir, line.toString());
    }

    static ObjectNode resourceMembers(SdkRequest request) {
        ObjectNode params = JSON.createObjectNode();
        for (SdkField<?> field : request.sdkFields()) {
            String name = RESOURCE_MEMBERS.get(field.memberName().toLowerCase(Locale.ROOT));
            if (name != null && field.getValueOrDefault(request) instanceof String value) {
                params.put(name, value);
            }
        }
        return params;
    }

    private static Map<String, String> canonical(String... names) {
        var map = new java.util.HashMap<String, String>();
        for (String n : names) {
            map.put(n.toLowerCase(Locale.ROOT), n);
        }
        return Map.copyOf(map);
    }

    static Path directory() {
        String dir = System.getProperty(DIR_PROPERTY, System.getenv(DIR_ENV));
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    private static void write(Path dir, String line) {
        Writer writer = WRITERS.computeIfAbsent(dir, AwsCallRecorder::open);
        synchronized (writer) {
            try {
                writer.write(line);
                writer.write('\n');
                writer.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record an AWS call in " + dir, e);
            }
        }
    }

    private static Writer open(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.newBufferedWriter(
                    dir.resolve("calls-" + ProcessHandle.current().pid() + ".jsonl"),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record AWS calls in " + dir, e);
        }
    }
}
