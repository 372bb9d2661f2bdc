package io.apsisimport.apsis;

// The APSIS client against the simulator on loopback, in the cases a lenient simulator hid: the
// JWT's exp and expires_in disagree, and the import request's connection is refused after a token
// was fetched (so the refusal is seen on the import POST itself, not on the token call).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.sim.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApsisClientStrictSimulatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.startingNow();
    private ApsisSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private static ObjectNode spec() {
        ObjectNode spec = JSON.createObjectNode();
        spec.putObject("keyspace_mapping")
                .put("keyspace_discriminator", "com.apsis1.keyspaces.email")
                .put("field_selector", "email");
        return spec;
    }

    private ApsisClient client(ApsisSimulator.Config config, ApsisClient.Options options) {
        sim = ApsisSimulator.start(config.clock(clock));
        return new ApsisClient(
                sim.baseUrl(), new ApsisCredentials("demo-client", "demo-secret"), options.withClock(clock));
    }

    @Test
    void theTokenIsRenewedBeforeTheJwtsExpEvenWhenExpiresInPromisesADay() {
        ApsisClient client = client(
                ApsisSimulator.Config.defaults()
                        .tokenLifetime(Duration.ofMinutes(10))
                        .expiresIn(Duration.ofHours(24)),
                ApsisClient.Options.defaults());
        String id = client.requestImport("s", spec()).importId();
        assertEquals(1, sim.tokensIssued());

        clock.advance(Duration.ofMinutes(9)); // within the refresh margin before exp, a day before expires_in
        client.importStatus("s", id);
        assertEquals(2, sim.tokensIssued(), "the token was not renewed before the JWT's exp");

        clock.advance(Duration.ofMinutes(9)); // past the first token's exp: no request may carry it
        client.importStatus("s", id);
        assertEquals(3, sim.tokensIssued());
        assertEquals(2, sim.calls(Endpoint.IMPORT_STATUS), "a status request went out with an expired token");
    }

    @Test
    void aTokenIsNotFetchedAgainWhileTheJwtIsValidEvenWhenExpiresInIsShort() {
        // The token endpoint is rate limited strictly: an early renewal per call would soon hit 429.
        ApsisClient client = client(
                ApsisSimulator.Config.defaults()
                        .tokenLifetime(Duration.ofHours(1))
                        .expiresIn(Duration.ofSeconds(60)),
                ApsisClient.Options.defaults());
        String id = client.requestImport("s", spec()).importId();
        for (int minute = 1; minute <= 30; minute++) {
            clock.advance(Duration.ofMinutes(1));
            client.importStatus("s", id);
        }
        assertEquals(1, sim.tokensIssued());
    }

    @Test
    void aRefusedConnectionOnTheImportRequestIsRetriedBecauseApsisNeverSawIt() throws Exception {
        ApsisClient client = client(
                ApsisSimulator.Config.defaults().keepAlive(false),
                ApsisClient.Options.defaults()
                        .withBackoff(Duration.ofMillis(400), Duration.ofMillis(400))
                        .withMaxAttempts(30));
        // A token first, on a connection the simulator closes after its answer (keepAlive false).
        assertThrows(ApsisNotFoundException.class, () -> client.importStatus("s", "no-such-import"));
        assertEquals(1, sim.tokensIssued());

        sim.refuseConnections();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread caller = new Thread(
                () -> {
                    try {
                        outcome.set(client.requestImport("s", spec()));
                    } catch (RuntimeException e) {
                        outcome.set(e);
                    }
                },
                "request-import");
        caller.start();
        // Once the client backs off after a refused connect (or has given up), listen again.
        Instant deadline = Instant.now().plusSeconds(30);
        while (caller.isAlive() && !backingOff(caller)) {
            assertTrue(Instant.now().isBefore(deadline), "the client neither backed off nor gave up");
            Thread.onSpinWait();
        }
        sim.acceptConnections();
        caller.join(30_000);

        Object result = outcome.get();
        assertTrue(result instanceof ImportTicket, "the refused import request was not retried: " + result);
        assertEquals(1, sim.importsRequested());
        assertEquals(1, sim.calls(Endpoint.REQUEST_IMPORT));
        assertEquals(Map.of(), sim.uploadsPerImport());
        assertEquals(1, sim.tokensIssued());
    }

    /** The thread sleeps between two attempts (java.lang.Thread.sleep on its stack). */
    private static boolean backingOff(Thread t) {
        return t.getState() == Thread.State.TIMED_WAITING
                && Arrays.stream(t.getStackTrace())
                        .anyMatch(f -> f.getClassName().equals("java.lang.Thread")
                                && f.getMethodName().startsWith("sleep"));
    }
}
