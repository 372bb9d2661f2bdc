package io.apsisimport.apsis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The APSIS One API as bytes on the wire, without sending anything: the paths, bodies and headers
 * of the three calls the client makes, and the fields it reads from their answers. See
 * /work/shared/reference/apsis-one-api.md and docs/apsis-client.md.
 */
final class ApsisRequests {

    static final ObjectMapper MAPPER = new ObjectMapper();

    static final String TOKEN_PATH = "/oauth/token";

    private ApsisRequests() {}

    /** {@code POST} here creates an import of {@code section} (answer: an {@link ImportTicket}). */
    static String importsPath(String section) {
        return "/v2/audience/sections/" + pathSegment(section) + "/imports";
    }

    /** {@code GET} here answers an import's status. */
    static String statusPath(String section, String importId) {
        return "/audience/sections/" + pathSegment(section) + "/imports/" + pathSegment(importId);
    }

    static byte[] importBody(JsonNode importSpec) {
        try {
            return MAPPER.writeValueAsBytes(importSpec);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("import specification cannot be written as JSON", e);
        }
    }

    /** The client-credentials grant (the body holds the secret: it is never logged). */
    static byte[] tokenBody(ApsisCredentials creds) {
        try {
            return MAPPER.writeValueAsBytes(MAPPER.createObjectNode()
                    .put("grant_type", "client_credentials")
                    .put("client_id", creds.clientId())
                    .put("client_secret", creds.clientSecret()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One attempt's request: JSON in and out, a bearer token unless null, no redirects (set on the client). */
    static HttpRequest request(String base, String method, String path, byte[] body, String bearer, Duration timeout) {
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

    /** A body as JSON, or null when it is not JSON. */
    static JsonNode json(String body) {
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The status answer {@code json} (an object) of import {@code importId}. */
    static ImportStatus status(JsonNode json, String importId) {
        JsonNode result = json.path("result");
        String id = json.hasNonNull("import_id") ? json.get("import_id").asText() : importId;
        String status = result.hasNonNull("status") ? result.get("status").asText() : null;
        return ImportStatus.of(
                id,
                status,
                count(result, "profiles_found"),
                count(result, "profiles_processed"),
                count(result, "profiles_failed"));
    }

    /** A token answer's {@code expires_in} in seconds, or null when it has none. */
    static Long expiresIn(JsonNode json) {
        JsonNode v = json.path("expires_in");
        return v.canConvertToLong() ? v.asLong() : null;
    }

    /** Retry-After in seconds or as an HTTP date (read on {@code clock}), at most {@code cap}; null when absent or unreadable. */
    static Duration retryAfter(HttpResponse<?> response, Clock clock, Duration cap) {
        String value = response.headers().firstValue("Retry-After").orElse(null);
        if (value == null || value.isBlank()) {
            return null;
        }
        Duration d;
        try {
            d = Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                d = Duration.between(clock.instant(), at);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        return d.compareTo(cap) > 0 ? cap : d;
    }

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
}
