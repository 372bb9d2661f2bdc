package io.apsisimport.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.apsisimport.iam.AwsCallRecorder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda service as moto's ASL engine sees it: answers
 * {@code POST /2015-03-31/functions/{name}/invocations} by calling the handler class in this JVM,
 * and forwards every other request to moto. Errors come back the way real Lambda reports them
 * (HTTP 200, {@code X-Amz-Function-Error: Unhandled}, {@code {"errorMessage","errorType","stackTrace"}}),
 * so the definition's Retry and Catch match on the same names as on AWS.
 */
public final class LambdaEndpoint implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern INVOKE = Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations$");
  private static final Set<String> HOP_HEADERS = Set.of("host", "connection", "content-length", "transfer-encoding",
      "expect", "upgrade", "keep-alive");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final URI moto;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, RequestStreamHandler> functions = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> invocations = new ConcurrentHashMap<>();

  public LambdaEndpoint(int port, URI moto) throws IOException {
    this.moto = moto;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public void register(String functionName, RequestStreamHandler handler) {
    functions.put(functionName, handler);
  }

  public long invocations(String functionName) {
    return invocations.computeIfAbsent(functionName, k -> new AtomicLong()).get();
  }

  /** Invokes a function directly, as an event source would (S3 notification, EventBridge rule). */
  public byte[] invoke(String functionName, byte[] payload) {
    Result r = call(functionName, payload);
    if (r.error) {
      throw new IllegalStateException(functionName + " failed: " + new String(r.body, StandardCharsets.UTF_8));
    }
    return r.body;
  }

  private record Result(boolean error, byte[] body) {}

  private Result call(String functionName, byte[] payload) {
    RequestStreamHandler handler = functions.get(functionName);
    if (handler == null) {
      throw new IllegalArgumentException("no local function " + functionName + " (known: " + functions.keySet() + ")");
    }
    invocations.computeIfAbsent(functionName, k -> new AtomicLong()).incrementAndGet();
    var out = new ByteArrayOutputStream();
    // The AWS calls made on this thread meanwhile are this function's (IAM check, see AwsCallRecorder).
    try (var calls = AwsCallRecorder.inFunction(functionName)) {
      handler.handleRequest(new ByteArrayInputStream(payload), out, new LocalContext(functionName));
      return new Result(false, out.toByteArray());
    } catch (Throwable t) {
      return new Result(true, errorPayload(t));
    }
  }

  static byte[] errorPayload(Throwable t) {
    ObjectNode error = JSON.createObjectNode();
    error.put("errorMessage", String.valueOf(t.getMessage()));
    error.put("errorType", t.getClass().getName());
    ArrayNode trace = error.putArray("stackTrace");
    for (StackTraceElement e : List.of(t.getStackTrace()).subList(0, Math.min(10, t.getStackTrace().length))) {
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
        Result r = call(name, body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("X-Amz-Executed-Version", "$LATEST");
        if (r.error) {
          exchange.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
        }
        exchange.sendResponseHeaders(200, r.body.length == 0 ? -1 : r.body.length);
        exchange.getResponseBody().write(r.body);
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
        + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
    var request = HttpRequest.newBuilder(target).method(exchange.getRequestMethod(),
        body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
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
    server.stop(0);
    executor.shutdownNow();
  }

  /** The Lambda context a handler sees here: a request id, the function name, a stdout logger. */
  private record LocalContext(String functionName, String requestId) implements Context {
    LocalContext(String functionName) {
      this(functionName, UUID.randomUUID().toString());
    }

    @Override public String getAwsRequestId() { return requestId; }
    @Override public String getLogGroupName() { return "/aws/lambda/" + functionName; }
    @Override public String getLogStreamName() { return "local"; }
    @Override public String getFunctionName() { return functionName; }
    @Override public String getFunctionVersion() { return "$LATEST"; }
    @Override public String getInvokedFunctionArn() { return LocalCloud.functionArn(functionName); }
    @Override public CognitoIdentity getIdentity() { return null; }
    @Override public ClientContext getClientContext() { return null; }
    @Override public int getRemainingTimeInMillis() { return 900_000; }
    @Override public int getMemoryLimitInMB() { return 1024; }
    @Override public LambdaLogger getLogger() { return LocalCloud.LOGGER; }
  }
}
