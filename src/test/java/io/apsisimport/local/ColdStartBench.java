package io.apsisimport.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.template.TemplateModel;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * bench/coldstart/run: every function under the real Lambda runtime on this machine, one execution
 * environment each, five files through the pipeline: init duration (the emulator's INIT REPORT)
 * and the first and fifth invocation's duration (its REPORT lines), each against a hello-world
 * RequestStreamHandler run the same way in the same run; then the relay's first upload in a fresh
 * environment against curl -F to the simulator's upload endpoint; and the Lambda artifact's size.
 */
public final class ColdStartBench {
  private static final String HELLO = "io.apsisimport.local.fn.HelloWorldHandler::handleRequest";
  private static final java.util.regex.Pattern UPLOADED =
      java.util.regex.Pattern.compile("file uploaded.*?millis\\\\?\":(\\d+)");

  public static void main(String[] args) throws Exception {
    int relayMb = args.length > 0 ? Integer.parseInt(args[0]) : 45;
    Path home = Path.of(System.getProperty("apsisimport.home", ".")).toAbsolutePath().normalize();
    TemplateModel template = TemplateModel.load(home.resolve("template.yaml"));

    Row hello = hello(home, template);
    List<Row> rows = new ArrayList<>();
    var sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMillis(300)));
    try (sim; var cloud = LocalCloud.start(LocalCloud.Options.defaults(sim).withMaxEnvironmentsPerFunction(1))) {
      cloud.putRoutes(LocalImport.defaultRoutes("inbox/"));
      for (int i = 1; i <= 5; i++) {
        String e = cloud.drop("inbox/coldstart-" + i + ".csv", ("email-address\nuser" + i + "@example.com\n")
            .getBytes(StandardCharsets.UTF_8)).execution();
        require(cloud.await(e, Duration.ofMinutes(3)).status(), e);
      }
      // The reaper runs only for failed executions: five status changes of an unknown execution.
      for (int i = 1; i <= 5; i++) {
        cloud.lambda().invoke("ReapSlotsFunction", cloud.statusChangeEvent(
            cloud.stateMachineArn().replace(":stateMachine:", ":execution:") + ":gone-" + i, cloud.stateMachineArn(),
            "FAILED"));
      }
      LambdaRuntime runtime = cloud.runtime().orElseThrow();
      for (String fn : cloud.functions().keySet()) {
        var stats = runtime.environmentStats(fn).get(0);
        rows.add(new Row(fn, stats.initMillis().get(0), stats.invokeMillis().get(0), stats.invokeMillis().get(4)));
      }
    }

    System.out.printf("Cold start under the Lambda Java runtime (RIC 2.10.1 under RIE), %s, one environment per "
        + "function%n", System.getProperty("java.vm.version"));
    System.out.printf("%-28s %9s %7s %9s %7s %9s %7s %12s%n", "function", "init ms", "x hello", "1st ms", "x hello",
        "5th ms", "x hello", "1st/5th");
    print(hello, hello);
    boolean initOk = true;
    boolean firstOk = true;
    for (Row r : rows) {
      print(r, hello);
      initOk &= r.init <= 3 * hello.init;
      firstOk &= r.first <= 2 * r.fifth;
    }
    System.out.printf("goals: init <= 3x hello-world's: %s; first invocation <= 2x the fifth: %s%n",
        initOk ? "met" : "MISSED", firstOk ? "met" : "MISSED");
    System.out.println("(init: the emulator's INIT REPORT; invocations: its INVOKE RTDONE, the invoke phase alone "
        + "(its REPORT Duration of a first invocation includes the init). SnapStart functions run their CRaC priming "
        + "and restore hooks inside this init, but RIE takes no snapshot: on AWS this init is paid at publish and a "
        + "cold start costs a restore instead; see docs/local-runtime.md)");

    relay(home, relayMb);

    List<Path> artifact = LambdaArtifact.projectEntries(home);
    System.out.printf("Lambda artifact: %.1f MB uncompressed (target/classes + %d runtime jars)%n",
        LambdaArtifact.size(artifact) / 1e6, artifact.size() - 1);
  }

  private record Row(String name, double init, double first, double fifth) {}

  private static void print(Row r, Row hello) {
    System.out.printf("%-28s %9.0f %6.1fx %9.1f %6.1fx %9.1f %6.1fx %11.1fx%n", r.name, r.init, r.init / hello.init,
        r.first, r.first / hello.first, r.fifth, r.fifth / hello.fifth, r.first / r.fifth);
  }

  /** The hello-world handler with the template's Globals (memory, JAVA_TOOL_OPTIONS, log format). */
  private static Row hello(Path home, TemplateModel template) throws IOException {
    Path run = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"),
        "apsis-one-import")), "coldstart-hello-");
    Path task = LambdaArtifact.layOut(run.resolve("task"), List.of(home.resolve("target/test-classes")), List.of());
    JsonNode globals = template.root().at("/Globals/Function");
    var fn = FunctionConfig.lambda("HelloWorld", HELLO, globals.path("Timeout").asInt(),
        globals.path("MemorySize").asInt(),
        Map.of("JAVA_TOOL_OPTIONS", globals.at("/Environment/Variables/JAVA_TOOL_OPTIONS").asText()),
        Map.of("LogFormat", globals.at("/LoggingConfig/LogFormat").asText("Text")),
        "PublishedVersions".equals(globals.at("/SnapStart/ApplyOn").asText()), LocalCloud.REGION, task.toString());
    try (var runtime = new LambdaRuntime(new LambdaRuntime.Settings(LambdaRuntime.rieBinary(),
        LambdaRuntime.javaLauncher(), LambdaRuntime.runtimeClasspath(home), task, run.resolve("logs"), 1, Map.of()))) {
      runtime.register(fn);
      for (int i = 0; i < 5; i++) {
        runtime.invoke("HelloWorld", "{}".getBytes(StandardCharsets.UTF_8));
      }
      var stats = runtime.environmentStats("HelloWorld").get(0);
      return new Row("hello world (baseline)", stats.initMillis().get(0), stats.invokeMillis().get(0),
          stats.invokeMillis().get(4));
    }
  }

  /**
   * One file of {@code mb} MB (one part) through a fresh cloud: UploadPart's first invocation in a
   * fresh environment, against curl -F of the same bytes to a fresh upload form of the simulator.
   */
  private static void relay(Path home, int mb) throws Exception {
    Path file = Files.createTempFile("coldstart-relay-", ".csv");
    try {
      writeCsv(file, mb * 1_000_000L);
      var sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMillis(300)));
      double relaySeconds;
      try (sim; var cloud = LocalCloud.start(LocalCloud.Options.defaults(sim).withMaxEnvironmentsPerFunction(1))) {
        cloud.putRoutes(LocalImport.defaultRoutes("inbox/"));
        String e = cloud.drop("inbox/relay.csv", file).execution();
        require(cloud.await(e, Duration.ofMinutes(10)).status(), e);
        var stats = cloud.runtime().orElseThrow().environmentStats("UploadPartFunction").get(0);
        relaySeconds = stats.invokeMillis().get(0) / 1000;
        double curlSeconds = curlUpload(sim, file);
        // The handler logs the upload's own duration ("file uploaded", millis): the stream from S3 to
        // APSIS, without the first invocation's other work (clients, slot record, S3 HEAD).
        double uploadSeconds = cloud.logLines().stream().map(UPLOADED::matcher).filter(java.util.regex.Matcher::find)
            .mapToDouble(m -> Long.parseLong(m.group(1)) / 1000.0).findFirst().orElse(Double.NaN);
        System.out.printf("relay, first upload in a fresh environment (%d MB, S3 object in moto → simulator): "
            + "upload %.2f s (whole first invocation %.2f s); curl -F of the same file: %.2f s; "
            + "ratio %.2f (goal >= 0.9; whole invocation %.2f)%n", mb, uploadSeconds, relaySeconds, curlSeconds,
            curlSeconds / uploadSeconds, curlSeconds / relaySeconds);
        long t0 = System.nanoTime();
        cloud.s3().getObject(b -> b.bucket(cloud.bucket()).key("archive/inbox/relay.csv"),
            software.amazon.awssdk.core.sync.ResponseTransformer.toOutputStream(OutputStream.nullOutputStream()));
        System.out.printf("(moto's S3 alone serves that object in %.2f s: the relay reads its part from it)%n",
            (System.nanoTime() - t0) / 1e9);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static double curlUpload(ApsisSimulator sim, Path file) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      String token = json(http, sim.baseUrl().resolve("/oauth/token"), null, "{\"grant_type\":\"client_credentials\","
          + "\"client_id\":\"" + sim.config().clientId() + "\",\"client_secret\":\"" + sim.config().clientSecret() + "\"}")
          .get("access_token").asText();
      JsonNode ticket = json(http, sim.baseUrl().resolve("/v2/audience/sections/bench/imports"), token,
          "{\"keyspace_mapping\":{\"keyspace_discriminator\":\"com.apsis1.keyspaces.email\","
              + "\"field_selector\":\"email-address\"}}");
      List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}"));
      ticket.get("file_upload_body").properties().forEach(f -> {
        cmd.add("--form-string");
        cmd.add(f.getKey() + "=" + f.getValue().asText());
      });
      cmd.add("-F");
      cmd.add("file=@" + file + ";type=text/csv");
      cmd.add(ticket.get("file_upload_url").asText());
      return curlSeconds(cmd);
    }
  }

  private static double curlSeconds(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0 || !out.startsWith("200 ")) {
      throw new IllegalStateException("curl failed: " + out);
    }
    return Double.parseDouble(out.substring(4));
  }

  private static JsonNode json(HttpClient http, URI uri, String token, String body) throws Exception {
    var request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + r.body());
    }
    return LocalCloud.JSON.readTree(r.body());
  }

  private static void writeCsv(Path file, long bytes) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      long written = 0;
      byte[] header = "email-address,name,score\n".getBytes(StandardCharsets.UTF_8);
      out.write(header);
      written += header.length;
      for (long n = 1; written < bytes; n++) {
        byte[] row = ("user" + n + "@example.com,\"Name, " + n + "\"," + (n % 97) + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(row);
        written += row.length;
      }
    }
  }

  private static void require(ExecutionStatus status, String execution) {
    if (status != ExecutionStatus.SUCCEEDED) {
      throw new IllegalStateException(execution + " ended " + status);
    }
  }
}
