package io.apsisimport.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code moto_server} child process: S3, DynamoDB, Secrets Manager, EventBridge and Step
 * Functions on one loopback port, with moto's ASL engine executing state machines.
 *
 * <p>moto sends the Lambda {@code Invoke} calls of its ASL engine to
 * {@code http://localhost:$MOTO_PORT}; {@code lambdaPort} sets that variable so those calls reach
 * the in-JVM {@link LambdaEndpoint} instead of moto itself.
 *
 * <p>moto runs with {@code tools/moto-fixes/sitecustomize.py} on its Python path: moto
 * 5.2.5's engine cannot run the {@code states:startExecution.sync:2} integration the way AWS does
 * (moto issue #10076, fix not released); that file restores it (see its comment).
 */
public final class MotoServer implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private MotoServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts moto on a free port; {@code lambdaPort} (or 0) is where its ASL engine sends Lambda invokes. */
    public static MotoServer start(int lambdaPort) {
        Tier.requireLocalCloud("moto");
        // A free port can be taken by another process between freePort() and moto's bind (tests run
        // beside other builds): then moto exits at once and another port is tried.
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(lambdaPort);
            } catch (IllegalStateException e) {
                if (attempt >= 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static MotoServer startOnce(int lambdaPort) {
        Path venv = venv();
        Path exe = venv.resolve("bin/moto_server");
        if (!Files.isExecutable(exe)) {
            throw new IllegalStateException("moto_server not found at " + exe
                    + ": run tools/setup-python (it installs the pinned moto from tools/requirements.txt)");
        }
        int port = freePort();
        try {
            Path log = Files.createTempFile("moto-", ".log");
            List<String> cmd =
                    new ArrayList<>(List.of(exe.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)));
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            if (lambdaPort > 0) {
                pb.environment().put("MOTO_PORT", Integer.toString(lambdaPort));
            }
            pb.environment().put("PYTHONPATH", mergedPythonPath(pb.environment().get("PYTHONPATH")));
            // moto's Step Functions engine needs a region; credentials are never checked.
            pb.environment().putIfAbsent("AWS_DEFAULT_REGION", "eu-west-1");
            Process process = pb.start();
            // Nothing outlives this JVM: stopped on exit and Ctrl-C too, if close() never ran.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "moto-server-reaper"));
            MotoServer server = new MotoServer(process, port, log);
            server.awaitReady(Duration.ofSeconds(60));
            server.configure("{\"stepfunctions\":{\"execute_state_machine\":true}}");
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start moto_server", e);
        }
    }

    /** tools/moto-fixes/ first, so that Python imports its sitecustomize at start-up. */
    private static String mergedPythonPath(String existing) {
        Path dir = Path.of(System.getProperty("apsisimport.home", "."))
                .resolve("tools/moto-fixes")
                .toAbsolutePath();
        if (!Files.isRegularFile(dir.resolve("sitecustomize.py"))) {
            throw new IllegalStateException(dir.resolve("sitecustomize.py")
                    + " is missing (run from the project's root or set" + " -Dapsisimport.home)");
        }
        return existing == null || existing.isBlank() ? dir.toString() : dir + java.io.File.pathSeparator + existing;
    }

    /** The project's pinned Python tooling: {@code $APSIS_IMPORT_VENV} or the default of tools/setup-python. */
    static Path venv() {
        String env = System.getenv("APSIS_IMPORT_VENV");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "apsis-one-import", "venv");
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Forgets every resource (buckets, tables, state machines, executions). */
    public void reset() {
        post("/moto-api/reset", "");
    }

    private void configure(String json) {
        post("/moto-api/config", json);
    }

    private void post(String path, String body) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(endpoint().resolve(path))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("moto " + path + " answered " + r.statusCode() + ": " + r.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + ": " + tail());
            }
            try {
                HttpResponse<Void> r = HTTP.send(
                        HttpRequest.newBuilder(endpoint().resolve("/moto-api/data.json"))
                                .timeout(Duration.ofSeconds(2))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                process.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("moto_server did not answer within " + timeout + ": " + tail());
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /**
     * A port nothing listens on now, never handed out before in this JVM: two emulators or servers
     * started at the same moment never get the same one (the system may give a port that was just
     * closed again). Another process can still bind it first: callers detect that and start over.
     */
    static int freePort() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // a temp log left behind is harmless
        }
    }
}
