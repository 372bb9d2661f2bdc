package io.apsisimport.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;
import java.io.IOException;
import java.net.URI;
import java.util.Base64;
import java.util.Locale;

/**
 * What an import ticket's presigned POST allows, read before anything is sent: where the upload
 * may go (https, or http to loopback for the simulator) and the size range of its S3 policy
 * ({@code ["content-length-range", min, max]}).
 */
final class PostPolicy {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PostPolicy() {}

    /** https, or http to a loopback host (the simulator); anything else is refused. */
    static void checkUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return;
        }
        if (scheme.equals("http") && isLoopback(url.getHost())) {
            return;
        }
        throw new IllegalArgumentException(
                "upload URL must be https (plain http only to loopback hosts): " + scheme + "://" + url.getHost());
    }

    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        String[] octets = h.split("\\.");
        if (octets.length != 4 || !octets[0].equals("127")) {
            return false;
        }
        for (String o : octets) {
            if (!o.matches("\\d{1,3}") || Integer.parseInt(o) > 255) {
                return false;
            }
        }
        return true;
    }

    /** [min, max] of the policy's content-length-range, or null when the policy is absent, unreadable or has none. */
    static long[] contentLengthRange(ImportTicket ticket) {
        String policy = ticket.uploadFields().stream()
                .filter(f -> f.name().equalsIgnoreCase("policy"))
                .map(FormField::value)
                .findFirst()
                .orElse(null);
        if (policy == null || policy.isBlank()) {
            return null;
        }
        JsonNode doc = decodePolicy(policy);
        if (doc == null) {
            return null;
        }
        for (JsonNode condition : doc.path("conditions")) {
            if (condition.isArray()
                    && condition.size() == 3
                    && "content-length-range".equalsIgnoreCase(condition.get(0).asText())
                    && condition.get(1).canConvertToLong()
                    && condition.get(2).canConvertToLong()) {
                return new long[] {condition.get(1).asLong(), condition.get(2).asLong()};
            }
        }
        return null;
    }

    private static JsonNode decodePolicy(String policy) {
        String compact = policy.replaceAll("\\s", "");
        for (Base64.Decoder decoder : new Base64.Decoder[] {Base64.getDecoder(), Base64.getUrlDecoder()}) {
            try {
                JsonNode doc = JSON.readTree(decoder.decode(compact));
                if (doc != null && doc.isObject()) {
                    return doc;
                }
            } catch (IllegalArgumentException | IOException e) {
                // try the next alphabet
            }
        }
        return null;
    }
}
