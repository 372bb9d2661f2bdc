package io.apsisimport.apsis;

// Integration tests of ApsisClient over real loopback HTTP against the APSIS One simulator.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.sim.MutableClock;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApsisClientTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECTION = "com.apsis1.sections.default";
    static final ApsisCredentials CREDENTIALS = new ApsisCredentials("demo-client", "demo-secret");

    private ApsisSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    static ObjectNode spec() {
        try {
            return (ObjectNode) JSON.readTree("""
                    {"keyspace_mapping":{"keyspace_discriminator":"com.apsis1.keyspaces.email","field_selector":"email"},
                     "options":{"update_existing_profiles":true,"clear_existing_attributes":false},
                     "tag_mappings":[{"tag_discriminator":"usercreated.tags.vip"}],
                     "some_future_field":{"kept":[1,2,3]}}""");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ApsisClient.Options fast() {
        return ApsisClient.Options.defaults()
                .withBackoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .withRequestTimeout(Duration.ofSeconds(5))
                .withConnectTimeout(Duration.ofSeconds(2));
    }

    private ApsisClient client(ApsisSimulator.Config config, ApsisClient.Options options) {
        sim = ApsisSimulator.start(config);
        return new ApsisClient(sim.baseUrl(), CREDENTIALS, options);
    }

    private ApsisClient client() {
        return client(ApsisSimulator.Config.defaults(), fast());
    }

    private static void assertNoSecrets(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            assertFalse(m.contains("demo-secret"), () -> "secret in message: " + m);
            assertFalse(m.matches("(?s).*eyJ[A-Za-z0-9_-]+\\.eyJ.*"), () -> "token in message: " + m);
        }
    }

    @Test
    void requestImportThenStatus() {
        ApsisClient client = client();
        ImportTicket ticket = client.requestImport(SECTION, spec());

        assertNotNull(ticket.importId());
        assertEquals("127.0.0.1", ticket.uploadUrl().getHost());
        assertEquals(
                List.of(
                        "key",
                        "success_action_status",
                        "policy",
                        "content-type",
                        "x-amz-meta-id",
                        "x-amz-algorithm",
                        "x-amz-credential",
                        "x-amz-date",
                        "x-amz-signature"),
                ticket.uploadFields().stream().map(FormField::name).toList());
        assertEquals("200", ticket.field("success_action_status").orElseThrow());
        assertTrue(ticket.expiresAt().isAfter(Instant.now()));

        ImportStatus status = client.importStatus(SECTION, ticket.importId());
        assertEquals(ticket.importId(), status.importId());
        assertEquals("waiting for file", status.status());
        assertEquals(Outcome.PENDING, status.outcome());
        assertNull(status.profilesFound());
    }

    @Test
    void specIsSentUntouchedAndSectionIsPathEncoded() {
        ApsisClient client = client();
        String section = "my section/ä+1";
        ImportTicket ticket = client.requestImport(section, spec());

        ApsisSimulator.ImportState state = sim.importState(ticket.importId()).orElseThrow();
        assertEquals(section, state.section());
        assertEquals(spec(), state.spec());
        assertEquals(section, sim.imports().get(0).section());
        assertEquals(
                Outcome.PENDING, client.importStatus(section, ticket.importId()).outcome());
    }

    @Test
    void oneTokenServesManyCalls() {
        ApsisClient client = client();
        ImportTicket ticket = client.requestImport(SECTION, spec());
        for (int i = 0; i < 10; i++) {
            client.importStatus(SECTION, ticket.importId());
        }
        assertEquals(1, sim.tokenRequests());
        assertEquals(
                11,
                sim.requests().stream()
                        .filter(r -> r.endpoint() != Endpoint.TOKEN)
                        .count());
        assertTrue(sim.requests(Endpoint.IMPORT_STATUS).stream()
                .allMatch(r -> r.header("Authorization").orElseThrow().equals("<redacted>")));
    }

    @Test
    void concurrentCallersShareOneTokenRequest() throws Exception {
        ApsisClient client = client();
        // A slow token endpoint makes every thread need the token while the first fetch is in flight.
        sim.faults().on(Endpoint.TOKEN).next().delay(Duration.ofMillis(300));
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ImportStatus>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return client.importStatus(SECTION, "unknown-import-is-fine");
                }));
            }
            go.countDown();
            for (Future<ImportStatus> f : results) {
                var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                assertTrue(
                        e.getCause() instanceof ApsisNotFoundException,
                        e.getCause().toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, sim.tokenRequests());
        assertEquals(threads, sim.calls(Endpoint.IMPORT_STATUS));
    }

    @Test
    void tokenIsRefreshedBeforeItsJwtExpiry() {
        MutableClock clock = MutableClock.startingNow();
        ApsisClient client = client(
                ApsisSimulator.Config.defaults().tokenLifetime(Duration.ofHours(1)),
                fast().withClock(clock).withTokenRefreshMargin(Duration.ofMinutes(5)));
        ImportTicket ticket = client.requestImport(SECTION, spec());
        clock.advance(Duration.ofMinutes(50));
        client.importStatus(SECTION, ticket.importId());
        assertEquals(1, sim.tokenRequests());
        clock.advance(Duration.ofMinutes(6)); // inside the 5-minute margin before exp
        client.importStatus(SECTION, ticket.importId());
        assertEquals(2, sim.tokenRequests());
    }

    @Test
    void a403RefreshesTheTokenOnceAndRetries() {
        ApsisClient client = client();
        ImportTicket ticket = client.requestImport(SECTION, spec());
        sim.revokeTokens();

        ImportStatus status = client.importStatus(SECTION, ticket.importId());

        assertEquals(Outcome.PENDING, status.outcome());
        assertEquals(2, sim.tokensIssued());
        assertEquals(2, sim.calls(Endpoint.IMPORT_STATUS));
    }

    @Test
    void forbiddenKeyspaceIsNotAllowedAfterOneRefresh() {
        ApsisClient client =
                client(ApsisSimulator.Config.defaults().forbidKeyspace("com.apsis1.keyspaces.email"), fast());
        var e = assertThrows(ApsisNotAllowedException.class, () -> client.requestImport(SECTION, spec()));
        assertEquals(403, e.httpStatus());
        assertTrue(e.getMessage().contains("com.apsis1.keyspaces.email"), e.getMessage());
        assertTrue(e.getMessage().contains("manage_subscriptions"), e.getMessage());
        assertTrue(e.getMessage().contains("POST /v2/audience/sections/" + SECTION + "/imports"), e.getMessage());
        assertEquals(2, sim.calls(Endpoint.REQUEST_IMPORT));
        assertEquals(2, sim.tokensIssued());
        assertEquals(0, sim.importsRequested());
        assertNoSecrets(e);
    }

    @Test
    void forbiddenSectionNamesTheSection() {
        ApsisClient client = client(ApsisSimulator.Config.defaults().forbidSection("secret-section"), fast());
        var e = assertThrows(ApsisNotAllowedException.class, () -> client.requestImport("secret-section", spec()));
        assertTrue(e.getMessage().contains("'secret-section'"), e.getMessage());
    }

    @Test
    void rateLimitedStatusHonoursRetryAfter() {
        ApsisClient client = client();
        ImportTicket ticket = client.requestImport(SECTION, spec());
        sim.faults()
                .on(Endpoint.IMPORT_STATUS)
                .next()
                .respond(429, "{\"message\":\"Too many requests\"}", Map.of("Retry-After", "1"));

        long started = System.nanoTime();
        ImportStatus status = client.importStatus(SECTION, ticket.importId());
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals(Outcome.PENDING, status.outcome());
        assertEquals(2, sim.calls(Endpoint.IMPORT_STATUS));
        assertTrue(elapsedMs >= 950, "waited only " + elapsedMs + " ms despite Retry-After: 1");
    }

    @Test
    void pendingImportLimitEndsInRateLimitedAfterRetries() {
        ApsisClient client = client(ApsisSimulator.Config.defaults().pendingLimit(1), fast().withMaxAttempts(3));
        client.requestImport(SECTION, spec());

        var e = assertThrows(ApsisRateLimitedException.class, () -> client.requestImport(SECTION, spec()));

        assertEquals(429, e.httpStatus());
        assertNotNull(e.retryAfter());
        assertTrue(e.getMessage().contains("Pending import count limit"), e.getMessage());
        assertEquals(1, sim.importsRequested());
        assertEquals(4, sim.calls(Endpoint.REQUEST_IMPORT));
        assertEquals(3, sim.tooManyRequestsAnswered());
        assertEquals(1, sim.maxPendingSeen());
    }

    @Test
    void tokenEndpoint429IsRetried() {
        ApsisClient client = client();
        sim.faults().on(Endpoint.TOKEN).next().respond(429, "{\"message\":\"slow down\"}", Map.of("Retry-After", "0"));
        client.requestImport(SECTION, spec());
        assertEquals(2, sim.tokenRequests());
        assertEquals(1, sim.tokensIssued());
    }

    @Test
    void simulatorTokenRateLimitIsBackedOff() {
        ApsisClient client = client(
                ApsisSimulator.Config.defaults().tokenRateLimit(1, Duration.ofHours(1)),
                fast().withMaxAttempts(2).withRetryAfterCap(Duration.ofMillis(10)));
        ImportTicket ticket = client.requestImport(SECTION, spec());
        sim.revokeTokens();
        var e = assertThrows(ApsisRateLimitedException.class, () -> client.importStatus(SECTION, ticket.importId()));
        assertEquals(Duration.ofMillis(10), e.retryAfter(), "Retry-After is capped");
        assertTrue(e.getMessage().startsWith("POST /oauth/token answered HTTP 429"), e.getMessage());
        assertEquals(3, sim.tokenRequests());
    }

    @Test
    void statusRetries5xxThenSucceeds() {
        ApsisClient client = client();
        ImportTicket ticket = client.requestImport(SECTION, spec());
        sim.faults().on(Endpoint.IMPORT_STATUS).nextCalls(2).respond(502, "<html>bad gateway</html>");

        assertEquals(
                Outcome.PENDING, client.importStatus(SECTION, ticket.importId()).outcome());
        assertEquals(3, sim.calls(Endpoint.IMPORT_STATUS));
    }

    @Test
    void statusGivesUpAfterMaxAttempts() {
        ApsisClient client = client(ApsisSimulator.Config.defaults(), fast().withMaxAttempts(3));
        sim.faults().on(Endpoint.IMPORT_STATUS).always().respond(503, "{\"message\":\"maintenance\"}");

        var e = assertThrows(ApsisTransientException.class, () -> client.importStatus(SECTION, "x"));
        assertEquals(503, e.httpStatus());
        assertTrue(e.getMessage().contains("maintenance"), e.getMessage());
        assertEquals(3, sim.calls(Endpoint.IMPORT_STATUS));
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504})
    void importRequestIsRepeatedAfterA5xx(int status) {
        ApsisClient client = client();
        sim.faults().on(Endpoint.REQUEST_IMPORT).next().respond(status, "{\"message\":\"internal\"}");

        ImportTicket ticket = client.requestImport(SECTION, spec());

        assertEquals(2, sim.calls(Endpoint.REQUEST_IMPORT));
        assertEquals(1, sim.importsRequested());
        assertEquals(ticket.importId(), sim.imports().get(0).importId());
    }

    @Test
    void importRequestFailingOnEveryAttemptIsTransientAndSaysWhatMayBeLeftBehind() {
        ApsisClient client = client(ApsisSimulator.Config.defaults(), fast().withMaxAttempts(3));
        sim.faults().on(Endpoint.REQUEST_IMPORT).always().respond(502, "<html>bad gateway</html>");

        var e = assertThrows(ApsisTransientException.class, () -> client.requestImport(SECTION, spec()));

        assertEquals(502, e.httpStatus());
        assertTrue(
                e.getMessage()
                        .startsWith("POST /v2/audience/sections/" + SECTION
                                + "/imports answered HTTP 502 on each of 3 attempts"),
                e.getMessage());
        assertTrue(e.getMessage().contains("expires unused"), e.getMessage());
        assertEquals(3, sim.calls(Endpoint.REQUEST_IMPORT));
    }

    @Test
    void aTimedOutImportRequestIsRepeatedAndTheUnansweredImportIsLeftToExpire() {
        ApsisClient client =
                client(ApsisSimulator.Config.defaults(), fast().withRequestTimeout(Duration.ofMillis(300)));
        sim.faults().on(Endpoint.REQUEST_IMPORT).next().delay(Duration.ofMillis(800));

        ImportTicket ticket = client.requestImport(SECTION, spec());

        // The simulator finishes the first request after the client gave up: an import nobody was
        // told about, waiting for a file that never comes. The client uses the one that answered.
        awaitTrue(() -> sim.importsRequested() == 2, Duration.ofSeconds(5));
        assertEquals(2, sim.calls(Endpoint.REQUEST_IMPORT));
        var orphan = sim.imports().stream()
                .filter(i -> !i.importId().equals(ticket.importId()))
                .findFirst()
                .orElseThrow();
        assertEquals(
                Outcome.PENDING, client.importStatus(SECTION, orphan.importId()).outcome());
        assertEquals(
                Outcome.PENDING, client.importStatus(SECTION, ticket.importId()).outcome());
    }

    @Test
    void droppedConnectionOnImportRequestIsRepeated() {
        ApsisClient client = client();
        sim.faults().on(Endpoint.REQUEST_IMPORT).next().drop();

        ImportTicket ticket = client.requestImport(SECTION, spec());

        assertNotNull(ticket.importId());
        assertEquals(2, sim.calls(Endpoint.REQUEST_IMPORT));
        assertEquals(1, sim.importsRequested());
    }

    @Test
    void anAnswerThatIsNotATicketIsTransientForTheStateMachineToRetry() {
        ApsisClient client = client();
        sim.faults().on(Endpoint.REQUEST_IMPORT).next().respond(200, "{\"unexpected\":true}");

        var e = assertThrows(ApsisTransientException.class, () -> client.requestImport(SECTION, spec()));

        assertEquals(200, e.httpStatus());
        assertTrue(e.getMessage().contains("not an import ticket"), e.getMessage());
        assertEquals(1, sim.calls(Endpoint.REQUEST_IMPORT));
    }

    // ---------------------------------------------------------------- deadline

    @Test
    void a429WithRetryAfterCloseToTheDeadlineEndsAtOnceWithRateLimited() {
        ApsisClient client = client(ApsisSimulator.Config.defaults(), fast().withMinAttemptTime(Duration.ofSeconds(1)));
        client.requestImport(SECTION, spec()); // token cached
        sim.faults()
                .on(Endpoint.REQUEST_IMPORT)
                .next()
                .respond(429, "{\"message\":\"Pending import count limit reached\"}", Map.of("Retry-After", "3"));

        long started = System.nanoTime();
        var e = assertThrows(
                ApsisRateLimitedException.class,
                () -> client.requestImport(SECTION, spec(), Deadline.in(Duration.ofMillis(3500))));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        // Waiting 3 s would leave 0.5 s, less than an attempt needs: give the state machine the retry now.
        assertTrue(elapsedMs < 1500, "took " + elapsedMs + " ms");
        assertEquals(Duration.ofSeconds(3), e.retryAfter());
        assertTrue(e.getMessage().contains("no time left in this invocation"), e.getMessage());
        assertEquals(2, sim.calls(Endpoint.REQUEST_IMPORT));
        assertEquals(1, sim.importsRequested());
    }

    @Test
    void a429WhoseRetryAfterFitsBeforeTheDeadlineIsWaitedFor() {
        ApsisClient client = client(ApsisSimulator.Config.defaults(), fast().withMinAttemptTime(Duration.ofSeconds(1)));
        sim.faults()
                .on(Endpoint.REQUEST_IMPORT)
                .next()
                .respond(429, "{\"message\":\"Too many requests\"}", Map.of("Retry-After", "1"));

        ImportTicket ticket = client.requestImport(SECTION, spec(), Deadline.in(Duration.ofSeconds(5)));

        assertNotNull(ticket.importId());
        assertEquals(2, sim.calls(Endpoint.REQUEST_IMPORT));
    }

    @Test
    void anApsisSlowerThanTheDeadlineIsGivenUpOnBeforeIt() {
        ApsisClient client =
                client(ApsisSimulator.Config.defaults(), fast().withMinAttemptTime(Duration.ofMillis(500)));
        client.requestImport(SECTION, spec()); // token cached
        sim.faults().on(Endpoint.REQUEST_IMPORT).always().delay(Duration.ofSeconds(6));

        long started = System.nanoTime();
        var e = assertThrows(
                ApsisTransientException.class,
                () -> client.requestImport(SECTION, spec(), Deadline.in(Duration.ofMillis(2000))));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertTrue(elapsedMs < 2400, "took " + elapsedMs + " ms with a 2000 ms deadline");
        assertEquals(-1, e.httpStatus());
        assertTrue(e.getMessage().contains("no answer within"), e.getMessage());
        assertEquals(2, sim.calls(Endpoint.REQUEST_IMPORT), "no attempt started without time to finish it");
    }

    @Test
    void nothingIsSentWithLessThanAnAttemptLeft() {
        ApsisClient client = client(ApsisSimulator.Config.defaults(), fast().withMinAttemptTime(Duration.ofSeconds(1)));

        var e = assertThrows(
                ApsisTransientException.class,
                () -> client.requestImport(SECTION, spec(), Deadline.in(Duration.ofMillis(200))));

        assertTrue(e.getMessage().contains("not sent"), e.getMessage());
        assertEquals(List.of(), sim.requests());
    }

    @Test
    void theTokenRequestCountsAgainstTheDeadlineToo() {
        ApsisClient client =
                client(ApsisSimulator.Config.defaults(), fast().withMinAttemptTime(Duration.ofMillis(500)));
        sim.faults().on(Endpoint.TOKEN).always().delay(Duration.ofSeconds(6));

        long started = System.nanoTime();
        var e = assertThrows(
                ApsisTransientException.class,
                () -> client.importStatus(SECTION, "x", Deadline.in(Duration.ofMillis(1500))));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertTrue(elapsedMs < 1900, "took " + elapsedMs + " ms with a 1500 ms deadline");
        assertTrue(e.getMessage().startsWith("POST /oauth/token"), e.getMessage());
        assertEquals(0, sim.calls(Endpoint.IMPORT_STATUS));
    }

    // ---------------------------------------------------------------- credentials

    @Test
    void credentialsAreReadAtTheFirstCallNotWhenTheClientIsBuilt() {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults());
        var reads = new java.util.concurrent.atomic.AtomicInteger();
        ApsisClient client = new ApsisClient(
                sim.baseUrl(),
                () -> {
                    reads.incrementAndGet();
                    return CREDENTIALS;
                },
                fast());
        assertEquals(0, reads.get());

        client.requestImport(SECTION, spec());
        client.importStatus(SECTION, sim.imports().get(0).importId());

        assertEquals(1, reads.get(), "one token, one read");
    }

    @Test
    void rejectedCredentialsAreReadAgainAndNewOnesUsedAtOnce() {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults());
        var current =
                new java.util.concurrent.atomic.AtomicReference<>(new ApsisCredentials("demo-client", "old-secret"));
        var invalidated = new java.util.concurrent.atomic.AtomicInteger();
        var source = new ApsisCredentialsSource() {
            @Override
            public ApsisCredentials get() {
                return current.get();
            }

            @Override
            public void invalidate() {
                invalidated.incrementAndGet();
                current.set(CREDENTIALS); // the secret was rotated meanwhile
            }
        };
        ApsisClient client = new ApsisClient(sim.baseUrl(), source, fast());

        ImportTicket ticket = client.requestImport(SECTION, spec());

        assertNotNull(ticket.importId());
        assertEquals(1, invalidated.get());
        assertEquals(2, sim.tokenRequests());
        assertEquals(1, sim.tokensIssued());
    }

    @Test
    void missingCredentialsFailTheCallBeforeAnythingIsSent() {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults());
        ApsisClient client = new ApsisClient(
                sim.baseUrl(),
                () -> {
                    throw new ApsisCredentialsException("the APSIS secret arn:x still holds the placeholder");
                },
                fast());

        var e = assertThrows(ApsisCredentialsException.class, () -> client.requestImport(SECTION, spec()));

        assertEquals("the APSIS secret arn:x still holds the placeholder", e.getMessage());
        assertEquals(List.of(), sim.requests());
    }

    @Test
    void statusTimeoutIsRetried() {
        ApsisClient client =
                client(ApsisSimulator.Config.defaults(), fast().withRequestTimeout(Duration.ofMillis(300)));
        ImportTicket ticket = client.requestImport(SECTION, spec());
        sim.faults().on(Endpoint.IMPORT_STATUS).next().delay(Duration.ofMillis(800));

        assertEquals(
                Outcome.PENDING, client.importStatus(SECTION, ticket.importId()).outcome());
        assertTrue(sim.calls(Endpoint.IMPORT_STATUS) >= 2);
    }

    @Test
    void statusTimeoutOnEveryAttemptIsTransient() {
        ApsisClient client = client(
                ApsisSimulator.Config.defaults(),
                fast().withRequestTimeout(Duration.ofMillis(200)).withMaxAttempts(2));
        sim.faults().on(Endpoint.IMPORT_STATUS).always().delay(Duration.ofMillis(600));
        var e = assertThrows(ApsisTransientException.class, () -> client.importStatus(SECTION, "x"));
        assertEquals(-1, e.httpStatus());
        assertTrue(e.getMessage().contains("no answer within"), e.getMessage());
    }

    @Test
    void droppedConnectionOnStatusIsRetried() {
        ApsisClient client = client();
        ImportTicket ticket = client.requestImport(SECTION, spec());
        sim.faults().on(Endpoint.IMPORT_STATUS).next().drop();
        assertEquals(
                Outcome.PENDING, client.importStatus(SECTION, ticket.importId()).outcome());
    }

    @Test
    void connectionRefusedIsRetriedThenTransient() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ApsisClient client =
                new ApsisClient(URI.create("http://127.0.0.1:" + port), CREDENTIALS, fast().withMaxAttempts(2));
        var e = assertThrows(ApsisTransientException.class, () -> client.requestImport(SECTION, spec()));
        assertTrue(
                e.getMessage().contains("could not connect (ConnectException) on each of 2 attempts"), e.getMessage());
        assertTrue(e.getMessage().startsWith("POST /oauth/token"), e.getMessage());
    }

    @Test
    void invalidRequestSurfacesApsisMessage() {
        ApsisClient client = client();
        ObjectNode bad = spec();
        bad.remove("keyspace_mapping");
        var e = assertThrows(ApsisInvalidRequestException.class, () -> client.requestImport(SECTION, bad));
        assertEquals(400, e.httpStatus());
        assertEquals(
                "POST /v2/audience/sections/" + SECTION + "/imports answered HTTP 400: keyspace_mapping is required",
                e.getMessage());
        assertEquals(1, sim.calls(Endpoint.REQUEST_IMPORT));
    }

    @Test
    void unknownImportIsNotFound() {
        ApsisClient client = client();
        var e = assertThrows(ApsisNotFoundException.class, () -> client.importStatus(SECTION, "nope"));
        assertEquals(404, e.httpStatus());
        assertTrue(e.getMessage().startsWith("GET /audience/sections/" + SECTION + "/imports/nope answered HTTP 404"));
    }

    @Test
    void wrongCredentialsAreAnAuthenticationError() {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().credentials("demo-client", "other-secret"));
        ApsisClient client = new ApsisClient(sim.baseUrl(), CREDENTIALS, fast());
        var e = assertThrows(ApsisAuthenticationException.class, () -> client.importStatus(SECTION, "x"));
        assertEquals(401, e.httpStatus());
        assertTrue(e.getMessage().contains("client demo-client"), e.getMessage());
        assertNoSecrets(e);
        assertEquals(1, sim.tokenRequests(), "the credentials did not change when read again: not asked twice");
    }

    @Test
    void messagesNeverCarrySecretsOrTokensEvenIfTheServerEchoesThem() {
        ApsisClient client = client();
        ImportTicket ticket = client.requestImport(SECTION, spec());
        String echo = "{\"message\":\"bad client_secret demo-secret with token "
                + "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl\"}";
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(422, echo);
        var e = assertThrows(ApsisInvalidRequestException.class, () -> client.importStatus(SECTION, ticket.importId()));
        assertNoSecrets(e);
        assertTrue(e.getMessage().contains("***"), e.getMessage());
    }

    @Test
    void longBodiesAreTrimmed() {
        ApsisClient client = client();
        sim.faults().on(Endpoint.IMPORT_STATUS).next().respond(418, "x".repeat(5000));
        var e = assertThrows(ApsisInvalidRequestException.class, () -> client.importStatus(SECTION, "x"));
        assertTrue(
                e.getMessage().length() < 420,
                () -> "message length " + e.getMessage().length());
    }

    @Test
    void unknownAndMissingStatusesArePending() {
        ApsisClient client = client();
        sim.faults()
                .on(Endpoint.IMPORT_STATUS)
                .call(1)
                .respond(
                        200,
                        "{\"import_id\":\"i-1\",\"result\":{\"status\":\"Validating Mapping\",\"profiles_found\":\"7\"}}");
        sim.faults().on(Endpoint.IMPORT_STATUS).call(2).respond(200, "{\"import_id\":\"i-1\"}");

        ImportStatus first = client.importStatus(SECTION, "i-1");
        assertEquals(Outcome.PENDING, first.outcome());
        assertEquals("Validating Mapping", first.status());
        assertEquals(7L, first.profilesFound());

        ImportStatus second = client.importStatus(SECTION, "i-1");
        assertEquals(Outcome.PENDING, second.outcome());
        assertEquals("unknown", second.status());
    }

    @Test
    void failedImportReportsCounts() {
        ApsisClient client = client();
        sim.faults()
                .on(Endpoint.IMPORT_STATUS)
                .next()
                .respond(
                        200,
                        "{\"import_id\":\"i-2\",\"result\":{\"status\":\"FAILED\",\"profiles_found\":3,\"profiles_processed\":0,\"profiles_failed\":3}}");
        ImportStatus status = client.importStatus(SECTION, "i-2");
        assertEquals(Outcome.FAILED, status.outcome());
        assertEquals(3L, status.profilesFailed());
        assertEquals(0L, status.profilesProcessed());
    }

    static void awaitTrue(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }
}
