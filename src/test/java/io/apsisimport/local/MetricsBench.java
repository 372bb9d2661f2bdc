package io.apsisimport.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.metrics.EmfSpec;
import io.apsisimport.template.TemplateModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * bench/metrics/run: what writing a file's metrics costs a function under the real Lambda Java
 * runtime (RIC under RIE, template.yaml's memory, JAVA_TOOL_OPTIONS, JSON log format and SnapStart
 * init), three ways: none (the baseline: the probe's own work), the project's EMF writer
 * ({@code ImportMetrics}, {@code Emf}, {@code EmfLog}), and Powertools for AWS Lambda (Java) v2
 * metrics. Each round starts one fresh execution environment per way, in a rotating order, and
 * invokes it five times; the medians of init, first and fifth invocation are printed, with the
 * jars each way adds to the artifact. Every metrics line is checked against the EMF specification
 * (EmfSpec) as CloudWatch would read it from the log.
 *
 * <p>Arguments: the Powertools probe's classes directory, a file listing the Powertools jars
 * (maven-dependency-plugin build-classpath), and the number of rounds.
 */
public final class MetricsBench {
    private static final String NONE = "io.apsisimport.local.fn.NoMetricsProbeHandler::handleRequest";
    private static final String EMF = "io.apsisimport.local.fn.EmfProbeHandler::handleRequest";
    private static final String POWERTOOLS = "bench.PowertoolsProbeHandler::handleRequest";
    private static final byte[] INPUT = "{\"route\":\"newsletter\",\"rows\":12345,\"parts\":3,\"key\":\"inbox/x.csv\"}"
            .getBytes(StandardCharsets.UTF_8);

    record Way(String name, String handler, List<Path> extra) {}

    record Sample(double init, double first, double fifth, List<String> lines, List<String> stray) {}

    public static void main(String[] args) throws Exception {
        Path powertoolsProbe = Path.of(args[0]);
        List<Path> powertoolsJars = LambdaArtifact.classpath(Path.of(args[1]));
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        Path home = Path.of(System.getProperty("apsisimport.home", "."))
                .toAbsolutePath()
                .normalize();
        TemplateModel template = TemplateModel.load(home.resolve("template.yaml"));
        List<Path> artifact = LambdaArtifact.projectEntries(home);
        Set<String> inArtifact = artifact.stream()
                .map(p -> artifactId(p.getFileName().toString()))
                .collect(Collectors.toSet());
        List<Path> added = powertoolsJars.stream()
                .filter(j -> !inArtifact.contains(artifactId(j.getFileName().toString())))
                .toList();

        Path run = Files.createTempDirectory(
                Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "apsis-one-import")),
                "metrics-bench-");
        Path probes = probeClasses(home, run.resolve("probes"));
        var ways = List.of(
                new Way("no metrics (baseline)", NONE, List.of(probes)),
                new Way("EMF written by the project (Emf, EmfLog)", EMF, List.of(probes)),
                new Way("Powertools metrics 2.9.0", POWERTOOLS, concat(List.of(probes, powertoolsProbe), added)));
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        ways.forEach(w -> samples.put(w.name(), new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < ways.size(); i++) {
                Way way = ways.get((i + r) % ways.size());
                samples.get(way.name()).add(measure(home, template, run.resolve("r" + r + "-" + i), artifact, way));
            }
        }

        System.out.printf(
                "Metrics under the Lambda Java runtime (RIC 2.10.1 under RIE), %s, SnapStart init, JSON log"
                        + " format, %d fresh environments each (medians)%n",
                System.getProperty("java.vm.version"), rounds);
        System.out.printf("%-44s %9s %9s %9s %14s%n", "way", "init ms", "1st ms", "5th ms", "jars added");
        Sample base = median(samples.get(ways.get(0).name()));
        for (Way way : ways) {
            Sample m = median(samples.get(way.name()));
            boolean baseline = way == ways.get(0);
            long bytes = way.handler().equals(POWERTOOLS) ? LambdaArtifact.size(added) : 0;
            System.out.printf(
                    "%-44s %9.0f %9.1f %9.1f %11.2f MB%n", way.name(), m.init(), m.first(), m.fifth(), bytes / 1e6);
            if (!baseline) {
                System.out.printf(
                        "%-44s %+9.0f %+9.1f %+9.1f%n",
                        "  vs the baseline",
                        m.init() - base.init(),
                        m.first() - base.first(),
                        m.fifth() - base.fifth());
            }
        }
        System.out.println("Powertools adds: "
                + added.stream().map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(", ")));
        // Without AspectJ's runtime (the functional API needs no annotation), Powertools' SnapStart priming
        // (MetricsFactory.beforeCheckpoint → ClassPreLoader) initialises AspectJ classes it lists and
        // fails init with a NoClassDefFoundError, which it does not catch.
        var withoutAspectJ = added.stream()
                .filter(j -> !j.getFileName().toString().startsWith("aspectjrt"))
                .toList();
        try {
            measure(
                    home,
                    template,
                    run.resolve("without-aspectj"),
                    artifact,
                    new Way(
                            "Powertools without aspectjrt",
                            POWERTOOLS,
                            concat(List.of(probes, powertoolsProbe), withoutAspectJ)));
            System.out.println("Powertools without aspectjrt, SnapStart init: works");
        } catch (IllegalStateException e) {
            String why = Files.readAllLines(run.resolve("without-aspectj/logs/Probe.log")).stream()
                    .filter(l -> l.contains("Exception") || l.contains("Error:"))
                    .findFirst()
                    .orElse(e.getMessage());
            System.out.println("Powertools without aspectjrt, SnapStart init: FAILS: " + why.strip());
        }
        for (Way way : ways) {
            long stray = samples.get(way.name()).get(0).stray().size();
            System.out.println(way.name() + ": " + stray + " log line(s) neither JSON nor the emulator's: "
                    + samples.get(way.name()).get(0).stray());
        }
        for (Way way : ways.subList(1, ways.size())) {
            List<String> lines = samples.get(way.name()).get(0).lines();
            System.out.println(way.name() + ", its first invocation's log lines:");
            lines.forEach(l -> System.out.println("  " + l));
        }
    }

    private static Sample measure(Path home, TemplateModel template, Path run, List<Path> artifact, Way way)
            throws IOException {
        Path task = LambdaArtifact.layOut(run.resolve("task"), artifact, way.extra());
        JsonNode globals = template.root().at("/Globals/Function");
        var fn = FunctionConfig.lambda(
                "Probe",
                way.handler(),
                globals.path("Timeout").asInt(),
                globals.path("MemorySize").asInt(),
                Map.of(
                        "JAVA_TOOL_OPTIONS",
                        globals.at("/Environment/Variables/JAVA_TOOL_OPTIONS").asText()),
                Map.of(
                        "LogFormat",
                        globals.at("/LoggingConfig/LogFormat").asText("Text"),
                        "ApplicationLogLevel",
                        "INFO"),
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
                var result = runtime.invoke("Probe", INPUT);
                if (result.error()) {
                    throw new IllegalStateException(way.name() + " failed: " + result.text());
                }
            }
            var stats = runtime.environmentStats("Probe").get(0);
            List<String> emf = new ArrayList<>();
            for (String line : runtime.logLines()) {
                if (EmfSpec.isEmf(line)) {
                    List<String> problems = EmfSpec.violations(line);
                    if (!problems.isEmpty()) {
                        throw new IllegalStateException(way.name() + " wrote a line CloudWatch would not read as EMF: "
                                + problems + "\n" + line);
                    }
                    emf.add(line);
                }
            }
            if (way.handler().equals(NONE) != emf.isEmpty() || (!emf.isEmpty() && emf.size() % 5 != 0)) {
                throw new IllegalStateException(way.name() + ": " + emf.size() + " EMF lines in five invocations");
            }
            // What else the function wrote: neither a JSON line nor the emulator's or the runtime's own.
            List<String> stray = runtime.logLines().stream()
                    .filter(l -> !l.startsWith("{")
                            && !l.contains("(rapid)")
                            && !l.matches("^(START|END|REPORT) RequestId.*")
                            && !l.startsWith("Picked up JAVA_TOOL_OPTIONS")
                            && !l.startsWith("local runtime:")
                            && !l.isBlank())
                    .toList();
            return new Sample(
                    stats.initMillis().get(0),
                    stats.invokeMillis().get(0),
                    stats.invokeMillis().get(4),
                    emf.subList(0, emf.size() / 5),
                    stray);
        }
    }

    /** The probes' classes (io/apsisimport/local/fn/*Probe*), apart from the rest of the tests. */
    private static Path probeClasses(Path home, Path dir) throws IOException {
        Path from = home.resolve("target/test-classes/io/apsisimport/local/fn");
        Path to = Files.createDirectories(dir.resolve("io/apsisimport/local/fn"));
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(f -> f.getFileName().toString().contains("Probe"))
                    .toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static Sample median(List<Sample> samples) {
        return new Sample(
                median(samples.stream().mapToDouble(Sample::init)),
                median(samples.stream().mapToDouble(Sample::first)),
                median(samples.stream().mapToDouble(Sample::fifth)),
                List.of(),
                List.of());
    }

    private static double median(java.util.stream.DoubleStream values) {
        double[] v = values.sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** {@code jackson-databind-2.20.1.jar} → {@code jackson-databind}. */
    static String artifactId(String jar) {
        return jar.replaceFirst("-\\d[^-]*(-[A-Za-z0-9.]+)?\\.jar$", "").replaceFirst("\\.jar$", "");
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        var all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
