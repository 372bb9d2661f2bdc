package io.apsisimport.apsis;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's OAuth token: cached until a margin before it expires, fetched by one caller at a
 * time (single flight: whoever waited on the lock finds the token the first caller fetched), and
 * forgotten when APSIS refuses it. How a token is fetched is the client's ({@link Fetch}).
 */
final class TokenCache {

    /** A token and the instant from which it is fetched anew. */
    record Token(String value, Instant refreshAt) {}

    /** Fetches a new token (an HTTP call inside {@code deadline}). */
    interface Fetch {
        Token fetch(Deadline deadline);
    }

    /** The lifetime assumed for a token that says nothing of its expiry. */
    static final Duration FALLBACK_TOKEN_LIFETIME = Duration.ofMinutes(10);

    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Token token;

    TokenCache(Clock clock) {
        this.clock = clock;
    }

    /** The cached token while it is fresh, else one from {@code fetch}. */
    String get(Deadline deadline, Fetch fetch) {
        Token t = token;
        if (t != null && clock.instant().isBefore(t.refreshAt())) {
            return t.value();
        }
        lock.lock();
        try {
            t = token;
            if (t == null || !clock.instant().isBefore(t.refreshAt())) {
                t = fetch.fetch(deadline);
                token = t;
            }
            return t.value();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the token that drew a 403, unless another thread already replaced it. */
    void invalidate(String used) {
        lock.lock();
        try {
            Token t = token;
            if (t != null && t.value().equals(used)) {
                token = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The cached token's value (fresh or not), or null: for blanking it out of messages. */
    String current() {
        Token t = token;
        return t == null ? null : t.value();
    }

    /**
     * A token issued at {@code now}: it expires at its JWT {@code exp} claim, else after
     * {@code expiresIn} seconds (when positive), else after {@link #FALLBACK_TOKEN_LIFETIME}. It is
     * refreshed {@code margin} before expiry, but never more than half a short-lived token's life early.
     *
     * @param expiresIn the answer's {@code expires_in}, or null
     */
    static Token issued(String accessToken, Long expiresIn, Instant now, Duration margin) {
        Instant expiry = jwtExpiry(accessToken);
        if (expiry == null && expiresIn != null && expiresIn > 0) {
            expiry = now.plusSeconds(expiresIn);
        }
        if (expiry == null) {
            expiry = now.plus(FALLBACK_TOKEN_LIFETIME);
        }
        Duration lifetime = Duration.between(now, expiry);
        if (margin.compareTo(lifetime.dividedBy(2)) > 0) {
            margin = lifetime.isNegative() ? Duration.ZERO : lifetime.dividedBy(2);
        }
        return new Token(accessToken, expiry.minus(margin));
    }

    /** The {@code exp} claim of a JWT, or null when the token is not a readable JWT. */
    static Instant jwtExpiry(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return null;
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(stripPadding(parts[1]));
            JsonNode claims = ApsisRequests.MAPPER.readTree(payload);
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
}
