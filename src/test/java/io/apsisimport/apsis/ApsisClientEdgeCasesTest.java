package io.apsisimport.apsis;

// The APSIS client against the simulator on loopback (and, for opaque tokens, a bare token server):
// edges found by mutation testing: answers outside 2xx that are not errors APSIS documents, odd
// bodies, Retry-After, token lifetimes without a JWT, and the token lock under two threads.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.sim.MutableClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApsisClientEdgeCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.startingNow();
    private ApsisSimulator sim;
    private HttpServer tokenServer;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
        if (tokenServer != null) {
            tokenServer.stop(0);
        }
    }

    private static ObjectNode spec() {
        ObjectNode spec = JSON.createObjectNode();
        spec.putObject("keyspace_mapping").put("keyspace_discriminator", "k").put("field_selector", "email");
        return spec;
    }

    private static ApsisClient.Options fast() {
        return ApsisClient.Options.defaults().withBackoff(Duration.ofMillis(1), Duration.ofMillis(5));
    }

    private ApsisClient client(ApsisClient.Options options) {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().clock(clock));
        return new ApsisClient(
                sim.baseUrl(), new ApsisCredentials("demo-client", "demo-secret"), options.withClock(clock));
    }

    @Test
    void blankSectionsAndImportIdsAreRefusedBeforeAnyCall() {
        ApsisClient client = client(fast());
        assertThrows(IllegalArgumentException.class, () -> client.requestImport(" ", spec()));
        assertThrows(IllegalArgumentException.class, () -> client.importStatus("", "i"));
        assertThrows(IllegalArgumentException.class, () -> client.importStatus("s", " "));
        assertEquals(0, sim.tokenRequests());
    }

    @Test
    void aBaseUrlWithTrailingSlashesStillReachesTheApi() {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults());
        ApsisClient client = new ApsisClient(
                URI.create(sim.baseUrl() + "//"), new ApsisCredentials("demo-client", "demo-secret"), fast());
        assertEquals(36, client.requestImport("s", spec()).importId().length());
        assertThrows(
                IllegalArgumentException.class,
                () -> new ApsisClient(URI.create("ftp://h"), new ApsisCredentials("a", "b"), fast()));
    }

    @Test
    void countsSentAsTextAreReadAndUnreadableOnesAreUnknown() {
        ApsisClient client = client(fast());
        sim.faults()
                .on(Endpoint.IMPORT_STATUS)
                .next()
                .respond(
                        200,
                        "{\"result\":{\"status\":\"completed\","
                                + "\"profiles_found\":\" 3 \",\"profiles_processed\":\"three\",\"profiles_failed\":[0]}}");
        ImportStatus s = client.importStatus("s", "the-id");
        assertEquals("the-id", s.importId());
        assertEquals(3L, s.profilesFound());
        assertNull(s.profilesProcessed());
        assertNull(s.profilesFailed());
        assertEquals(Outcome.COMPLETED, s.outcome());
    }

    @Test
    void aThreeHundredAnswerIsNotSuccess() {
        ApsisClient client = client(fast());
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(300, "{\"message\":\"multiple choices\"}");
        var e = assertThrows(ApsisInvalidRequestException.class, () -> client.importStatus("s", "i"));
        assertEquals(300, e.httpStatus());
        sim.faults()
                .on(Endpoint.IMPORT_STATUS)
                .next()
                .respond(299, "{\"import_id\":\"i\",\"result\":{\"status\":\"queued\"}}");
        assertEquals("queued", client.importStatus("s", "i").status());
    }

    @Test
    void errorMessagesCarryApsisOwnWordsTheirErrorsAndAtMost300Characters() {
        ApsisClient client = client(fast());
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(400, "");
        assertTrue(assertThrows(ApsisInvalidRequestException.class, () -> client.importStatus("s", "i"))
                .getMessage()
                .endsWith("answered HTTP 400: (empty body)"));
        sim.faults()
                .on(Endpoint.IMPORT_STATUS)
                .next()
                .respond(422, "{\"message\":\" \",\"detail\":\"bad field\",\"errors\":[{\"field\":\"x\"}]}");
        assertTrue(assertThrows(ApsisInvalidRequestException.class, () -> client.importStatus("s", "i"))
                .getMessage()
                .endsWith(": bad field [{\"field\":\"x\"}]"));
        String exactly300 = "x".repeat(300);
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(400, exactly300);
        assertTrue(assertThrows(ApsisInvalidRequestException.class, () -> client.importStatus("s", "i"))
                .getMessage()
                .endsWith(": " + exactly300));
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(400, exactly300 + "y");
        assertTrue(assertThrows(ApsisInvalidRequestException.class, () -> client.importStatus("s", "i"))
                .getMessage()
                .endsWith(": " + "x".repeat(299) + "…"));
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(200, "<html>gateway</html>");
        assertTrue(assertThrows(ApsisTransientException.class, () -> client.importStatus("s", "i"))
                .getMessage()
                .endsWith("with a body that is not JSON: <html>gateway</html>"));
    }

    @Test
    void aRequestTimeoutAnswerIsRetried() {
        ApsisClient client = client(fast());
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(408);
        assertThrows(ApsisNotFoundException.class, () -> client.importStatus("s", "i"));
        assertEquals(2, sim.calls(Endpoint.IMPORT_STATUS));
    }

    @Test
    void theTokenEndpointsRefusalsAreAuthenticationErrors() {
        ApsisClient client = client(fast());
        for (int status : new int[] {400, 403}) {
            sim.faults().on(Endpoint.TOKEN).next().respond(status, "{\"message\":\"invalid_client\"}");
            var e = assertThrows(ApsisAuthenticationException.class, () -> client.importStatus("s", "i"));
            assertEquals(status, e.httpStatus());
        }
    }

    @Test
    void retryAfterOn503IsWaitedForButNotOnOther5xx() {
        ApsisClient client = client(fast());
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(503, "{}", Map.of("Retry-After", "1"));
        long start = System.nanoTime();
        assertThrows(ApsisNotFoundException.class, () -> client.importStatus("s", "i"));
        assertTrue(
                System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(950), "Retry-After: 1 was not waited for");

        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(502, "{}", Map.of("Retry-After", "20"));
        start = System.nanoTime();
        assertThrows(ApsisNotFoundException.class, () -> client.importStatus("s", "i"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "a 502's Retry-After was obeyed");
    }

    @Test
    void aRefreshAfter403DoesNotUseUpAnAttempt() {
        ApsisClient client = client(fast().withMaxAttempts(2));
        String id = client.requestImport("s", spec()).importId();
        sim.revokeTokens();
        int before = sim.calls(Endpoint.IMPORT_STATUS);
        sim.faults().on(Endpoint.IMPORT_STATUS).call(before + 2).respond(503);
        assertEquals(id, client.importStatus("s", id).importId()); // 403, fresh token, 503, then the answer
        assertEquals(before + 3, sim.calls(Endpoint.IMPORT_STATUS));
    }

    @Test
    void anotherThreadCanFetchATokenAfterA403Refresh() {
        ApsisClient client = client(fast());
        String id = client.requestImport("s", spec()).importId();
        sim.revokeTokens();
        client.importStatus("s", id); // 403 → the token is invalidated and renewed on this thread
        clock.advance(Duration.ofHours(2)); // the renewed token expired: the next call needs the lock
        AtomicReference<Throwable> failure = new AtomicReference<>();
        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> CompletableFuture.runAsync(() -> {
                            try {
                                client.importStatus("s", id);
                            } catch (RuntimeException e) {
                                failure.set(e);
                            }
                        })
                        .get());
        assertNull(failure.get());
        assertEquals(3, sim.tokensIssued());
    }

    // ---------------------------------------------------------------- opaque tokens

    /** A token endpoint that answers {@code body}, and a status endpoint that accepts any token. */
    private ApsisClient opaqueTokens(String body, AtomicInteger tokenCalls) throws Exception {
        tokenServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tokenServer.createContext("/", exchange -> {
            byte[] answer = exchange.getRequestURI().getPath().equals("/oauth/token")
                    ? body.getBytes(StandardCharsets.UTF_8)
                    : "{\"import_id\":\"i\",\"result\":{\"status\":\"queued\"}}".getBytes(StandardCharsets.UTF_8);
            if (exchange.getRequestURI().getPath().equals("/oauth/token")) {
                tokenCalls.incrementAndGet();
            }
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        tokenServer.start();
        return new ApsisClient(
                URI.create("http://127.0.0.1:" + tokenServer.getAddress().getPort()),
                new ApsisCredentials("id", "secret"),
                fast().withClock(clock));
    }

    @Test
    void withoutAJwtExpiresInDecidesTheTokensLifetime() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ApsisClient client = opaqueTokens("{\"access_token\":\"opaque\",\"expires_in\":3600}", calls);
        client.importStatus("s", "i");
        clock.advance(Duration.ofMinutes(50)); // past a 10-minute fallback, before 3600 s less the 5-minute margin
        client.importStatus("s", "i");
        assertEquals(1, calls.get());
        clock.advance(Duration.ofMinutes(6));
        client.importStatus("s", "i");
        assertEquals(2, calls.get());
    }

    @Test
    void aShortLivedTokenIsRenewedHalfWayThroughItsLife() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ApsisClient client = opaqueTokens("{\"access_token\":\"opaque\",\"expires_in\":120}", calls);
        client.importStatus("s", "i");
        clock.advance(Duration.ofSeconds(50));
        client.importStatus("s", "i");
        assertEquals(1, calls.get());
        clock.advance(Duration.ofSeconds(20)); // 70 s: past half of 120 s
        client.importStatus("s", "i");
        assertEquals(2, calls.get());
    }

    @Test
    void withNeitherJwtNorUsableExpiresInTheTokenLivesTenMinutes() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ApsisClient client = opaqueTokens("{\"access_token\":\"opaque\",\"expires_in\":0}", calls);
        client.importStatus("s", "i");
        client.importStatus("s", "i");
        clock.advance(Duration.ofMinutes(4));
        client.importStatus("s", "i");
        assertEquals(1, calls.get());
        clock.advance(Duration.ofMinutes(2)); // past 10 minutes less half of them
        client.importStatus("s", "i");
        assertEquals(2, calls.get());
    }

    @Test
    void aTokenAnswerWithoutAccessTokenIsAnAuthenticationError() throws Exception {
        ApsisClient client = opaqueTokens("{\"token_type\":\"Bearer\"}", new AtomicInteger());
        var e = assertInstanceOf(
                ApsisAuthenticationException.class,
                assertThrows(ApsisException.class, () -> client.importStatus("s", "i")));
        assertTrue(e.getMessage().endsWith("answered HTTP 200 without an access_token"), e.getMessage());
    }
}
