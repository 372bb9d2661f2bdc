package io.apsisimport.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Structured logs: one JSON object per line, with a real level and the fields that matter at top
 * level (S3 key, execution ARN, part, import id, route, Lambda's request id and function name), so
 * that CloudWatch Logs Insights can filter on them and Lambda's application log level applies.
 *
 * <p>Each line goes to the runtime as bytes with its level ({@code LambdaLogger.log(byte[], LogLevel)}).
 * Under the JSON log format the Java runtime passes such bytes through untouched (a {@code String}
 * would become the string {@code message} of the runtime's own object, and {@code log(String)} gets
 * level UNDEFINED), and it drops lines below {@code AWS_LAMBDA_LOG_LEVEL} (the template's
 * {@code ApplicationLogLevel}); both verified under the Lambda runtime interface client and emulator
 * ({@code RuntimeLogsTest}). Lines below that level are not even built here.
 *
 * <p>{@link JsonHandler} sets the invocation's fields (request id, function name, and key, execution,
 * part, import id and route when its input has them) for every line of the invocation, also lines
 * logged without the context. Callers add ids and counts only: never a token, secret or upload form
 * field.
 */
public final class Log {
    /** The lowest level written: Lambda's application log level, INFO when unset. */
    static final LogLevel MIN_LEVEL = minLevel(System.getenv("AWS_LAMBDA_LOG_LEVEL"));

    /**
     * Keys whose values are credentials, tokens or upload form fields: written as {@code ***} should a
     * caller ever pass one (a safety net; callers log ids and counts).
     */
    static final Set<String> SECRET_KEYS = Set.of(
            "client_secret",
            "clientsecret",
            "secret",
            "password",
            "access_token",
            "accesstoken",
            "token",
            "tasktoken",
            "authorization",
            "policy",
            "signature",
            "x-amz-signature",
            "x-amz-credential",
            "credential",
            "credentials",
            "ticket",
            "fields",
            "uploadfields",
            "file_upload_body");
    /** A JWT (APSIS access tokens are JWTs), wherever it appears in a value. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    /** The invocation the current thread works on, set by {@link JsonHandler}. */
    private static final ThreadLocal<Invocation> CURRENT = new ThreadLocal<>();

    /** Lambda's context and the fields every line of one invocation carries. */
    record Invocation(Context context, Map<String, Object> fields) implements AutoCloseable {
        @Override
        public void close() {
            CURRENT.remove();
        }
    }

    private Log() {}

    public static void debug(Context context, String message, Object... keyValues) {
        write(LogLevel.DEBUG, context, message, keyValues);
    }

    public static void info(Context context, String message, Object... keyValues) {
        write(LogLevel.INFO, context, message, keyValues);
    }

    public static void warn(Context context, String message, Object... keyValues) {
        write(LogLevel.WARN, context, message, keyValues);
    }

    public static void error(Context context, String message, Object... keyValues) {
        write(LogLevel.ERROR, context, message, keyValues);
    }

    /** Starts an invocation: its lines carry {@code fields} and Lambda's ids. Close it when it ends. */
    static Invocation begin(Context context, Map<String, Object> fields) {
        var invocation = new Invocation(context, Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
        CURRENT.set(invocation);
        return invocation;
    }

    static void write(LogLevel level, Context context, String message, Object... keyValues) {
        if (level.ordinal() < MIN_LEVEL.ordinal()) {
            return;
        }
        Invocation invocation = CURRENT.get();
        Context ctx = context != null ? context : invocation == null ? null : invocation.context();
        byte[] line = line(level, ctx, invocation == null ? Map.of() : invocation.fields(), message, keyValues);
        LambdaLogger logger = ctx != null && ctx.getLogger() != null ? ctx.getLogger() : LambdaRuntime.getLogger();
        logger.log(line, level);
    }

    /** One log line, ending with a newline. */
    static byte[] line(
            LogLevel level, Context context, Map<String, Object> fields, String message, Object... keyValues) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("timestamp", Instant.now().toString());
        line.put("level", level.name());
        line.put("message", message);
        if (context != null) {
            line.put("requestId", context.getAwsRequestId());
            line.put("functionName", context.getFunctionName());
        }
        line.putAll(fields);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            line.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
        }
        line.values().removeIf(v -> v == null);
        line.replaceAll((k, v) -> SECRET_KEYS.contains(k.toLowerCase(Locale.ROOT))
                ? "***"
                : v instanceof String text && text.contains("eyJ")
                        ? JWT.matcher(text).replaceAll("***")
                        : v);
        String text;
        try {
            text = JsonHandler.JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            text = "{\"level\":\"" + level.name() + "\",\"message\":\"unloggable event\"}";
        }
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static LogLevel minLevel(String configured) {
        if (configured == null || configured.isBlank()) {
            return LogLevel.INFO;
        }
        try {
            LogLevel level = LogLevel.valueOf(configured.trim().toUpperCase(Locale.ROOT));
            return level == LogLevel.UNDEFINED ? LogLevel.INFO : level;
        } catch (IllegalArgumentException unknown) {
            return LogLevel.INFO;
        }
    }
}
