package io.apsisimport.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lambda's execution environments on this machine: every function runs in the AWS Lambda Runtime
 * Interface Client for Java (the client of the java21 managed runtime) under the AWS Lambda Runtime
 * Interface Emulator, one emulator and one JVM per execution environment.
 *
 * <p>Scaling as Lambda does it: an environment serves one invocation at a time; an invocation takes
 * an idle environment of its function (the most recently used) or, when all are busy, starts a new
 * one, whose init phase runs in that first invocation. Unlike Lambda, a function has at most
 * {@link Settings#maxEnvironmentsPerFunction} environments: this machine has two cores, not a
 * fleet. Beyond the cap an invocation waits for a free environment (it is not throttled: the
 * template reserves no concurrency, so on AWS these invocations would run, not fail with 429).
 *
 * <p>Errors come back as Lambda reports them: the runtime posts a function error to the Runtime
 * API's {@code /error} endpoint (seen here through a small proxy between the runtime and the
 * emulator, because the emulator's answer does not say whether the body is an error), a failed
 * init answers 502 in the emulator, and a timeout kills the runtime (the next invocation runs init
 * again, as on Lambda). All three become {@link Result#error()} with Lambda's payload.
 *
 * <p>SnapStart functions ({@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}) run their CRaC
 * beforeCheckpoint and afterRestore hooks in init; the emulator has no Restore API, so the proxy
 * answers restore/next at once and nothing is snapshotted (docs/local-runtime.md).
 *
 * <p>Each function's stdout/stderr and the emulator's own lines (INIT REPORT, START, END, REPORT)
 * go to one log file per function under {@link Settings#logDir}.
 */
public final class LambdaRuntime implements AutoCloseable {
    /** The RIC's entry point, as the managed runtime launches it. */
    static final String RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /**
     * The error type of a timed-out invocation. The emulator answers a bare "Task timed out after N
     * seconds"; Lambda's Invoke answers {@code {"errorType":"Sandbox.Timedout","errorMessage":...}}
     * (the type the emulator's newer core uses too, see docs/local-runtime.md).
     */
    public static final String TIMEOUT_ERROR_TYPE = "Sandbox.Timedout";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ERROR_PATH = Pattern.compile("^/2018-06-01/runtime/invocation/([^/]+)/error$");
    private static final Pattern RESPONSE_PATH = Pattern.compile("^/2018-06-01/runtime/invocation/([^/]+)/response$");
    private static final String NEXT = "/2018-06-01/runtime/invocation/next";
    private static final String RESTORE_NEXT = "/2018-06-01/runtime/restore/next";
    private static final String RESTORE_ERROR = "/2018-06-01/runtime/restore/error";
    private static final Pattern INIT_REPORT = Pattern.compile("INIT REPORT\\(durationMs: ([0-9.]+)\\)");
    /**
     * The invoke phase as the emulator measures it. Its REPORT line's Duration of an environment's
     * first invocation includes the init (and its "Init Duration" there is a placeholder), so the
     * INIT REPORT and INVOKE RTDONE lines are the ones that separate the two.
     */
    private static final Pattern INVOKE_DONE =
            Pattern.compile("INVOKE RTDONE\\(status: [^,]+, .*duration: ([0-9.]+)ms\\)");

    private static final Set<String> RESTRICTED_HEADERS =
            Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding", "keep-alive");
    /** Every process any runtime of this JVM started: killed by the shutdown hook if still alive. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> LIVE.forEach(LambdaRuntime::kill), "lambda-runtime-reaper"));
    }

    /**
     * Where things are and what every environment gets.
     *
     * @param rie the aws-lambda-rie binary (tools/setup-lambda-runtime)
     * @param java the {@code java} launcher of the environments
     * @param runtimeClasspath the RIC and its dependencies (the managed runtime's /var/runtime/lib)
     * @param taskRoot the function code laid out as `sam build` does: classes at the top, jars in lib/
     * @param logDir one log file per function
     * @param maxEnvironmentsPerFunction the local concurrency cap (see class comment)
     * @param extraEnvironment added to every environment (local-only instrumentation)
     */
    public record Settings(
            Path rie,
            Path java,
            List<Path> runtimeClasspath,
            Path taskRoot,
            Path logDir,
            int maxEnvironmentsPerFunction,
            Map<String, String> extraEnvironment) {
        public Settings {
            runtimeClasspath = List.copyOf(runtimeClasspath);
            extraEnvironment = Map.copyOf(extraEnvironment);
            if (maxEnvironmentsPerFunction < 1) {
                throw new IllegalArgumentException("maxEnvironmentsPerFunction must be at least 1");
            }
        }
    }

    /** What an invocation returned: the payload, and whether Lambda would flag it as a function error. */
    public record Result(boolean error, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * What one environment did: each init's duration (the emulator's INIT REPORT lines; init runs
     * again after a timeout), each invocation's invoke phase (its INVOKE RTDONE lines), and readings of
     * its JVM ({@link JvmProbe}: CPU time, classes loaded) taken when the runtime asked to be restored
     * (SnapStart: its beforeCheckpoint hooks are done) and whenever it asked for the next event (init,
     * or an invocation, done).
     */
    public record EnvironmentStats(
            String function, int id, List<Double> initMillis, List<Double> invokeMillis, List<JvmMark> jvm) {}

    /**
     * A reading of an environment's JVM: {@code label} {@link #SNAPSHOT} when its runtime asked to be
     * restored, {@link #READY} when it asked for the next event; {@code pid}: a new JVM after a timeout;
     * {@code epochMillis}: when (to place the JVM's own logs, e.g. {@code -Xlog:class+load} with the
     * {@code timemillis} decoration, in these phases).
     */
    public record JvmMark(long pid, String label, long epochMillis, JvmProbe.Sample sample) {
        public static final String SNAPSHOT = "snapshot";
        public static final String READY = "ready";
    }

    private final Settings settings;
    private final Map<String, Pool> pools = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger environmentIds = new AtomicInteger();
    private volatile boolean closed;

    private final Path jniLibrary;

    public LambdaRuntime(Settings settings) {
        this.settings = settings;
        try {
            Files.createDirectories(settings.logDir());
            this.jniLibrary =
                    extractJni(settings.runtimeClasspath(), settings.logDir().resolveSibling("runtime-lib"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The RIC's native Runtime API client, unpacked once, passed to each JVM as the managed runtime
     * does (-D…NativeClient.JNI=/var/runtime/lib/jni/…). Without it every RIC JVM unpacks the library
     * to the same /tmp path, and JVMs starting together crash on each other's half-written copy.
     */
    private static Path extractJni(List<Path> runtimeClasspath, Path dir) throws IOException {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            default -> throw new IllegalStateException("no RIC native library for " + System.getProperty("os.arch"));
        };
        String entry = "jni/libaws-lambda-jni.linux-" + arch + ".so";
        for (Path jar : runtimeClasspath) {
            if (!jar.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client")) {
                continue;
            }
            try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
                var e = zip.getEntry(entry);
                if (e != null) {
                    Files.createDirectories(dir);
                    Path target = dir.resolve(Path.of(entry).getFileName());
                    try (InputStream in = zip.getInputStream(e)) {
                        Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                    return target;
                }
            }
        }
        throw new IllegalStateException("no " + entry + " in the runtime interface client jar of " + runtimeClasspath);
    }

    /** Makes a function invocable (its environments start on demand). */
    public void register(FunctionConfig function) {
        pools.put(function.name(), new Pool(function));
    }

    public Set<String> functions() {
        return Collections.unmodifiableSet(pools.keySet());
    }

    /**
     * Invokes the function synchronously (RequestResponse), waiting for a free environment when the
     * function has reached its cap.
     */
    public Result invoke(String function, byte[] payload) {
        Pool pool = pools.get(function);
        if (pool == null) {
            throw new IllegalArgumentException("no local function " + function + " (known: " + pools.keySet() + ")");
        }
        Environment env = pool.acquire();
        boolean healthy = false;
        try {
            Result r = env.invoke(payload);
            healthy = true;
            return r;
        } finally {
            pool.release(env, healthy);
        }
    }

    /** Environments started so far for the function (each ran its own init). */
    public int environmentsStarted(String function) {
        return pool(function).started.get();
    }

    /** The most environments of this function that were serving invocations at the same time. */
    public int peakConcurrency(String function) {
        return pool(function).peakBusy;
    }

    public long invocations(String function) {
        return pool(function).invocations.get();
    }

    public List<EnvironmentStats> environmentStats(String function) {
        return pool(function).all.stream().map(Environment::stats).toList();
    }

    public Path logFile(String function) {
        return settings.logDir().resolve(function + ".log");
    }

    public Path logDir() {
        return settings.logDir();
    }

    /** Every line written so far by every function, its runtime and its emulator. */
    public List<String> logLines() {
        var lines = new ArrayList<String>();
        for (Pool p : pools.values()) {
            p.log.flush();
        }
        try (Stream<Path> files = Files.list(settings.logDir())) {
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private Pool pool(String function) {
        Pool p = pools.get(function);
        if (p == null) {
            throw new IllegalArgumentException("no local function " + function);
        }
        return p;
    }

    @Override
    public void close() {
        closed = true;
        for (Pool p : pools.values()) {
            p.close();
        }
        threads.shutdownNow();
        http.close();
        try {
            Files.deleteIfExists(jniLibrary);
        } catch (IOException ignored) {
            // a leftover copy in the run directory is harmless
        }
    }

    /** Kills a process and everything it started (descendants first captured: they get reparented). */
    static void kill(Process process) {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            for (ProcessHandle p : tree) {
                p.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // reported by whoever checks the process is gone
        }
        LIVE.remove(process);
    }

    // ---------------------------------------------------------------- one function

    /** A function's environments: idle ones (most recently used first) and the count of all. */
    private final class Pool {
        final FunctionConfig function;
        final FunctionLog log;
        final Deque<Environment> idle = new ArrayDeque<>();
        final List<Environment> all = new CopyOnWriteArrayList<>();
        final AtomicInteger started = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong invocations = new java.util.concurrent.atomic.AtomicLong();
        int live;
        int busy;
        volatile int peakBusy;

        Pool(FunctionConfig function) {
            this.function = function;
            this.log = new FunctionLog(logFile(function.name()));
        }

        Environment acquire() {
            boolean start;
            synchronized (this) {
                while (true) {
                    if (closed) {
                        throw new IllegalStateException("the local Lambda runtime is closed");
                    }
                    if (!idle.isEmpty()) {
                        busy++;
                        peakBusy = Math.max(peakBusy, busy);
                        invocations.incrementAndGet();
                        return idle.pop();
                    }
                    if (live < settings.maxEnvironmentsPerFunction()) {
                        live++;
                        busy++;
                        peakBusy = Math.max(peakBusy, busy);
                        invocations.incrementAndGet();
                        start = true;
                        break;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for an execution environment", e);
                    }
                }
            }
            try {
                Environment env = startEnvironment();
                started.incrementAndGet();
                all.add(env);
                return env;
            } catch (RuntimeException e) {
                synchronized (this) {
                    live--;
                    busy--;
                    notifyAll();
                }
                throw e;
            }
        }

        /** A free port can be taken by another process before the emulator binds it: try again. */
        private Environment startEnvironment() {
            for (int attempt = 1; ; attempt++) {
                try {
                    return new Environment(this, environmentIds.incrementAndGet());
                } catch (IllegalStateException e) {
                    if (attempt == 3 || closed) {
                        throw e;
                    }
                }
            }
        }

        void release(Environment env, boolean healthy) {
            if (!healthy) {
                env.close();
            }
            synchronized (this) {
                busy--;
                if (healthy && !closed) {
                    idle.push(env);
                } else {
                    live--;
                }
                notifyAll();
            }
        }

        void close() {
            synchronized (this) {
                notifyAll();
            }
            all.forEach(Environment::close);
            log.close();
        }
    }

    /** Lines from all environments of one function into one file, each line whole. */
    private static final class FunctionLog {
        private final Writer out;

        FunctionLog(Path file) {
            try {
                this.out = new BufferedWriter(Files.newBufferedWriter(
                        file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized void line(String line) {
            try {
                out.write(line);
                out.write('\n');
                out.flush();
            } catch (IOException ignored) {
                // the log is closed: the cloud is shutting down
            }
        }

        synchronized void flush() {
            try {
                out.flush();
            } catch (IOException ignored) {
                // closed
            }
        }

        synchronized void close() {
            try {
                out.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    // ---------------------------------------------------------------- one execution environment

    /**
     * One emulator process with its runtime (a JVM running the RIC), and the Runtime API proxy
     * between them. The emulator starts the runtime (init) on the first invocation, and again after
     * a timeout or a crash.
     */
    private final class Environment {
        final Pool pool;
        final int id;
        final URI invokeUrl;
        final HttpServer proxy;
        final URI runtimeApi;
        final Process process;
        final Set<String> failedRequests = ConcurrentHashMap.newKeySet();
        final Set<String> answeredRequests = ConcurrentHashMap.newKeySet();
        volatile byte[] restoreError;
        /** Invocations whose invoke phase the emulator has reported (one at a time per environment). */
        int invocationsReported;

        final List<Double> initMillis = new CopyOnWriteArrayList<>();
        final List<Double> invokeMillis = new CopyOnWriteArrayList<>();
        final List<JvmMark> jvmMarks = new CopyOnWriteArrayList<>();
        /** The runtime's JVM, once seen (a new one after a timeout kills the first). */
        volatile ProcessHandle jvm;
        /** The emulator's line saying it failed at its start (null: none). */
        volatile String emulatorFailed;

        Environment(Pool pool, int id) {
            this.pool = pool;
            this.id = id;
            FunctionConfig fn = pool.function;
            int rieApiPort = MotoServer.freePort();
            this.runtimeApi = URI.create("http://127.0.0.1:" + rieApiPort);
            try {
                this.proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            proxy.setExecutor(threads);
            proxy.createContext("/", this::forward);
            proxy.start();
            int invokePort = MotoServer.freePort();
            this.invokeUrl =
                    URI.create("http://127.0.0.1:" + invokePort + "/2015-03-31/functions/function/invocations");

            List<String> command = new ArrayList<>();
            // Watchdog: the emulator is stopped when this JVM's end of the pipe closes, even if this JVM
            // is killed outright (no shutdown hook runs then).
            command.addAll(List.of(
                    "/bin/sh",
                    "-c",
                    "\"$@\" & child=$!; trap 'kill $child 2>/dev/null' EXIT; cat >/dev/null",
                    "lambda-environment"));
            command.add(settings.rie().toString());
            command.addAll(List.of(
                    "--runtime-interface-emulator-address",
                    "127.0.0.1:" + invokePort,
                    "--runtime-api-address",
                    "127.0.0.1:" + rieApiPort));
            // The runtime talks to the proxy, which forwards to the emulator's Runtime API.
            command.addAll(List.of(
                    "/usr/bin/env",
                    "AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + proxy.getAddress().getPort()));
            command.addAll(JvmLaunch.command(settings.java(), settings.runtimeClasspath(), jniLibrary, fn));

            ProcessBuilder pb =
                    new ProcessBuilder(command).directory(settings.taskRoot().toFile());
            Map<String, String> env = pb.environment();
            env.clear();
            env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            env.putAll(fn.environment());
            env.putAll(settings.extraEnvironment());
            try {
                this.process = pb.start();
            } catch (IOException e) {
                proxy.stop(0);
                throw new UncheckedIOException("cannot start the Lambda runtime emulator " + settings.rie(), e);
            }
            LIVE.add(process);
            threads.submit(() -> pump(process.getInputStream()));
            threads.submit(() -> pump(process.getErrorStream()));
            awaitListening(invokePort);
            awaitListening(rieApiPort);
        }

        /** The emulator listens a moment after it starts; init itself waits for the first invocation. */
        private void awaitListening(int port) {
            var deadline = new PatientDeadline(Duration.ofSeconds(30));
            while (true) {
                boolean listening;
                try (var socket = new java.net.Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    listening = true;
                } catch (IOException notYet) {
                    listening = false;
                }
                String failed = emulatorFailed;
                if (listening && failed == null) {
                    return;
                }
                if (!process.isAlive() || failed != null || deadline.passed()) {
                    close();
                    throw new IllegalStateException("the Lambda runtime emulator for " + pool.function.name()
                            + " did not start" + (failed == null ? "" : ": " + failed) + " (see "
                            + logFile(pool.function.name()) + ")");
                }
                LocalCloud.pause(10);
            }
        }

        EnvironmentStats stats() {
            return new EnvironmentStats(
                    pool.function.name(),
                    id,
                    List.copyOf(initMillis),
                    List.copyOf(invokeMillis),
                    List.copyOf(jvmMarks));
        }

        private void pump(InputStream stream) {
            try (var in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    pool.log.line(line);
                    if (line.contains("[PANIC]") || line.contains("failed to listen")) {
                        // The emulator could not bind a port (another process took it first) and exits;
                        // the shell around it does not, so this line is how the start learns of it.
                        emulatorFailed = line;
                    }
                    Matcher init = INIT_REPORT.matcher(line);
                    if (init.find()) {
                        initMillis.add(Double.parseDouble(init.group(1)));
                    }
                    Matcher invoked = INVOKE_DONE.matcher(line);
                    if (invoked.find()) {
                        invokeMillis.add(Double.parseDouble(invoked.group(1)));
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }

        Result invoke(byte[] payload) {
            if (!process.isAlive() || emulatorFailed != null) {
                throw new IllegalStateException("the execution environment of " + pool.function.name() + " has exited");
            }
            String requestId = UUID.randomUUID().toString();
            // Init plus the function's timeout, plus room for the emulator's own work.
            Duration limit = Duration.ofSeconds(pool.function.timeoutSeconds() * 2L + 60);
            HttpResponse<byte[]> response;
            try {
                response = http.send(
                        HttpRequest.newBuilder(invokeUrl)
                                .timeout(limit)
                                .header("X-Amzn-RequestId", requestId)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "the execution environment of " + pool.function.name() + " did not answer: " + e.getMessage(),
                        e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            byte[] body = response.body();
            byte[] restoreFailed = restoreError;
            if (response.statusCode() == 502 && restoreFailed != null) {
                restoreError = null;
                return new Result(true, restoreFailed);
            }
            if (response.statusCode() == 502 && looksLikeError(body)) {
                // Init failed: Lambda answers the invocation with the init error (and starts over next time).
                return new Result(true, body);
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the emulator of " + pool.function.name() + " answered "
                        + response.statusCode() + ": " + new String(body, StandardCharsets.UTF_8));
            }
            if (failedRequests.remove(requestId)) {
                awaitInvokeReport();
                return new Result(true, body);
            }
            if (!answeredRequests.remove(requestId)) {
                String text = new String(body, StandardCharsets.UTF_8);
                if (text.startsWith("Task timed out after")) {
                    ObjectNode error = JSON.createObjectNode();
                    error.put("errorType", TIMEOUT_ERROR_TYPE);
                    error.put("errorMessage", "RequestId: " + requestId + " Error: " + text);
                    return new Result(true, error.toString().getBytes(StandardCharsets.UTF_8));
                }
                throw new IllegalStateException("the runtime of " + pool.function.name() + " never answered request "
                        + requestId + "; the emulator said: " + text);
            }
            awaitInvokeReport();
            return new Result(false, body);
        }

        /**
         * The emulator logs the invoke phase (INVOKE RTDONE) before it answers; the line may still be in
         * the pipe: wait a moment for it, so that {@link #stats} counts every invocation that returned.
         */
        private void awaitInvokeReport() {
            int expected = ++invocationsReported;
            Instant deadline = Instant.now().plusSeconds(2);
            while (invokeMillis.size() < expected && Instant.now().isBefore(deadline)) {
                LocalCloud.pause(2);
            }
            if (invokeMillis.size() < expected) {
                invocationsReported = invokeMillis.size();
            }
        }

        /** The Runtime API, passed through; notes which invocations the runtime reported as errors. */
        private void forward(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getRawPath();
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                Matcher error = ERROR_PATH.matcher(path);
                if (error.matches()) {
                    failedRequests.add(error.group(1));
                }
                Matcher ok = RESPONSE_PATH.matcher(path);
                if (ok.matches()) {
                    answeredRequests.add(ok.group(1));
                }
                if (NEXT.equals(path)) {
                    markJvm(JvmMark.READY);
                } else if (RESTORE_NEXT.equals(path)) {
                    markJvm(JvmMark.SNAPSHOT);
                }
                if (RESTORE_NEXT.equals(path) || RESTORE_ERROR.equals(path)) {
                    snapStartRestore(exchange, path, body);
                    return;
                }
                var request = HttpRequest.newBuilder(
                                runtimeApi.resolve(exchange.getRequestURI().toString()))
                        .method(
                                exchange.getRequestMethod(),
                                body.length == 0 && "GET".equals(exchange.getRequestMethod())
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
                exchange.getRequestHeaders().forEach((k, values) -> {
                    if (!RESTRICTED_HEADERS.contains(k.toLowerCase(Locale.ROOT))) {
                        values.forEach(v -> request.header(k, v));
                    }
                });
                HttpResponse<byte[]> r;
                try {
                    r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                r.headers().map().forEach((k, values) -> {
                    if (!RESTRICTED_HEADERS.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                        values.forEach(v -> exchange.getResponseHeaders().add(k, v));
                    }
                });
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                exchange.getResponseBody().write(r.body());
            } catch (IOException e) {
                if (!closed) {
                    pool.log.line(LOCAL_RUNTIME_PREFIX + "proxy: " + e);
                }
                throw e;
            }
        }

        /** The runtime waits for the Runtime API's answer now: its JVM's counters hold still. */
        private void markJvm(String label) {
            ProcessHandle current = jvm;
            if (current == null || !current.isAlive()) {
                current = JvmProbe.jvmOf(process).orElse(null);
                jvm = current;
            }
            if (current != null) {
                long pid = current.pid();
                long now = System.currentTimeMillis();
                JvmProbe.sample(pid).ifPresent(s -> jvmMarks.add(new JvmMark(pid, label, now, s)));
            }
        }

        /**
         * SnapStart, without the snapshot: the emulator has no Restore API, so after the runtime's
         * beforeCheckpoint hooks this answers restore/next at once, and the same JVM goes on to its
         * afterRestore hooks and its first invocation.
         */
        private void snapStartRestore(HttpExchange exchange, String path, byte[] body) throws IOException {
            if (RESTORE_ERROR.equals(path)) {
                restoreError = body;
                exchange.sendResponseHeaders(202, -1);
                return;
            }
            pool.log.line(
                    LOCAL_RUNTIME_PREFIX + "SnapStart restore/next answered at once (no snapshot is taken locally)");
            exchange.sendResponseHeaders(200, -1);
        }

        void close() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // the watchdog is gone already
            }
            kill(process);
            proxy.stop(0);
        }
    }

    /** The emulator's own log lines: its START/END/REPORT, and its "(rapid)" lines (INIT REPORT, …). */
    private static final Pattern EMULATOR_LINE = Pattern.compile(
            "^(START|END|REPORT) RequestId: .*|^\\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2},\\d{3} \\[[A-Z]+\\] \\(rapid\\) .*");
    /** What this class itself writes into a function's log (see {@link #snapStartRestore}). */
    static final String LOCAL_RUNTIME_PREFIX = "local runtime: ";

    /**
     * True for a line of a function's log that the platform wrote, not the function: the emulator's
     * (on AWS, Lambda's START/END/REPORT come as its own JSON records; the "(rapid)" lines are the
     * emulator's alone) and this local runtime's notes. Every other line came from the function's
     * process.
     */
    public static boolean platformLine(String line) {
        return line.startsWith(LOCAL_RUNTIME_PREFIX)
                || EMULATOR_LINE.matcher(line).matches();
    }

    private static boolean looksLikeError(byte[] body) {
        try {
            return JSON.readTree(body).has("errorType");
        } catch (IOException notJson) {
            return false;
        }
    }

    // ---------------------------------------------------------------- where the pieces are

    /**
     * The emulator binary: $APSIS_IMPORT_RIE (bin/test and bin/local-import set it from
     * tools/setup-lambda-runtime), else where that script installs it.
     */
    public static Path rieBinary() {
        Tier.requireLocalCloud("the Lambda runtime (RIC under RIE)");
        String env = System.getenv("APSIS_IMPORT_RIE");
        Path rie;
        if (env != null && !env.isBlank()) {
            rie = Path.of(env);
        } else {
            String cache = System.getenv("APSIS_IMPORT_CACHE");
            Path base = cache != null && !cache.isBlank()
                    ? Path.of(cache)
                    : Path.of(System.getProperty("user.home"), ".cache", "apsis-one-import");
            rie = base.resolve("bin/aws-lambda-rie");
        }
        if (!Files.isExecutable(rie)) {
            throw new IllegalStateException("the AWS Lambda Runtime Interface Emulator is not at " + rie
                    + ": run tools/setup-lambda-runtime (it installs it with go install)");
        }
        return rie;
    }

    /**
     * A runtime for this project's Lambda artifact (target/classes and the runtime jars, laid out as
     * `sam build` does under {@code run}/task) with the function logs under {@code run}/logs: how a
     * test runs a function of its own configuration (a shorter timeout, another log level) in the
     * real runtime without the rest of the local cloud. Close it, then remove {@code run}/task.
     */
    public static LambdaRuntime forProject(Path home, Path run, int maxEnvironmentsPerFunction) {
        Path task = LambdaArtifact.layOut(run.resolve("task"), LambdaArtifact.projectEntries(home), List.of());
        return new LambdaRuntime(new Settings(
                rieBinary(),
                javaLauncher(),
                runtimeClasspath(home),
                task,
                run.resolve("logs"),
                maxEnvironmentsPerFunction,
                Map.of()));
    }

    /** The java launcher of the JVM running this code (a JDK >= 21). */
    public static Path javaLauncher() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The RIC and its dependencies, as resolved by the pom into target/lambda-ric-classpath.txt. */
    public static List<Path> runtimeClasspath(Path home) {
        Path file = home.resolve("target/lambda-ric-classpath.txt");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: build through Maven (mvn test-compile writes it)");
        }
        return LambdaArtifact.classpath(file);
    }
}
