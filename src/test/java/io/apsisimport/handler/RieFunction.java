package io.apsisimport.handler;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One function of the built artifact (target/classes and the runtime jars, as {@code sam build} lays
 * them out) in the real Lambda Java runtime (the runtime interface client, RIC, the java21 managed
 * runtime's client) under the Lambda runtime interface emulator (RIE), on loopback. The emulator
 * applies {@code AWS_LAMBDA_FUNCTION_TIMEOUT}, {@code AWS_LAMBDA_LOG_FORMAT} and
 * {@code AWS_LAMBDA_LOG_LEVEL} as Lambda does and reports INIT and invocation durations.
 *
 * <p>A small harness for the tests that must see what the real runtime does (log format, timeouts)
 * until the local cloud runs every function this way; then they can move onto it.
 */
final class RieFunction implements AutoCloseable {
  /** The emulator, pinned (same version as the rest of the project's tooling). */
  static final String RIE_MODULE =
      "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Path output;
  private final int port;
  private final String name;

  /** What one invocation answered: Lambda's error shape ({@code errorType}, …) when it failed. */
  record Answer(int status, String body, Duration elapsed) {
    JsonNode json() {
      try {
        return JsonHandler.JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String errorType() {
      JsonNode type = json().get("errorType");
      return type == null ? null : type.asText();
    }
  }

  private RieFunction(Process process, Path output, int port, String name) {
    this.process = process;
    this.output = output;
    this.port = port;
    this.name = name;
  }

  /**
   * Starts {@code handler} (template.yaml's handler string) as function {@code name} with the given
   * environment and timeout, and waits until the emulator answers.
   */
  static RieFunction start(String name, String handler, Map<String, String> environment, int timeoutSeconds) {
    int port = freePort();
    int runtimeApi = freePort();
    try {
      Path output = Files.createTempFile("rie-" + name + "-", ".log");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = List.of(rie().toString(), "--runtime-interface-emulator-address", "127.0.0.1:" + port,
          "--runtime-api-address", "127.0.0.1:" + runtimeApi, java, "-cp", artifactClasspath(),
          "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", handler);
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
      Map<String, String> env = pb.environment();
      env.clear();
      env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
      env.put("HOME", System.getProperty("user.home"));
      env.put("AWS_LAMBDA_FUNCTION_NAME", name);
      env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Integer.toString(timeoutSeconds));
      env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
      env.put("AWS_LAMBDA_LOG_FORMAT", "JSON");
      env.put("AWS_REGION", "eu-west-1");
      env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
      env.putAll(environment);
      RieFunction function = new RieFunction(pb.start(), output, port, name);
      function.awaitListening(Duration.ofSeconds(30));
      return function;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the runtime interface emulator", e);
    }
  }

  Answer invoke(String payload) {
    long started = System.nanoTime();
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/2015-03-31/functions/function/invocations"))
          .timeout(Duration.ofMinutes(2)).POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body(), Duration.ofNanos(System.nanoTime() - started));
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": invoke failed; output:\n" + output(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Everything the emulator and the function wrote so far (the function's stdout is its log). */
  String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The function's log lines that are JSON objects, in order. */
  List<JsonNode> jsonLines() {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : output().split("\n")) {
      if (line.startsWith("{")) {
        try {
          lines.add(JsonHandler.JSON.readTree(line));
        } catch (IOException notJson) {
          throw new AssertionError(name + ": a log line starting with { is not one JSON object: " + line);
        }
      }
    }
    return lines;
  }

  /** Request ids of the invocations so far, from the emulator's START lines. */
  List<String> requestIds() {
    List<String> ids = new ArrayList<>();
    for (String line : output().split("\n")) {
      if (line.startsWith("START RequestId: ")) {
        ids.add(line.substring("START RequestId: ".length()).split(" ")[0]);
      }
    }
    return ids;
  }

  @Override
  public void close() {
    // The emulator stops its runtime when it ends; the descendants are ended too in case it cannot.
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      Files.deleteIfExists(output);
    } catch (IOException ignored) {
      // a temp file left behind is harmless
    }
  }

  private void awaitListening(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + ": the emulator exited with " + process.exitValue() + ":\n" + output());
      }
      try (var socket = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        try {
          process.waitFor(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
    close();
    throw new IllegalStateException(name + ": the emulator did not listen within " + timeout);
  }

  /**
   * The function's classpath: the built classes and the Lambda artifact's runtime jars
   * (target/lambda-runtime-classpath.txt), plus the runtime interface client and the jars it needs,
   * taken from this test JVM's classpath. No test class or test-scope library.
   */
  static String artifactClasspath() {
    try {
      List<String> entries = new ArrayList<>();
      entries.add(Path.of("target/classes").toAbsolutePath().toString());
      String runtime = Files.readString(Path.of("target/lambda-runtime-classpath.txt")).trim();
      entries.addAll(List.of(runtime.split(java.io.File.pathSeparator)));
      for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
        if (entry.contains("aws-lambda-java-runtime-interface-client") || entry.contains("aws-lambda-java-serialization")
            || entry.contains("utils-lite")) {
          entries.add(entry);
        }
      }
      return String.join(java.io.File.pathSeparator, entries);
    } catch (IOException e) {
      throw new UncheckedIOException("target/lambda-runtime-classpath.txt is written by mvn generate-test-resources", e);
    }
  }

  /**
   * The emulator binary: {@code $APSIS_LAMBDA_RIE}, else ~/.cache/apsis-one-import/bin/aws-lambda-rie,
   * installed there with {@code go install} of the pinned module when missing.
   */
  static synchronized Path rie() {
    String configured = System.getenv("APSIS_LAMBDA_RIE");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path bin = Path.of(System.getProperty("user.home"), ".cache", "apsis-one-import", "bin");
    Path rie = bin.resolve("aws-lambda-rie");
    if (Files.isExecutable(rie)) {
      return rie;
    }
    try {
      Files.createDirectories(bin);
      Path log = Files.createTempFile("go-install-rie-", ".log");
      ProcessBuilder pb = new ProcessBuilder("go", "install", RIE_MODULE).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().put("GOBIN", bin.toString());
      Process go = pb.start();
      if (!go.waitFor(10, TimeUnit.MINUTES) || go.exitValue() != 0 || !Files.isExecutable(rie)) {
        throw new IllegalStateException("go install " + RIE_MODULE + " failed:\n" + Files.readString(log));
      }
      Files.deleteIfExists(log);
      return rie;
    } catch (IOException e) {
      throw new IllegalStateException("the Lambda runtime interface emulator is needed at " + rie
          + " and 'go install " + RIE_MODULE + "' could not run (is Go installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Map<String, String> env(String... keyValues) {
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      env.put(keyValues[i], keyValues[i + 1]);
    }
    return env;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
