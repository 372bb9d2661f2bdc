package io.apsisimport.apsis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * How a call that failed becomes the typed exception it ends with (the kind is
 * {@link RetryPolicy}'s decision; the words are here): the call, what went wrong on how many
 * attempts, APSIS's own message trimmed to one line, and anything secret blanked out — the client
 * secret, the token, anything that looks like a JWT.
 */
final class ApsisMessages {

    static final String NO_TIME_LEFT = " (no time left in this invocation for another attempt)";
    private static final int MAX_BODY_IN_MESSAGE = 300;
    private static final Pattern JWT_LIKE = Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    /** What went wrong on the last attempt, for the message of the exception that ends the call. */
    record Failure(int status, String description, String apsisMessage) {
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

    private final Supplier<List<String>> secrets;

    /** @param secrets the secrets to blank out of messages, as they are at the time of the message */
    ApsisMessages(Supplier<List<String>> secrets) {
        this.secrets = secrets;
    }

    static String describe(String method, String path) {
        return method + " " + path;
    }

    /** The exception of a {@link RetryPolicy.Stop} after an HTTP answer. */
    ApsisException stopped(
            RetryPolicy.Stop stop, String answered, int status, String body, int attempt, RetryPolicy.Call call) {
        String message = apsisMessage(body);
        String spent = answered + " on " + attempts(attempt) + ": " + message;
        String noTimeLeft = stop.noTimeLeft() ? NO_TIME_LEFT : "";
        return switch (stop.exception()) {
            case RATE_LIMITED -> new ApsisRateLimitedException(spent + noTimeLeft, stop.delay(), null);
            case TRANSIENT -> new ApsisTransientException(spent + unansweredNote(call) + noTimeLeft, status, null);
            case AUTHENTICATION ->
                new ApsisAuthenticationException(
                        answered + ": APSIS rejected the client credentials: " + message, status, null);
            case NOT_ALLOWED ->
                new ApsisNotAllowedException(answered + " (also with a fresh token): " + message, status, null);
            case NOT_FOUND -> new ApsisNotFoundException(answered + ": " + message, status, null);
            case INVALID_REQUEST -> new ApsisInvalidRequestException(answered + ": " + message, status, null);
        };
    }

    /** The last attempt got no answer and the policy allows no other. */
    static ApsisTransientException unanswered(
            String what, Failure last, int attempt, RetryPolicy.Call call, boolean noTimeLeft, IOException cause) {
        return new ApsisTransientException(
                what + ": " + last.description() + " on " + attempts(attempt) + unansweredNote(call)
                        + (noTimeLeft ? NO_TIME_LEFT : ""),
                -1,
                cause);
    }

    /**
     * The call cannot start (another) attempt before its deadline.
     *
     * @param last what the last attempt got, or null when none was started
     */
    static ApsisException outOfTime(String what, Failure last, int attempts, Duration minAttemptTime) {
        if (last == null) {
            return new ApsisTransientException(
                    what + " not sent: less than " + minAttemptTime.toMillis() + " ms left in this invocation",
                    -1,
                    null);
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
    static String unansweredNote(RetryPolicy.Call call) {
        return call == RetryPolicy.Call.IMPORT_REQUEST
                ? "; an import APSIS may have created without answering expires unused"
                : "";
    }

    /** APSIS's own message from an error body ({@code message}, {@code detail}, …) or the trimmed body. */
    String apsisMessage(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        try {
            JsonNode json = ApsisRequests.MAPPER.readTree(body);
            if (json != null && json.isObject()) {
                for (String key : new String[] {"message", "detail", "error_description", "title", "error"}) {
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
    String trimmed(String text) {
        if (text == null) {
            return "";
        }
        String s = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        s = scrub(s);
        return s.length() <= MAX_BODY_IN_MESSAGE ? s : s.substring(0, MAX_BODY_IN_MESSAGE - 1) + "…";
    }

    private String scrub(String s) {
        for (String secret : secrets.get()) {
            s = s.replace(secret, "***");
        }
        return JWT_LIKE.matcher(s).replaceAll("***");
    }
}
