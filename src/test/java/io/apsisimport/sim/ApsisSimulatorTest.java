package io.apsisimport.sim;

// Tests of the APSIS One simulator's own rules, with raw HTTP requests over loopback.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApsisSimulatorTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SPEC = "{\"keyspace_mapping\":{\"keyspace_discriminator\":\"com.apsis1.keyspaces.email\","
            + "\"field_selector\":\"email\"}}";
    static final byte[] CSV = "email,name\na@x.se,Ann\nb@x.se,Bob\n".getBytes(StandardCharsets.UTF_8);

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final MutableClock clock = MutableClock.startingNow();
    private ApsisSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private ApsisSimulator start(ApsisSimulator.Config config) {
        sim = ApsisSimulator.start(config.clock(clock));
        return sim;
    }

    private HttpResponse<String> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(sim.baseUrl().resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(sim.baseUrl().resolve(path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> tokenResponse(String id, String secret) throws Exception {
        return post(
                "/oauth/token",
                "{\"grant_type\":\"client_credentials\",\"client_id\":\"" + id + "\",\"client_secret\":\"" + secret
                        + "\"}",
                null);
    }

    private String token() throws Exception {
        HttpResponse<String> r = tokenResponse("demo-client", "demo-secret");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("access_token").asText();
    }

    private JsonNode requestImport(String token, String section) throws Exception {
        HttpResponse<String> r = post("/v2/audience/sections/" + section + "/imports", SPEC, token);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private String status(String token, String section, String id) throws Exception {
        HttpResponse<String> r = get("/audience/sections/" + section + "/imports/" + id, token);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("result").path("status").asText();
    }

    /** A multipart body with the given parts in order; a part named "file" carries {@code file}. */
    static byte[] multipart(String boundary, List<Map.Entry<String, String>> parts, byte[] file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> p : parts) {
            out.writeBytes(("--" + boundary + "\r\n").getBytes(StandardCharsets.UTF_8));
            if (p.getKey().equals("file")) {
                out.writeBytes(
                        "Content-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                                .getBytes(StandardCharsets.UTF_8));
                out.writeBytes(file);
            } else {
                out.writeBytes(("Content-Disposition: form-data; name=\"" + p.getKey() + "\"\r\n\r\n" + p.getValue())
                        .getBytes(StandardCharsets.UTF_8));
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    static List<Map.Entry<String, String>> fields(JsonNode ticket) {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it =
                ticket.get("file_upload_body").fields();
        while (it.hasNext()) {
            var e = it.next();
            fields.add(Map.entry(e.getKey(), e.getValue().asText()));
        }
        return fields;
    }

    private HttpResponse<String> upload(
            JsonNode ticket, List<Map.Entry<String, String>> parts, byte[] file, boolean chunked) throws Exception {
        byte[] body = multipart("b0undary", parts, file);
        HttpRequest.BodyPublisher publisher = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(ticket.get("file_upload_url").asText()))
                .header("Content-Type", "multipart/form-data; boundary=b0undary")
                .POST(publisher)
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static List<Map.Entry<String, String>> withFileLast(List<Map.Entry<String, String>> fields) {
        List<Map.Entry<String, String>> parts = new ArrayList<>(fields);
        parts.add(Map.entry("file", ""));
        return parts;
    }

    private static String s3Code(HttpResponse<String> r) {
        return r.body().replaceAll("(?s).*<Code>([^<]*)</Code>.*", "$1");
    }

    @Test
    void tokensAreJwtsWithExpAndTheEndpointIsRateLimited() throws Exception {
        start(ApsisSimulator.Config.defaults()
                .tokenRateLimit(2, Duration.ofMinutes(1))
                .tokenLifetime(Duration.ofHours(2)));
        String jwt = token();
        String[] parts = jwt.split("\\.");
        assertEquals(3, parts.length);
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertEquals(
                clock.instant().plus(Duration.ofHours(2)).getEpochSecond(),
                claims.get("exp").asLong());
        token();

        HttpResponse<String> limited = tokenResponse("demo-client", "demo-secret");
        assertEquals(429, limited.statusCode());
        assertEquals("60", limited.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(1, sim.tooManyRequestsAnswered());

        clock.advance(Duration.ofSeconds(61)); // the sliding window moves on
        token();
        assertEquals(3, sim.tokensIssued());
        assertEquals(4, sim.tokenRequests());
    }

    @Test
    void wrongCredentialsAreRefused() throws Exception {
        start(ApsisSimulator.Config.defaults().credentials("id", "s3cret"));
        assertEquals(401, tokenResponse("id", "wrong").statusCode());
        assertEquals(
                400, post("/oauth/token", "{\"grant_type\":\"password\"}", null).statusCode());
        assertEquals(200, tokenResponse("id", "s3cret").statusCode());
    }

    @Test
    void apiNeedsAValidUnexpiredToken() throws Exception {
        start(ApsisSimulator.Config.defaults().tokenLifetime(Duration.ofMinutes(10)));
        String deny = "{\"message\":\"User is not authorized to access this resource with an explicit deny\"}";
        assertEquals(deny, post("/v2/audience/sections/s/imports", SPEC, null).body());
        assertEquals(
                403, post("/v2/audience/sections/s/imports", SPEC, "not-a-jwt").statusCode());
        String token = token();
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA";
        assertEquals(403, get("/audience/sections/s/imports/x", forged).statusCode());
        assertEquals(404, get("/audience/sections/s/imports/x", token).statusCode());
        clock.advance(Duration.ofMinutes(11));
        HttpResponse<String> expired = get("/audience/sections/s/imports/x", token);
        assertEquals(403, expired.statusCode());
        assertEquals(deny, expired.body());
        assertTrue(sim.requests().stream()
                .allMatch(
                        r -> r.header("Authorization").map("<redacted>"::equals).orElse(true)));
    }

    @Test
    void importRequestsAreValidated() throws Exception {
        start(ApsisSimulator.Config.defaults().forbidSection("closed"));
        String token = token();
        assertEquals(
                400, post("/v2/audience/sections/s/imports", "{not json", token).statusCode());
        HttpResponse<String> noSelector = post(
                "/v2/audience/sections/s/imports", "{\"keyspace_mapping\":{\"keyspace_discriminator\":\"k\"}}", token);
        assertEquals(400, noSelector.statusCode());
        assertTrue(noSelector.body().contains("keyspace_mapping.field_selector is required"));
        HttpResponse<String> closed = post("/v2/audience/sections/closed/imports", SPEC, token);
        assertEquals(403, closed.statusCode());
        assertTrue(closed.body().contains("'closed'"));

        JsonNode ticket = requestImport(token, "s");
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
                fields(ticket).stream().map(Map.Entry::getKey).toList());
        assertEquals(
                clock.instant().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                Instant.parse(ticket.get("file_upload_url_expires_at").asText()));
        JsonNode policy = JSON.readTree(Base64.getDecoder()
                .decode(ticket.get("file_upload_body").get("policy").asText()));
        assertTrue(
                policy.get("conditions").toString().contains("[\"content-length-range\",1,50000000]"),
                policy.toString());
    }

    @Test
    void aFileOfMoreThan50000000BytesIsRefusedUnlessTheLargerRangeIsAskedFor() throws Exception {
        start(ApsisSimulator.Config.defaults());
        assertEquals(50_000_000L, sim.config().maxUploadBytes());
        String token = token();
        JsonNode ticket = requestImport(token, "s");
        byte[] tooLarge = csvOfSize(50_000_001);
        HttpResponse<String> r = upload(ticket, withFileLast(fields(ticket)), tooLarge, false);
        assertEquals(400, r.statusCode());
        assertEquals("EntityTooLarge", s3Code(r));
        assertTrue(r.body().contains("<MaxSizeAllowed>50000000</MaxSizeAllowed>"), r.body());
        r = upload(ticket, withFileLast(fields(ticket)), java.util.Arrays.copyOf(tooLarge, 50_000_000), false);
        assertEquals(200, r.statusCode(), r.body());
        sim.close();

        start(ApsisSimulator.Config.defaults().maxUploadBytes(ApsisSimulator.ARTICLE_POLICY_MAX_BYTES));
        ticket = requestImport(token(), "s");
        JsonNode policy = JSON.readTree(Base64.getDecoder()
                .decode(ticket.get("file_upload_body").get("policy").asText()));
        assertTrue(
                policy.get("conditions").toString().contains("[\"content-length-range\",1,524288000]"),
                policy.toString());
        assertEquals(
                200,
                upload(ticket, withFileLast(fields(ticket)), tooLarge, false).statusCode());
    }

    /** A CSV of exactly {@code size} bytes: a header, then one-byte-key rows. */
    private static byte[] csvOfSize(int size) {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, (byte) 'a');
        byte[] header = "email,name\n".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(header, 0, bytes, 0, header.length);
        for (int i = header.length + 99; i < size; i += 100) {
            bytes[i] = '\n';
        }
        return bytes;
    }

    @Test
    void theTokenEndpointRefusesABodyThatIsNotDeclaredJsonWith415() throws Exception {
        start(ApsisSimulator.Config.defaults());
        String body =
                "{\"grant_type\":\"client_credentials\",\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}";
        for (String type :
                new String[] {null, "text/plain", "application/x-www-form-urlencoded", "application/jsonp"}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(sim.baseUrl().resolve("/oauth/token"))
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (type != null) {
                b.header("Content-Type", type);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(415, r.statusCode(), type);
            assertEquals("{\"message\":\"Unsupported Media Type\"}", r.body());
        }
        HttpResponse<String> withCharset = http.send(
                HttpRequest.newBuilder(sim.baseUrl().resolve("/oauth/token"))
                        .header("Content-Type", "Application/JSON; charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, withCharset.statusCode(), withCharset.body());
        assertEquals(1, sim.tokensIssued());
    }

    @Test
    void expiresInCanDifferFromTheJwtExp() throws Exception {
        start(ApsisSimulator.Config.defaults()
                .tokenLifetime(Duration.ofMinutes(10))
                .expiresIn(Duration.ofHours(24)));
        HttpResponse<String> r = tokenResponse("demo-client", "demo-secret");
        JsonNode body = JSON.readTree(r.body());
        assertEquals(86400, body.get("expires_in").asLong());
        JsonNode claims = JSON.readTree(
                Base64.getUrlDecoder().decode(body.get("access_token").asText().split("\\.")[1]));
        assertEquals(600, claims.get("exp").asLong() - claims.get("iat").asLong());
        // The JWT's exp rules: past it the token is refused, whatever expires_in said.
        clock.advance(Duration.ofMinutes(10));
        assertEquals(
                403,
                get("/audience/sections/s/imports/x", body.get("access_token").asText())
                        .statusCode());
    }

    @Test
    void uploadsAreCountedPerImportSoASecondUploadIsSeen() throws Exception {
        start(ApsisSimulator.Config.defaults());
        String token = token();
        JsonNode first = requestImport(token, "s");
        JsonNode second = requestImport(token, "s");
        String firstId = first.get("import_id").asText();
        String secondId = second.get("import_id").asText();
        assertEquals(Map.of(), sim.uploadsPerImport());
        assertEquals(200, upload(first, withFileLast(fields(first)), CSV, false).statusCode());
        assertEquals(Map.of(firstId, 1), sim.uploadsPerImport());
        assertEquals(200, upload(first, withFileLast(fields(first)), CSV, false).statusCode());
        assertEquals(
                200, upload(second, withFileLast(fields(second)), CSV, false).statusCode());
        assertEquals(Map.of(firstId, 2, secondId, 1), sim.uploadsPerImport());
        assertEquals(3, sim.uploadsAccepted());
        assertEquals(2, sim.importState(firstId).orElseThrow().uploadsReceived());
        // A refused upload is not counted.
        clock.advance(Duration.ofHours(2));
        assertEquals(
                403, upload(second, withFileLast(fields(second)), CSV, false).statusCode());
        assertEquals(3, sim.uploadsAccepted());
    }

    @Test
    void aDropAfterActingLetsTheRequestThroughAndLosesTheAnswer() throws Exception {
        start(ApsisSimulator.Config.defaults());
        String token = token();
        sim.faults().on(Endpoint.REQUEST_IMPORT).next().dropAfterActing();
        try {
            post("/v2/audience/sections/s/imports", SPEC, token);
            throw new AssertionError("the import request was answered");
        } catch (IOException expected) {
            // no answer
        }
        assertEquals(1, sim.importsRequested());
        assertEquals(1, sim.pendingNow());

        JsonNode ticket = requestImport(token, "s");
        sim.faults().on(Endpoint.UPLOAD).next().dropAfterActing();
        try {
            upload(ticket, withFileLast(fields(ticket)), CSV, false);
            throw new AssertionError("the upload was answered");
        } catch (IOException expected) {
            // no answer
        }
        String id = ticket.get("import_id").asText();
        assertEquals(Map.of(id, 1), sim.uploadsPerImport());
        assertEquals("queued", status(token, "s", id));
        // the plain drop never lets the request through
        sim.faults().on(Endpoint.UPLOAD).next().drop();
        try {
            upload(ticket, withFileLast(fields(ticket)), CSV, false);
            throw new AssertionError("the upload was answered");
        } catch (IOException expected) {
            // no answer
        }
        assertEquals(Map.of(id, 1), sim.uploadsPerImport());
    }

    @Test
    void aDropAfterReceivingReadsTheWholeUploadAndStoresNothing() throws Exception {
        start(ApsisSimulator.Config.defaults());
        String token = token();
        JsonNode ticket = requestImport(token, "s");
        sim.faults().on(Endpoint.UPLOAD).next().dropAfterReceiving();
        try {
            upload(ticket, withFileLast(fields(ticket)), CSV, false);
            throw new AssertionError("the upload was answered");
        } catch (IOException expected) {
            // no answer
        }
        assertEquals(Map.of(), sim.uploadsPerImport());
        assertEquals(
                "waiting for file", status(token, "s", ticket.get("import_id").asText()));
    }

    @Test
    void anUploadedFileIsNoticedAfterTheConfiguredDelay() throws Exception {
        start(ApsisSimulator.Config.defaults()
                .clock(clock)
                .fileNoticedAfter(Duration.ofSeconds(3))
                .processing(Duration.ofSeconds(3)));
        String token = token();
        JsonNode ticket = requestImport(token, "s");
        String id = ticket.get("import_id").asText();
        assertEquals(
                200, upload(ticket, withFileLast(fields(ticket)), CSV, false).statusCode());
        assertEquals(Map.of(id, 1), sim.uploadsPerImport());
        assertEquals("waiting for file", status(token, "s", id), "the file landed; APSIS has not noticed it yet");
        clock.advance(Duration.ofSeconds(3));
        assertEquals("queued", status(token, "s", id));
        clock.advance(Duration.ofSeconds(3));
        assertEquals("completed", status(token, "s", id), "processing counts from the notice");
    }

    @Test
    void connectionsCanBeRefusedAndAcceptedAgainKeepingState() throws Exception {
        start(ApsisSimulator.Config.defaults().keepAlive(false));
        HttpResponse<String> first = tokenResponse("demo-client", "demo-secret");
        assertEquals("close", first.headers().firstValue("Connection").orElse(""));
        String token = JSON.readTree(first.body()).get("access_token").asText();
        sim.refuseConnections();
        try {
            get("/audience/sections/s/imports/x", token);
            throw new AssertionError("the connection was not refused");
        } catch (java.net.ConnectException expected) {
            // refused
        }
        sim.acceptConnections();
        assertEquals(404, get("/audience/sections/s/imports/x", token).statusCode());
        assertEquals(1, sim.calls(Endpoint.IMPORT_STATUS));
    }

    @Test
    void pendingLimitAnswers429UntilAnUnusedUploadUrlExpires() throws Exception {
        start(ApsisSimulator.Config.defaults().pendingLimit(2).uploadUrlLifetime(Duration.ofMinutes(5)));
        String token = token();
        JsonNode first = requestImport(token, "s");
        clock.advance(Duration.ofMinutes(2));
        requestImport(token, "s");
        HttpResponse<String> third = post("/v2/audience/sections/s/imports", SPEC, token);
        assertEquals(429, third.statusCode());
        assertTrue(third.body().contains("Pending import count limit"));
        assertEquals(2, sim.maxPendingSeen());

        clock.advance(Duration.ofMinutes(3)); // the first upload URL expires unused
        assertEquals("expired", status(token, "s", first.get("import_id").asText()));
        assertEquals(1, sim.pendingNow());
        requestImport(token, "s");
        assertEquals(3, sim.importsRequested());
        assertEquals(2, sim.maxPendingSeen());
        assertEquals(1, sim.tooManyRequestsAnswered());
    }

    @Test
    void statusProgressesAfterTheUploadAndCountsComeFromTheCsv() throws Exception {
        start(ApsisSimulator.Config.defaults().processing(Duration.ofMinutes(3)).pendingLimit(1));
        String token = token();
        JsonNode ticket = requestImport(token, "s");
        String id = ticket.get("import_id").asText();
        assertEquals("waiting for file", status(token, "s", id));

        HttpResponse<String> uploaded = upload(ticket, withFileLast(fields(ticket)), CSV, false);
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        assertEquals("", uploaded.body());
        assertEquals("queued", status(token, "s", id));
        assertEquals(429, post("/v2/audience/sections/s/imports", SPEC, token).statusCode());
        clock.advance(Duration.ofMinutes(1));
        assertEquals("in progress", status(token, "s", id));
        clock.advance(Duration.ofMinutes(2));
        JsonNode done =
                JSON.readTree(get("/audience/sections/s/imports/" + id, token).body());
        assertEquals(
                "{\"status\":\"completed\",\"profiles_found\":2,\"profiles_processed\":2,\"profiles_failed\":0}",
                done.get("result").toString());
        assertEquals(0, sim.pendingNow());
        assertEquals(404, get("/audience/sections/other/imports/" + id, token).statusCode());
    }

    @Test
    void processingBySizeTakesLongerForMoreRecordsTheSameForTheSameFileAndSaysWhenItEnds() throws Exception {
        Duration base = Duration.ofSeconds(10);
        Duration perRecord = Duration.ofSeconds(5);
        start(ApsisSimulator.Config.defaults()
                .processingBySize(base, perRecord, 0.2, 7)
                .pendingLimit(3));
        String token = token();
        byte[] big = "email,name\na@x.se,Ann\nb@x.se,Bob\nc@x.se,Cid\nd@x.se,Dan\ne@x.se,Eva\nf@x.se,Fay\n"
                .getBytes(StandardCharsets.UTF_8);
        List<Duration> took = new ArrayList<>();
        for (byte[] file : List.of(CSV, big, CSV)) {
            JsonNode ticket = requestImport(token, "s");
            String id = ticket.get("import_id").asText();
            assertEquals(null, sim.importState(id).orElseThrow().endsAt(), "no end before the upload");
            assertEquals(
                    200,
                    upload(ticket, withFileLast(fields(ticket)), file, false).statusCode());
            ApsisSimulator.ImportState state = sim.importState(id).orElseThrow();
            Duration processing = Duration.between(state.upload().at(), state.endsAt());
            took.add(processing);
            long nominal =
                    base.toMillis() + perRecord.toMillis() * state.upload().records();
            assertTrue(
                    processing.toMillis() >= nominal * 0.8 - 1 && processing.toMillis() <= nominal * 1.2 + 1,
                    processing + " for " + state.upload().records() + " records");
            clock.advance(processing.minusMillis(1));
            assertEquals("in progress", status(token, "s", id));
            clock.advance(Duration.ofMillis(1));
            assertEquals("completed", status(token, "s", id), "ended at endsAt");
        }
        assertEquals(took.get(0), took.get(2), "the same file takes the same time");
        assertTrue(took.get(1).compareTo(took.get(0).plusSeconds(2)) > 0, "six records take longer than two: " + took);
        // The default stays a fixed processing time.
        assertEquals(null, ApsisSimulator.Config.defaults().sizedProcessing());
    }

    @Test
    void importsInAFailingSectionEndFailed() throws Exception {
        start(ApsisSimulator.Config.defaults().processing(Duration.ZERO).failImportsInSection("bad"));
        String token = token();
        JsonNode ticket = requestImport(token, "bad");
        assertEquals(
                200, upload(ticket, withFileLast(fields(ticket)), CSV, false).statusCode());
        JsonNode result = JSON.readTree(get(
                                "/audience/sections/bad/imports/"
                                        + ticket.get("import_id").asText(),
                                token)
                        .body())
                .get("result");
        assertEquals("failed", result.get("status").asText());
        assertEquals(2, result.get("profiles_failed").asInt());
    }

    @Test
    void uploadRulesOfS3AreEnforced() throws Exception {
        start(ApsisSimulator.Config.defaults().maxUploadBytes(20));
        String token = token();
        JsonNode ticket = requestImport(token, "s");
        List<Map.Entry<String, String>> fields = fields(ticket);

        // file first: the fields after it are ignored, so required ones are missing
        List<Map.Entry<String, String>> fileFirst = new ArrayList<>();
        fileFirst.add(Map.entry("file", ""));
        fileFirst.addAll(fields);
        HttpResponse<String> r = upload(ticket, fileFirst, CSV, false);
        assertEquals(400, r.statusCode());
        assertEquals("InvalidArgument", s3Code(r));
        assertTrue(r.body().contains("check the order of the fields"), r.body());

        // chunked: no Content-Length
        r = upload(ticket, withFileLast(fields), CSV, true);
        assertEquals(411, r.statusCode());
        assertEquals("MissingContentLength", s3Code(r));

        // a changed field fails its policy condition
        List<Map.Entry<String, String>> changed = new ArrayList<>(fields);
        changed.replaceAll(e -> e.getKey().equals("content-type") ? Map.entry("content-type", "text/plain") : e);
        r = upload(ticket, withFileLast(changed), CSV, false);
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("Policy Condition failed"), r.body());

        // a changed policy no longer matches its signature
        String policy = ticket.get("file_upload_body").get("policy").asText();
        String looser = Base64.getEncoder()
                .encodeToString(new String(Base64.getDecoder().decode(policy), StandardCharsets.UTF_8)
                        .replace("20]", "999999]")
                        .getBytes(StandardCharsets.UTF_8));
        List<Map.Entry<String, String>> forged = new ArrayList<>(fields);
        forged.replaceAll(e -> e.getKey().equals("policy") ? Map.entry("policy", looser) : e);
        r = upload(ticket, withFileLast(forged), CSV, false);
        assertEquals(403, r.statusCode());
        assertEquals("SignatureDoesNotMatch", s3Code(r));

        // an extra field is refused
        List<Map.Entry<String, String>> extra = new ArrayList<>(fields);
        extra.add(Map.entry("acl", "public-read"));
        r = upload(ticket, withFileLast(extra), CSV, false);
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("Extra input fields: acl"), r.body());

        // a missing field
        r = upload(ticket, withFileLast(fields.subList(1, fields.size())), CSV, false);
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("field named 'key'"), r.body());

        // no file at all
        r = upload(ticket, fields, CSV, false);
        assertEquals(400, r.statusCode());

        // content-length-range: the file (not the request) must fit
        r = upload(ticket, withFileLast(fields), CSV, false);
        assertEquals(400, r.statusCode());
        assertEquals("EntityTooLarge", s3Code(r));
        assertTrue(r.body()
                .contains("<ProposedSize>" + CSV.length + "</ProposedSize><MaxSizeAllowed>20</MaxSizeAllowed>"));
        r = upload(ticket, withFileLast(fields), new byte[0], false);
        assertEquals("EntityTooSmall", s3Code(r));

        byte[] small = "email\na@x\n".getBytes(StandardCharsets.UTF_8);
        r = upload(ticket, withFileLast(fields), small, false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(
                small.length,
                sim.importState(ticket.get("import_id").asText())
                        .orElseThrow()
                        .upload()
                        .size());
        assertFalse(sim.config().keepUploads());
        assertEquals(
                null,
                sim.importState(ticket.get("import_id").asText())
                        .orElseThrow()
                        .upload()
                        .bytes());
    }

    @Test
    void expiredPolicyIsAccessDenied() throws Exception {
        start(ApsisSimulator.Config.defaults().uploadUrlLifetime(Duration.ofMinutes(1)));
        String token = token();
        JsonNode ticket = requestImport(token, "s");
        clock.advance(Duration.ofMinutes(1));
        HttpResponse<String> r = upload(ticket, withFileLast(fields(ticket)), CSV, false);
        assertEquals(403, r.statusCode());
        assertEquals("AccessDenied", s3Code(r));
        assertTrue(r.body().contains("Invalid according to Policy: Policy expired."), r.body());
    }

    @Test
    void faultsCanBeInjectedAtRuntime() throws Exception {
        start(ApsisSimulator.Config.defaults());
        sim.faults().on(Endpoint.TOKEN).call(1).respond(503, "{\"message\":\"down\"}", Map.of("Retry-After", "3"));
        HttpResponse<String> r = tokenResponse("demo-client", "demo-secret");
        assertEquals(503, r.statusCode());
        assertEquals("3", r.headers().firstValue("Retry-After").orElseThrow());
        String token = token();
        // (a POST: java.net.http repeats an idempotent GET on a dropped pooled connection by itself)
        sim.faults().on(Endpoint.TOKEN).next().drop();
        try {
            tokenResponse("demo-client", "demo-secret");
            throw new AssertionError("connection was not dropped");
        } catch (IOException expected) {
            // dropped
        }
        assertEquals(404, get("/audience/sections/s/imports/x", token).statusCode());
        sim.faults().on(Endpoint.IMPORT_STATUS).always().respond(500);
        assertEquals(500, get("/audience/sections/s/imports/x", token).statusCode());
        sim.faults().clear();
        assertEquals(404, get("/audience/sections/s/imports/x", token).statusCode());
        assertEquals(3, sim.calls(Endpoint.IMPORT_STATUS));
        assertEquals(3, sim.tokenRequests());
    }

    @Test
    void mainPrintsItsUrlAndStopsWhenStdinCloses() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        ApsisSimulator.class.getName(),
                        "--processing-ms",
                        "100",
                        "--pending-limit",
                        "5")
                .redirectErrorStream(true)
                .start();
        try {
            InputStream out = p.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = out.read()) >= 0 && c != '\n') {
                line.write(c);
            }
            String first = line.toString(StandardCharsets.UTF_8);
            assertTrue(first.matches("APSIS_SIMULATOR_URL=http://127\\.0\\.0\\.1:\\d+"), first);
            URI base = URI.create(first.substring(first.indexOf('=') + 1));
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(base.resolve("/oauth/token"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"grant_type\":\"client_credentials\","
                                    + "\"client_id\":\"demo-client\",\"client_secret\":\"demo-secret\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            p.getOutputStream().close();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "simulator did not stop when stdin closed");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
