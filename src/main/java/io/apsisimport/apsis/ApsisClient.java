package io.apsisimport.apsis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * APSIS One over {@link HttpClient}: OAuth token cache (single-flight refresh), import
 * requests, import status, bounded retries with capped, fully jittered exponential back-off,
 * all inside the caller's {@link Deadline}.
 *
 * <p>Building a client makes no network call and reads no credentials: they come from an
 * {@link ApsisCredentialsSource} at the first token request, and are read again when APSIS
 * rejects them. Every call is repeated after 429, 408, 5xx, timeouts and dropped connections,
 * the import request too: it only reserves an upload, so a repeat cannot import data twice
 * (see docs/apsis-client.md). A retry or wait that would not fit before the deadline is not
 * started; the call then ends with {@link ApsisRateLimitedException} or
 * {@link ApsisTransientException}, which the state machine retries.
 */
public final class ApsisClient implements ApsisApi {

    /**
     * Tunables; {@link #defaults()} suits Lambda, tests shrink the back-off with the withers.
     * {@code minAttemptTime}: an attempt (or a wait before one) is not started unless at least this
     * much of the deadline is left for it. {@code random}: the jitter's source (re-seeded after a
     * SnapStart restore, see {@link Jitter}).
     */
    public record Options(Duration requestTimeout, Duration connectTimeout, int maxAttempts,
                          Duration backoffBase, Duration backoffCap, Duration retryAfterCap,
                          Duration tokenRefreshMargin, Duration minAttemptTime, Clock clock,
                          RandomGenerator random) {

        public Options {
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(backoffBase, "backoffBase");
            Objects.requireNonNull(backoffCap, "backoffCap");
            Objects.requireNonNull(retryAfterCap, "retryAfterCap");
            Objects.requireNonNull(tokenRefreshMargin, "tokenRefreshMargin");
            Objects.requireNonNull(minAttemptTime, "minAttemptTime");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(random, "random");
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
            }
            if (requestTimeout.isZero() || requestTimeout.isNegative()) {
                throw new IllegalArgumentException("requestTimeout must be positive");
            }
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(20), Duration.ofSeconds(5), 4,
                    Duration.ofMillis(250), Duration.ofSeconds(8), Duration.ofSeconds(30),
                    Duration.ofMinutes(5), Duration.ofSeconds(2), Clock.systemUTC(), new Jitter());
        }

        public Options withRequestTimeout(Duration d) {
            return new Options(d, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap,
                    tokenRefreshMargin, minAttemptTime, clock, random);
        }

        public Options withConnectTimeout(Duration d) {
            return new Options(requestTimeout, d, maxAttempts, backoffBase, backoffCap, retryAfterCap,
                    tokenRefreshMargin, minAttemptTime, clock, random);
        }

        public Options withMaxAttempts(int n) {
            return new Options(requestTimeout, connectTimeout, n, backoffBase, backoffCap, retryAfterCap,
                    tokenRefreshMargin, minAttemptTime, clock, random);
        }

        /** Back-off before attempt n+1 is uniformly random in [0, min(cap, base * 2^(n-1))]. */
        public Options withBackoff(Duration base, Duration cap) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, base, cap, retryAfterCap,
                    tokenRefreshMargin, minAttemptTime, clock, random);
        }

        /** Longest wait a Retry-After header can impose before the next attempt. */
        public Options withRetryAfterCap(Duration d) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, d,
                    tokenRefreshMargin, minAttemptTime, clock, random);
        }

        public Options withTokenRefreshMargin(Duration d) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap,
                    d, minAttemptTime, clock, random);
        }

        public Options withMinAttemptTime(Duration d) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap,
                    tokenRefreshMargin, d, clock, random);
        }

        public Options withClock(Clock c) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap,
                    tokenRefreshMargin, minAttemptTime, c, random);
        }

        public Options withRandom(RandomGenerator r) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap,
                    tokenRefreshMargin, minAttemptTime, clock, r);
        }
    }

    public static final URI EU_BASE_URL = URI.create("https://api.apsis.one");
    public static final URI APAC_BASE_URL = URI.create("https://api-apac.apsis.one");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 300;
    private static final Pattern JWT_LIKE = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final Duration FALLBACK_TOKEN_LIFETIME = Duration.ofMinutes(10);

    private record CachedToken(String value, Instant refreshAt) {
    }

    private final String base;
    private final ApsisCredentialsSource credentials;
    private final Options options;
    private final HttpClient http;
    private final RetryPolicy policy;
    private final ReentrantLock tokenLock = new ReentrantLock();
    private volatile CachedToken token;
    /** The credentials last read, so that messages can blank their secret; null before the first read. */
    private volatile ApsisCredentials lastCredentials;

    public ApsisClient(URI baseUrl, ApsisCredentials credentials, Options options) {
        this(baseUrl, ApsisCredentialsSource.of(credentials), options);
    }

    /** Reads no credentials and opens no connection: both happen at the first call. */
    public ApsisClient(URI baseUrl, ApsisCredentialsSource credentials, Options options) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new IllegalArgumentException("APSIS base URL must be http(s), was " + baseUrl);
        }
        String b = baseUrl.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        this.base = b;
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.options = Objects.requireNonNull(options, "options");
        this.policy = new RetryPolicy(options);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * {@code APSIS_BASE_URL} when set and non-blank, else the host of {@code APSIS_REGION}
     * ({@code eu}, the default, or {@code apac}).
     */
    public static URI baseUrlFrom(Map<String, String> env) {
        String explicit = env.get("APSIS_BASE_URL");
        if (explicit != null && !explicit.isBlank()) {
            try {
                URI uri = URI.create(explicit.trim());
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new IllegalArgumentException("no scheme or host");
                }
                return uri;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("APSIS_BASE_URL is not an absolute URL: " + explicit, e);
            }
        }
        String region = env.get("APSIS_REGION");
        if (region == null || region.isBlank()) {
            return EU_BASE_URL;
        }
        return switch (region.trim().toLowerCase(Locale.ROOT)) {
            case "eu" -> EU_BASE_URL;
            case "apac" -> APAC_BASE_URL;
            default -> throw new IllegalArgumentException(
                    "APSIS_REGION must be one of: eu, apac (or set APSIS_BASE_URL); was '" + region + "'");
        };
    }

    /** {@link #requestImport(String, JsonNode, Deadline)} without a deadline (tools and tests outside Lambda). */
    public ImportTicket requestImport(String section, JsonNode importSpec) {
        return requestImport(section, importSpec, Deadline.none());
    }

    @Override
    public ImportTicket requestImport(String section, JsonNode importSpec, Deadline deadline) {
        requireText(section, "section");
        Objects.requireNonNull(importSpec, "importSpec");
        Objects.requireNonNull(deadline, "deadline");
        byte[] body;
        try {
            body = MAPPER.writeValueAsBytes(importSpec);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("import specification cannot be written as JSON", e);
        }
        String path = "/v2/audience/sections/" + pathSegment(section) + "/imports";
        HttpResponse<String> response = exchange("POST", path, body, RetryPolicy.Call.IMPORT_REQUEST, deadline);
        try {
            return ImportTicket.fromApsisResponse(MAPPER.readTree(response.body()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // APSIS accepted the request, so an import probably exists that we cannot use: it expires
            // unused. Retrying asks for another one, which is as safe as any repeat (see class comment).
            throw new ApsisTransientException(describe("POST", path) + " answered HTTP "
                    + response.statusCode() + " with a body that is not an import ticket"
                    + "; the import it may have created expires unused", response.statusCode(), null);
        }
    }

    /** {@link #importStatus(String, String, Deadline)} without a deadline (tools and tests outside Lambda). */
    public ImportStatus importStatus(String section, String importId) {
        return importStatus(section, importId, Deadline.none());
    }

    @Override
    public ImportStatus importStatus(String section, String importId, Deadline deadline) {
        requireText(section, "section");
        requireText(importId, "importId");
        Objects.requireNonNull(deadline, "deadline");
        String path = "/audience/sections/" + pathSegment(section) + "/imports/" + pathSegment(importId);
        HttpResponse<String> response = exchange("GET", path, null, RetryPolicy.Call.STATUS, deadline);
        JsonNode json;
        try {
            json = MAPPER.readTree(response.body());
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new ApsisTransientException(describe("GET", path) + " answered HTTP " + response.statusCode()
                    + " with a body that is not JSON: " + trimmed(response.body()), response.statusCode(), null);
        }
        JsonNode result = json.path("result");
        String id = json.hasNonNull("import_id") ? json.get("import_id").asText() : importId;
        String status = result.hasNonNull("status") ? result.get("status").asText() : null;
        return ImportStatus.of(id, status, count(result, "profiles_found"),
                count(result, "profiles_processed"), count(result, "profiles_failed"));
    }

    /**
     * For SnapStart's {@code beforeCheckpoint}: runs what a first call goes through — a token
     * request, an import request and a status request, answers read and parsed, through this
     * client's own HTTP client — against {@code loopback}, a priming endpoint of the caller's on
     * this machine that answers as APSIS would. Reads no credentials (the priming client has made-up
     * ones and its own token cache) and calls nothing else: nothing stale or secret ends up in the
     * snapshot. Each answer closes its connection, so none stays pooled.
     */
    public void prime(URI loopback) {
        ApsisClient primer = new ApsisClient(this, loopback);
        ImportTicket ticket = primer.requestImport("priming", MAPPER.createObjectNode()
                .set("keyspace_mapping", MAPPER.createObjectNode().put("keyspace_discriminator", "priming")
                        .put("field_selector", "priming")), Deadline.none());
        ImportTicket.fromJson(ticket.toJson());
        primer.importStatus("priming", ticket.importId(), Deadline.none()).outcome();
        // What only failures go through: Retry-After dates, APSIS's error messages, the back-off.
        ZonedDateTime.parse("Sat, 01 Jan 2000 00:00:00 GMT", DateTimeFormatter.RFC_1123_DATE_TIME);
        trimmed(apsisMessage("{\"message\":\"priming\"}"));
        policy.backoff(1);
    }

    /** A client like {@code template} (same HTTP client and options) for {@code base}, with made-up credentials. */
    private ApsisClient(ApsisClient template, URI base) {
        this.base = base.toString();
        this.credentials = ApsisCredentialsSource.of(new ApsisCredentials("priming", "priming"));
        this.options = template.options;
        this.policy = template.policy;
        this.http = template.http;
    }

    // ---------------------------------------------------------------- token

    private String token(Deadline deadline) {
        CachedToken t = token;
        if (t != null && options.clock().instant().isBefore(t.refreshAt())) {
            return t.value();
        }
        tokenLock.lock();
        try {
            // Single flight: whoever waited on the lock finds the token the first caller fetched.
            t = token;
            if (t == null || !options.clock().instant().isBefore(t.refreshAt())) {
                t = fetchToken(deadline);
                token = t;
            }
            return t.value();
        } finally {
            tokenLock.unlock();
        }
    }

    /** Forgets the token that drew a 403, unless another thread already replaced it. */
    private void invalidate(String used) {
        tokenLock.lock();
        try {
            CachedToken t = token;
            if (t != null && t.value().equals(used)) {
                token = null;
            }
        } finally {
            tokenLock.unlock();
        }
    }

    /**
     * A new token. When APSIS rejects the credentials, they are read again: if they changed (the
     * secret was put or rotated since they were cached), the token is asked for once more with them.
     */
    private CachedToken fetchToken(Deadline deadline) {
        ApsisCredentials used = readCredentials();
        try {
            return fetchToken(used, deadline);
        } catch (ApsisAuthenticationException rejected) {
            credentials.invalidate();
            ApsisCredentials fresh = readCredentials();
            if (fresh.equals(used)) {
                throw rejected;
            }
            return fetchToken(fresh, deadline);
        }
    }

    private ApsisCredentials readCredentials() {
        ApsisCredentials c = Objects.requireNonNull(credentials.get(), "credentials");
        lastCredentials = c;
        return c;
    }

    private CachedToken fetchToken(ApsisCredentials creds, Deadline deadline) {
        ObjectNode body = MAPPER.createObjectNode()
                .put("grant_type", "client_credentials")
                .put("client_id", creds.clientId())
                .put("client_secret", creds.clientSecret());
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<String> response;
        try {
            response = exchange("POST", "/oauth/token", bytes, RetryPolicy.Call.TOKEN, deadline);
        } catch (ApsisAuthenticationException e) {
            throw new ApsisAuthenticationException(e.getMessage() + " (client " + creds.clientId() + ", from "
                    + credentials.origin() + ")", e.httpStatus(), null);
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(response.body());
        } catch (JsonProcessingException e) {
            json = null;
        }
        String accessToken = json == null ? null : json.path("access_token").asText(null);
        if (accessToken == null || accessToken.isBlank()) {
            throw new ApsisAuthenticationException(describe("POST", "/oauth/token") + " answered HTTP "
                    + response.statusCode() + " without an access_token", response.statusCode(), null);
        }
        Instant now = options.clock().instant();
        Instant expiry = jwtExpiry(accessToken);
        if (expiry == null && json.path("expires_in").canConvertToLong() && json.path("expires_in").asLong() > 0) {
            expiry = now.plusSeconds(json.path("expires_in").asLong());
        }
        if (expiry == null) {
            expiry = now.plus(FALLBACK_TOKEN_LIFETIME);
        }
        // Refresh a margin before expiry, but never spend more than half a short-lived token's life on the margin.
        Duration lifetime = Duration.between(now, expiry);
        Duration margin = options.tokenRefreshMargin();
        if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
            margin = lifetime.isNegative() ? Duration.ZERO : lifetime.dividedBy(2);
        }
        return new CachedToken(accessToken, expiry.minus(margin));
    }

    /** The {@code exp} claim of a JWT, or null when the token is not a readable JWT. */
    static Instant jwtExpiry(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return null;
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(stripPadding(parts[1]));
            JsonNode claims = MAPPER.readTree(payload);
            JsonNode exp = claims == null ? null : claims.get("exp");
            return exp != null && exp.canConvertToLong() ? Instant.ofEpochSecond(exp.asLong()) : null;
        } catch (IllegalArgumentException | IOException e) {
            return null;
        }
    }

    private static String stripPadding(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        return s.substring(0, end);
    }

    // ---------------------------------------------------------------- HTTP with retries

    /**
     * Sends one logical call: returns a 2xx answer, or throws the typed exception for what went
     * wrong once the retries this call allows (by count and by {@code deadline}) are spent.
     */
    private HttpResponse<String> exchange(String method, String path, byte[] body, RetryPolicy.Call call,
                                          Deadline deadline) {
        String what = describe(method, path);
        boolean refreshedAfter403 = false;
        int attempt = 0;
        Failure last = null;
        while (true) {
            if (!policy.mayStart(deadline.remaining())) {
                throw outOfTime(what, last, attempt);
            }
            attempt++;
            String bearer = call.authenticated ? token(deadline) : null;
            Duration left = deadline.remaining();
            if (!policy.mayStart(left)) {
                // The token took what was left: do not start a request that could not finish.
                throw outOfTime(what, last, attempt - 1);
            }
            Duration timeout = policy.attemptTimeout(left);
            HttpResponse<String> response;
            try {
                response = http.send(request(method, path, body, bearer, timeout),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                last = Failure.of(e, timeout);
                RetryPolicy.Decision decision = policy.decide(call, RetryPolicy.NO_ANSWER, attempt, refreshedAfter403,
                        null, deadline.remaining());
                if (decision instanceof RetryPolicy.Retry retry) {
                    pause(retry.delay(), what);
                    continue;
                }
                RetryPolicy.Stop stop = (RetryPolicy.Stop) decision;
                throw new ApsisTransientException(what + ": " + last.description() + " on " + attempts(attempt)
                        + unansweredNote(call) + (stop.noTimeLeft() ? NO_TIME_LEFT : ""), -1, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApsisTransientException(what + " interrupted" + unansweredNote(call), -1, e);
            }

            int status = response.statusCode();
            Duration retryAfter = status >= 200 && status < 300 ? null : retryAfter(response);
            RetryPolicy.Decision decision = policy.decide(call, status, attempt, refreshedAfter403, retryAfter,
                    deadline.remaining());
            switch (decision) {
                case RetryPolicy.Accept accept -> {
                    return response;
                }
                case RetryPolicy.RetryWithFreshToken fresh -> {
                    refreshedAfter403 = true;
                    invalidate(bearer);
                    attempt--;
                }
                case RetryPolicy.Retry retry -> {
                    last = Failure.of(status, apsisMessage(response.body()));
                    pause(retry.delay(), what);
                }
                case RetryPolicy.Stop stop -> throw stopped(stop, what + " answered HTTP " + status, status,
                        response.body(), attempt, call);
            }
        }
    }

    private HttpRequest request(String method, String path, byte[] body, String bearer, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("User-Agent", "apsis-one-import");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return request.build();
    }

    /** The exception of a {@link RetryPolicy.Stop} after an HTTP answer. */
    private ApsisException stopped(RetryPolicy.Stop stop, String answered, int status, String body, int attempt,
                                   RetryPolicy.Call call) {
        String message = apsisMessage(body);
        String spent = answered + " on " + attempts(attempt) + ": " + message;
        String noTimeLeft = stop.noTimeLeft() ? NO_TIME_LEFT : "";
        return switch (stop.exception()) {
            case RATE_LIMITED -> new ApsisRateLimitedException(spent + noTimeLeft, stop.delay(), null);
            case TRANSIENT -> new ApsisTransientException(spent + unansweredNote(call) + noTimeLeft, status, null);
            case AUTHENTICATION -> new ApsisAuthenticationException(answered
                    + ": APSIS rejected the client credentials: " + message, status, null);
            case NOT_ALLOWED -> new ApsisNotAllowedException(answered + " (also with a fresh token): " + message,
                    status, null);
            case NOT_FOUND -> new ApsisNotFoundException(answered + ": " + message, status, null);
            case INVALID_REQUEST -> new ApsisInvalidRequestException(answered + ": " + message, status, null);
        };
    }

    /** What went wrong on the last attempt, for the message of the exception that ends the call. */
    private record Failure(int status, String description, String apsisMessage) {
        static Failure of(IOException e, Duration timeout) {
            String d;
            if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
                d = "could not connect (" + e.getClass().getSimpleName() + ")";
            } else if (e instanceof HttpTimeoutException) {
                d = "no answer within " + timeout.toMillis() + " ms";
            } else {
                d = "connection failed (" + e.getClass().getSimpleName() + ")";
            }
            return new Failure(-1, d, "");
        }

        static Failure of(int status, String apsisMessage) {
            return new Failure(status, "HTTP " + status, apsisMessage);
        }
    }

    private static final String NO_TIME_LEFT = " (no time left in this invocation for another attempt)";

    /** The call cannot start (another) attempt before its deadline. */
    private ApsisException outOfTime(String what, Failure last, int attempts) {
        if (last == null) {
            return new ApsisTransientException(what + " not sent: less than " + options.minAttemptTime().toMillis()
                    + " ms left in this invocation", -1, null);
        }
        String message = what + " " + (last.status() > 0 ? "answered " : "") + last.description() + " on "
                + attempts(attempts) + (last.apsisMessage().isEmpty() ? "" : ": " + last.apsisMessage()) + NO_TIME_LEFT;
        return switch (RetryPolicy.outOfTime(last.status())) {
            case RATE_LIMITED -> new ApsisRateLimitedException(message, Duration.ZERO, null);
            default -> new ApsisTransientException(message, last.status(), null);
        };
    }

    private static String attempts(int n) {
        return n == 1 ? "1 attempt" : "each of " + n + " attempts";
    }

    /** For the import request: what an attempt without a clear answer may have left behind at APSIS. */
    private static String unansweredNote(RetryPolicy.Call call) {
        return call == RetryPolicy.Call.IMPORT_REQUEST
                ? "; an import APSIS may have created without answering expires unused" : "";
    }

    /** Retry-After in seconds or as an HTTP date, capped; null when absent or unreadable. */
    private Duration retryAfter(HttpResponse<?> response) {
        String value = response.headers().firstValue("Retry-After").orElse(null);
        if (value == null || value.isBlank()) {
            return null;
        }
        Duration d;
        try {
            d = Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                d = Duration.between(options.clock().instant(), at);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        return d.compareTo(options.retryAfterCap()) > 0 ? options.retryAfterCap() : d;
    }

    private static void pause(Duration d, String what) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApsisTransientException(what + " interrupted while backing off", -1, e);
        }
    }

    // ---------------------------------------------------------------- messages

    private static String describe(String method, String path) {
        return method + " " + path;
    }

    /** APSIS's own message from an error body ({@code message}, {@code detail}, …) or the trimmed body. */
    private String apsisMessage(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        try {
            JsonNode json = MAPPER.readTree(body);
            if (json != null && json.isObject()) {
                for (String key : new String[]{"message", "detail", "error_description", "title", "error"}) {
                    JsonNode v = json.get(key);
                    if (v != null && v.isTextual() && !v.asText().isBlank()) {
                        String text = v.asText();
                        JsonNode errors = json.get("errors");
                        if (errors != null && !errors.isEmpty()) {
                            text += " " + errors;
                        }
                        return trimmed(text);
                    }
                }
            }
        } catch (JsonProcessingException e) {
            // not JSON: fall through to the raw body
        }
        return trimmed(body);
    }

    /** One line, at most 300 chars, with anything secret blanked out. */
    private String trimmed(String text) {
        if (text == null) {
            return "";
        }
        String s = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        s = scrub(s);
        return s.length() <= MAX_BODY_IN_MESSAGE ? s : s.substring(0, MAX_BODY_IN_MESSAGE - 1) + "…";
    }

    private String scrub(String s) {
        ApsisCredentials c = lastCredentials;
        if (c != null && !c.clientSecret().isEmpty()) {
            s = s.replace(c.clientSecret(), "***");
        }
        CachedToken t = token;
        if (t != null) {
            s = s.replace(t.value(), "***");
        }
        return JWT_LIKE.matcher(s).replaceAll("***");
    }

    // ---------------------------------------------------------------- helpers

    private static Long count(JsonNode result, String name) {
        JsonNode v = result.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isTextual()) {
            try {
                return Long.parseLong(v.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String pathSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
