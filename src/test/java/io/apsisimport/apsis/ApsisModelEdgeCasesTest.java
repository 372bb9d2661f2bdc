package io.apsisimport.apsis;

// Unit tests of the APSIS value types at their edges (found by mutation testing): expiry at the
// exact instant, unreadable answers, counts and statuses APSIS may leave out, secrets never printed.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApsisModelEdgeCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

    private static ImportTicket ticket(Instant expiresAt) {
        return new ImportTicket(
                "i-1",
                URI.create("https://uploads.example/b"),
                List.of(new FormField("policy", "c2VjcmV0LXBvbGljeQ==")),
                expiresAt);
    }

    @Test
    void anUploadUrlHasExpiredFromItsExpiryInstantOnAndNeverWhenItIsUnknown() {
        assertFalse(ticket(AT).expiresBefore(AT.minusMillis(1)));
        assertTrue(ticket(AT).expiresBefore(AT));
        assertTrue(ticket(AT).expiresBefore(AT.plusSeconds(1)));
        assertFalse(ticket(null).expiresBefore(AT));
    }

    @Test
    void anAnswerWithoutImportIdNamesTheFieldsItHad() throws Exception {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> ImportTicket.fromApsisResponse(
                        JSON.readTree("{\"file_upload_url\":\"https://u\",\"file_upload_body\":{}}")));
        assertTrue(e.getMessage().endsWith("(fields: file_upload_url,file_upload_body)"), e.getMessage());
        var array = assertThrows(
                IllegalArgumentException.class, () -> ImportTicket.fromApsisResponse(JSON.readTree("[1]")));
        assertTrue(array.getMessage().endsWith("(fields: not an object)"), array.getMessage());
        var blank = assertThrows(
                IllegalArgumentException.class,
                () -> ImportTicket.fromApsisResponse(
                        JSON.readTree("{\"import_id\":\" \",\"file_upload_url\":\"https://u\"}")));
        assertTrue(blank.getMessage().contains("import_id"), blank.getMessage());
    }

    @Test
    void expiryInstantsAreReadWithOrWithoutOffsetAndUnreadableOnesAreUnknown() throws Exception {
        assertEquals(Instant.parse("2026-03-01T08:00:00Z"), ImportTicket.parseInstant("2026-03-01T10:00:00+02:00"));
        assertEquals(AT, ImportTicket.parseInstant(" 2026-03-01T10:00:00Z "));
        assertNull(ImportTicket.parseInstant("next tuesday"));
        assertNull(ImportTicket.parseInstant(" "));
        var parsed =
                ImportTicket.fromApsisResponse(JSON.readTree("{\"import_id\":\"i\",\"file_upload_url\":\"https://u\","
                        + "\"file_upload_url_expires_at\":\"2026-03-01T10:00:00+00:00\"}"));
        assertEquals(AT, parsed.expiresAt());
    }

    @Test
    void aStoredTicketRoundTripsAndABrokenOneIsRefusedWithoutQuotingIt() {
        ImportTicket t = ticket(AT);
        assertEquals(t, ImportTicket.fromJson(t.toJson()));
        assertNull(ImportTicket.fromJson(ticket(null).toJson()).expiresAt());
        String withBlankExpiry = t.toJson().replace("2026-03-01T10:00:00Z", "");
        assertNull(ImportTicket.fromJson(withBlankExpiry).expiresAt());
        String badExpiry = t.toJson().replace("2026-03-01T10:00:00Z", "c2VjcmV0LXBvbGljeQ");
        var e = assertThrows(IllegalArgumentException.class, () -> ImportTicket.fromJson(badExpiry));
        assertFalse(e.getMessage().contains("c2VjcmV0"), e.getMessage());
        var broken =
                assertThrows(IllegalArgumentException.class, () -> ImportTicket.fromJson("{\"policy\":\"c2VjcmV0"));
        assertTrue(broken.getMessage().startsWith("not an ImportTicket JSON document (at "), broken.getMessage());
        assertFalse(broken.getMessage().contains("c2VjcmV0"), broken.getMessage());
    }

    @Test
    void formFieldsAndTicketsNeverPrintValues() {
        assertEquals("FormField[name=policy, value=***]", new FormField("policy", "c2VjcmV0").toString());
        assertFalse(ticket(AT).toString().contains("c2VjcmV0"), ticket(AT).toString());
        assertTrue(
                ticket(AT).toString().contains("uploadFields=[policy]"),
                ticket(AT).toString());
    }

    @Test
    void aStatusWithoutValueIsUnknownAndPending() {
        var s = new ImportStatus("i", null, null, null, null, null);
        assertEquals("unknown", s.status());
        assertEquals(Outcome.PENDING, s.outcome());
        assertFalse(s.isTerminal());
        assertTrue(ImportStatus.of("i", "completed", 1L, 1L, 0L).isTerminal());
        assertTrue(ImportStatus.of("i", "failed", 1L, 0L, 1L).isTerminal());
        assertFalse(ImportStatus.of("i", "in progress", null, null, null).isTerminal());
        assertEquals(Outcome.FAILED, new ImportStatus("i", "completed", Outcome.FAILED, null, null, null).outcome());
    }

    @Test
    void theJwtExpiryIsReadFromTwoPartsAndPaddedPayloads() {
        String exp = "{\"exp\": 1772359200}"; // 19 bytes: base64 with padding
        String padded = Base64.getUrlEncoder().encodeToString(exp.getBytes(StandardCharsets.UTF_8));
        assertTrue(padded.endsWith("="), padded);
        assertEquals(Instant.ofEpochSecond(1772359200), TokenCache.jwtExpiry("eyJhbGciOiJub25lIn0." + padded));
        assertEquals(Instant.ofEpochSecond(1772359200), TokenCache.jwtExpiry("eyJhbGciOiJub25lIn0." + padded + ".sig"));
        assertNull(TokenCache.jwtExpiry("opaque-token"));
        assertNull(TokenCache.jwtExpiry("a.bm90IGpzb24.c"));
        assertNull(TokenCache.jwtExpiry(
                "a." + Base64.getUrlEncoder().encodeToString("{\"exp\":\"soon\"}".getBytes()) + ".c"));
    }

    @Test
    void optionsNeedAtLeastOneAttemptAndAPositiveTimeout() {
        assertEquals(1, ApsisClient.Options.defaults().withMaxAttempts(1).maxAttempts());
        assertThrows(
                IllegalArgumentException.class,
                () -> ApsisClient.Options.defaults().withMaxAttempts(0));
        assertThrows(
                IllegalArgumentException.class,
                () -> ApsisClient.Options.defaults().withRequestTimeout(java.time.Duration.ZERO));
    }
}
