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
    /** The init floor: one ObjectMapper and one DynamoDB client, what every function must build. */
    private static final String FLOOR = "io.apsisimport.local.fn.FloorHandler::handleRequest";

    private static final java.util.regex.Pattern UPLOADED =
            java.util.regex.Pattern.compile("file uploaded.*?millis\\\\?\":(\\d+)");
    /** The same line's split of the upload: S3's two ranged GETs opened, then time spent waiting on S3's stream. */
    private static final java.util.regex.Pattern UPLOADED_S3 =
            java.util.regex.Pattern.compile("file uploaded.*?s3OpenMillis\\\\?\":(\\d+).*?s3ReadMillis\\\\?\":(\\d+)");
    /** Wiring's line at the end of its SnapStart priming (in init, before the runtime asks to be restored). */
    private static final java.util.regex.Pattern PRIMED =
            java.util.regex.Pattern.compile("\"message\":\"SnapStart priming done\",\"millis\":(\\d+)");
    /** The same line's CPU time of the priming (the whole JVM's, the JIT's threads included). */
    private static final java.util.regex.Pattern PRIMED_CPU =
            java.util.regex.Pattern.compile("\"message\":\"SnapStart priming done\".*?\"cpuMillis\":(\\d+)");

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("apsisimport.home", "."))
                .toAbsolutePath()
                .normalize();
        if (args.length > 0 && args[0].equals("--classes")) {
            classes(home, home.resolve("bench/out/classes"));
            return;
        }
        int relayMb = args.length > 0 ? Integer.parseInt(args[0]) : 45;
        TemplateModel template = TemplateModel.load(home.resolve("template.yaml"));
        String loadBefore = loadAverage();

        Row hello = baseline(home, template, "HelloWorld", HELLO, List.of(), "hello world (baseline)");
        Row floor = baseline(
                home,
                template,
                "Floor",
                FLOOR,
                LambdaArtifact.classpath(home.resolve("target/lambda-runtime-classpath.txt")),
                "floor: ObjectMapper + DynamoDB");
        List<Row> rows = new ArrayList<>();
        Map<String, Double> priming = new java.util.HashMap<>();
        Map<String, Long> primingCpu = new java.util.HashMap<>();
        var sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMillis(300)));
        try (sim;
                var cloud = LocalCloud.start(LocalCloud.Options.defaults(sim).withMaxEnvironmentsPerFunction(1))) {
            runFiles(cloud);
            LambdaRuntime runtime = cloud.runtime().orElseThrow();
            for (String fn : cloud.functions().keySet()) {
                if (runtime.environmentStats(fn).isEmpty()) {
                    // Not on the path of a plain file (the feed queue, dry runs): never started.
                    System.err.println(fn + ": not invoked by the bench's files, left out");
                    continue;
                }
                rows.add(Row.of(fn, runtime.environmentStats(fn).get(0)));
                cloud.logLines(fn).stream()
                        .map(PRIMED::matcher)
                        .filter(java.util.regex.Matcher::find)
                        .findFirst()
                        .ifPresent(m -> priming.put(fn, Double.parseDouble(m.group(1))));
                cloud.logLines(fn).stream()
                        .map(PRIMED_CPU::matcher)
                        .filter(java.util.regex.Matcher::find)
                        .findFirst()
                        .ifPresent(m -> primingCpu.put(fn, Long.parseLong(m.group(1))));
            }
        }
        String loadAfter = loadAverage();

        System.out.printf(
                "Cold start under the Lambda Java runtime (RIC 2.10.1 under RIE), %s, one environment per "
                        + "function; load average (1, 5, 15 min) %s before, %s after%n",
                System.getProperty("java.vm.version"), loadBefore, loadAfter);
        System.out.println();
        System.out.println(
                "Issue 8's ratios (wall clock: init is the emulator's INIT REPORT, invocations its INVOKE RTDONE):");
        System.out.printf(
                "%-28s %9s %7s %9s %7s %9s %7s %9s%n",
                "function", "init ms", "x hello", "1st ms", "x hello", "5th ms", "x hello", "1st/5th");
        print(hello, hello);
        print(floor, hello);
        boolean initOk = true;
        boolean firstOk = true;
        for (Row r : rows) {
            print(r, hello);
            initOk &= r.init <= 3 * hello.init;
            firstOk &= r.first <= 2 * r.fifth;
        }
        System.out.printf(
                "goals: init <= 3x hello-world's: %s; first invocation <= 2x the fifth: %s%n",
                initOk ? "met" : "MISSED", firstOk ? "met" : "MISSED");
        double floorWall = floor.init / hello.init;
        double floorCpu = floor.jvmInit.cpuMillis() / (double) Math.max(1, hello.jvmInit.cpuMillis());
        System.out.printf(
                "init floor (one Jackson ObjectMapper and one SDK v2 DynamoDB client on url-connection, nothing else):"
                        + " %.0f ms = %.1fx hello-world's init (%s 3x); CPU %d ms = %.1fx (%s 3x); every function"
                        + " builds more than the floor%n",
                floor.init,
                floorWall,
                floorWall > 3 ? "OVER" : "within",
                floor.jvmInit.cpuMillis(),
                floorCpu,
                floorCpu > 3 ? "OVER" : "within");
        System.out.println();
        System.out.println("Init without the SnapStart priming (its own duration, logged by Wiring, taken out): what is"
                + " left is the JVM, the runtime and the handler's constructor:");
        System.out.printf("%-28s %9s %12s %7s%n", "function", "priming", "init-priming", "x hello");
        for (Row r : rows) {
            double p = priming.getOrDefault(r.name, 0.0);
            System.out.printf("%-28s %6.0f ms %9.0f ms %6.1fx%n", r.name, p, r.init - p, (r.init - p) / hello.init);
        }
        System.out.println();
        System.out.println(
                "Init CPU without the priming's CPU (both the whole JVM's, from /proc; the priming's logged by"
                        + " Wiring), against hello-world's init CPU:");
        System.out.printf(
                "%-28s %10s %13s %16s %7s%n", "function", "init CPU", "priming CPU", "init-priming CPU", "x hello");
        for (Row r : rows) {
            long all = r.jvmSnapshot == JvmProbe.Sample.ZERO ? r.jvmInit.cpuMillis() : r.jvmSnapshot.cpuMillis();
            long p = primingCpu.getOrDefault(r.name, 0L);
            System.out.printf(
                    "%-28s %7d ms %10d ms %13d ms %6.1fx%n",
                    r.name, all, p, all - p, (all - p) / (double) Math.max(1, hello.jvmInit.cpuMillis()));
        }
        System.out.println();
        System.out.println("The same environments by CPU time and classes loaded (all the JVM's threads, JIT and GC"
                + " included; barely moved by other load on the machine):");
        System.out.printf(
                "%-28s %10s %9s %8s %8s %10s %9s %8s %10s %8s%n",
                "function",
                "init CPU",
                "to snap",
                "classes",
                "JIT ms",
                "1st CPU",
                "classes",
                "JIT ms",
                "5th CPU",
                "classes");
        for (Row r : List.copyOf(concat(hello, concat(floor, rows)))) {
            System.out.printf(
                    "%-28s %7d ms %6d ms %8d %8.0f %7d ms %9d %8.0f %7d ms %8d%n",
                    r.name,
                    r.jvmInit.cpuMillis(),
                    r.jvmSnapshot.cpuMillis(),
                    r.jvmInit.loadedClasses(),
                    r.jvmInit.jitMillis(),
                    r.jvmFirst.cpuMillis(),
                    r.jvmFirst.loadedClasses(),
                    r.jvmFirst.jitMillis(),
                    r.jvmFifth.cpuMillis(),
                    r.jvmFifth.loadedClasses());
        }
        System.out.println("(init CPU: the JVM's start to its first request for an event; to snap: to its request to be"
                + " restored, i.e. with the SnapStart priming done; JIT ms: time the JIT compilers spent (on their own"
                + " threads); CPU in 10 ms steps)");
        System.out.println();
        System.out.println(
                "What a user waits for on AWS, where every caller invokes a SnapStart version: the init above runs"
                        + " once, when the version is published; a cold start is a restore of its snapshot (not measurable here)"
                        + " plus the afterRestore hooks plus the first invocation:");
        System.out.printf("%-28s %14s %12s %14s%n", "function", "after restore", "1st ms", "warm (5th) ms");
        for (Row r : rows) {
            System.out.printf("%-28s %11d ms %12.1f %14.1f%n", r.name, r.jvmRestoreHooks.cpuMillis(), r.first, r.fifth);
        }
        System.out.println("(after restore: CPU of the afterRestore hooks, between the runtime's restore and its first"
                + " request for an event; see docs/local-runtime.md)");
        System.out.println();

        relay(home, relayMb);

        List<Path> artifact = LambdaArtifact.projectEntries(home);
        System.out.printf(
                "Lambda artifact: %.1f MB uncompressed (target/classes + %d runtime jars)%n",
                LambdaArtifact.size(artifact) / 1e6, artifact.size() - 1);
    }

    /**
     * {@code --classes}: the same pipeline with every function's JVM logging the classes it loads
     * ({@code -Xlog:class+load}, through JDK_JAVA_OPTIONS, which the java launcher reads), then, per
     * function, how many classes each phase loaded and from which packages. Timings of this run are
     * not comparable (the logging costs time); the class counts are.
     */
    private static void classes(Path home, Path dir) throws Exception {
        if (Files.isDirectory(dir)) {
            try (var old = Files.list(dir)) {
                for (Path f : old.toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(dir);
        Map<String, LambdaRuntime.EnvironmentStats> stats = new java.util.TreeMap<>();
        var sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMillis(300)));
        var options = LocalCloud.Options.defaults(sim)
                .withMaxEnvironmentsPerFunction(1)
                .withInstrumentation(
                        List.of(),
                        Map.of("JDK_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + dir + "/%p.log:timemillis"));
        try (sim;
                var cloud = LocalCloud.start(options)) {
            runFiles(cloud);
            for (String fn : cloud.functions().keySet()) {
                cloud.runtime().orElseThrow().environmentStats(fn).stream()
                        .findFirst()
                        .ifPresent(s -> stats.put(fn, s));
            }
        }
        var line = java.util.regex.Pattern.compile("^\\[(\\d+)ms\\] (\\S+) source: (.*)$");
        for (var entry : stats.entrySet()) {
            var marks = entry.getValue().jvm();
            if (marks.isEmpty()) {
                continue;
            }
            long pid = marks.get(0).pid();
            Path log = dir.resolve(pid + ".log");
            if (!Files.exists(log)) {
                continue;
            }
            Files.move(log, dir.resolve(entry.getKey() + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            // Phase boundaries: the snapshot request (priming done), then each request for an event.
            List<Long> bounds = new ArrayList<>();
            List<String> names = new ArrayList<>();
            int invocation = 0;
            for (var m : marks) {
                if (m.pid() != pid) {
                    break;
                }
                bounds.add(m.epochMillis());
                names.add(
                        m.label().equals(LambdaRuntime.JvmMark.SNAPSHOT)
                                ? "init to snapshot"
                                : invocation++ == 0 ? "init (rest)" : "invocation " + (invocation - 1));
            }
            Map<String, Map<String, Integer>> byPhase = new java.util.LinkedHashMap<>();
            names.forEach(n -> byPhase.put(n, new java.util.TreeMap<>()));
            for (String l : Files.readAllLines(dir.resolve(entry.getKey() + ".log"))) {
                var m = line.matcher(l);
                if (!m.matches()) {
                    continue;
                }
                long t = Long.parseLong(m.group(1));
                int phase = 0;
                while (phase < bounds.size() - 1 && t > bounds.get(phase)) {
                    phase++;
                }
                if (t > bounds.get(bounds.size() - 1)) {
                    continue; // after the last mark: an invocation not measured
                }
                String source = m.group(3).startsWith("shared") ? " (CDS)" : "";
                byPhase.get(names.get(phase)).merge(group(m.group(2)) + source, 1, Integer::sum);
            }
            System.out.printf("%n%s (log: %s)%n", entry.getKey(), dir.resolve(entry.getKey() + ".log"));
            for (var phase : byPhase.entrySet()) {
                int total = phase.getValue().values().stream()
                        .mapToInt(Integer::intValue)
                        .sum();
                if (total == 0) {
                    continue;
                }
                String top = phase.getValue().entrySet().stream()
                        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                        .limit(12)
                        .map(e -> e.getKey() + " " + e.getValue())
                        .collect(java.util.stream.Collectors.joining(", "));
                System.out.printf("  %-18s %5d classes: %s%n", phase.getKey(), total, top);
            }
        }
    }

    /** A class's package, cut to what tells libraries apart (the SDK's and Jackson's by module). */
    static String group(String className) {
        String[] parts = className.split("\\.");
        int depth = className.startsWith("software.amazon.awssdk.services.")
                ? 5
                : className.startsWith("software.amazon.awssdk.") || className.startsWith("com.fasterxml.jackson.")
                        ? 4
                        : 3;
        return String.join(".", java.util.Arrays.copyOf(parts, Math.min(depth, parts.length - 1)));
    }

    private static void runFiles(LocalCloud cloud) {
        cloud.putRoutes(LocalImport.defaultRoutes("inbox/"));
        for (int i = 1; i <= 5; i++) {
            String e = cloud.drop(
                            "inbox/coldstart-" + i + ".csv",
                            ("email-address\nuser" + i + "@example.com\n").getBytes(StandardCharsets.UTF_8))
                    .execution();
            require(cloud.await(e, Duration.ofMinutes(3)).status(), e);
        }
        // The reaper runs only for failed executions: five status changes of an unknown execution.
        for (int i = 1; i <= 5; i++) {
            cloud.lambda()
                    .invoke(
                            "ReapSlotsFunction",
                            cloud.statusChangeEvent(
                                    cloud.stateMachineArn().replace(":stateMachine:", ":execution:") + ":gone-" + i,
                                    cloud.stateMachineArn(),
                                    "FAILED"));
        }
    }

    private static List<Row> concat(Row first, List<Row> rest) {
        List<Row> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** /proc/loadavg's three averages, or "?" elsewhere. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /**
     * One environment: init, first and fifth invocation (wall clock, the emulator's), and its JVM's
     * CPU time and classes: to the snapshot (priming done), the afterRestore hooks, the whole init, the
     * first and the fifth invocation.
     */
    private record Row(
            String name,
            double init,
            double first,
            double fifth,
            JvmProbe.Sample jvmSnapshot,
            JvmProbe.Sample jvmRestoreHooks,
            JvmProbe.Sample jvmInit,
            JvmProbe.Sample jvmFirst,
            JvmProbe.Sample jvmFifth) {

        static Row of(String name, LambdaRuntime.EnvironmentStats stats) {
            long pid = stats.jvm().isEmpty() ? -1 : stats.jvm().get(0).pid();
            List<JvmProbe.Sample> ready = stats.jvm().stream()
                    .filter(m -> m.pid() == pid && m.label().equals(LambdaRuntime.JvmMark.READY))
                    .map(LambdaRuntime.JvmMark::sample)
                    .toList();
            JvmProbe.Sample snapshot = stats.jvm().stream()
                    .filter(m -> m.pid() == pid && m.label().equals(LambdaRuntime.JvmMark.SNAPSHOT))
                    .map(LambdaRuntime.JvmMark::sample)
                    .findFirst()
                    .orElse(JvmProbe.Sample.ZERO);
            JvmProbe.Sample init = ready.isEmpty() ? JvmProbe.Sample.ZERO : ready.get(0);
            return new Row(
                    name,
                    stats.initMillis().get(0),
                    stats.invokeMillis().get(0),
                    stats.invokeMillis().get(4),
                    snapshot,
                    snapshot == JvmProbe.Sample.ZERO ? JvmProbe.Sample.ZERO : init.minus(snapshot),
                    init,
                    phase(ready, 1),
                    phase(ready, 5));
        }

        /** The n-th invocation: from the runtime's n-th request for an event to its next one. */
        private static JvmProbe.Sample phase(List<JvmProbe.Sample> ready, int n) {
            return ready.size() > n ? ready.get(n).minus(ready.get(n - 1)) : JvmProbe.Sample.ZERO;
        }
    }

    private static void print(Row r, Row hello) {
        System.out.printf(
                "%-28s %9.0f %6.1fx %9.1f %6.1fx %9.1f %6.1fx %8.1fx%n",
                r.name,
                r.init,
                r.init / hello.init,
                r.first,
                r.first / hello.first,
                r.fifth,
                r.fifth / hello.fifth,
                r.first / r.fifth);
    }

    /** The hello-world handler with the template's Globals (memory, JAVA_TOOL_OPTIONS, log format). */
    /**
     * A baseline function ({@code handler}, on test-classes plus {@code jars}) run alone the way the
     * functions run (the template's globals), five invocations.
     */
    private static Row baseline(
            Path home, TemplateModel template, String name, String handler, List<Path> jars, String label)
            throws IOException {
        Path run = Files.createTempDirectory(
                Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "apsis-one-import")),
                "coldstart-" + name + "-");
        Path task = LambdaArtifact.layOut(run.resolve("task"), List.of(home.resolve("target/test-classes")), jars);
        JsonNode globals = template.root().at("/Globals/Function");
        var fn = FunctionConfig.lambda(
                name,
                handler,
                globals.path("Timeout").asInt(),
                globals.path("MemorySize").asInt(),
                globals.at("/Environment/Variables/JAVA_TOOL_OPTIONS").isMissingNode()
                        ? Map.of()
                        : Map.of(
                                "JAVA_TOOL_OPTIONS",
                                globals.at("/Environment/Variables/JAVA_TOOL_OPTIONS")
                                        .asText()),
                Map.of("LogFormat", globals.at("/LoggingConfig/LogFormat").asText("Text")),
                "PublishedVersions".equals(globals.at("/SnapStart/ApplyOn").asText()),
                LocalCloud.REGION,
                task.toString());
        try (var runtime = new LambdaRuntime(new LambdaRuntime.Settings(
                LambdaRuntime.rieBinary(),
                LambdaRuntime.javaLauncher(),
                LambdaRuntime.runtimeClasspath(home),
                task,
                run.resolve("logs"),
                1,
                Map.of()))) {
            runtime.register(fn);
            for (int i = 0; i < 5; i++) {
                runtime.invoke(name, "{}".getBytes(StandardCharsets.UTF_8));
            }
            return Row.of(label, runtime.environmentStats(name).get(0));
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
            try (sim;
                    var cloud =
                            LocalCloud.start(LocalCloud.Options.defaults(sim).withMaxEnvironmentsPerFunction(1))) {
                cloud.putRoutes(LocalImport.defaultRoutes("inbox/"));
                // The simulator receives in this JVM: its first upload is slower (JIT). curl goes first, so the
                // relay meets a receiver as warm as the one the measured curl meets.
                double curlFirst = curlUpload(sim, file);
                String e = cloud.drop("inbox/relay.csv", file).execution();
                require(cloud.await(e, Duration.ofMinutes(10)).status(), e);
                var stats = cloud.runtime()
                        .orElseThrow()
                        .environmentStats("UploadPartFunction")
                        .get(0);
                relaySeconds = stats.invokeMillis().get(0) / 1000;
                double curlSeconds = curlUpload(sim, file);
                // The handler logs the upload's own duration ("file uploaded", millis): the stream from S3 to
                // APSIS, without the first invocation's other work (clients, slot record, S3 HEAD).
                double uploadSeconds = cloud.logLines().stream()
                        .map(UPLOADED::matcher)
                        .filter(java.util.regex.Matcher::find)
                        .mapToDouble(m -> Long.parseLong(m.group(1)) / 1000.0)
                        .findFirst()
                        .orElse(Double.NaN);
                var split = cloud.logLines().stream()
                        .map(UPLOADED_S3::matcher)
                        .filter(java.util.regex.Matcher::find)
                        .findFirst();
                long t0 = System.nanoTime();
                String archived = cloud.dropNames(e).archived();
                cloud.s3()
                        .getObject(
                                b -> b.bucket(cloud.bucket()).key(archived),
                                software.amazon.awssdk.core.sync.ResponseTransformer.toOutputStream(
                                        OutputStream.nullOutputStream()));
                double motoSeconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        "relay, first upload in a fresh environment (%d MB, S3 object in moto → simulator): "
                                + "upload %.2f s (whole first invocation %.2f s); curl -F of the same file: %.2f s (the simulator's "
                                + "first upload: %.2f s); ratio %.2f (goal >= 0.9; whole invocation %.2f)%n",
                        mb,
                        uploadSeconds,
                        relaySeconds,
                        curlSeconds,
                        curlFirst,
                        curlSeconds / uploadSeconds,
                        curlSeconds / relaySeconds);
                System.out.printf(
                        "the relay's source alone: moto's S3 serves that object in %.2f s; the relay against the "
                                + "slower of its two sides (moto, the simulator as curl sees it): %.2f%n",
                        motoSeconds, Math.max(motoSeconds, curlSeconds) / uploadSeconds);
                split.ifPresent(m -> {
                    double open = Long.parseLong(m.group(1)) / 1000.0;
                    double read = Long.parseLong(m.group(2)) / 1000.0;
                    System.out.printf(
                            "where the relay's time went: %.2f s opening the two ranged GETs (before the upload), then "
                                    + "of the upload's %.2f s: %.2f s waiting on S3's stream (moto, the SDK's stream), %.2f s writing to the "
                                    + "simulator and waiting for its answer%n",
                            open, uploadSeconds, read, uploadSeconds - read);
                });
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static double curlUpload(ApsisSimulator sim, Path file) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String token = json(
                            http,
                            sim.baseUrl().resolve("/oauth/token"),
                            null,
                            "{\"grant_type\":\"client_credentials\"," + "\"client_id\":\""
                                    + sim.config().clientId() + "\",\"client_secret\":\""
                                    + sim.config().clientSecret() + "\"}")
                    .get("access_token")
                    .asText();
            JsonNode ticket = json(
                    http,
                    sim.baseUrl().resolve("/v2/audience/sections/bench/imports"),
                    token,
                    "{\"keyspace_mapping\":{\"keyspace_discriminator\":\"com.apsis1.keyspaces.email\","
                            + "\"field_selector\":\"email-address\"}}");
            List<String> cmd =
                    new ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}"));
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
        var request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
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
                byte[] row = ("user" + n + "@example.com,\"Name, " + n + "\"," + (n % 97) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
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
