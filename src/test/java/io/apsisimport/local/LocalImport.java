package io.apsisimport.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.sim.ApsisSimulator;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;

/**
 * {@code bin/local-import [--routes FILE] [--prefix PREFIX] [--poll-interval SECONDS] [--dry-run] FILE...}:
 * the whole pipeline on this machine (see README). Progress goes to stderr; one JSON object per file
 * to stdout; exit status 0 iff every file succeeded. With {@code --dry-run} each file is dropped under
 * the validate prefix instead: checked as it would be imported from PREFIX, never imported; its line
 * says {@code VALIDATED} or {@code FAILED}.
 */
public final class LocalImport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE =
            "usage: bin/local-import [--routes FILE] [--prefix PREFIX] [--poll-interval SECONDS] [--dry-run] FILE...";

    /** {@code dryRun}: check the files (dropped under the validate prefix), import nothing. */
    record Args(Path routes, String prefix, int pollInterval, List<Path> files, boolean dryRun) {
        Args(Path routes, String prefix, int pollInterval, List<Path> files) {
            this(routes, prefix, pollInterval, files, false);
        }
    }

    public static void main(String[] argv) throws Exception {
        Args args;
        try {
            args = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("local-import: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        System.exit(run(args, System.out, System.err));
    }

    static Args parse(String[] argv) {
        Path routes = null;
        String prefix = "inbox/";
        int poll = 1;
        boolean dryRun = false;
        var files = new ArrayList<Path>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            switch (a) {
                case "--routes" -> routes = Path.of(value(argv, ++i, a));
                case "--prefix" -> prefix = value(argv, ++i, a);
                case "--poll-interval" -> {
                    String v = value(argv, ++i, a);
                    try {
                        poll = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--poll-interval takes whole seconds, not " + v);
                    }
                    if (poll < 1) {
                        throw new IllegalArgumentException("--poll-interval must be at least 1 second");
                    }
                }
                case "--dry-run" -> dryRun = true;
                case "-h", "--help" -> throw new IllegalArgumentException("help");
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    files.add(Path.of(a));
                }
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no FILE given");
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("no such file: " + f);
            }
        }
        if (routes != null && !Files.isRegularFile(routes)) {
            throw new IllegalArgumentException("no such routes file: " + routes);
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        return new Args(routes, prefix, poll, files, dryRun);
    }

    private static String value(String[] argv, int i, String option) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return argv[i];
    }

    static int run(Args args, PrintStream out, PrintStream err) throws IOException {
        Instant t0 = Instant.now();
        String id = System.getenv("APSIS_CLIENT_ID");
        String secret = System.getenv("APSIS_CLIENT_SECRET");
        String base = System.getenv("APSIS_BASE_URL");
        ApsisSimulator sim = null;
        LocalCloud cloud = null;
        try {
            if (blank(id) || blank(secret) || blank(base)) {
                sim = LocalSupport.startSimulator();
                base = sim.baseUrl().toString();
                id = LocalSupport.SIM_CLIENT_ID;
                secret = LocalSupport.SIM_CLIENT_SECRET;
                err.println("APSIS One simulator at " + base
                        + " (set APSIS_BASE_URL, APSIS_CLIENT_ID and APSIS_CLIENT_SECRET to use a real account)");
            } else {
                err.println("APSIS One at " + base);
            }
            var options = (sim != null
                            ? LocalCloud.Options.defaults(sim)
                            : LocalCloud.Options.defaults(URI.create(base), id, secret))
                    .withPollIntervalSeconds(args.pollInterval())
                    .withLandingPrefix(args.prefix());
            err.println("starting the local cloud (moto + "
                    + (options.inJvm()
                            ? "handlers in this JVM, fast mode"
                            : "the Lambda Java runtime under the Runtime Interface Emulator")
                    + ") …");
            final LocalCloud started = LocalCloud.start(options);
            cloud = started;
            final ApsisSimulator startedSim = sim;
            Thread cleanup = new Thread(() -> {
                started.close();
                if (startedSim != null) {
                    startedSim.close();
                }
            });
            Runtime.getRuntime().addShutdownHook(cleanup);

            String routes = args.routes() != null ? Files.readString(args.routes()) : defaultRoutes(args.prefix());
            cloud.putRoutes(routes);
            err.printf(
                    "local cloud ready in %.1fs; function logs (one file per function): %s%n",
                    secs(t0), cloud.logDirectory());

            // One drop per FILE, in order: two FILEs with the same name are two drops on one key, each
            // with its own execution and its own line. A dry run drops under the validate prefix, where
            // each file is checked as the same file under PREFIX would be imported.
            String dropPrefix = args.prefix();
            if (args.dryRun()) {
                dropPrefix = cloud.functions()
                        .get("StartImportFunction")
                        .environment()
                        .get("VALIDATE_PREFIX");
                err.println("dry run: each FILE is dropped under " + dropPrefix + ", checked as if dropped under "
                        + args.prefix() + ", and not imported");
            }
            var runs = new ArrayList<Run>();
            for (Path f : args.files()) {
                String key = dropPrefix + f.getFileName();
                var dropped = cloud.drop(key, f);
                err.printf(
                        "[%6.1fs] %s: dropped into s3://%s/%s (%d bytes)%n",
                        secs(t0), f.getFileName(), cloud.bucket(), key, Files.size(f));
                if (dropped.executions().isEmpty()) {
                    err.printf("[%6.1fs] %s: not started (outside the landing prefix?)%n", secs(t0), key);
                    runs.add(new Run(key, null));
                    continue;
                }
                runs.add(new Run(key, dropped.execution()));
            }
            Map<String, JsonNode> results = follow(cloud, runs, t0, err);
            boolean allOk = true;
            int good = 0;
            String ok = args.dryRun() ? "VALIDATED" : "SUCCEEDED";
            for (Run run : runs) {
                JsonNode line = run.execution() == null
                        ? failure(run.key(), "no execution was started for " + run.key())
                        : results.get(run.execution());
                if (args.dryRun()
                        && line instanceof ObjectNode o
                        && "SUCCEEDED".equals(o.path("status").asText())) {
                    o.put("status", "VALIDATED"); // the contract: a dry run's line says VALIDATED or FAILED
                }
                boolean fine = ok.equals(line.path("status").asText());
                allOk &= fine;
                good += fine ? 1 : 0;
                out.println(JSON.writeValueAsString(line));
                if (args.dryRun() && line.hasNonNull("report")) {
                    err.printf(
                            "%s: %s%n",
                            run.key(), checked(cloud, line.get("report").asText()));
                }
            }
            err.printf(
                    "done in %.1fs: %d of %d file(s) %s%n",
                    secs(t0), good, args.files().size(), args.dryRun() ? "would import" : "imported");
            Runtime.getRuntime().removeShutdownHook(cleanup);
            return allOk ? 0 : 1;
        } finally {
            try {
                if (cloud != null) {
                    cloud.close();
                }
            } finally {
                if (sim != null) {
                    sim.close();
                }
            }
        }
    }

    /** One dropped FILE: its key and the execution its S3 event started (null: none). */
    record Run(String key, String execution) {}

    /**
     * Prints each state as it is entered, the file's and its parts' (each part runs in an execution
     * of its own), and each file's event as it reaches the local EventBridge, until every execution
     * has ended; returns one result per file execution.
     */
    static Map<String, JsonNode> follow(LocalCloud cloud, List<Run> runs, Instant t0, PrintStream err)
            throws IOException {
        var seen = new LinkedHashMap<String, Integer>(); // execution (file's or part's) → events printed
        var announced = new java.util.HashSet<String>(); // EventBridge event ids printed
        var results = new LinkedHashMap<String, JsonNode>();
        long started = runs.stream().filter(r -> r.execution() != null).count();
        Instant deadline = Instant.now().plus(Duration.ofHours(2));
        while (results.size() < started) {
            for (Run run : runs) {
                String key = run.key();
                if (run.execution() == null || results.containsKey(run.execution())) {
                    continue;
                }
                List<HistoryEvent> events = cloud.history(run.execution());
                int parts = events.stream()
                        .filter(e -> e.type() == HistoryEventType.MAP_STATE_STARTED)
                        .mapToInt(e -> e.mapStateStartedEventDetails().length())
                        .findFirst()
                        .orElse(1);
                printEntered(events, seen, run.execution(), key, t0, err);
                for (String part : cloud.partExecutions(run.execution())) {
                    String label = parts > 1 ? key + " ▸ part " + partNumber(part) + "/" + parts : key;
                    printEntered(cloud.history(part), seen, part, label, t0, err);
                }
                printEvents(cloud, run, announced, t0, err);
                DescribeExecutionResponse d = cloud.sfn().describeExecution(b -> b.executionArn(run.execution()));
                if (d.status() != ExecutionStatus.RUNNING) {
                    printEntered(
                            cloud.history(run.execution()), seen, run.execution(), key, t0, err); // its last states
                    printEvents(cloud, run, announced, t0, err);
                    JsonNode result = result(cloud, key, d);
                    results.put(run.execution(), result);
                    err.printf(
                            "[%6.1fs] %s: %s%s%n",
                            secs(t0),
                            key,
                            d.status(),
                            result.path("error").isNull()
                                    ? ""
                                    : " — " + result.path("error").asText());
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("executions still running after 2 hours");
            }
            LocalCloud.pause(300);
        }
        return results;
    }

    private static void printEntered(
            List<HistoryEvent> events,
            Map<String, Integer> seen,
            String execution,
            String label,
            Instant t0,
            PrintStream err) {
        int from = seen.getOrDefault(execution, 0);
        for (HistoryEvent e : events.subList(Math.min(from, events.size()), events.size())) {
            if (e.type() == HistoryEventType.TASK_STATE_ENTERED
                    || e.type() == HistoryEventType.WAIT_STATE_ENTERED
                    || e.type() == HistoryEventType.MAP_STATE_ENTERED
                    || e.type() == HistoryEventType.FAIL_STATE_ENTERED
                    || e.type() == HistoryEventType.SUCCEED_STATE_ENTERED) {
                String state = e.stateEnteredEventDetails().name();
                if (!state.equals("Import part")) { // its part's own states follow
                    err.printf("[%6.1fs] %s ▸ %s%n", secs(t0), label, state);
                }
            }
        }
        seen.put(execution, events.size());
    }

    /**
     * One line per event of the file's execution that the local EventBridge delivered (the local
     * cloud's capture rule on the bus): its detail-type and what it says.
     */
    private static void printEvents(
            LocalCloud cloud, Run run, java.util.Set<String> announced, Instant t0, PrintStream err) {
        for (JsonNode e : cloud.importEvents(run.execution())) {
            if (announced.add(e.path("id").asText())) {
                err.printf(
                        "[%6.1fs] %s ▸ EventBridge (bus %s): %s%n",
                        secs(t0), run.key(), cloud.eventBusName(), eventSummary(e));
            }
        }
    }

    /** {@code "Import Succeeded": 3 rows, 3 profiles processed, 0 failed}, and so on. */
    static String eventSummary(JsonNode event) {
        JsonNode d = event.path("detail");
        String what = switch (d.path("outcome").asText()) {
            case "IMPORTED" ->
                d.path("rows").asLong() + " rows in " + d.path("parts").asInt() + " part(s), "
                        + d.path("profiles_processed").asLong() + " profiles processed, "
                        + d.path("profiles_failed").asLong()
                        + " failed";
            case "SKIPPED" -> "no data rows, nothing imported";
            default ->
                d.path("error").asText()
                        + (d.path("failed_step").isTextual()
                                ? " in " + d.path("failed_step").asText()
                                : "");
        };
        return "\"" + event.path("detail-type").asText() + "\" " + what;
    }

    /** {@code …-p003} → 3. */
    private static int partNumber(String partExecutionArn) {
        String name = partExecutionArn.substring(partExecutionArn.lastIndexOf(':') + 1);
        return Integer.parseInt(name.substring(name.lastIndexOf("-p") + 2));
    }

    /** The line printed for a file: key, status, imports, profile counts, error (null or a message). */
    static JsonNode result(LocalCloud cloud, String key, DescribeExecutionResponse d) throws IOException {
        JsonNode summary = null;
        if (d.status() == ExecutionStatus.SUCCEEDED && d.output() != null) {
            summary = JSON.readTree(d.output());
        } else {
            String report = cloud.dropNames(d.executionArn()).report(false);
            try {
                summary = JSON.readTree(cloud.s3()
                        .getObjectAsBytes(b -> b.bucket(cloud.bucket()).key(report))
                        .asByteArray());
            } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException noReport) {
                summary = null;
            }
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("key", key);
        line.put("status", d.status() == ExecutionStatus.SUCCEEDED ? "SUCCEEDED" : "FAILED");
        line.set(
                "imports", summary != null && summary.has("imports") ? summary.get("imports") : JSON.createArrayNode());
        for (String f : List.of("rows", "profiles_found", "profiles_processed", "profiles_failed")) {
            line.put(f, summary == null ? 0 : summary.path(f).asLong(0));
        }
        if (d.status() == ExecutionStatus.SUCCEEDED) {
            line.putNull("error");
        } else {
            String error = d.error() != null ? d.error() : d.status().toString().toLowerCase(Locale.ROOT);
            String cause = d.cause() != null ? d.cause() : "execution " + d.status();
            line.put("error", error + ": " + cause);
        }
        if (summary != null) {
            line.set("moved_to", summary.get("moved_to"));
            line.set("report", summary.get("report"));
        }
        line.put("execution_arn", d.executionArn());
        return line;
    }

    /**
     * A dry run's report in one line for stderr: route, encoding, delimiter, rows, the parts an import
     * would cut, the mapping's missing columns and the first problem (the report has them all).
     */
    static String checked(LocalCloud cloud, String reportKey) {
        JsonNode r;
        try {
            r = JSON.readTree(cloud.s3()
                    .getObjectAsBytes(b -> b.bucket(cloud.bucket()).key(reportKey))
                    .asByteArray());
        } catch (IOException | RuntimeException e) {
            return "no report at " + reportKey + " (" + e.getMessage() + ")";
        }
        var b = new StringBuilder("checked as ")
                .append(
                        r.path("routed_as").isTextual()
                                ? r.get("routed_as").asText()
                                : r.path("key").asText());
        b.append(": route ").append(r.path("route").isTextual() ? r.get("route").asText() : "(none)");
        if (r.path("encoding").isTextual()) {
            b.append(", ").append(r.get("encoding").asText());
        }
        if (r.path("delimiter").isTextual()) {
            b.append(", delimiter '").append(r.get("delimiter").asText()).append('\'');
        }
        if (r.path("rows").isNumber()) {
            b.append(", ").append(r.get("rows").asLong()).append(" row(s)");
        }
        int parts = r.path("parts").size();
        if (parts > 0) {
            b.append(", ").append(parts).append(" part(s)");
        }
        JsonNode missing = r.path("columns").path("missing");
        if (missing.size() > 0) {
            b.append(", missing column(s) ").append(missing);
        }
        int problems = r.path("problems").size();
        if (problems > 0) {
            JsonNode first = r.get("problems").get(0);
            b.append("; ")
                    .append(problems)
                    .append(" problem(s), the first: ")
                    .append(first.path("error").asText())
                    .append(
                            first.path("row").isNumber()
                                    ? " at row " + first.get("row").asLong()
                                    : "")
                    .append(
                            first.path("byte_offset").isNumber()
                                    ? ", byte " + first.get("byte_offset").asLong()
                                    : "");
        }
        return b.append(" (").append(reportKey).append(')').toString();
    }

    private static JsonNode failure(String key, String message) {
        ObjectNode line = JSON.createObjectNode();
        line.put("key", key).put("status", "FAILED").putArray("imports");
        line.put("profiles_found", 0)
                .put("profiles_processed", 0)
                .put("profiles_failed", 0)
                .put("error", message);
        return line;
    }

    /** Without --routes: every file under the prefix goes to a demo mapping keyed on email-address. */
    static String defaultRoutes(String prefix) {
        return """
        {"routes": [
          {"name": "demo", "match": "%s**", "section": "com.apsis1.sections.demo",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                           "field_selector": "email-address"},
                      "options": {"update_existing_profiles": true, "clear_existing_attributes": false}}}
        ]}
        """.formatted(prefix);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static double secs(Instant t0) {
        return Duration.between(t0, Instant.now()).toMillis() / 1000.0;
    }
}
