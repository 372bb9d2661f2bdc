package io.apsisimport.local.fn;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A function for the tests of the local Lambda runtime: it says which execution environment ran it
 * and how often, and on request sleeps, fails or writes a log line. Input:
 * {@code {"sleepMillis": n, "fail": "message", "log": "text", "getenv": "NAME", "resource": "a/b.txt"}}
 * (all optional; getenv and resource report a variable's value and whether the context class
 * loader finds a resource).
 */
public final class ProbeHandler implements RequestStreamHandler {
    /** Constructions in this JVM: one per execution environment if init runs once per environment. */
    private static final AtomicInteger INITS = new AtomicInteger();

    private static final Pattern SLEEP = Pattern.compile("\"sleepMillis\"\\s*:\\s*(\\d+)");
    private static final Pattern FAIL = Pattern.compile("\"fail\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern LOG = Pattern.compile("\"log\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern GETENV = Pattern.compile("\"getenv\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern RESOURCE = Pattern.compile("\"resource\"\\s*:\\s*\"([^\"]*)\"");

    private final String environment = UUID.randomUUID().toString();
    private final int inits = INITS.incrementAndGet();
    private final AtomicInteger invocations = new AtomicInteger();

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        String input = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        int n = invocations.incrementAndGet();
        Matcher log = LOG.matcher(input);
        if (log.find()) {
            context.getLogger().log(log.group(1));
        }
        Matcher sleep = SLEEP.matcher(input);
        if (sleep.find()) {
            try {
                Thread.sleep(Long.parseLong(sleep.group(1)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Matcher fail = FAIL.matcher(input);
        if (fail.find()) {
            throw new ProbeFailedException(fail.group(1));
        }
        Matcher getenv = GETENV.matcher(input);
        String envValue = getenv.find() ? System.getenv(getenv.group(1)) : null;
        Matcher resource = RESOURCE.matcher(input);
        boolean found = resource.find()
                && Thread.currentThread().getContextClassLoader().getResource(resource.group(1)) != null;
        String answer = "{\"environment\":\"" + environment + "\",\"pid\":"
                + ProcessHandle.current().pid()
                + ",\"inits\":" + inits + ",\"invocation\":" + n + ",\"function\":\"" + context.getFunctionName()
                + "\",\"remainingMillis\":" + context.getRemainingTimeInMillis() + ",\"memoryMb\":"
                + context.getMemoryLimitInMB() + ",\"envValue\":" + (envValue == null ? "null" : "\"" + envValue + "\"")
                + ",\"resourceFound\":" + found + "}";
        out.write(answer.getBytes(StandardCharsets.UTF_8));
    }

    /** The error the probe throws on request: its class name must reach the caller as errorType. */
    public static final class ProbeFailedException extends RuntimeException {
        public ProbeFailedException(String message) {
            super(message);
        }
    }
}
