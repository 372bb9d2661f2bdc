package io.apsisimport.apsis;

import java.time.Duration;
import java.util.Objects;

/**
 * The APSIS client's retry decision, apart from sending: given what one attempt of a call got (an
 * HTTP status or a transport failure), the attempt's number, APSIS's {@code Retry-After} and the
 * time left, whether to try again after a wait, with a fresh token, or to give up with which
 * exception. No I/O and no clock; the only input not in the arguments is the jitter's random source
 * (from {@link ApsisClient.Options}), drawn only when a back-off is chosen.
 *
 * <p>{@code RetryPolicyTest} holds this against the retry table of docs/apsis-client.md, row for row.
 */
final class RetryPolicy {

    /** The three calls the client makes; they differ in authentication and in what a repeat can leave behind. */
    enum Call {
        /** {@code POST /oauth/token}: no bearer; a 400/401/403 means the client credentials were rejected. */
        TOKEN(false),
        /** {@code GET …/imports/{id}}. */
        STATUS(true),
        /** {@code POST …/imports}: a repeat may leave an unanswered import behind, which expires unused. */
        IMPORT_REQUEST(true);

        final boolean authenticated;

        Call(boolean authenticated) {
            this.authenticated = authenticated;
        }
    }

    /** The exception a call ends with. */
    enum GiveUp {
        RATE_LIMITED,
        TRANSIENT,
        NOT_ALLOWED,
        NOT_FOUND,
        INVALID_REQUEST,
        AUTHENTICATION
    }

    /** Status passed for an attempt that got no HTTP answer (connection refused, timeout, reset). */
    static final int NO_ANSWER = -1;

    /** What to do after an attempt. */
    sealed interface Decision {}

    /** A 2xx: the answer goes to the caller. */
    record Accept() implements Decision {}

    /** Drop the token that drew the 401/403 and try once more at once; this does not count as an attempt. */
    record RetryWithFreshToken() implements Decision {}

    /** Wait {@code delay} (a back-off or APSIS's capped {@code Retry-After}), then the next attempt. */
    record Retry(Duration delay) implements Decision {}

    /**
     * End the call with {@code exception}. {@code noTimeLeft}: a retry was allowed by count but the
     * deadline had no room for its wait and an attempt; {@code delay}: the wait that was not started
     * (the {@code retryAfter} of a rate limit), else null.
     */
    record Stop(GiveUp exception, boolean noTimeLeft, Duration delay) implements Decision {}

    private final ApsisClient.Options options;

    RetryPolicy(ApsisClient.Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Whether an attempt (or a wait before one) may start with {@code remaining} left of the deadline. */
    boolean mayStart(Duration remaining) {
        return remaining.compareTo(options.minAttemptTime()) >= 0;
    }

    /** An attempt gets at most the time that is left. */
    Duration attemptTimeout(Duration remaining) {
        return remaining.compareTo(options.requestTimeout()) < 0 ? remaining : options.requestTimeout();
    }

    /** The exception of a call that cannot start another attempt; {@code lastStatus} of the last attempt, if any. */
    static GiveUp outOfTime(int lastStatus) {
        return lastStatus == 429 ? GiveUp.RATE_LIMITED : GiveUp.TRANSIENT;
    }

    /**
     * The decision after attempt {@code attempt} (1-based) of {@code call}.
     *
     * @param status         the HTTP status, or {@link #NO_ANSWER}
     * @param refreshedToken whether this call already dropped its token after a 401/403
     * @param retryAfter     APSIS's {@code Retry-After}, capped, or null when absent or unreadable
     * @param remaining      time left of the call's deadline
     */
    Decision decide(
            Call call, int status, int attempt, boolean refreshedToken, Duration retryAfter, Duration remaining) {
        boolean lastAttempt = attempt >= options.maxAttempts();
        if (status == NO_ANSWER) {
            Duration wait = backoff(attempt);
            if (!lastAttempt && fits(wait, remaining)) {
                return new Retry(wait);
            }
            return new Stop(GiveUp.TRANSIENT, !lastAttempt, null);
        }
        if (status >= 200 && status < 300) {
            return new Accept();
        }
        if (call.authenticated && (status == 403 || status == 401) && !refreshedToken) {
            // APSIS answers 403 for expired or revoked tokens too: one fresh token, one more try.
            return new RetryWithFreshToken();
        }
        if (retryable(status)) {
            Duration hint = status == 429 || status == 503 ? retryAfter : null;
            Duration wait = hint != null ? hint : backoff(attempt);
            if (!lastAttempt && fits(wait, remaining)) {
                return new Retry(wait);
            }
            return status == 429
                    ? new Stop(GiveUp.RATE_LIMITED, !lastAttempt, wait)
                    : new Stop(GiveUp.TRANSIENT, !lastAttempt, null);
        }
        if (!call.authenticated && (status == 400 || status == 401 || status == 403)) {
            return new Stop(GiveUp.AUTHENTICATION, false, null);
        }
        return switch (status) {
            case 401, 403 -> new Stop(GiveUp.NOT_ALLOWED, false, null);
            case 404 -> new Stop(GiveUp.NOT_FOUND, false, null);
            default -> new Stop(GiveUp.INVALID_REQUEST, false, null);
        };
    }

    /**
     * Whether an answer with this status is worth another attempt: 429 (rate or pending-import
     * limit), 408 (the server did not get the whole request) and every 5xx. For the import request
     * too: a 500, 502 or 504 does not say whether APSIS created the import, but an import only
     * reserves an upload, so asking again cannot import the file twice.
     */
    static boolean retryable(int status) {
        return status == 429 || status == 408 || status >= 500;
    }

    /** True when a wait of {@code wait} still leaves time for an attempt before the deadline. */
    private boolean fits(Duration wait, Duration remaining) {
        return remaining.compareTo(wait.plus(options.minAttemptTime())) >= 0;
    }

    /** Back-off before attempt n+1: uniformly random in [0, min(cap, base * 2^(n-1))] (full jitter). */
    Duration backoff(int attempt) {
        long base = Math.max(0, options.backoffBase().toMillis());
        long cap = Math.max(0, options.backoffCap().toMillis());
        long ceiling = attempt >= 31 ? cap : Math.min(cap, base << Math.min(30, attempt - 1));
        return Duration.ofMillis(ceiling <= 0 ? 0 : options.random().nextLong(ceiling + 1));
    }
}
