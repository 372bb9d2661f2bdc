package io.apsisimport.apsis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

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
 *
 * <p>This class sends and loops ({@link #exchange}); the rest is apart: {@link ApsisRequests}
 * (paths, bodies, headers, reading the answers), {@link RetryPolicy} (retry, fresh token or which
 * exception), {@link ApsisMessages} (the exceptions' messages, secrets blanked out) and
 * {@link TokenCache} (the OAuth token's lifetime, single-flight refresh). It stays over 300
 * lines for its {@link Options} (the public tunables with their withers, used by the handlers'
 * wiring and many tests as {@code ApsisClient.Options}) and the three calls' own checks.
 */
public final class ApsisClient implements ApsisApi {

    /**
     * Tunables; {@link #defaults()} suits Lambda, tests shrink the back-off with the withers.
     * {@code minAttemptTime}: an attempt (or a wait before one) is not started unless at least this
     * much of the deadline is left for it. {@code random}: the jitter's source (re-seeded after a
     * SnapStart restore, see {@link Jitter}).
     */
    public record Options(
            Duration requestTimeout,
            Duration connectTimeout,
            int maxAttempts,
            Duration backoffBase,
            Duration backoffCap,
            Duration retryAfterCap,
            Duration tokenRefreshMargin,
            Duration minAttemptTime,
            Clock clock,
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
            return new Options(
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(5),
                    4,
                    Duration.ofMillis(250),
                    Duration.ofSeconds(8),
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(5),
                    Duration.ofSeconds(2),
                    Clock.systemUTC(),
                    new Jitter());
        }

        public Options withRequestTimeout(Duration d) {
            return new Options(
                    d,
                    connectTimeout,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    retryAfterCap,
                    tokenRefreshMargin,
                    minAttemptTime,
                    clock,
                    random);
        }

        public Options withConnectTimeout(Duration d) {
            return new Options(
                    requestTimeout,
                    d,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    retryAfterCap,
                    tokenRefreshMargin,
                    minAttemptTime,
                    clock,
                    random);
        }

        public Options withMaxAttempts(int n) {
            return new Options(
                    requestTimeout,
                    connectTimeout,
                    n,
                    backoffBase,
                    backoffCap,
                    retryAfterCap,
                    tokenRefreshMargin,
                    minAttemptTime,
                    clock,
                    random);
        }

        /** Back-off before attempt n+1 is uniformly random in [0, min(cap, base * 2^(n-1))]. */
        public Options withBackoff(Duration base, Duration cap) {
            return new Options(
                    requestTimeout,
                    connectTimeout,
                    maxAttempts,
                    base,
                    cap,
                    retryAfterCap,
                    tokenRefreshMargin,
                    minAttemptTime,
                    clock,
                    random);
        }

        /** Longest wait a Retry-After header can impose before the next attempt. */
        public Options withRetryAfterCap(Duration d) {
            return new Options(
                    requestTimeout,
                    connectTimeout,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    d,
                    tokenRefreshMargin,
                    minAttemptTime,
                    clock,
                    random);
        }

        public Options withTokenRefreshMargin(Duration d) {
            return new Options(
                    requestTimeout,
                    connectTimeout,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    retryAfterCap,
                    d,
                    minAttemptTime,
                    clock,
                    random);
        }

        public Options withMinAttemptTime(Duration d) {
            return new Options(
                    requestTimeout,
                    connectTimeout,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    retryAfterCap,
                    tokenRefreshMargin,
                    d,
                    clock,
                    random);
        }

        public Options withClock(Clock c) {
            return new Options(
                    requestTimeout,
                    connectTimeout,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    retryAfterCap,
                    tokenRefreshMargin,
                    minAttemptTime,
                    c,
                    random);
        }

        public Options withRandom(RandomGenerator r) {
            return new Options(
                    requestTimeout,
                    connectTimeout,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    retryAfterCap,
                    tokenRefreshMargin,
                    minAttemptTime,
                    clock,
                    r);
        }
    }

    public static final URI EU_BASE_URL = URI.create("https://api.apsis.one");
    public static final URI APAC_BASE_URL = URI.create("https://api-apac.apsis.one");

    private static final ObjectMapper MAPPER = ApsisRequests.MAPPER;

    private final String base;
    private final ApsisCredentialsSource credentials;
    private final Options options;
    private final HttpClient http;
    private final RetryPolicy policy;
    private final TokenCache token;
    private final ApsisMessages messages = new ApsisMessages(this::secrets);
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
        this.token = new TokenCache(options.clock());
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
            default ->
                throw new IllegalArgumentException(
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
        byte[] body = ApsisRequests.importBody(importSpec);
        String path = ApsisRequests.importsPath(section);
        HttpResponse<String> response = exchange("POST", path, body, RetryPolicy.Call.IMPORT_REQUEST, deadline);
        try {
            return ImportTicket.fromApsisResponse(MAPPER.readTree(response.body()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // APSIS accepted the request, so an import probably exists that we cannot use: it expires
            // unused. Retrying asks for another one, which is as safe as any repeat (see class comment).
            throw new ApsisTransientException(
                    ApsisMessages.describe("POST", path) + " answered HTTP "
                            + response.statusCode() + " with a body that is not an import ticket"
                            + "; the import it may have created expires unused",
                    response.statusCode(),
                    null);
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
        String path = ApsisRequests.statusPath(section, importId);
        HttpResponse<String> response = exchange("GET", path, null, RetryPolicy.Call.STATUS, deadline);
        JsonNode json = ApsisRequests.json(response.body());
        if (json == null || !json.isObject()) {
            throw new ApsisTransientException(
                    ApsisMessages.describe("GET", path) + " answered HTTP " + response.statusCode()
                            + " with a body that is not JSON: " + messages.trimmed(response.body()),
                    response.statusCode(),
                    null);
        }
        return ApsisRequests.status(json, importId);
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
        ImportTicket ticket = primer.requestImport(
                "priming",
                MAPPER.createObjectNode()
                        .set(
                                "keyspace_mapping",
                                MAPPER.createObjectNode()
                                        .put("keyspace_discriminator", "priming")
                                        .put("field_selector", "priming")),
                Deadline.none());
        ImportTicket.fromJson(ticket.toJson());
        primer.importStatus("priming", ticket.importId(), Deadline.none()).outcome();
        // What only failures go through: Retry-After dates, APSIS's error messages, the back-off.
        ZonedDateTime.parse("Sat, 01 Jan 2000 00:00:00 GMT", DateTimeFormatter.RFC_1123_DATE_TIME);
        messages.trimmed(messages.apsisMessage("{\"message\":\"priming\"}"));
        policy.backoff(1);
    }

    /**
     * For a handler's invoke priming: a client like this one for {@code loopback} (the priming
     * endpoint), with made-up credentials and its own token cache, as {@link #prime} uses.
     */
    public ApsisApi primingCopy(URI loopback) {
        return new ApsisClient(this, loopback);
    }

    /** A client like {@code template} (same HTTP client and options) for {@code base}, with made-up credentials. */
    private ApsisClient(ApsisClient template, URI base) {
        this.base = base.toString();
        this.credentials = ApsisCredentialsSource.of(new ApsisCredentials("priming", "priming"));
        this.options = template.options;
        this.policy = template.policy;
        this.token = new TokenCache(options.clock());
        this.http = template.http;
    }

    // ---------------------------------------------------------------- token

    /**
     * A new token. When APSIS rejects the credentials, they are read again: if they changed (the
     * secret was put or rotated since they were cached), the token is asked for once more with them.
     */
    private TokenCache.Token fetchToken(Deadline deadline) {
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

    private TokenCache.Token fetchToken(ApsisCredentials creds, Deadline deadline) {
        byte[] bytes = ApsisRequests.tokenBody(creds);
        HttpResponse<String> response;
        try {
            response = exchange("POST", ApsisRequests.TOKEN_PATH, bytes, RetryPolicy.Call.TOKEN, deadline);
        } catch (ApsisAuthenticationException e) {
            throw new ApsisAuthenticationException(
                    e.getMessage() + " (client " + creds.clientId() + ", from " + credentials.origin() + ")",
                    e.httpStatus(),
                    null);
        }
        JsonNode json = ApsisRequests.json(response.body());
        String accessToken = json == null ? null : json.path("access_token").asText(null);
        if (accessToken == null || accessToken.isBlank()) {
            throw new ApsisAuthenticationException(
                    ApsisMessages.describe("POST", ApsisRequests.TOKEN_PATH) + " answered HTTP " + response.statusCode()
                            + " without an access_token",
                    response.statusCode(),
                    null);
        }
        return TokenCache.issued(
                accessToken, ApsisRequests.expiresIn(json), options.clock().instant(), options.tokenRefreshMargin());
    }

    /** What messages blank out: the client secret last read and the cached token. */
    private List<String> secrets() {
        var secrets = new ArrayList<String>(2);
        ApsisCredentials c = lastCredentials;
        if (c != null && !c.clientSecret().isEmpty()) {
            secrets.add(c.clientSecret());
        }
        String t = token.current();
        if (t != null) {
            secrets.add(t);
        }
        return secrets;
    }

    // ---------------------------------------------------------------- HTTP with retries

    /**
     * Sends one logical call: returns a 2xx answer, or throws the typed exception for what went
     * wrong once the retries this call allows (by count and by {@code deadline}) are spent.
     */
    private HttpResponse<String> exchange(
            String method, String path, byte[] body, RetryPolicy.Call call, Deadline deadline) {
        String what = ApsisMessages.describe(method, path);
        boolean refreshedAfter403 = false;
        int attempt = 0;
        ApsisMessages.Failure last = null;
        while (true) {
            if (!policy.mayStart(deadline.remaining())) {
                throw ApsisMessages.outOfTime(what, last, attempt, options.minAttemptTime());
            }
            attempt++;
            String bearer = call.authenticated ? token.get(deadline, this::fetchToken) : null;
            Duration left = deadline.remaining();
            if (!policy.mayStart(left)) {
                // The token took what was left: do not start a request that could not finish.
                throw ApsisMessages.outOfTime(what, last, attempt - 1, options.minAttemptTime());
            }
            Duration timeout = policy.attemptTimeout(left);
            HttpResponse<String> response;
            try {
                response = http.send(
                        ApsisRequests.request(base, method, path, body, bearer, timeout),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                last = ApsisMessages.Failure.of(e, timeout);
                RetryPolicy.Decision decision = policy.decide(
                        call, RetryPolicy.NO_ANSWER, attempt, refreshedAfter403, null, deadline.remaining());
                if (decision instanceof RetryPolicy.Retry retry) {
                    pause(retry.delay(), what);
                    continue;
                }
                RetryPolicy.Stop stop = (RetryPolicy.Stop) decision;
                throw ApsisMessages.unanswered(what, last, attempt, call, stop.noTimeLeft(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApsisTransientException(what + " interrupted" + ApsisMessages.unansweredNote(call), -1, e);
            }

            int status = response.statusCode();
            Duration retryAfter = status >= 200 && status < 300
                    ? null
                    : ApsisRequests.retryAfter(response, options.clock(), options.retryAfterCap());
            RetryPolicy.Decision decision =
                    policy.decide(call, status, attempt, refreshedAfter403, retryAfter, deadline.remaining());
            switch (decision) {
                case RetryPolicy.Accept accept -> {
                    return response;
                }
                case RetryPolicy.RetryWithFreshToken fresh -> {
                    refreshedAfter403 = true;
                    token.invalidate(bearer);
                    attempt--;
                }
                case RetryPolicy.Retry retry -> {
                    last = ApsisMessages.Failure.of(status, messages.apsisMessage(response.body()));
                    pause(retry.delay(), what);
                }
                case RetryPolicy.Stop stop ->
                    throw messages.stopped(
                            stop, what + " answered HTTP " + status, status, response.body(), attempt, call);
            }
        }
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

    // ---------------------------------------------------------------- helpers

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
