package io.apsisimport.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.apsisimport.iam.AwsCallRecorder;
import io.apsisimport.lambda.Env;
import io.apsisimport.lambda.Wiring;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fast mode: every function's handler class called inside this JVM (one instance per function,
 * wired from the function's template environment), for quick inner-loop runs. No init phase per
 * environment, no timeout, no memory of its own, no JSON log format: nothing is proven only here
 * (see LocalCloud.Options#inJvm).
 */
final class InJvmFunctions implements LambdaEndpoint.Invoker, AutoCloseable {
    private final Map<String, RequestStreamHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, FunctionConfig> configs = new ConcurrentHashMap<>();
    private final Map<String, PrintStream> logs = new ConcurrentHashMap<>();
    private final Path logDir;

    InJvmFunctions(Path logDir) {
        this.logDir = logDir;
    }

    void register(FunctionConfig fn) {
        String className = fn.handler().contains("::")
                ? fn.handler().substring(0, fn.handler().indexOf("::"))
                : fn.handler();
        try {
            Class<?> type = Class.forName(className);
            var handler = (RequestStreamHandler)
                    type.getConstructor(Wiring.class).newInstance(new Wiring(new Env(fn.environment())));
            handlers.put(fn.name(), handler);
            configs.put(fn.name(), fn);
            logs.put(
                    fn.name(),
                    new PrintStream(
                            Files.newOutputStream(logDir.resolve(fn.name() + ".log")), true, StandardCharsets.UTF_8));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + className + " in this JVM: " + e, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public LambdaRuntime.Result invoke(String functionName, byte[] payload) {
        RequestStreamHandler handler = handlers.get(functionName);
        if (handler == null) {
            throw new IllegalArgumentException(
                    "no local function " + functionName + " (known: " + handlers.keySet() + ")");
        }
        var out = new ByteArrayOutputStream();
        // The AWS calls made on this thread meanwhile are this function's (IAM check, see AwsCallRecorder).
        try (var calls = AwsCallRecorder.inFunction(functionName)) {
            handler.handleRequest(
                    new ByteArrayInputStream(payload),
                    out,
                    new LocalContext(configs.get(functionName), logs.get(functionName)));
            return new LambdaRuntime.Result(false, out.toByteArray());
        } catch (Throwable t) {
            return new LambdaRuntime.Result(true, LambdaEndpoint.errorPayload(t));
        }
    }

    @Override
    public void close() {
        logs.values().forEach(PrintStream::close);
    }

    /** The Lambda context a handler sees in this mode: request id, function settings, a file logger. */
    private record LocalContext(FunctionConfig fn, PrintStream log, String requestId) implements Context {
        LocalContext(FunctionConfig fn, PrintStream log) {
            this(fn, log, UUID.randomUUID().toString());
        }

        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/" + fn.name();
        }

        @Override
        public String getLogStreamName() {
            return "in-jvm";
        }

        @Override
        public String getFunctionName() {
            return fn.name();
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return LocalCloud.functionArn(fn.name());
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return fn.timeoutSeconds() * 1000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return fn.memoryMb();
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    log.print(message);
                }

                @Override
                public void log(byte[] message) {
                    log.print(new String(message, StandardCharsets.UTF_8));
                }
            };
        }
    }
}
