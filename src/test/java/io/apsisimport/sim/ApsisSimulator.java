package io.apsisimport.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * APSIS One as documented, on loopback, for tests and local runs: OAuth tokens (JWTs,
 * rate limited), v2 import requests (validation, 403 rules, pending-import limit),
 * an S3-like presigned POST upload endpoint that enforces the policy, and import status
 * that progresses with time. Faults can be injected per endpoint and call.
 * Lives in test scope: never part of the Lambda artifact.
 */
public final class ApsisSimulator implements AutoCloseable {

    /**
     * APSIS's documented limit per import file (developer.apsis.com: "maximum import file size 50 MB"), and
     * the simulator's default {@code content-length-range} maximum: the smaller of the two limits the docs give.
     */
    public static final long MAX_IMPORT_FILE_BYTES = 50_000_000L;

    /** The {@code content-length-range} maximum in the help-centre article's example policy: only as an explicit option. */
    public static final long ARTICLE_POLICY_MAX_BYTES = 524_288_000L;

    /**
     * Behaviour knobs; {@link #defaults()} then withers. {@code expiresIn}: the {@code expires_in} the token
     * endpoint reports, or null for the JWT's own lifetime. {@code keepAlive}: false answers every request
     * with {@code Connection: close}, so each request needs a new connection. {@code fileNotice}: how long
     * after an upload the import still says "waiting for file" (the time APSIS takes to learn that the
     * file landed in its bucket; zero by default).
     */
    public record Config(
            int port,
            String clientId,
            String clientSecret,
            Duration tokenLifetime,
            int tokenRateLimit,
            Duration tokenRateWindow,
            int pendingLimit,
            long maxUploadBytes,
            Duration uploadUrlLifetime,
            Duration processing,
            Set<String> forbiddenSections,
            Set<String> forbiddenKeyspaces,
            Set<String> failingSections,
            boolean keepUploads,
            Clock clock,
            Duration expiresIn,
            boolean keepAlive,
            Duration fileNotice,
            SizedProcessing sizedProcessing) {

        public Config {
            forbiddenSections = Set.copyOf(forbiddenSections);
            forbiddenKeyspaces = Set.copyOf(forbiddenKeyspaces);
            failingSections = Set.copyOf(failingSections);
        }

        public static Config defaults() {
            return new Config(
                    0,
                    "demo-client",
                    "demo-secret",
                    Duration.ofHours(1),
                    20,
                    Duration.ofMinutes(1),
                    3,
                    MAX_IMPORT_FILE_BYTES,
                    Duration.ofHours(1),
                    Duration.ofSeconds(1),
                    Set.of(),
                    Set.of(),
                    Set.of(),
                    false,
                    Clock.systemUTC(),
                    null,
                    true,
                    Duration.ZERO,
                    null);
        }

        public Config port(int p) {
            return with(c -> c.port = p);
        }

        public Config credentials(String id, String secret) {
            return with(c -> {
                c.clientId = id;
                c.clientSecret = secret;
            });
        }

        /** The JWT's lifetime ({@code exp} - {@code iat}); also {@code expires_in} unless {@link #expiresIn} says otherwise. */
        public Config tokenLifetime(Duration d) {
            return with(c -> c.tokenLifetime = d);
        }

        /**
         * The {@code expires_in} the token endpoint reports, independent of the JWT's {@code exp} (APSIS
         * deprecated it: clients must read {@code exp}).
         */
        public Config expiresIn(Duration d) {
            return with(c -> c.expiresIn = d);
        }

        /** At most {@code max} token requests per sliding {@code window}; more answer 429 with Retry-After. */
        public Config tokenRateLimit(int max, Duration window) {
            return with(c -> {
                c.tokenRateLimit = max;
                c.tokenRateWindow = window;
            });
        }

        public Config pendingLimit(int n) {
            return with(c -> c.pendingLimit = n);
        }

        /**
         * The policy's content-length-range maximum: {@link #MAX_IMPORT_FILE_BYTES} by default;
         * {@link #ARTICLE_POLICY_MAX_BYTES} (or any other value) only when a test asks for it.
         */
        public Config maxUploadBytes(long n) {
            return with(c -> c.maxUploadBytes = n);
        }

        public Config uploadUrlLifetime(Duration d) {
            return with(c -> c.uploadUrlLifetime = d);
        }

        /** Time from upload to a terminal status (first third "queued", then "in progress"). */
        public Config processing(Duration d) {
            return with(c -> c.processing = d);
        }

        /**
         * Time from upload to a terminal status that depends on the upload, instead of {@link #processing}:
         * {@code base + perRecord × records}, times a factor in [1 - spread, 1 + spread] drawn from the
         * upload's content and {@code seed}, so the same file takes the same time in every run with that seed
         * (first third "queued", then "in progress", as with {@link #processing}).
         */
        public Config processingBySize(Duration base, Duration perRecord, double spread, long seed) {
            return with(c -> c.sizedProcessing = new SizedProcessing(base, perRecord, spread, seed));
        }

        /** Import requests for this section answer 403 (after a token refresh, too). */
        public Config forbidSection(String section) {
            return with(c -> c.forbiddenSections = plus(c.forbiddenSections, section));
        }

        /** Import requests mapping this keyspace answer 403 (keyspace lacks manage_subscriptions). */
        public Config forbidKeyspace(String keyspace) {
            return with(c -> c.forbiddenKeyspaces = plus(c.forbiddenKeyspaces, keyspace));
        }

        /**
         * An uploaded file is noticed this long after it landed: until then the import still says
         * "waiting for file" (APSIS learns of the file from its bucket, not from the upload's answer),
         * and its processing starts then.
         */
        public Config fileNoticedAfter(Duration d) {
            return with(c -> c.fileNotice = d);
        }

        /** Imports in this section end with status "failed". */
        public Config failImportsInSection(String section) {
            return with(c -> c.failingSections = plus(c.failingSections, section));
        }

        /** Keep uploaded bytes in memory (size, sha256 and counts are always kept). */
        public Config keepUploads(boolean keep) {
            return with(c -> c.keepUploads = keep);
        }

        public Config clock(Clock c) {
            return with(m -> m.clock = c);
        }

        /** False: every answer carries {@code Connection: close} (see {@link ApsisSimulator#refuseConnections()}). */
        public Config keepAlive(boolean keep) {
            return with(c -> c.keepAlive = keep);
        }

        private Config with(java.util.function.Consumer<Mutable> change) {
            Mutable m = new Mutable(this);
            change.accept(m);
            return m.build();
        }

        private static Set<String> plus(Set<String> set, String value) {
            Set<String> copy = new HashSet<>(set);
            copy.add(value);
            return copy;
        }

        /** The withers' scratch copy. */
        private static final class Mutable {
            int port;
            String clientId;
            String clientSecret;
            Duration tokenLifetime;
            int tokenRateLimit;
            Duration tokenRateWindow;
            int pendingLimit;
            long maxUploadBytes;
            Duration uploadUrlLifetime;
            Duration processing;
            Set<String> forbiddenSections;
            Set<String> forbiddenKeyspaces;
            Set<String> failingSections;
            boolean keepUploads;
            Clock clock;
            Duration expiresIn;
            boolean keepAlive;
            Duration fileNotice;
            SizedProcessing sizedProcessing;

            Mutable(Config c) {
                port = c.port;
                clientId = c.clientId;
                clientSecret = c.clientSecret;
                tokenLifetime = c.tokenLifetime;
                tokenRateLimit = c.tokenRateLimit;
                tokenRateWindow = c.tokenRateWindow;
                pendingLimit = c.pendingLimit;
                maxUploadBytes = c.maxUploadBytes;
                uploadUrlLifetime = c.uploadUrlLifetime;
                processing = c.processing;
                forbiddenSections = c.forbiddenSections;
                forbiddenKeyspaces = c.forbiddenKeyspaces;
                failingSections = c.failingSections;
                keepUploads = c.keepUploads;
                clock = c.clock;
                expiresIn = c.expiresIn;
                keepAlive = c.keepAlive;
                fileNotice = c.fileNotice;
                sizedProcessing = c.sizedProcessing;
            }

            Config build() {
                return new Config(
                        port,
                        clientId,
                        clientSecret,
                        tokenLifetime,
                        tokenRateLimit,
                        tokenRateWindow,
                        pendingLimit,
                        maxUploadBytes,
                        uploadUrlLifetime,
                        processing,
                        forbiddenSections,
                        forbiddenKeyspaces,
                        failingSections,
                        keepUploads,
                        clock,
                        expiresIn,
                        keepAlive,
                        fileNotice,
                        sizedProcessing);
            }
        }
    }

    /** See {@link Config#processingBySize}. */
    public record SizedProcessing(Duration base, Duration perRecord, double spread, long seed) {
        public SizedProcessing {
            if (spread < 0 || spread >= 1) {
                throw new IllegalArgumentException("spread must be in [0, 1), was " + spread);
            }
        }

        /** How long APSIS takes for this upload: the same upload and seed, the same time. */
        public Duration of(Upload upload) {
            long nanos = base.toNanos() + perRecord.toNanos() * upload.records();
            long content = Long.parseUnsignedLong(upload.sha256().substring(0, 16), 16);
            double factor = 1 + spread * new java.util.SplittableRandom(content ^ seed).nextDouble(-1, 1);
            return Duration.ofNanos(Math.round(nanos * factor));
        }
    }

    /** One request as received; the Authorization value is never kept. */
    public record RecordedRequest(
            Endpoint endpoint, String method, String path, Map<String, List<String>> headers, Instant at) {
        public Optional<String> header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream())
                    .findFirst();
        }
    }

    /** What one successful upload delivered. {@code bytes} only with {@code keepUploads(true)}. */
    public record Upload(
            long size,
            String sha256,
            long records,
            long blankKeyRecords,
            List<String> header,
            List<String> partNames,
            Map<String, String> partHeadersOfFile,
            Instant at,
            byte[] bytes) {}

    /**
     * A snapshot of one import. {@code endsAt}: when APSIS ends (or ended) processing it, once its file
     * was uploaded (null before).
     */
    public record ImportState(
            String importId,
            String section,
            JsonNode spec,
            Instant requestedAt,
            Instant uploadExpiresAt,
            String status,
            boolean pending,
            Upload upload,
            int uploadsReceived,
            Instant endsAt) {}

    static final String BUCKET = "file-import-uploads";
    private static final String FORBIDDEN_TOKEN_MESSAGE =
            "User is not authorized to access this resource with an explicit deny";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IMPORTS = Pattern.compile("^/v2/audience/sections/([^/]+)/imports/?$");
    private static final Pattern STATUS = Pattern.compile("^/audience/sections/([^/]+)/imports/([^/]+)/?$");
    private static final Pattern UPLOAD = Pattern.compile("^/uploads/([^/]+)/?$");
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Config config;
    private final Object serverLock = new Object();
    private HttpServer server; // null while connections are refused; guarded by serverLock
    private final int port;
    private final ExecutorService executor;
    private final URI baseUrl;
    private final byte[] signingKey = new byte[32];
    private final String accountId;
    private final Faults faults;
    private final Map<Endpoint, AtomicInteger> calls = new EnumMap<>(Endpoint.class);
    private final Object lock = new Object();
    private final Map<String, Imp> imports = new LinkedHashMap<>();
    private final Map<String, Imp> importsByKey = new LinkedHashMap<>();
    private final ArrayDeque<Instant> tokenWindow = new ArrayDeque<>();
    private final List<RecordedRequest> requests = new ArrayList<>();
    private final AtomicInteger tokenGeneration = new AtomicInteger();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final AtomicInteger tooManyRequests = new AtomicInteger();
    private final AtomicInteger importsRequested = new AtomicInteger();
    private final AtomicInteger maxPendingSeen = new AtomicInteger();
    private final AtomicLong tokenSerial = new AtomicLong();
    private final List<String> issuedTokens = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Mutable per-import state, guarded by {@code lock}. */
    private static final class Imp {
        String id;
        String section;
        JsonNode spec;
        Instant requestedAt;
        Instant expiresAt;
        Map<String, String> fields;
        Upload upload;
        int uploads;
    }

    private ApsisSimulator(Config config) throws IOException {
        this.config = config;
        new SecureRandom().nextBytes(signingKey);
        this.accountId = String.valueOf(10000 + new SecureRandom().nextInt(90000));
        for (Endpoint e : Endpoint.values()) {
            calls.put(e, new AtomicInteger());
        }
        this.faults = new Faults(e -> calls.get(e).get());
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "apsis-sim");
            t.setDaemon(true);
            return t;
        });
        this.server = listen(config.port());
        this.port = server.getAddress().getPort();
        this.baseUrl = URI.create("http://127.0.0.1:" + port);
    }

    private HttpServer listen(int onPort) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 128);
        s.setExecutor(executor);
        s.createContext("/", this::handle);
        s.start();
        return s;
    }

    public static ApsisSimulator start(Config config) {
        try {
            return new ApsisSimulator(config);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the APSIS simulator on port " + config.port(), e);
        }
    }

    public static ApsisSimulator start() {
        return start(Config.defaults());
    }

    public URI baseUrl() {
        return baseUrl;
    }

    public Config config() {
        return config;
    }

    public Faults faults() {
        return faults;
    }

    @Override
    public void close() {
        refuseConnections();
        executor.shutdownNow();
    }

    /**
     * Stops listening: from now on a connection to {@link #baseUrl()} is refused (nothing listens on the
     * port, so the client's connect fails: the request provably never reached APSIS), and open
     * connections are closed. State (tokens, imports, counts) is kept for {@link #acceptConnections()}.
     * Use with {@code keepAlive(false)}, or a client may reuse a kept-alive connection without noticing.
     */
    public void refuseConnections() {
        synchronized (serverLock) {
            if (server != null) {
                server.stop(0);
                server = null;
            }
        }
    }

    /** Listens again on the same port after {@link #refuseConnections()}. */
    public void acceptConnections() {
        synchronized (serverLock) {
            if (server == null) {
                try {
                    server = listen(port);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot listen again on port " + port, e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- inspection

    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    public List<RecordedRequest> requests(Endpoint endpoint) {
        return requests().stream().filter(r -> r.endpoint() == endpoint).toList();
    }

    /** Calls received by an endpoint, faulted ones included. */
    public int calls(Endpoint endpoint) {
        return calls.get(endpoint).get();
    }

    /** Tokens issued (successful token requests). */
    public int tokensIssued() {
        return tokensIssued.get();
    }

    /** Token requests received, answered or not. */
    public int tokenRequests() {
        return calls(Endpoint.TOKEN);
    }

    /** 429 answers given by the simulator's own rules (faults not counted). */
    public int tooManyRequestsAnswered() {
        return tooManyRequests.get();
    }

    /** Imports created. */
    public int importsRequested() {
        return importsRequested.get();
    }

    /**
     * Accepted uploads per import, for every import that received at least one: "uploaded exactly once
     * to one import" is {@code Map.of(id, 1)}. A second upload to the same import is counted here (the
     * import keeps the first file's statistics).
     */
    public Map<String, Integer> uploadsPerImport() {
        synchronized (lock) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            imports.values().stream().filter(i -> i.uploads > 0).forEach(i -> counts.put(i.id, i.uploads));
            return Map.copyOf(counts);
        }
    }

    /** Uploads accepted, over all imports. */
    public int uploadsAccepted() {
        synchronized (lock) {
            return imports.values().stream().mapToInt(i -> i.uploads).sum();
        }
    }

    public int maxPendingSeen() {
        return maxPendingSeen.get();
    }

    public int pendingNow() {
        synchronized (lock) {
            return pendingCount(config.clock().instant());
        }
    }

    public List<ImportState> imports() {
        synchronized (lock) {
            Instant now = config.clock().instant();
            return imports.values().stream().map(i -> snapshot(i, now)).toList();
        }
    }

    public Optional<ImportState> importState(String importId) {
        synchronized (lock) {
            Imp i = imports.get(importId);
            return i == null
                    ? Optional.empty()
                    : Optional.of(snapshot(i, config.clock().instant()));
        }
    }

    /**
     * What must never show in a log line or an execution history, by what it is: the client
     * secret, every access token issued, every upload form's signature and policy handed out.
     */
    public Map<String, String> secretsHandedOut() {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("the client secret", config.clientSecret());
        for (int i = 0; i < issuedTokens.size(); i++) {
            secrets.put("access token #" + (i + 1), issuedTokens.get(i));
        }
        synchronized (lock) {
            for (Imp imp : imports.values()) {
                secrets.put("upload signature of import " + imp.id, imp.fields.get("x-amz-signature"));
                secrets.put("upload policy of import " + imp.id, imp.fields.get("policy"));
            }
        }
        return secrets;
    }

    /** Makes every token issued so far invalid (the next API call answers 403). */
    public void revokeTokens() {
        tokenGeneration.incrementAndGet();
    }

    // ---------------------------------------------------------------- dispatch

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            Endpoint endpoint = route(method, path);
            record(endpoint, method, path, exchange.getRequestHeaders());
            if (endpoint == null) {
                drain(exchange);
                sendJson(exchange, 404, message("No route for " + method + " " + path));
                return;
            }
            int call = calls.get(endpoint).incrementAndGet();
            Faults.Action fault = faults.actionFor(endpoint, call);
            if (!config.keepAlive()) {
                exchange.getResponseHeaders().set("Connection", "close");
            }
            if (fault instanceof Faults.Drop) {
                return; // closing before any response header drops the connection
            }
            if (fault instanceof Faults.DropWhileReceiving d) {
                exchange.getRequestBody().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, d.bytes()));
                return; // the rest of the body unread: the close resets the connection
            }
            if (fault instanceof Faults.DropAfterReceiving) {
                drain(exchange);
                return;
            }
            if (fault instanceof Faults.DropAfterActing) {
                // The request is read and acted on (a token issued, an import created, a file taken),
                // then the connection closes before any answer: the client cannot tell it went through.
                dispatch(new Unanswered(exchange), endpoint, path);
                return;
            }
            if (fault instanceof Faults.Respond r) {
                drain(exchange);
                r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                send(
                        exchange,
                        r.status(),
                        r.body() == null ? "" : r.body(),
                        r.body() != null && r.body().startsWith("<") ? "application/xml" : "application/json");
                return;
            }
            if (fault instanceof Faults.Delay d) {
                sleep(d.delay());
            }
            dispatch(exchange, endpoint, path);
        } catch (IOException e) {
            // the client went away: nothing to answer
        } catch (RuntimeException e) {
            try {
                sendJson(exchange, 500, message("simulator error: " + e));
            } catch (IOException | RuntimeException ignored) {
                // headers may already be sent
            }
        }
    }

    private void dispatch(HttpExchange exchange, Endpoint endpoint, String path) throws IOException {
        switch (endpoint) {
            case TOKEN -> token(exchange);
            case REQUEST_IMPORT ->
                requestImport(exchange, decode(match(IMPORTS, path).group(1)));
            case IMPORT_STATUS -> {
                Matcher m = match(STATUS, path);
                importStatus(exchange, decode(m.group(1)), decode(m.group(2)));
            }
            case UPLOAD -> upload(exchange, decode(match(UPLOAD, path).group(1)));
        }
    }

    private static Endpoint route(String method, String path) {
        if (method.equals("POST") && path.equals("/oauth/token")) {
            return Endpoint.TOKEN;
        }
        if (method.equals("POST") && IMPORTS.matcher(path).matches()) {
            return Endpoint.REQUEST_IMPORT;
        }
        if (method.equals("GET") && STATUS.matcher(path).matches()) {
            return Endpoint.IMPORT_STATUS;
        }
        if (method.equals("POST") && UPLOAD.matcher(path).matches()) {
            return Endpoint.UPLOAD;
        }
        return null;
    }

    private void record(Endpoint endpoint, String method, String path, Headers headers) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach(
                (k, v) -> copy.put(k, k.equalsIgnoreCase("Authorization") ? List.of("<redacted>") : List.copyOf(v)));
        synchronized (lock) {
            if (requests.size() >= 10_000) {
                requests.remove(0);
            }
            requests.add(new RecordedRequest(
                    endpoint, method, path, copy, config.clock().instant()));
        }
    }

    // ---------------------------------------------------------------- token

    private void token(HttpExchange exchange) throws IOException {
        Instant now = config.clock().instant();
        byte[] body = readBody(exchange, 64 * 1024);
        synchronized (lock) {
            Instant windowStart = now.minus(config.tokenRateWindow());
            while (!tokenWindow.isEmpty() && !tokenWindow.peekFirst().isAfter(windowStart)) {
                tokenWindow.removeFirst();
            }
            if (tokenWindow.size() >= config.tokenRateLimit()) {
                Duration wait = Duration.between(now, tokenWindow.peekFirst().plus(config.tokenRateWindow()));
                long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
                tooManyRequests.incrementAndGet();
                exchange.getResponseHeaders().add("Retry-After", String.valueOf(seconds));
                sendJson(exchange, 429, message("Too many requests"));
                return;
            }
            tokenWindow.addLast(now);
        }
        if (!isJson(exchange.getRequestHeaders().getFirst("Content-Type"))) {
            // API Gateway (APSIS's front: the 403 body above is its authorizer's deny) refuses a body whose
            // Content-Type no integration mapping accepts with 415 and this body. It would read a missing
            // Content-Type as application/json; the reference says the header is required, so the simulator
            // is stricter and refuses that too.
            sendJson(exchange, 415, message("Unsupported Media Type"));
            return;
        }
        JsonNode json = parseJson(body);
        if (json == null || !"client_credentials".equals(json.path("grant_type").asText())) {
            sendJson(exchange, 400, message("grant_type must be client_credentials"));
            return;
        }
        if (!config.clientId().equals(json.path("client_id").asText())
                || !config.clientSecret().equals(json.path("client_secret").asText())) {
            sendJson(exchange, 401, message("Invalid client credentials"));
            return;
        }
        long iat = now.getEpochSecond();
        long exp = now.plus(config.tokenLifetime()).getEpochSecond();
        ObjectNode claims = JSON.createObjectNode()
                .put("iss", baseUrl.toString())
                .put("sub", config.clientId())
                .put("iat", iat)
                .put("exp", exp)
                .put("jti", tokenSerial.incrementAndGet() + "-" + UUID.randomUUID())
                .put("gen", tokenGeneration.get());
        String jwt = jwt(claims);
        tokensIssued.incrementAndGet();
        issuedTokens.add(jwt);
        sendJson(
                exchange,
                200,
                JSON.createObjectNode()
                        .put("access_token", jwt)
                        .put(
                                "expires_in",
                                config.expiresIn() == null
                                        ? Math.max(0, exp - iat)
                                        : config.expiresIn().toSeconds())
                        .put("token_type", "Bearer"));
    }

    private String jwt(ObjectNode claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        String signature = b64.encodeToString(hmac((header + "." + payload).getBytes(StandardCharsets.US_ASCII)));
        return header + "." + payload + "." + signature;
    }

    /** True when the request carries a valid, unexpired, unrevoked token; otherwise answers 403. */
    private boolean authorised(HttpExchange exchange) throws IOException {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth != null
                && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                && validToken(auth.substring(7).trim())) {
            return true;
        }
        drain(exchange);
        sendJson(exchange, 403, message(FORBIDDEN_TOKEN_MESSAGE));
        return false;
    }

    private boolean validToken(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            return false;
        }
        String expected = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(hmac((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII)));
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), parts[2].getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims.path("exp").asLong() > config.clock().instant().getEpochSecond()
                    && claims.path("gen").asInt(-1) == tokenGeneration.get();
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- import request

    private void requestImport(HttpExchange exchange, String section) throws IOException {
        if (!authorised(exchange)) {
            return;
        }
        JsonNode spec = parseJson(readBody(exchange, 1024 * 1024));
        if (spec == null || !spec.isObject()) {
            sendJson(exchange, 400, message("Request body must be a JSON object"));
            return;
        }
        JsonNode keyspace = spec.get("keyspace_mapping");
        if (keyspace == null || !keyspace.isObject()) {
            sendJson(exchange, 400, message("keyspace_mapping is required"));
            return;
        }
        for (String field : List.of("keyspace_discriminator", "field_selector")) {
            if (!keyspace.path(field).isTextual()
                    || keyspace.path(field).asText().isBlank()) {
                sendJson(exchange, 400, message("keyspace_mapping." + field + " is required"));
                return;
            }
        }
        String keyspaceName = keyspace.get("keyspace_discriminator").asText();
        if (config.forbiddenSections().contains(section)) {
            sendJson(
                    exchange,
                    403,
                    message("Not allowed to import profiles into section '" + section
                            + "': the API client has no access to this section"));
            return;
        }
        if (config.forbiddenKeyspaces().contains(keyspaceName)) {
            sendJson(
                    exchange,
                    403,
                    message("Keyspace '" + keyspaceName
                            + "' does not have the manage_subscriptions permission required by this import"));
            return;
        }
        Instant now = config.clock().instant();
        Imp imp;
        synchronized (lock) {
            int pending = pendingCount(now);
            if (pending >= config.pendingLimit()) {
                tooManyRequests.incrementAndGet();
                sendJson(
                        exchange,
                        429,
                        message("Pending import count limit reached (" + config.pendingLimit() + " pending imports)"));
                return;
            }
            imp = new Imp();
            imp.id = UUID.randomUUID().toString();
            imp.section = section;
            imp.spec = spec;
            imp.requestedAt = now;
            imp.expiresAt = now.plus(config.uploadUrlLifetime()).truncatedTo(ChronoUnit.MILLIS);
            imp.fields = uploadFields(imp);
            imports.put(imp.id, imp);
            importsByKey.put(imp.fields.get("key"), imp);
            importsRequested.incrementAndGet();
            maxPendingSeen.accumulateAndGet(pending + 1, Math::max);
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("import_id", imp.id);
        body.put("file_upload_url", baseUrl + "/uploads/" + BUCKET);
        ObjectNode form = body.putObject("file_upload_body");
        imp.fields.forEach(form::put);
        body.put("file_upload_url_expires_at", imp.expiresAt.toString());
        sendJson(exchange, 200, body);
    }

    /** The presigned POST fields, in APSIS's order; the policy is signed with the simulator's key. */
    private Map<String, String> uploadFields(Imp imp) {
        String key = accountId + "/" + imp.id + ".csv";
        String metaId = Base64.getEncoder().encodeToString(("import:" + imp.id).getBytes(StandardCharsets.UTF_8));
        String date = AMZ_DATE.format(imp.requestedAt);
        String credential = "AKIASIMULATOR0000000/" + date.substring(0, 8) + "/eu-west-1/s3/aws4_request";
        ObjectNode policy = JSON.createObjectNode();
        policy.put("expiration", imp.expiresAt.toString());
        ArrayNode conditions = policy.putArray("conditions");
        conditions.addObject().put("bucket", BUCKET);
        conditions.addObject().put("key", key);
        conditions.addObject().put("success_action_status", "200");
        conditions.addObject().put("content-type", "text/csv");
        conditions.addObject().put("x-amz-meta-id", metaId);
        conditions.addObject().put("x-amz-algorithm", "AWS4-HMAC-SHA256");
        conditions.addObject().put("x-amz-credential", credential);
        conditions.addObject().put("x-amz-date", date);
        conditions.addArray().add("content-length-range").add(1).add(config.maxUploadBytes());
        String policyB64 = Base64.getEncoder().encodeToString(policy.toString().getBytes(StandardCharsets.UTF_8));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("key", key);
        fields.put("success_action_status", "200");
        fields.put("policy", policyB64);
        fields.put("content-type", "text/csv");
        fields.put("x-amz-meta-id", metaId);
        fields.put("x-amz-algorithm", "AWS4-HMAC-SHA256");
        fields.put("x-amz-credential", credential);
        fields.put("x-amz-date", date);
        fields.put("x-amz-signature", HexFormat.of().formatHex(hmac(policyB64.getBytes(StandardCharsets.US_ASCII))));
        return fields;
    }

    // ---------------------------------------------------------------- status

    private void importStatus(HttpExchange exchange, String section, String importId) throws IOException {
        if (!authorised(exchange)) {
            return;
        }
        ImportState state;
        synchronized (lock) {
            Imp imp = imports.get(importId);
            state = imp == null || !imp.section.equals(section)
                    ? null
                    : snapshot(imp, config.clock().instant());
        }
        if (state == null) {
            sendJson(exchange, 404, message("Import " + importId + " not found in section " + section));
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("import_id", state.importId());
        ObjectNode result = body.putObject("result").put("status", state.status());
        if (state.upload() != null && !state.pending()) {
            long found = state.upload().records();
            long failed =
                    state.status().equals("failed") ? found : state.upload().blankKeyRecords();
            result.put("profiles_found", found)
                    .put("profiles_processed", found - failed)
                    .put("profiles_failed", failed);
        }
        sendJson(exchange, 200, body);
    }

    private ImportState snapshot(Imp imp, Instant now) {
        String status = statusOf(imp, now);
        boolean pending = !status.equals("completed") && !status.equals("failed") && !status.equals("expired");
        return new ImportState(
                imp.id,
                imp.section,
                imp.spec,
                imp.requestedAt,
                imp.expiresAt,
                status,
                pending,
                imp.upload,
                imp.uploads,
                imp.upload == null
                        ? null
                        : imp.upload.at().plus(config.fileNotice()).plus(processingOf(imp.upload)));
    }

    private String statusOf(Imp imp, Instant now) {
        if (imp.upload == null) {
            return now.isBefore(imp.expiresAt) ? "waiting for file" : "expired";
        }
        Duration since = Duration.between(imp.upload.at().plus(config.fileNotice()), now);
        if (since.isNegative()) {
            return "waiting for file";
        }
        Duration processing = processingOf(imp.upload);
        if (since.compareTo(processing) >= 0) {
            return config.failingSections().contains(imp.section) ? "failed" : "completed";
        }
        return since.compareTo(processing.dividedBy(3)) < 0 ? "queued" : "in progress";
    }

    private Duration processingOf(Upload upload) {
        return config.sizedProcessing() == null
                ? config.processing()
                : config.sizedProcessing().of(upload);
    }

    private int pendingCount(Instant now) {
        int n = 0;
        for (Imp imp : imports.values()) {
            if (snapshot(imp, now).pending()) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- upload (S3 presigned POST)

    private void upload(HttpExchange exchange, String bucket) throws IOException {
        Headers h = exchange.getRequestHeaders();
        String contentLength = h.getFirst("Content-Length");
        String transferEncoding = h.getFirst("Transfer-Encoding");
        if (contentLength == null
                || (transferEncoding != null
                        && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked"))) {
            drain(exchange);
            s3Error(exchange, 411, "MissingContentLength", "You must provide the Content-Length HTTP header.", "");
            return;
        }
        long declared;
        try {
            declared = Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            s3Error(exchange, 400, "InvalidArgument", "Invalid Content-Length", "");
            return;
        }
        if (!bucket.equals(BUCKET)) {
            drain(exchange);
            s3Error(
                    exchange,
                    404,
                    "NoSuchBucket",
                    "The specified bucket does not exist",
                    "<BucketName>" + xml(bucket) + "</BucketName>");
            return;
        }
        // S3 refuses a body that cannot fit before reading it; the form fields need far less than 1 MiB.
        if (declared > config.maxUploadBytes() + 1024 * 1024) {
            s3Error(
                    exchange,
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    "<ProposedSize>" + declared + "</ProposedSize><MaxSizeAllowed>" + config.maxUploadBytes()
                            + "</MaxSizeAllowed>");
            return;
        }
        String boundary = MultipartStream.boundaryOf(h.getFirst("Content-Type"));
        if (boundary == null) {
            drain(exchange);
            s3Error(
                    exchange,
                    412,
                    "PreconditionFailed",
                    "Bucket POST must be of the enclosure-type multipart/form-data",
                    "");
            return;
        }
        MultipartStream multipart = new MultipartStream(exchange.getRequestBody(), boundary);
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> partNames = new ArrayList<>();
        try {
            MultipartStream.PartHeaders part;
            while ((part = multipart.nextPart()) != null) {
                String name = part.name() == null ? "" : part.name();
                partNames.add(name);
                if (!name.equalsIgnoreCase("file")) {
                    fields.put(name.toLowerCase(Locale.ROOT), multipart.readText(64 * 1024));
                    continue;
                }
                String problem = checkFields(exchange, fields);
                if (problem != null) {
                    multipart.drain();
                    return; // checkFields answered
                }
                Imp imp;
                synchronized (lock) {
                    imp = importsByKey.get(fields.get("key"));
                }
                Upload received = receiveFile(multipart, imp, part, partNames);
                // S3 ignores fields after the file; read them so the client sees an answer, not a reset.
                while (multipart.nextPart() != null) {
                    partNames.add("(ignored)");
                }
                long max = config.maxUploadBytes();
                if (received.size() < 1) {
                    s3Error(
                            exchange,
                            400,
                            "EntityTooSmall",
                            "Your proposed upload is smaller than the minimum allowed size",
                            "<ProposedSize>0</ProposedSize><MinSizeAllowed>1</MinSizeAllowed>");
                    return;
                }
                if (received.size() > max) {
                    s3Error(
                            exchange,
                            400,
                            "EntityTooLarge",
                            "Your proposed upload exceeds the maximum allowed size",
                            "<ProposedSize>" + received.size() + "</ProposedSize><MaxSizeAllowed>" + max
                                    + "</MaxSizeAllowed>");
                    return;
                }
                synchronized (lock) {
                    imp.uploads++;
                    if (imp.upload == null) {
                        imp.upload = received;
                    }
                }
                int status = parseStatus(fields.get("success_action_status"));
                if (status == 201) {
                    send(
                            exchange,
                            201,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><PostResponse><Bucket>" + BUCKET
                                    + "</Bucket><Key>" + xml(fields.get("key")) + "</Key></PostResponse>",
                            "application/xml");
                } else {
                    send(exchange, status, "", null);
                }
                return;
            }
            s3Error(
                    exchange,
                    400,
                    "InvalidArgument",
                    "POST requires exactly one file upload per request.",
                    "<ArgumentName>file</ArgumentName><ArgumentValue>0</ArgumentValue>");
        } catch (IOException e) {
            // A malformed body is the client's fault; a reset connection has nobody to answer.
            try {
                multipart.drain();
                s3Error(
                        exchange,
                        400,
                        "MalformedPOSTRequest",
                        "The body of your POST request is not well-formed multipart/form-data.",
                        "");
            } catch (IOException gone) {
                throw e;
            }
        }
    }

    /** S3's checks before it takes the file; answers and returns a reason on failure, else null. */
    private String checkFields(HttpExchange exchange, Map<String, String> fields) throws IOException {
        for (String required :
                List.of("policy", "x-amz-signature", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "key")) {
            if (!fields.containsKey(required)) {
                return answer(
                        exchange,
                        400,
                        "InvalidArgument",
                        "Bucket POST must contain a field named '" + required
                                + "'.  If it is specified, please check the order of the fields.",
                        "<ArgumentName>" + required + "</ArgumentName><ArgumentValue></ArgumentValue>");
            }
        }
        String policy = fields.get("policy");
        String expected = HexFormat.of().formatHex(hmac(policy.getBytes(StandardCharsets.US_ASCII)));
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII),
                fields.get("x-amz-signature").toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return answer(
                    exchange,
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match "
                            + "the signature you provided. Check your key and signing method.",
                    "");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(Base64.getDecoder().decode(policy));
        } catch (IOException | IllegalArgumentException e) {
            return answer(exchange, 400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", "");
        }
        Instant expiration = Instant.parse(doc.path("expiration").asText());
        if (!config.clock().instant().isBefore(expiration)) {
            return answer(exchange, 403, "AccessDenied", "Invalid according to Policy: Policy expired.", "");
        }
        Set<String> allowed = new HashSet<>(Set.of("policy", "x-amz-signature", "file"));
        for (JsonNode condition : doc.path("conditions")) {
            if (!condition.isObject()) {
                continue;
            }
            var entry = condition.properties().iterator().next();
            String name = entry.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("bucket")) {
                continue;
            }
            allowed.add(name);
            String value = entry.getValue().asText();
            if (!value.equals(fields.get(name))) {
                return answer(
                        exchange,
                        403,
                        "AccessDenied",
                        "Invalid according to Policy: Policy Condition failed: " + "[\"eq\", \"$" + name + "\", \""
                                + value + "\"]",
                        "");
            }
        }
        for (String name : fields.keySet()) {
            if (!allowed.contains(name)) {
                return answer(
                        exchange, 403, "AccessDenied", "Invalid according to Policy: Extra input fields: " + name, "");
            }
        }
        synchronized (lock) {
            if (!importsByKey.containsKey(fields.get("key"))) {
                return answer(exchange, 403, "AccessDenied", "Access Denied", "");
            }
        }
        return null;
    }

    private String answer(HttpExchange exchange, int status, String code, String message, String extra)
            throws IOException {
        // Read the rest of the body first so the client, still sending, gets the answer and not a reset.
        drain(exchange);
        s3Error(exchange, status, code, message, extra);
        return code;
    }

    private Upload receiveFile(
            MultipartStream multipart, Imp imp, MultipartStream.PartHeaders part, List<String> partNames)
            throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        String keyColumn =
                imp.spec.path("keyspace_mapping").path("field_selector").asText(null);
        CsvRecordCounter counter = new CsvRecordCounter(keyColumn);
        ByteArrayOutputStream kept = config.keepUploads() ? new ByteArrayOutputStream() : null;
        InputStream in = multipart.body();
        byte[] chunk = new byte[64 * 1024];
        long size = 0;
        int n;
        while ((n = in.read(chunk, 0, chunk.length)) > 0) {
            sha.update(chunk, 0, n);
            counter.update(chunk, 0, n);
            if (kept != null) {
                kept.write(chunk, 0, n);
            }
            size += n;
        }
        CsvRecordCounter.Result csv = counter.finish();
        return new Upload(
                size,
                HexFormat.of().formatHex(sha.digest()),
                csv.records(),
                csv.blankKeyRecords(),
                csv.header() == null ? List.of() : List.copyOf(csv.header()),
                List.copyOf(partNames),
                Map.copyOf(part.headers()),
                config.clock().instant(),
                kept == null ? null : kept.toByteArray());
    }

    private static int parseStatus(String value) {
        if (value == null) {
            return 204;
        }
        return switch (value.trim()) {
            case "200" -> 200;
            case "201" -> 201;
            default -> 204;
        };
    }

    private void s3Error(HttpExchange exchange, int status, String code, String message, String extra)
            throws IOException {
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                + xml(message) + "</Message>" + extra + "<RequestId>" + Long.toHexString(tokenSerial.incrementAndGet())
                + "</RequestId><HostId>simulator</HostId></Error>";
        send(exchange, status, body, "application/xml");
    }

    // ---------------------------------------------------------------- plumbing

    private byte[] hmac(byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code application/json}, with or without parameters such as {@code charset}. */
    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }

    private static ObjectNode message(String text) {
        return JSON.createObjectNode().put("message", text);
    }

    private static JsonNode parseJson(byte[] body) {
        try {
            return body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] readBody(HttpExchange exchange, int max) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                in.transferTo(OutputStream.nullOutputStream());
                return new byte[0];
            }
            return bytes;
        }
    }

    private static void drain(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, body.toString(), "application/json");
    }

    private static void send(HttpExchange exchange, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Matcher match(Pattern p, String path) {
        Matcher m = p.matcher(path);
        if (!m.matches()) {
            throw new IllegalStateException("route mismatch: " + path);
        }
        return m;
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String xml(String s) {
        return s == null
                ? ""
                : s.replace("&", "&amp;")
                        .replace("<", "&lt;")
                        .replace(">", "&gt;")
                        .replace("\"", "&quot;");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The request side of a real exchange with an answer that goes nowhere: a handler acts on the request
     * as usual, and the real exchange is then closed without any response (the connection drops).
     */
    private static final class Unanswered extends HttpExchange {
        private final HttpExchange real;
        private final Headers responseHeaders = new Headers();
        private int code = -1;

        Unanswered(HttpExchange real) {
            this.real = real;
        }

        @Override
        public Headers getRequestHeaders() {
            return real.getRequestHeaders();
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return real.getRequestURI();
        }

        @Override
        public String getRequestMethod() {
            return real.getRequestMethod();
        }

        @Override
        public com.sun.net.httpserver.HttpContext getHttpContext() {
            return real.getHttpContext();
        }

        @Override
        public void close() {
            // the real exchange is closed by handle(), unanswered
        }

        @Override
        public InputStream getRequestBody() {
            return real.getRequestBody();
        }

        @Override
        public OutputStream getResponseBody() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public void sendResponseHeaders(int rCode, long responseLength) {
            code = rCode;
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return real.getRemoteAddress();
        }

        @Override
        public int getResponseCode() {
            return code;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return real.getLocalAddress();
        }

        @Override
        public String getProtocol() {
            return real.getProtocol();
        }

        @Override
        public Object getAttribute(String name) {
            return real.getAttribute(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            real.setAttribute(name, value);
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            throw new UnsupportedOperationException();
        }

        @Override
        public com.sun.net.httpserver.HttpPrincipal getPrincipal() {
            return real.getPrincipal();
        }
    }

    // ---------------------------------------------------------------- standalone

    /**
     * Runs the simulator until stdin closes (or the process is killed). Flags:
     * {@code --port N}, {@code --processing-ms N}, {@code --pending-limit N},
     * {@code --upload-url-lifetime-s N}, {@code --token-lifetime-s N}, {@code --expires-in-s N},
     * {@code --max-upload-bytes N} (default 50,000,000),
     * {@code --client-id X}, {@code --client-secret X}, {@code --keep-uploads}, {@code --until-killed}.
     * Prints {@code APSIS_SIMULATOR_URL=http://127.0.0.1:PORT} once it listens.
     */
    public static void main(String[] args) throws Exception {
        Config config = Config.defaults().processing(Duration.ofSeconds(3));
        boolean untilKilled = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--keep-uploads" -> config = config.keepUploads(true);
                case "--until-killed" -> untilKilled = true;
                case "--help", "-h" -> {
                    System.out.println("usage: ApsisSimulator [--port N] [--processing-ms N] [--pending-limit N]"
                            + " [--upload-url-lifetime-s N] [--token-lifetime-s N] [--expires-in-s N] [--max-upload-bytes N]"
                            + " [--client-id X] [--client-secret X] [--keep-uploads] [--until-killed]");
                    return;
                }
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("flag " + flag + " needs a value");
                    }
                    String v = args[++i];
                    config = switch (flag) {
                        case "--port" -> config.port(Integer.parseInt(v));
                        case "--processing-ms" -> config.processing(Duration.ofMillis(Long.parseLong(v)));
                        case "--pending-limit" -> config.pendingLimit(Integer.parseInt(v));
                        case "--upload-url-lifetime-s" ->
                            config.uploadUrlLifetime(Duration.ofSeconds(Long.parseLong(v)));
                        case "--token-lifetime-s" -> config.tokenLifetime(Duration.ofSeconds(Long.parseLong(v)));
                        case "--max-upload-bytes" -> config.maxUploadBytes(Long.parseLong(v));
                        case "--expires-in-s" -> config.expiresIn(Duration.ofSeconds(Long.parseLong(v)));
                        case "--client-id" -> config.credentials(v, config.clientSecret());
                        case "--client-secret" -> config.credentials(config.clientId(), v);
                        default -> throw new IllegalArgumentException("unknown flag " + flag + " (try --help)");
                    };
                }
            }
        }
        try (ApsisSimulator sim = start(config)) {
            System.out.println("APSIS_SIMULATOR_URL=" + sim.baseUrl());
            System.out.flush();
            if (untilKilled) {
                Thread.currentThread().join();
            }
            while (System.in.read() >= 0) {
                // run until stdin closes
            }
        }
    }
}
