package io.apsisimport.lambda;

import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of the functions (registered in META-INF/services): the AWS SDK logs through
 * SLF4J, and without a provider SLF4J prints its "no providers" warning as plain text at every init
 * (and drops everything). Here the SDK's warnings and errors become our own JSON lines ({@link Log}:
 * level, message, the logger's name, the error's type and message, and the invocation's fields), so
 * that every line a function writes is one JSON object CloudWatch understands.
 *
 * <p>Below WARN nothing is written, whatever the application log level: the SDK's INFO and DEBUG
 * describe every request (its DEBUG the requests themselves) and would drown the pipeline's own lines;
 * {@code ApplicationLogLevel: DEBUG} is for our lines. A logger that is off also spares the SDK
 * building those messages.
 *
 * <p>Outside a Lambda runtime (the in-JVM fast mode, tests, tools: no {@code AWS_LAMBDA_RUNTIME_API})
 * it writes nothing, as slf4j-nop did there before: their standard output carries contracts of its
 * own (bin/local-import's JSON lines).
 */
public final class Slf4jToLog implements SLF4JServiceProvider {
    private static final boolean IN_LAMBDA = System.getenv("AWS_LAMBDA_RUNTIME_API") != null;

    private final ILoggerFactory loggers = JsonLogger::new;
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // nothing to set up
    }

    /** One SLF4J logger: WARN and ERROR as JSON lines through {@link Log}, the rest off. */
    static final class JsonLogger extends LegacyAbstractLogger {
        JsonLogger(String name) {
            this.name = name;
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return false;
        }

        @Override
        public boolean isWarnEnabled() {
            return IN_LAMBDA && Log.MIN_LEVEL.ordinal() <= LogLevel.WARN.ordinal();
        }

        @Override
        public boolean isErrorEnabled() {
            return IN_LAMBDA && Log.MIN_LEVEL.ordinal() <= LogLevel.ERROR.ordinal();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
                Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
            LogLevel to = switch (level) {
                case ERROR -> LogLevel.ERROR;
                case WARN -> LogLevel.WARN;
                default -> null;
            };
            if (to == null || !IN_LAMBDA) {
                return;
            }
            List<Object> fields = new ArrayList<>(List.of("logger", name));
            if (throwable != null) {
                fields.addAll(List.of(
                        "errorType",
                        throwable.getClass().getName(),
                        "errorMessage",
                        String.valueOf(throwable.getMessage())));
            }
            Log.write(to, null, MessageFormatter.basicArrayFormat(pattern, arguments), fields.toArray());
        }
    }
}
