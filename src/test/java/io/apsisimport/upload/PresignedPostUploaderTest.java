package io.apsisimport.upload;

// Integration tests of the presigned-POST relay against the simulator's S3-like upload endpoint.

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.sim.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PresignedPostUploaderTest {

    static final byte[] CSV =
            "\uFEFFemail,name\r\na@example.com,\"Ann\r\nAnderson\"\r\nb@example.com,Bob\r\n,NoEmail\r\n"
                    .getBytes(StandardCharsets.UTF_8);

    private ApsisSimulator sim;
    private ApsisClient client;
    private final PresignedPostUploader uploader = new PresignedPostUploader(PresignedPostUploader.Options.defaults());

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    static ObjectNode spec() {
        ObjectNode spec = new ObjectMapper().createObjectNode();
        spec.putObject("keyspace_mapping")
                .put("keyspace_discriminator", "com.apsis1.keyspaces.email")
                .put("field_selector", "email");
        return spec;
    }

    private ImportTicket ticket(ApsisSimulator.Config config) {
        sim = ApsisSimulator.start(config);
        client = new ApsisClient(
                sim.baseUrl(), new ApsisCredentials("demo-client", "demo-secret"), ApsisClient.Options.defaults());
        return client.requestImport("section-1", spec());
    }

    private ImportTicket ticket() {
        return ticket(ApsisSimulator.Config.defaults().keepUploads(true).processing(Duration.ofMillis(100)));
    }

    private static ImportTicket withField(ImportTicket t, String name, String value) {
        List<FormField> fields = new ArrayList<>();
        for (FormField f : t.uploadFields()) {
            fields.add(f.name().equals(name) ? new FormField(name, value) : f);
        }
        return new ImportTicket(t.importId(), t.uploadUrl(), fields, t.expiresAt());
    }

    private static InputStream csv() {
        return new ByteArrayInputStream(CSV);
    }

    @Test
    void uploadsFieldsInOrderThenTheFileWithAFixedLength() {
        ImportTicket ticket = ticket();

        var result = uploader.upload(ticket, "profiles.csv", CSV.length, csv());

        assertEquals(200, result.httpStatus());
        assertEquals(CSV.length, result.bytesSent());
        ApsisSimulator.Upload upload =
                sim.importState(ticket.importId()).orElseThrow().upload();
        List<String> expectedParts = new ArrayList<>(
                ticket.uploadFields().stream().map(FormField::name).toList());
        expectedParts.add("file");
        assertEquals(expectedParts, upload.partNames());
        assertArrayEquals(CSV, upload.bytes());
        assertEquals(3, upload.records());
        assertEquals(1, upload.blankKeyRecords());
        assertEquals("text/csv", upload.partHeadersOfFile().get("content-type"));
        assertTrue(upload.partHeadersOfFile().get("content-disposition").contains("filename=\"profiles.csv\""));

        var request = sim.requests(Endpoint.UPLOAD).get(0);
        assertTrue(request.header("Content-Length").isPresent(), "Content-Length header missing");
        assertTrue(request.header("Transfer-Encoding").isEmpty(), "chunked encoding used");
        assertTrue(Long.parseLong(request.header("Content-Length").orElseThrow()) > CSV.length);
    }

    @Test
    void importCompletesWithCountsFromTheUploadedCsv() {
        ImportTicket ticket = ticket();
        uploader.upload(ticket, "profiles.csv", CSV.length, csv());

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        var status = client.importStatus("section-1", ticket.importId());
        while (status.outcome() == Outcome.PENDING && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            status = client.importStatus("section-1", ticket.importId());
        }
        assertEquals(Outcome.COMPLETED, status.outcome());
        assertEquals(3L, status.profilesFound());
        assertEquals(2L, status.profilesProcessed());
        assertEquals(1L, status.profilesFailed());
    }

    @Test
    void policyLimitIsCheckedBeforeSending() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults().maxUploadBytes(10));
        assertEquals(OptionalLong.of(10), PresignedPostUploader.maxContentLength(ticket));

        var e = assertThrows(UploadTooLargeException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));

        assertEquals(CSV.length, e.contentLength());
        assertEquals(10, e.maxAllowed());
        assertTrue(
                e.getMessage().contains(CSV.length + " bytes") && e.getMessage().contains("at most 10"),
                e.getMessage());
        assertEquals(0, sim.calls(Endpoint.UPLOAD));
    }

    @Test
    void expiredTicketIsRefusedBeforeSending() {
        ImportTicket live = ticket();
        ImportTicket expired = new ImportTicket(
                live.importId(),
                live.uploadUrl(),
                live.uploadFields(),
                Instant.now().plusSeconds(10));
        var e = assertThrows(
                UploadUrlExpiredException.class, () -> uploader.upload(expired, "p.csv", CSV.length, csv()));
        assertEquals(-1, e.httpStatus());
        assertEquals(0, sim.calls(Endpoint.UPLOAD));
    }

    @Test
    void policyExpiredAtS3IsUrlExpired() {
        MutableClock simClock = MutableClock.startingNow();
        ImportTicket ticket =
                ticket(ApsisSimulator.Config.defaults().clock(simClock).uploadUrlLifetime(Duration.ofMinutes(10)));
        simClock.advance(Duration.ofMinutes(11)); // the uploader's own clock still thinks it is valid

        var e = assertThrows(
                UploadUrlExpiredException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));

        assertEquals(403, e.httpStatus());
        assertEquals("AccessDenied", e.s3Code());
        assertTrue(e.getMessage().contains("Policy expired"), e.getMessage());
    }

    @Test
    void tamperedSignatureIsRejectedWithoutLeakingIt() {
        ImportTicket ticket = ticket();
        String forged = "0".repeat(64);
        var e = assertThrows(
                UploadRejectedException.class,
                () -> uploader.upload(withField(ticket, "x-amz-signature", forged), "p.csv", CSV.length, csv()));
        assertEquals(403, e.httpStatus());
        assertEquals("SignatureDoesNotMatch", e.s3Code());
        String policy = ticket.field("policy").orElseThrow();
        assertFalse(e.getMessage().contains(forged) || e.getMessage().contains(policy), e.getMessage());
    }

    @Test
    void tamperedKeyIsRejectedByThePolicy() {
        ImportTicket ticket = ticket();
        var e = assertThrows(
                UploadRejectedException.class,
                () -> uploader.upload(withField(ticket, "key", "other/key.csv"), "p.csv", CSV.length, csv()));
        assertEquals("AccessDenied", e.s3Code());
        assertTrue(e.getMessage().contains("Policy Condition failed"), e.getMessage());
    }

    @Test
    void fieldOrderOfTheTicketIsKept() {
        ImportTicket ticket = ticket();
        List<FormField> reversed = new ArrayList<>(ticket.uploadFields());
        Collections.reverse(reversed);
        ImportTicket reordered = new ImportTicket(ticket.importId(), ticket.uploadUrl(), reversed, ticket.expiresAt());

        uploader.upload(reordered, "p.csv", CSV.length, csv());

        List<String> parts =
                sim.importState(ticket.importId()).orElseThrow().upload().partNames();
        assertEquals(reversed.stream().map(FormField::name).toList(), parts.subList(0, parts.size() - 1));
        assertEquals("file", parts.get(parts.size() - 1));
    }

    @Test
    void s3ErrorsAreTyped() {
        ImportTicket ticket = ticket();
        sim.faults()
                .on(Endpoint.UPLOAD)
                .call(1)
                .respond(
                        400,
                        s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
                                .replace(
                                        "</Message>",
                                        "</Message><ProposedSize>99</ProposedSize><MaxSizeAllowed>50</MaxSizeAllowed>"));
        sim.faults().on(Endpoint.UPLOAD).call(2).respond(503, s3Error("SlowDown", "Please reduce your request rate."));
        sim.faults().on(Endpoint.UPLOAD).call(3).respond(400, s3Error("InvalidArgument", "Bad <thing> & more"));
        sim.faults().on(Endpoint.UPLOAD).call(4).respond(500, "plain text failure");
        sim.faults()
                .on(Endpoint.UPLOAD)
                .call(5)
                .respond(403, s3Error("AccessDenied", "Invalid according to Policy: Policy expired."));

        var tooLarge =
                assertThrows(UploadTooLargeException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));
        assertEquals(50, tooLarge.maxAllowed());
        var slow =
                assertThrows(UploadTransientException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));
        assertEquals(503, slow.httpStatus());
        assertEquals("SlowDown", slow.s3Code());
        var rejected =
                assertThrows(UploadRejectedException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));
        assertEquals("InvalidArgument", rejected.s3Code());
        assertTrue(
                rejected.getMessage().endsWith("HTTP 400 InvalidArgument: Bad <thing> & more"), rejected.getMessage());
        // A 500 after the whole request does not rule out that S3 stored the file (UploadOutcomeTest).
        var plain = assertThrows(
                UploadOutcomeUnknownException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));
        assertTrue(plain.getMessage().contains("plain text failure"), plain.getMessage());
        assertThrows(UploadUrlExpiredException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));
        // The faults consumed the first five calls; the sixth goes through.
        assertEquals(200, uploader.upload(ticket, "p.csv", CSV.length, csv()).httpStatus());
    }

    static String s3Error(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                + message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                + "</Message><RequestId>1</RequestId></Error>";
    }

    @Test
    void aConnectionDroppedAfterTheWholeRequestIsAnUnknownOutcome() {
        // The simulator stores nothing, but from the relay's side that cannot be told from a file that
        // arrived and whose answer was lost (UploadOutcomeTest has the cases apart).
        ImportTicket ticket = ticket();
        sim.faults().on(Endpoint.UPLOAD).next().dropAfterReceiving();
        var e = assertThrows(
                UploadOutcomeUnknownException.class, () -> uploader.upload(ticket, "p.csv", CSV.length, csv()));
        assertEquals(-1, e.httpStatus());
        assertEquals(Map.of(), sim.uploadsPerImport());
    }

    @Test
    void shortOrLongContentFailsClearlyAndNeverCompletesAnUpload() {
        ImportTicket ticket = ticket();
        var shortStream = assertThrows(
                IllegalStateException.class, () -> uploader.upload(ticket, "p.csv", CSV.length + 10, csv()));
        assertTrue(shortStream.getMessage().contains("ended after " + CSV.length + " bytes"), shortStream.getMessage());
        var longStream = assertThrows(
                IllegalStateException.class, () -> uploader.upload(ticket, "p.csv", CSV.length - 1, csv()));
        assertTrue(longStream.getMessage().contains("longer than"), longStream.getMessage());
        assertNull(sim.importState(ticket.importId()).orElseThrow().upload());
    }

    @Test
    void sourceReadFailureIsTransient() {
        ImportTicket ticket = ticket();
        InputStream failing = new InputStream() {
            int served;

            @Override
            public int read() throws IOException {
                if (served++ < 5) {
                    return 'a';
                }
                throw new IOException("S3 connection reset");
            }
        };
        var e = assertThrows(UploadTransientException.class, () -> uploader.upload(ticket, "p.csv", 100, failing));
        assertTrue(e.getMessage().contains("reading the file content failed"), e.getMessage());
        assertNull(sim.importState(ticket.importId()).orElseThrow().upload());
    }

    @Test
    void onlyHttpsOrLoopbackHttp() {
        PostPolicy.checkUrl(URI.create("https://s3.eu-west-1.amazonaws.com/file-import-uploads"));
        PostPolicy.checkUrl(URI.create("http://127.0.0.1:8080/uploads"));
        PostPolicy.checkUrl(URI.create("http://127.9.8.7/uploads"));
        PostPolicy.checkUrl(URI.create("http://localhost:1/uploads"));
        PostPolicy.checkUrl(URI.create("http://[::1]:1/uploads"));
        for (String bad : List.of(
                "http://s3.amazonaws.com/x",
                "http://128.0.0.1/x",
                "http://127.0.0.1.evil.com/x",
                "ftp://127.0.0.1/x",
                "http://10.0.0.1/x")) {
            ImportTicket t = new ImportTicket("i", URI.create(bad), List.of(), null);
            assertThrows(IllegalArgumentException.class, () -> uploader.upload(t, "p.csv", 1, csv()), bad);
        }
    }

    @Test
    void maxContentLengthReadsThePolicy() {
        String policy = Base64.getEncoder()
                .encodeToString(("{\"expiration\":\"2020-02-14T10:43:32Z\",\"conditions\":"
                                + "[{\"key\":\"k\"},[\"content-length-range\",1,524288000]]}")
                        .getBytes(StandardCharsets.UTF_8));
        ImportTicket t =
                new ImportTicket("i", URI.create("https://h/"), List.of(new FormField("policy", policy)), null);
        assertEquals(OptionalLong.of(524288000L), PresignedPostUploader.maxContentLength(t));

        ImportTicket garbled = new ImportTicket(
                "i",
                URI.create("https://h/"),
                List.of(new FormField("policy", "eyJleHBpcmF0aW9uIjoiMjAyMC0wMi0xNFQxMDo0MzozMloiLCJjb25k")),
                null);
        assertEquals(OptionalLong.empty(), PresignedPostUploader.maxContentLength(garbled));
        assertEquals(
                OptionalLong.empty(),
                PresignedPostUploader.maxContentLength(
                        new ImportTicket("i", URI.create("https://h/"), List.of(), null)));
    }

    @Test
    void successStatusDefaultsTo204WithoutTheField() {
        ImportTicket ticket = ticket();
        // Without success_action_status S3 answers 204; the simulator's policy lists the field, so fake the answer.
        sim.faults().on(Endpoint.UPLOAD).next().respond(204, null, Map.of());
        List<FormField> fields = ticket.uploadFields().stream()
                .filter(f -> !f.name().equals("success_action_status"))
                .toList();
        var result = uploader.upload(
                new ImportTicket(ticket.importId(), ticket.uploadUrl(), fields, ticket.expiresAt()),
                "p.csv",
                CSV.length,
                csv());
        assertEquals(204, result.httpStatus());
    }
}
