package io.apsisimport.metrics;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes EMF documents to the function's log, each as one line that CloudWatch Logs receives as it
 * is written: CloudWatch extracts metrics only from a log event that is exactly the EMF JSON object.
 *
 * <p>Through {@code LambdaLogger.log(byte[])}, as {@code handler/Log} writes its lines: Lambda's Java
 * runtime passes bytes through untouched under the JSON log format (a {@code String} would become
 * the {@code message} of the runtime's own JSON object, and CloudWatch would see no EMF). Unlike
 * {@code Log}'s lines these carry no level (the runtime's {@code UNDEFINED}), which the runtime
 * never filters: metrics do not disappear when the application log level is WARN or ERROR.
 */
public final class EmfLog {
    private EmfLog() {}

    /** Writes each line of {@code document} to the invocation's log. */
    public static void write(Context context, Emf document) {
        write(context, document.lines());
    }

    public static void write(Context context, List<String> lines) {
        LambdaLogger logger =
                context != null && context.getLogger() != null ? context.getLogger() : LambdaRuntime.getLogger();
        for (String line : lines) {
            logger.log((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
