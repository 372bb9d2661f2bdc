package io.apsisimport.lambda;

// Unit tests of the SnapStart hooks: what Wiring and the handlers register with the CRaC context, run
// the way Lambda's runtime runs them (beforeCheckpoint once after init, afterRestore in every
// environment restored from the snapshot), against loopback servers that count any request.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.sun.net.httpserver.HttpServer;
import io.apsisimport.apsis.Jitter;
import io.apsisimport.template.TemplateModel;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.crac.Context;
import org.crac.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SnapStartTest {
    private HttpServer counting;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        counting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        counting.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        counting.start();
    }

    @AfterEach
    void stop() {
        counting.stop(0);
    }

    @Test
    void environmentsRestoredFromOneSnapshotDrawDifferentJitter() throws Exception {
        // Two environments restored from one snapshot: the same generator state, captured at init.
        var first = new RecordingContext();
        var second = new RecordingContext();
        Wiring a = new Wiring(new Env(env()), first, new Jitter(42));
        Wiring b = new Wiring(new Env(env()), second, new Jitter(42));
        assertEquals(draws(new Jitter(42)), draws(new Jitter(42)), "the same state draws the same waits");

        first.restore();
        second.restore();

        assertNotEquals(draws(a.jitter()), draws(b.jitter()));
    }

    @Test
    void primingBeforeTheSnapshotSendsNothing() throws Exception {
        var crac = new RecordingContext();
        Wiring wiring = new Wiring(new Env(env()), crac, new Jitter());
        List<JsonHandler<?, ?>> handlers = new ArrayList<>();
        for (String handler :
                TemplateModel.load(Path.of("template.yaml")).functionHandlers().values()) {
            Object h = Class.forName(handler.split("::", 2)[0])
                    .getConstructor(Wiring.class)
                    .newInstance(wiring);
            handlers.add((JsonHandler<?, ?>) h);
        }

        crac.checkpoint();
        wiring.prime(); // again, directly: a failure would only be logged by the hook
        for (JsonHandler<?, ?> h : handlers) {
            h.primeJson(); // each handler's own hook (registered with Lambda's global context)
        }

        assertEquals(0, requests.get(), "no request to AWS or APSIS before the snapshot");
        // The invoke priming ran every handler's logic to the end against the priming endpoint: a step
        // that failed would have left its code paths to the first invocation.
        assertEquals(List.of(), wiring.lastPrimingFailures, "priming steps that failed");
    }

    @Test
    void invokePrimingRunsHandlersToTheirEndAndWritesNoLogLine() throws Exception {
        var crac = new RecordingContext();
        Wiring wiring = new Wiring(new Env(env()), crac, new Jitter());
        Map<String, JsonHandler<?, ?>> handlers = new java.util.TreeMap<>();
        for (var fn :
                TemplateModel.load(Path.of("template.yaml")).functionHandlers().entrySet()) {
            handlers.put(
                    fn.getKey(), (JsonHandler<?, ?>) Class.forName(fn.getValue().split("::", 2)[0])
                            .getConstructor(Wiring.class)
                            .newInstance(wiring));
        }

        var stdout = new java.io.ByteArrayOutputStream();
        java.io.PrintStream before = System.out;
        System.setOut(new java.io.PrintStream(stdout, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            wiring.prime();
        } finally {
            System.setOut(before);
        }

        assertEquals(List.of(), wiring.lastPrimingFailures, "priming steps that failed");
        for (String fn : List.of(
                "StartImportFunction",
                "PreflightFileFunction",
                "FeedQueueFunction",
                "ReapSlotsFunction",
                "AcquireSlotFunction",
                "ReleaseSlotFunction",
                "FinishImportFunction",
                "CheckImportStatusFunction",
                "RequestImportFunction",
                "UploadPartFunction",
                "ValidateFileFunction")) {
            assertNotEquals(0, handlers.get(fn).primedInvocations, fn + ": invocations primed");
        }
        assertEquals(0, requests.get(), "no request to AWS or APSIS before the snapshot");
        // What a priming invocation logs ("import started", metrics) would reach CloudWatch as if a
        // file had been handled: only the priming's own summary may be written.
        List<String> lines = stdout.toString(java.nio.charset.StandardCharsets.UTF_8)
                .lines()
                .filter(l -> !l.isBlank())
                .toList();
        assertEquals(1, lines.size(), "lines written by the priming: " + lines);
        org.junit.jupiter.api.Assertions.assertTrue(lines.get(0).contains("SnapStart priming done"), lines.get(0));
    }

    @Test
    void primingLeavesNoConnectionOpen() throws Exception {
        var crac = new RecordingContext();
        Wiring wiring = new Wiring(new Env(env()), crac, new Jitter());
        for (String handler :
                TemplateModel.load(Path.of("template.yaml")).functionHandlers().values()) {
            Class.forName(handler.split("::", 2)[0])
                    .getConstructor(Wiring.class)
                    .newInstance(wiring);
        }

        wiring.prime();

        // A connection a client kept pooled would still be ESTABLISHED, or CLOSE_WAIT once the endpoint
        // closed its end: in a snapshot, a dead connection the first invocation would try to reuse.
        int port = wiring.lastPrimingPort;
        assertNotEquals(0, port);
        // Less than the 5 s after which HttpURLConnection's keep-alive cache would close an idle one itself.
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(2).toNanos();
        List<String> open = openConnections(port);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling the kernel's table, with a deadline
            open = openConnections(port);
        }
        assertEquals(List.of(), open, "sockets to or from the priming endpoint (port " + port + ") still open");
    }

    /** Loopback TCP sockets with {@code port} at either end that are ESTABLISHED or CLOSE_WAIT (Linux /proc). */
    private static List<String> openConnections(int port) throws java.io.IOException {
        List<String> open = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!java.nio.file.Files.exists(file)) {
                continue;
            }
            for (String line :
                    java.nio.file.Files.readAllLines(file).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                boolean established = f[3].equals("01") || f[3].equals("08");
                if (established && (local == port || remote == port)) {
                    open.add(line.trim());
                }
            }
        }
        return open;
    }

    private Map<String, String> env() {
        String endpoint = "http://127.0.0.1:" + counting.getAddress().getPort();
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", "eu-west-1");
        env.put("AWS_ENDPOINT_URL", endpoint);
        env.put("APSIS_BASE_URL", endpoint);
        env.put("APSIS_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apsis-AbCdEf");
        env.put("SLOTS_TABLE", "slots");
        env.put("STATE_MACHINE_ARN", "arn:aws:states:eu-west-1:123456789012:stateMachine:apsis-import-import");
        return env;
    }

    private static List<Long> draws(Jitter jitter) {
        return LongStream.range(0, 8)
                .map(i -> jitter.nextLong(1_000_000))
                .boxed()
                .toList();
    }

    /** Lambda's CRaC context, as its runtime drives it: hooks in reverse order before, in order after. */
    static final class RecordingContext extends Context<Resource> {
        final List<Resource> resources = new ArrayList<>();

        @Override
        public void register(Resource resource) {
            resources.add(resource);
        }

        void checkpoint() throws Exception {
            beforeCheckpoint(null);
        }

        void restore() throws Exception {
            afterRestore(null);
        }

        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) throws org.crac.CheckpointException {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).beforeCheckpoint(this);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) throws org.crac.RestoreException {
            for (Resource r : resources) {
                try {
                    r.afterRestore(this);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
