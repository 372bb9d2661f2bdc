package io.apsisimport.local;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One function as template.yaml configures it for the local stack: handler string, timeout, memory
 * and the environment Lambda gives the runtime (the template's variables, resolved, plus the ones
 * Lambda itself sets: AWS_REGION, AWS_LAMBDA_FUNCTION_*, AWS_LAMBDA_LOG_*, _HANDLER, …).
 */
public record FunctionConfig(
        String name, String handler, int timeoutSeconds, int memoryMb, Map<String, String> environment) {

    public FunctionConfig {
        environment = Map.copyOf(environment);
    }

    /**
     * A function with the variables Lambda sets for every java21 function, then {@code variables}
     * (the template's) and the logging configuration. {@code logging} holds LoggingConfig's
     * LogFormat, ApplicationLogLevel, LogGroup when present.
     */
    public static FunctionConfig lambda(
            String name,
            String handler,
            int timeoutSeconds,
            int memoryMb,
            Map<String, String> variables,
            Map<String, String> logging,
            String region,
            String taskRoot) {
        return lambda(name, handler, timeoutSeconds, memoryMb, variables, logging, false, region, taskRoot);
    }

    /**
     * As above; {@code snapStart}: the function's versions use SnapStart, so init runs as
     * {@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start} (the runtime calls the CRaC beforeCheckpoint
     * and afterRestore hooks; see LambdaRuntime for what is not imitated).
     */
    public static FunctionConfig lambda(
            String name,
            String handler,
            int timeoutSeconds,
            int memoryMb,
            Map<String, String> variables,
            Map<String, String> logging,
            boolean snapStart,
            String region,
            String taskRoot) {
        var env = new LinkedHashMap<String, String>();
        env.put("_HANDLER", handler);
        env.put("AWS_REGION", region);
        env.put("AWS_DEFAULT_REGION", region);
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        env.put("AWS_LAMBDA_FUNCTION_NAME", name);
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(memoryMb));
        // Read by the emulator, which enforces it (Lambda does not set it: it enforces Timeout itself).
        env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Integer.toString(timeoutSeconds));
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", snapStart ? "snap-start" : "on-demand");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", logging.getOrDefault("LogGroup", "/aws/lambda/" + name));
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local/[$LATEST]" + name);
        env.put(
                "AWS_LAMBDA_LOG_FORMAT",
                logging.getOrDefault("LogFormat", "Text").toUpperCase(java.util.Locale.ROOT));
        if (logging.containsKey("ApplicationLogLevel")) {
            env.put("AWS_LAMBDA_LOG_LEVEL", logging.get("ApplicationLogLevel").toUpperCase(java.util.Locale.ROOT));
        }
        env.put("LAMBDA_TASK_ROOT", taskRoot);
        env.put("LAMBDA_RUNTIME_DIR", "/var/runtime");
        env.put("TZ", ":UTC");
        env.put("LANG", "en_US.UTF-8");
        // The execution role's credentials on AWS; moto accepts any.
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("AWS_SESSION_TOKEN", "test");
        env.putAll(variables);
        return new FunctionConfig(name, handler, timeoutSeconds, memoryMb, env);
    }

    /** The function's JAVA_TOOL_OPTIONS ("" when none): the JVM itself reads them at start. */
    public String javaToolOptions() {
        return environment.getOrDefault("JAVA_TOOL_OPTIONS", "");
    }
}
