package io.apsisimport.apsis;

// Unit tests of the APSIS model types: status mapping, ticket JSON, redaction, base URL.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApsisModelTest {

    @ParameterizedTest
    @CsvSource(
            nullValues = "NULL",
            value = {
                "completed, COMPLETED",
                "COMPLETED, COMPLETED",
                " Completed , COMPLETED",
                "failed, FAILED",
                "Failed, FAILED",
                "error, FAILED",
                "import_error, FAILED",
                "EXPIRED, FAILED",
                "cancelled, FAILED",
                "canceled, FAILED",
                "failed-validation, FAILED",
                "upload_url_expired, FAILED",
                "waiting for file, PENDING",
                "waiting_for_file, PENDING",
                "queued, PENDING",
                "in progress, PENDING",
                "in-progress, PENDING",
                "something new, PENDING",
                "'', PENDING",
                "NULL, PENDING"
            })
    void statusMapsToOutcome(String status, Outcome expected) {
        assertEquals(expected, Outcome.fromStatus(status));
    }

    static ImportTicket ticket() {
        return new ImportTicket(
                "imp-1",
                URI.create("https://s3.eu-west-1.amazonaws.com/file-import-uploads"),
                List.of(
                        new FormField("key", "48916/abc.csv"),
                        new FormField("policy", "cG9saWN5LXNlY3JldA=="),
                        new FormField("x-amz-signature", "d46767995586e37ffed0")),
                Instant.parse("2030-07-21T17:32:28.761Z"));
    }

    @Test
    void ticketRoundTripsThroughJsonAndPlainObjectMapper() throws Exception {
        ImportTicket t = ticket();
        assertEquals(t, ImportTicket.fromJson(t.toJson()));
        ObjectMapper plain = new ObjectMapper();
        String json = plain.writeValueAsString(t);
        assertTrue(json.contains("\"expiresAt\":\"2030-07-21T17:32:28.761Z\""), json);
        assertEquals(t, plain.readValue(json, ImportTicket.class));
        ImportTicket noExpiry = new ImportTicket("i", URI.create("https://x"), List.of(), null);
        assertEquals(noExpiry, ImportTicket.fromJson(noExpiry.toJson()));
    }

    @Test
    void ticketToStringShowsNamesNotValues() {
        String s = ticket().toString();
        assertTrue(s.contains("imp-1") && s.contains("s3.eu-west-1.amazonaws.com") && s.contains("2030-07-21"), s);
        assertTrue(s.contains("key,policy,x-amz-signature"), s);
        assertFalse(s.contains("cG9saWN5") || s.contains("d4676799") || s.contains("48916"), s);
        assertFalse(new FormField("x-amz-signature", "d4676799").toString().contains("d4676799"));
    }

    @Test
    void badTicketJsonDoesNotEchoTheInput() {
        var e = assertThrows(
                IllegalArgumentException.class, () -> ImportTicket.fromJson("{\"importId\":\"x\",\"secret-sig\""));
        assertFalse(e.getMessage().contains("secret-sig"), e.getMessage());
    }

    @Test
    void ticketFromApsisResponseKeepsFieldOrder() throws Exception {
        var body = new ObjectMapper().readTree("""
                {"import_id":"234345345","file_upload_url":"https://s3.eu-west-1.amazonaws.com/file-import-uploads",
                 "file_upload_body":{"key":"k","success_action_status":"200","policy":"p","content-type":"text/csv",
                   "x-amz-meta-id":"m","x-amz-algorithm":"AWS4-HMAC-SHA256","x-amz-credential":"c","x-amz-date":"d",
                   "x-amz-signature":"s"},
                 "file_upload_url_expires_at":"2017-07-21T17:32:28.761Z"}""");
        ImportTicket t = ImportTicket.fromApsisResponse(body);
        assertEquals(
                List.of(
                        "key",
                        "success_action_status",
                        "policy",
                        "content-type",
                        "x-amz-meta-id",
                        "x-amz-algorithm",
                        "x-amz-credential",
                        "x-amz-date",
                        "x-amz-signature"),
                t.uploadFields().stream().map(FormField::name).toList());
        assertEquals(Instant.parse("2017-07-21T17:32:28.761Z"), t.expiresAt());
        assertTrue(t.expiresBefore(Instant.now()));
    }

    @Test
    void ticketToleratesOffsetAndMissingExpiry() throws Exception {
        var mapper = new ObjectMapper();
        var withOffset = mapper.readTree(
                "{\"import_id\":\"i\",\"file_upload_url\":\"https://h/\",\"file_upload_url_expires_at\":\"2030-01-01T10:00:00+02:00\"}");
        assertEquals(
                Instant.parse("2030-01-01T08:00:00Z"),
                ImportTicket.fromApsisResponse(withOffset).expiresAt());
        var without = mapper.readTree("{\"import_id\":\"i\",\"file_upload_url\":\"https://h/\"}");
        assertNull(ImportTicket.fromApsisResponse(without).expiresAt());
        assertThrows(IllegalArgumentException.class, () -> ImportTicket.fromApsisResponse(mapper.readTree("{}")));
    }

    @Test
    void statusRoundTripsThroughPlainObjectMapper() throws Exception {
        ObjectMapper plain = new ObjectMapper();
        ImportStatus status = ImportStatus.of("i-1", "completed", 3L, 2L, 1L);
        assertEquals(status, plain.readValue(plain.writeValueAsString(status), ImportStatus.class));
        assertTrue(status.isTerminal());
    }

    @Test
    void credentialsToStringRedactsSecret() {
        String s = new ApsisCredentials("id-1", "very-secret").toString();
        assertTrue(s.contains("id-1"));
        assertFalse(s.contains("very-secret"));
    }

    @Test
    void baseUrlFromEnvironment() {
        assertEquals(URI.create("https://api.apsis.one"), ApsisClient.baseUrlFrom(Map.of()));
        assertEquals(URI.create("https://api.apsis.one"), ApsisClient.baseUrlFrom(Map.of("APSIS_REGION", "EU")));
        assertEquals(URI.create("https://api-apac.apsis.one"), ApsisClient.baseUrlFrom(Map.of("APSIS_REGION", "apac")));
        assertEquals(
                URI.create("http://127.0.0.1:9999"),
                ApsisClient.baseUrlFrom(Map.of("APSIS_BASE_URL", "http://127.0.0.1:9999", "APSIS_REGION", "apac")));
        assertEquals(
                URI.create("https://api-apac.apsis.one"),
                ApsisClient.baseUrlFrom(Map.of("APSIS_BASE_URL", "  ", "APSIS_REGION", "apac")));
        var e = assertThrows(
                IllegalArgumentException.class, () -> ApsisClient.baseUrlFrom(Map.of("APSIS_REGION", "us")));
        assertTrue(e.getMessage().contains("APSIS_REGION") && e.getMessage().contains("eu, apac"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> ApsisClient.baseUrlFrom(Map.of("APSIS_BASE_URL", "not a url")));
    }

    @Test
    void jwtExpiryIsReadFromThePayload() {
        // {"exp":1900000000}
        String jwt = "eyJhbGciOiJIUzI1NiJ9."
                + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"exp\":1900000000}".getBytes())
                + ".sig";
        assertEquals(Instant.ofEpochSecond(1900000000L), TokenCache.jwtExpiry(jwt));
        assertNull(TokenCache.jwtExpiry("opaque-token"));
    }
}
