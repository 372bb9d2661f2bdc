package io.apsisimport.apsis;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What APSIS One answers to an import request: the import id and the presigned POST
 * that takes the file. {@code uploadFields} keep APSIS's order. {@code expiresAt} is
 * {@code null} when APSIS sent no (readable) expiry.
 *
 * <p>Serialises with a plain {@link ObjectMapper} ({@code expiresAt} as ISO-8601 text);
 * {@link #toJson()} / {@link #fromJson(String)} do exactly that. {@link #toString()}
 * prints field names only: the policy and signature are credentials for the upload.
 */
public record ImportTicket(
        String importId,
        URI uploadUrl,
        List<FormField> uploadFields,

        @JsonSerialize(using = ToStringSerializer.class) @JsonDeserialize(using = ImportTicket.InstantText.class)
        Instant expiresAt) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public ImportTicket {
        Objects.requireNonNull(importId, "importId");
        Objects.requireNonNull(uploadUrl, "uploadUrl");
        uploadFields = List.copyOf(uploadFields == null ? List.of() : uploadFields);
    }

    /** The value of the named upload field, if APSIS sent it. */
    public Optional<String> field(String name) {
        return uploadFields.stream()
                .filter(f -> f.name().equals(name))
                .map(FormField::value)
                .findFirst();
    }

    /** True when the upload URL has expired at {@code instant} (never, when the expiry is unknown). */
    public boolean expiresBefore(Instant instant) {
        return expiresAt != null && !expiresAt.isAfter(instant);
    }

    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ImportTicket fromJson(String json) {
        try {
            return MAPPER.readValue(json, ImportTicket.class);
        } catch (JsonProcessingException e) {
            // The parser's message may quote the input, which holds the signature: keep only the location.
            throw new IllegalArgumentException("not an ImportTicket JSON document (at "
                    + (e.getLocation() == null ? "?" : e.getLocation().offsetDescription()) + ")");
        }
    }

    /**
     * Reads APSIS's answer to an import request: {@code import_id}, {@code file_upload_url},
     * {@code file_upload_body} (object, order kept), {@code file_upload_url_expires_at}.
     */
    public static ImportTicket fromApsisResponse(JsonNode body) {
        String importId = text(body, "import_id");
        String url = text(body, "file_upload_url");
        if (importId == null || importId.isBlank() || url == null || url.isBlank()) {
            throw new IllegalArgumentException(
                    "APSIS import answer lacks import_id or file_upload_url (fields: " + fieldNames(body) + ")");
        }
        List<FormField> fields = new ArrayList<>();
        JsonNode form = body.get("file_upload_body");
        if (form != null && form.isObject()) {
            for (Map.Entry<String, JsonNode> e : form.properties()) {
                JsonNode v = e.getValue();
                fields.add(new FormField(e.getKey(), v.isValueNode() ? v.asText() : v.toString()));
            }
        }
        return new ImportTicket(
                importId, URI.create(url.trim()), fields, parseInstant(text(body, "file_upload_url_expires_at")));
    }

    @Override
    public String toString() {
        String names = uploadFields.stream().map(FormField::name).collect(Collectors.joining(","));
        return "ImportTicket[importId=" + importId + ", uploadHost=" + uploadUrl.getHost() + ", expiresAt=" + expiresAt
                + ", uploadFields=[" + names + "]]";
    }

    private static String text(JsonNode node, String name) {
        JsonNode v = node == null ? null : node.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String fieldNames(JsonNode node) {
        if (node == null || !node.isObject()) {
            return "not an object";
        }
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return String.join(",", names);
    }

    static Instant parseInstant(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text.trim()).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /** Reads an ISO-8601 instant written by {@link ToStringSerializer} (no JavaTimeModule needed). */
    static final class InstantText extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            Instant parsed = parseInstant(text);
            if (parsed == null && text != null && !text.isBlank()) {
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
            }
            return parsed;
        }
    }
}
