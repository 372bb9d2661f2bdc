package io.apsisimport.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda service as moto's ASL engine sees it: answers
 * {@code POST /2015-03-31/functions/{name}/invocations} by handing the event to the function (the
 * {@link Invoker}: the real Lambda runtime, {@link LambdaRuntime}, or the in-JVM fast mode) and
 * forwards every other request to moto. Errors come back the way real Lambda reports them (HTTP 200,
 * {@code X-Amz-Function-Error: Unhandled}, {@code {"errorMessage","errorType","stackTrace"}}), so the
 * definition's Retry and Catch match on the same names as on AWS.
 */
public final class LambdaEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INVOKE = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");
    private static final Set<String> HOP_HEADERS =
            Set.of("host", "connection", "content-length", "transfer-encoding", "expect", "upgrade", "keep-alive");

    /** Runs one invocation of a function: its payload, or Lambda's error payload. */
    public interface Invoker {
        LambdaRuntime.Result invoke(String functionName, byte[] payload);
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final URI moto;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Invoker invoker;
    private final List<Hold> holds = new CopyOnWriteArrayList<>();

    public LambdaEndpoint(int port, URI moto, Invoker invoker) throws IOException {
        this.moto = moto;
        this.invoker = invoker;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Invokes a function directly, as an event source would (S3 notification, EventBridge rule). */
    public byte[] invoke(String functionName, byte[] payload) {
        LambdaRuntime.Result r = invoker.invoke(functionName, payload);
        if (r.error()) {
            throw new IllegalStateException(functionName + " failed: " + r.text());
        }
        return r.body();
    }

    /**
     * Holds the answers of the state machines' invocations of {@code functionName} whose payload contains
     * {@code payloadContains} (the function has run; its answer waits) until {@link Hold#release}: a
     * test can then act while it knows the execution is inside that task. moto's engine only behaves
     * as AWS does for a StopExecution that lands while a task waits for its answer (or in a Wait
     * state): one landing while it evaluates a state's fields makes the next step of its engine fail,
     * and it ends the stopped execution FAILED (docs/local-runtime.md, "Stopping an execution").
     */
    public Hold hold(String functionName, String payloadContains) {
        Hold hold = new Hold(functionName, payloadContains);
        holds.add(hold);
        return hold;
    }

    /** Answers held by {@link #hold}; closing releases them. */
    public final class Hold implements AutoCloseable {
        /** Longer than any test's wait, shorter than the 60 s the engine's Lambda client waits for an answer. */
        private static final long MAX_HOLD_SECONDS = 45;

        private final String functionName;
        private final byte[] marker;
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Hold(String functionName, String payloadContains) {
            this.functionName = functionName;
            this.marker = payloadContains.getBytes(StandardCharsets.UTF_8);
        }

        private void await(String name, byte[] payload) {
            if (!functionName.equals(name) || !contains(payload, marker) || released.getCount() == 0) {
                return;
            }
            held.countDown();
            try {
                released.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Waits until an answer is held; fails after {@code timeout}. */
        public void awaitHeld(Duration timeout) {
            try {
                if (!held.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("no invocation of " + functionName + " with \""
                            + new String(marker, StandardCharsets.UTF_8) + "\" within " + timeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Sends the held answers and lets every later one through. */
        public void release() {
            released.countDown();
            holds.remove(this);
        }

        @Override
        public void close() {
            release();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The error payload Lambda's Java runtime sends for an exception (the whole stack trace). */
    static byte[] errorPayload(Throwable t) {
        ObjectNode error = JSON.createObjectNode();
        error.put("errorMessage", t.getMessage() == null ? t.getClass().getName() : t.getMessage());
        error.put("errorType", t.getClass().getName());
        ArrayNode trace = error.putArray("stackTrace");
        for (StackTraceElement e : t.getStackTrace()) {
            trace.add(e.toString());
        }
        try {
            return JSON.writeValueAsBytes(error);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Matcher m = INVOKE.matcher(exchange.getRequestURI().getRawPath());
            if (m.matches() && "POST".equals(exchange.getRequestMethod())) {
                String name = functionName(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
                LambdaRuntime.Result r = invoker.invoke(name, body);
                for (Hold hold : holds) {
                    hold.await(name, body);
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.getResponseHeaders().add("X-Amz-Executed-Version", "$LATEST");
                if (r.error()) {
                    exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
                }
                exchange.sendResponseHeaders(200, r.body().length == 0 ? -1 : r.body().length);
                exchange.getResponseBody().write(r.body());
                return;
            }
            forward(exchange, body);
        } catch (RuntimeException e) {
            byte[] msg = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(500, msg.length);
            exchange.getResponseBody().write(msg);
        }
    }

    /** {@code arn:aws:lambda:region:acct:function:Name[:qualifier]} or {@code Name[:qualifier]} → Name. */
    static String functionName(String ref) {
        String s = ref;
        int i = s.indexOf(":function:");
        if (i >= 0) {
            s = s.substring(i + ":function:".length());
        }
        int colon = s.indexOf(':');
        return colon >= 0 ? s.substring(0, colon) : s;
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        URI target = moto.resolve(exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + exchange.getRequestURI().getRawQuery()));
        var request = HttpRequest.newBuilder(target)
                .method(
                        exchange.getRequestMethod(),
                        body.length == 0
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((k, values) -> {
            if (!HOP_HEADERS.contains(k.toLowerCase())) {
                values.forEach(v -> request.header(k, v));
            }
        });
        try {
            HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            r.headers().map().forEach((k, values) -> {
                if (!HOP_HEADERS.contains(k.toLowerCase()) && !k.startsWith(":")) {
                    values.forEach(v -> exchange.getResponseHeaders().add(k, v));
                }
            });
            exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            exchange.getResponseBody().write(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        holds.forEach(Hold::release);
        server.stop(0);
        executor.shutdownNow();
    }
}
