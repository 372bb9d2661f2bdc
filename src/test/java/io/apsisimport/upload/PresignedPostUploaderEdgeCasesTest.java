package io.apsisimport.upload;

// The relay against the simulator's upload endpoint on loopback, at the edges found by mutation
// testing: policy bounds met exactly, answers outside 2xx, timeouts, redirects, sources that pause
// or run long, messages scrubbed of the form's secrets, and which hosts may get plain http.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PresignedPostUploaderEdgeCasesTest {
    private static final byte[] CSV = "email\na@x.se\n".getBytes(StandardCharsets.UTF_8);

    private ApsisSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private ImportTicket ticket(ApsisSimulator.Config config) {
        sim = ApsisSimulator.start(config);
        return new ApsisClient(
                        sim.baseUrl(),
                        new ApsisCredentials("demo-client", "demo-secret"),
                        ApsisClient.Options.defaults())
                .requestImport("s", PresignedPostUploaderTest.spec());
    }

    private static PresignedPostUploader uploader() {
        return new PresignedPostUploader(PresignedPostUploader.Options.defaults());
    }

    private static PresignedPostUploader.UploadResult upload(PresignedPostUploader u, ImportTicket t, byte[] bytes) {
        return u.upload(t, "f.csv", bytes.length, new ByteArrayInputStream(bytes));
    }

    @Test
    void optionsWithersChangeOneSettingEach() {
        var d = PresignedPostUploader.Options.defaults();
        Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
        assertEquals(
                Duration.ofSeconds(1),
                d.withConnectTimeout(Duration.ofSeconds(1)).connectTimeout());
        assertEquals(
                Duration.ofSeconds(2), d.withReadTimeout(Duration.ofSeconds(2)).readTimeout());
        assertEquals(
                Duration.ofSeconds(3),
                d.withUploadTimeout(Duration.ofSeconds(3)).uploadTimeout());
        assertEquals(
                Duration.ofSeconds(4), d.withExpiryMargin(Duration.ofSeconds(4)).expiryMargin());
        assertEquals(clock, d.withClock(clock).clock());
        assertEquals(
                d.readTimeout(), d.withConnectTimeout(Duration.ofSeconds(1)).readTimeout());
    }

    @Test
    void aFileOfExactlyThePolicysMaximumOrMinimumIsSent() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults().maxUploadBytes(CSV.length));
        var result = upload(uploader(), ticket, CSV);
        assertEquals(200, result.httpStatus());
        assertEquals(CSV.length, result.bytesSent());
        assertTrue(
                result.elapsed().compareTo(Duration.ofMinutes(1)) < 0,
                result.elapsed().toString());
        assertFalse(result.elapsed().isNegative());
        sim.close();

        ImportTicket other = ticket(ApsisSimulator.Config.defaults());
        assertEquals(
                200,
                upload(uploader(), other, "\n".getBytes(StandardCharsets.UTF_8)).httpStatus());
        var empty = assertThrows(IllegalArgumentException.class, () -> upload(uploader(), other, new byte[0]));
        assertTrue(empty.getMessage().endsWith("has 0 bytes; the upload policy needs at least 1"), empty.getMessage());
    }

    @Test
    void withoutAPolicyAnEmptyFileIsLeftForTheServerToJudge() {
        ImportTicket real = ticket(ApsisSimulator.Config.defaults());
        ImportTicket noPolicy = new ImportTicket(
                real.importId(),
                real.uploadUrl(),
                real.uploadFields().stream()
                        .filter(f -> !f.name().equals("policy"))
                        .toList(),
                real.expiresAt());
        var e = assertThrows(UploadRejectedException.class, () -> upload(uploader(), noPolicy, new byte[0]));
        assertEquals(400, e.httpStatus());
    }

    @Test
    void anAnswerOutsideTwoHundredsIsAFailureNamingTheExpectedStatus() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults());
        sim.faults().on(Endpoint.UPLOAD).next().respond(300, "");
        var e = assertThrows(UploadRejectedException.class, () -> upload(uploader(), ticket, CSV));
        assertTrue(e.getMessage().endsWith("answered HTTP 300 (expected 200)"), e.getMessage());
    }

    @Test
    void aRedirectIsReportedNotFollowed() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults());
        sim.faults().on(Endpoint.UPLOAD).next().respond(307, "", Map.of("Location", sim.baseUrl() + "/elsewhere"));
        var e = assertThrows(UploadRejectedException.class, () -> upload(uploader(), ticket, CSV));
        assertEquals(307, e.httpStatus());
        assertEquals(1, sim.calls(Endpoint.UPLOAD));
    }

    @Test
    void anAnswerSlowerThanTheReadTimeoutIsAnUnknownOutcome() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults());
        sim.faults().on(Endpoint.UPLOAD).next().delay(Duration.ofSeconds(3));
        var u = new PresignedPostUploader(
                PresignedPostUploader.Options.defaults().withReadTimeout(Duration.ofMillis(300)));
        long start = System.nanoTime();
        var e = assertThrows(UploadOutcomeUnknownException.class, () -> upload(u, ticket, CSV));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(2500), "waited for the slow answer: " + e);
    }

    @Test
    void anUploadLongerThanTheUploadTimeoutIsCut() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults());
        sim.faults().on(Endpoint.UPLOAD).next().delay(Duration.ofSeconds(4));
        var u = new PresignedPostUploader(
                PresignedPostUploader.Options.defaults().withUploadTimeout(Duration.ofMillis(500)));
        long start = System.nanoTime();
        // Cut while waiting for the answer, the whole file sent: it may have arrived.
        assertThrows(UploadOutcomeUnknownException.class, () -> upload(u, ticket, CSV));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(3500), "the upload was not cut");
    }

    @Test
    void eachUploadHasItsOwnBoundaryAndAcceptsAnyAnswerType() {
        ImportTicket first = ticket(ApsisSimulator.Config.defaults());
        upload(uploader(), first, CSV);
        var second = new ApsisClient(
                        sim.baseUrl(),
                        new ApsisCredentials("demo-client", "demo-secret"),
                        ApsisClient.Options.defaults())
                .requestImport("s", PresignedPostUploaderTest.spec());
        upload(uploader(), second, CSV);
        var requests = sim.requests(Endpoint.UPLOAD);
        assertEquals(2, requests.size());
        String a = requests.get(0).header("Content-Type").orElseThrow();
        String b = requests.get(1).header("Content-Type").orElseThrow();
        assertTrue(a.startsWith("multipart/form-data; boundary=----apsisimport"), a);
        assertNotEquals(a, b);
        assertFalse(a.endsWith("00000000000000000000000000000000"), a);
        assertEquals("*/*", requests.get(0).header("Accept").orElseThrow());
    }

    @Test
    void aSourceThatPausesIsReadOnAndOneThatRunsLongAborts() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults());
        InputStream pausing = new InputStream() {
            private final InputStream in = new ByteArrayInputStream(CSV);
            private boolean pause = true;

            @Override
            public int read() throws IOException {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                pause = !pause;
                return pause ? 0 : in.read(b, off, Math.min(len, 3));
            }
        };
        assertEquals(
                200, uploader().upload(ticket, "f.csv", CSV.length, pausing).httpStatus());

        byte[] longer = java.util.Arrays.copyOf(CSV, CSV.length + 1); // one extra byte, and it is 0
        var e = assertThrows(
                IllegalStateException.class,
                () -> uploader().upload(ticket, "f.csv", CSV.length, new ByteArrayInputStream(longer)));
        assertTrue(e.getMessage().contains("is longer than the " + CSV.length + " bytes declared"), e.getMessage());
    }

    @Test
    void aSourceThatFailsIsATransientFailureSayingWhere() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults());
        InputStream failing = new InputStream() {
            private int served;

            @Override
            public int read() throws IOException {
                throw new IOException("disk gone");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (served >= 5) {
                    throw new IOException("disk gone");
                }
                int n = Math.min(len, 5 - served);
                System.arraycopy(CSV, served, b, off, n);
                served += n;
                return n;
            }
        };
        var e = assertThrows(
                UploadTransientException.class, () -> uploader().upload(ticket, "f.csv", CSV.length, failing));
        assertTrue(e.getMessage().contains("reading the file content failed after 5 bytes"), e.getMessage());
        InputStream failsAtEnd = new InputStream() {
            private final InputStream in = new ByteArrayInputStream(CSV);

            @Override
            public int read() throws IOException {
                throw new IOException("disk gone");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in.read(b, off, len);
            }
        };
        var atEnd = assertThrows(
                UploadTransientException.class, () -> uploader().upload(ticket, "f.csv", CSV.length, failsAtEnd));
        assertTrue(atEnd.getMessage().contains("reading the file content failed at its end"), atEnd.getMessage());
    }

    @Test
    void errorMessagesNeverCarryThePolicySignatureOrCredential() {
        ImportTicket ticket = ticket(ApsisSimulator.Config.defaults());
        String policy = ticket.field("policy").orElseThrow();
        String signature = ticket.field("x-amz-signature").orElseThrow();
        String credential = ticket.field("x-amz-credential").orElseThrow();
        sim.faults()
                .on(Endpoint.UPLOAD)
                .next()
                .respond(
                        403,
                        "<Error><Code>AccessDenied</Code><Message>policy " + policy + " signature " + signature
                                + " credential " + credential + "</Message></Error>");
        var e = assertThrows(UploadRejectedException.class, () -> upload(uploader(), ticket, CSV));
        assertFalse(e.getMessage().contains(policy), e.getMessage());
        assertFalse(e.getMessage().contains(signature), e.getMessage());
        assertFalse(e.getMessage().contains(credential), e.getMessage());
        assertTrue(e.getMessage().contains("signature *** credential ***"), e.getMessage());

        // Any case of the field names; values from 6 characters on (shorter ones would blank ordinary words).
        ImportTicket odd = new ImportTicket(
                ticket.importId(),
                ticket.uploadUrl(),
                List.of(
                        new FormField("Policy", "abcdef"),
                        new FormField("X-Amz-Signature", "ghijk"),
                        new FormField("key", ticket.field("key").orElseThrow())),
                ticket.expiresAt());
        sim.faults()
                .on(Endpoint.UPLOAD)
                .next()
                .respond(
                        403,
                        "<Error><Code>AccessDenied</Code>" + "<Message>abcdef ghijk " + "m".repeat(300)
                                + "</Message></Error>");
        var shortValues = assertThrows(UploadRejectedException.class, () -> upload(uploader(), odd, CSV));
        assertTrue(shortValues.getMessage().contains(": *** ghijk mmm"), shortValues.getMessage());
        assertTrue(shortValues.getMessage().endsWith("m…"), shortValues.getMessage());
    }

    @Test
    void plainHttpOnlyToLoopbackHosts() {
        assertTrue(PostPolicy.isLoopback("127.0.0.255"));
        assertTrue(PostPolicy.isLoopback("[::1]"));
        assertTrue(PostPolicy.isLoopback("LOCALHOST"));
        assertFalse(PostPolicy.isLoopback(null));
        assertFalse(PostPolicy.isLoopback("127.0.0.256"));
        assertFalse(PostPolicy.isLoopback("127.1"));
        assertFalse(PostPolicy.isLoopback("128.0.0.1"));
        assertFalse(PostPolicy.isLoopback("127.0.0.x"));
        assertThrows(
                IllegalArgumentException.class, () -> PostPolicy.checkUrl(java.net.URI.create("http://example.com/u")));
        PostPolicy.checkUrl(java.net.URI.create("https://example.com/u"));
    }
}
