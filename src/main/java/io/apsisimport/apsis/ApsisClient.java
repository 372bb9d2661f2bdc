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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * APSIS One over {@link HttpClient}: OAuth token cache (single-flight refresh), import
 * requests, import status, bounded retries with capped, fully jittered exponential back-off.
 *
 * <p>Import requests are not idempotent at APSIS: they are repeated only when APSIS
 * provably did not act on them (429, 503, connection never established); any other
 * doubt ends in {@link ApsisOutcomeUnknownException}. See docs/apsis-client.md.
 */
public final class ApsisClient implements ApsisApi {

    /** Tunables; {@link #defaults()} suits Lambda, tests shrink the back-off with the withers. */
    public record Options(Duration requestTimeout, Duration connectTimeout, int maxAttempts,
                          Duration backoffBase, Duration backoffCap, Duration retryAfterCap,
                          Duration tokenRefreshMargin, Clock clock) {

        public Options {
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(backoffBase, "backoffBase");
            Objects.requireNonNull(backoffCap, "backoffCap");
            Objects.requireNonNull(retryAfterCap, "retryAfterCap");
            Objects.requireNonNull(tokenRefreshMargin, "tokenRefreshMargin");
            Objects.requireNonNull(clock, "clock");
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
                    Duration.ofMinutes(5), Clock.systemUTC());
        }

        public Options withRequestTimeout(Duration d) {
            return new Options(d, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap, tokenRefreshMargin, clock);
        }

        public Options withConnectTimeout(Duration d) {
            return new Options(requestTimeout, d, maxAttempts, backoffBase, backoffCap, retryAfterCap, tokenRefreshMargin, clock);
        }

        public Options withMaxAttempts(int n) {
            return new Options(requestTimeout, connectTimeout, n, backoffBase, backoffCap, retryAfterCap, tokenRefreshMargin, clock);
        }

        /** Back-off before attempt n+1 is uniformly random in [0, min(cap, base * 2^(n-1))]. */
        public Options withBackoff(Duration base, Duration cap) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, base, cap, retryAfterCap, tokenRefreshMargin, clock);
        }

        /** Longest wait a Retry-After header can impose before the next attempt. */
        public Options withRetryAfterCap(Duration d) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, d, tokenRefreshMargin, clock);
        }

        public Options withTokenRefreshMargin(Duration d) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap, d, clock);
        }

        public Options withClock(Clock c) {
            return new Options(requestTimeout, connectTimeout, maxAttempts, backoffBase, backoffCap, retryAfterCap, tokenRefreshMargin, c);
        }
    }

    public static final URI EU_BASE_URL = URI.create("https://api.apsis.one");
    public static final URI APAC_BASE_URL = URI.create("https://api-apac.apsis.one");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 300;
    private static final Pattern JWT_LIKE = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final Duration FALLBACK_TOKEN_LIFETIME = Duration.ofMinutes(10);

    /** Whether a request may be sent again when APSIS might already have acted on it. */
    private enum Repeat { SAFE, ONLY_IF_NOT_RECEIVED }

    private record CachedToken(String value, Instant refreshAt) {
    }

    private final String base;
    private final ApsisCredentials credentials;
    private final Options options;
    private final HttpClient http;
    private final ReentrantLock tokenLock = new ReentrantLock();
    private volatile CachedToken token;

    public ApsisClient(URI baseUrl, ApsisCredentials credentials, Options options) {
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

    @Override
    public ImportTicket requestImport(String section, JsonNode importSpec) {
        requireText(section, "section");
        Objects.requireNonNull(importSpec, "importSpec");
        byte[] body;
        try {
            body = MAPPER.writeValueAsBytes(importSpec);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("import specification cannot be written as JSON", e);
        }
        String path = "/v2/audience/sections/" + pathSegment(section) + "/imports";
        HttpResponse<String> response = exchange("POST", path, body, Repeat.ONLY_IF_NOT_RECEIVED, true);
        try {
            return ImportTicket.fromApsisResponse(MAPPER.readTree(response.body()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // APSIS accepted the request, so the import probably exists: we just cannot use it.
            throw new ApsisOutcomeUnknownException(describe("POST", path) + " answered HTTP "
                    + response.statusCode() + " with a body that is not an import ticket", response.statusCode(), null);
        }
    }

    @Override
    public ImportStatus importStatus(String section, String importId) {
        requireText(section, "section");
        requireText(importId, "importId");
        String path = "/audience/sections/" + pathSegment(section) + "/imports/" + pathSegment(importId);
        HttpResponse<String> response = exchange("GET", path, null, Repeat.SAFE, true);
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

    // ---------------------------------------------------------------- token

    private String token() {
        CachedToken t = token;
        if (t != null && options.clock().instant().isBefore(t.refreshAt())) {
            return t.value();
        }
        tokenLock.lock();
        try {
            // Single flight: whoever waited on the lock finds the token the first caller fetched.
            t = token;
            if (t == null || !options.clock().instant().isBefore(t.refreshAt())) {
                t = fetchToken();
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

    private CachedToken fetchToken() {
        ObjectNode body = MAPPER.createObjectNode()
                .put("grant_type", "client_credentials")
                .put("client_id", credentials.clientId())
                .put("client_secret", credentials.clientSecret());
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<String> response = exchange("POST", "/oauth/token", bytes, Repeat.SAFE, false);
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
     * Sends one logical call: returns a 2xx answer, or throws the typed exception for what
     * went wrong once the retries this call allows are spent.
     */
    private HttpResponse<String> exchange(String method, String path, byte[] body, Repeat repeat, boolean authenticated) {
        String what = describe(method, path);
        boolean refreshedAfter403 = false;
        int attempt = 0;
        while (true) {
            attempt++;
            boolean lastAttempt = attempt >= options.maxAttempts();
            String bearer = authenticated ? token() : null;
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(options.requestTimeout())
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

            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (HttpConnectTimeoutException | ConnectException e) {
                // The connection was never established: APSIS cannot have seen the request.
                if (!lastAttempt) {
                    pause(backoff(attempt), what);
                    continue;
                }
                throw new ApsisTransientException(what + " could not connect after " + attempt + " attempts ("
                        + e.getClass().getSimpleName() + ")", -1, e);
            } catch (IOException e) {
                boolean timeout = e instanceof HttpTimeoutException;
                String failure = timeout ? "no answer within " + options.requestTimeout()
                        : "connection failed (" + e.getClass().getSimpleName() + ")";
                if (repeat == Repeat.ONLY_IF_NOT_RECEIVED) {
                    throw new ApsisOutcomeUnknownException(what + ": " + failure
                            + " after the request was sent; APSIS may have created the import, so it is not repeated",
                            -1, e);
                }
                if (!lastAttempt) {
                    pause(backoff(attempt), what);
                    continue;
                }
                throw new ApsisTransientException(what + ": " + failure + " on each of " + attempt + " attempts", -1, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                String failure = what + " interrupted";
                if (repeat == Repeat.ONLY_IF_NOT_RECEIVED) {
                    throw new ApsisOutcomeUnknownException(failure + "; APSIS may have created the import", -1, e);
                }
                throw new ApsisTransientException(failure, -1, e);
            }

            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return response;
            }
            String answered = what + " answered HTTP " + status;
            if (authenticated && (status == 403 || status == 401) && !refreshedAfter403) {
                // APSIS answers 403 for expired or revoked tokens too: one fresh token, one more try.
                refreshedAfter403 = true;
                invalidate(bearer);
                attempt--;
                continue;
            }
            if (status == 429) {
                Duration hint = retryAfter(response);
                Duration wait = hint != null ? hint : backoff(attempt);
                if (!lastAttempt) {
                    pause(wait, what);
                    continue;
                }
                throw new ApsisRateLimitedException(answered + " on each of " + attempt + " attempts: "
                        + apsisMessage(response.body()), wait, null);
            }
            if (status >= 500) {
                if (repeat == Repeat.ONLY_IF_NOT_RECEIVED && status != 503) {
                    throw new ApsisOutcomeUnknownException(answered + "; APSIS may have created the import, so it is not repeated: "
                            + apsisMessage(response.body()), status, null);
                }
                if (!lastAttempt) {
                    Duration hint = status == 503 ? retryAfter(response) : null;
                    pause(hint != null ? hint : backoff(attempt), what);
                    continue;
                }
                throw new ApsisTransientException(answered + " on each of " + attempt + " attempts: "
                        + apsisMessage(response.body()), status, null);
            }
            if (status == 408 && !lastAttempt) {
                // Request Timeout: the server gave up before it had the whole request.
                pause(backoff(attempt), what);
                continue;
            }
            String message = apsisMessage(response.body());
            if (!authenticated && (status == 400 || status == 401 || status == 403)) {
                throw new ApsisAuthenticationException(answered + ": APSIS rejected the client credentials of client "
                        + credentials.clientId() + ": " + message, status, null);
            }
            throw switch (status) {
                case 401, 403 -> new ApsisNotAllowedException(answered + " (also with a fresh token): " + message, status, null);
                case 404 -> new ApsisNotFoundException(answered + ": " + message, status, null);
                default -> new ApsisInvalidRequestException(answered + ": " + message, status, null);
            };
        }
    }

    private Duration backoff(int attempt) {
        long base = Math.max(0, options.backoffBase().toMillis());
        long cap = Math.max(0, options.backoffCap().toMillis());
        long ceiling = attempt >= 31 ? cap : Math.min(cap, base << Math.min(30, attempt - 1));
        return Duration.ofMillis(ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1));
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
        if (!credentials.clientSecret().isEmpty()) {
            s = s.replace(credentials.clientSecret(), "***");
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
