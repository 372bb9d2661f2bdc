package io.apsisimport.upload;

// The relay against the simulator's upload endpoint (and a bare socket), one claim: a failed upload
// says whether the file can have arrived. A connection lost before the whole request was sent is
// UploadTransientException (S3 stored nothing: send it again); once the whole request was sent, a
// lost or late answer, or a 5xx that does not say the request was refused unread, is
// UploadOutcomeUnknownException (the file may be there: ask APSIS before sending it again). Each
// case also checks what the simulator, the other end, actually kept.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UploadOutcomeTest {
    private static final byte[] CSV = "email\na@example.com\n".getBytes(StandardCharsets.UTF_8);
    /**
     * Larger than what the socket buffers between the relay and the simulator hold (on loopback the
     * sender's buffer grows to 4 MiB, the unread receiver's window stays small): a peer that stops
     * reading makes a write of the body fail before the relay has sent it all.
     */
    private static final int LARGE = 24 * 1024 * 1024;

    private ApsisSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private ImportTicket ticket() {
        sim = ApsisSimulator.start(ApsisSimulator.Config.defaults().processing(Duration.ofMillis(100)));
        return new ApsisClient(
                        sim.baseUrl(),
                        new ApsisCredentials("demo-client", "demo-secret"),
                        ApsisClient.Options.defaults())
                .requestImport("s", PresignedPostUploaderTest.spec());
    }

    private static PresignedPostUploader uploader() {
        return new PresignedPostUploader(PresignedPostUploader.Options.defaults());
    }

    /** A large CSV generated as it is read: a header, then records, exactly {@code size} bytes. */
    private static InputStream largeCsv(int size) {
        byte[] head = "email\n".getBytes(StandardCharsets.US_ASCII);
        byte[] row = "someone@example.com\n".getBytes(StandardCharsets.US_ASCII);
        return new InputStream() {
            private int pos;

            @Override
            public int read() {
                if (pos >= size) {
                    return -1;
                }
                int b = pos < head.length ? head[pos] : row[(pos - head.length) % row.length];
                pos++;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= size) {
                    return -1;
                }
                int n = Math.min(len, size - pos);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) read();
                }
                return n;
            }
        };
    }

    private int uploadsOf(ImportTicket ticket) {
        return sim.importState(ticket.importId()).orElseThrow().uploadsReceived();
    }

    @Test
    void aConnectionLostWhileTheBodyIsSentIsTransientAndNothingArrived() {
        ImportTicket ticket = ticket();
        sim.faults().on(Endpoint.UPLOAD).next().dropWhileReceiving(1024 * 1024);
        var e = assertThrows(
                UploadTransientException.class, () -> uploader().upload(ticket, "big.csv", LARGE, largeCsv(LARGE)));
        assertTrue(e.getMessage().contains("before the whole request was sent"), e.getMessage());
        assertEquals(-1, e.httpStatus());
        assertEquals(0, uploadsOf(ticket));

        // The same ticket works afterwards: this is the failure the state machine simply repeats.
        assertEquals(
                200,
                uploader().upload(ticket, "big.csv", LARGE, largeCsv(LARGE)).httpStatus());
        assertEquals(Map.of(ticket.importId(), 1), sim.uploadsPerImport());
    }

    @Test
    void aConnectionRefusedBeforeAnythingWasSentIsTransient() throws IOException {
        int port;
        try (var unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = unused.getLocalPort();
        }
        var ticket = new ImportTicket(
                "i-1",
                URI.create("http://127.0.0.1:" + port + "/uploads/b"),
                List.of(),
                Instant.now().plusSeconds(3600));
        assertThrows(
                UploadTransientException.class,
                () -> uploader().upload(ticket, "f.csv", CSV.length, new ByteArrayInputStream(CSV)));
    }

    @Test
    void anAnswerLostAfterTheFileWasTakenIsAnUnknownOutcomeAndTheFileIsThere() {
        ImportTicket ticket = ticket();
        sim.faults().on(Endpoint.UPLOAD).next().dropAfterActing();
        var e = assertThrows(
                UploadOutcomeUnknownException.class,
                () -> uploader().upload(ticket, "f.csv", CSV.length, new ByteArrayInputStream(CSV)));
        assertTrue(e.getMessage().contains("the whole file was sent, then no answer came"), e.getMessage());
        assertTrue(e.getMessage().endsWith("the file may have arrived"), e.getMessage());
        assertEquals(Map.of(ticket.importId(), 1), sim.uploadsPerImport(), "what a blind repeat would have doubled");
    }

    @Test
    void anAnswerLateBeyondTheReadTimeoutIsAnUnknownOutcomeAndTheFileArrivesAfterwards() throws InterruptedException {
        ImportTicket ticket = ticket();
        sim.faults().on(Endpoint.UPLOAD).next().delay(Duration.ofMillis(1500));
        var impatient = new PresignedPostUploader(
                PresignedPostUploader.Options.defaults().withReadTimeout(Duration.ofMillis(300)));
        assertThrows(
                UploadOutcomeUnknownException.class,
                () -> impatient.upload(ticket, "f.csv", CSV.length, new ByteArrayInputStream(CSV)));
        // The simulator reads the request after its delay: the file lands although the relay gave up.
        Instant deadline = Instant.now().plusSeconds(10);
        while (uploadsOf(ticket) == 0 && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertEquals(1, uploadsOf(ticket));
    }

    @Test
    void s3sAnswerAfterTheWholeRequestSaysWhetherItCanHaveStoredTheFile() {
        ImportTicket ticket = ticket();
        String internal = PresignedPostUploaderTest.s3Error("InternalError", "We encountered an internal error.");
        sim.faults().on(Endpoint.UPLOAD).call(1).respond(500, internal);
        sim.faults().on(Endpoint.UPLOAD).call(2).respond(502, "<html>Bad Gateway</html>");
        sim.faults().on(Endpoint.UPLOAD).call(3).respond(504, "<html>Gateway Timeout</html>");
        sim.faults().on(Endpoint.UPLOAD).call(4).respond(503, PresignedPostUploaderTest.s3Error("SlowDown", "Reduce."));
        sim.faults()
                .on(Endpoint.UPLOAD)
                .call(5)
                .respond(
                        400,
                        PresignedPostUploaderTest.s3Error(
                                "RequestTimeout",
                                "Your socket connection to the server was not read from or written to within the timeout period."));
        sim.faults().on(Endpoint.UPLOAD).call(6).respond(408, "");

        for (int status : List.of(500, 502, 504)) {
            var e = assertThrows(
                    UploadOutcomeUnknownException.class,
                    () -> uploader().upload(ticket, "f.csv", CSV.length, new ByteArrayInputStream(CSV)),
                    "" + status);
            assertEquals(status, e.httpStatus());
        }
        // Refused unread: S3 stored nothing.
        for (int status : List.of(503, 400, 408)) {
            var e = assertThrows(
                    UploadTransientException.class,
                    () -> uploader().upload(ticket, "f.csv", CSV.length, new ByteArrayInputStream(CSV)),
                    "" + status);
            assertEquals(status, e.httpStatus());
        }
    }

    @Test
    void aServerErrorAnsweredBeforeTheWholeRequestIsTransient() throws Exception {
        // A bare server that answers 500 as soon as it has the headers and closes with the body unread.
        try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread accept = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    int matched = 0;
                    while (matched < 4) {
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
                    }
                    s.getOutputStream()
                            .write(("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                                            + "Connection: close\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (IOException gone) {
                    // the relay went away first
                }
            });
            var ticket = new ImportTicket(
                    "i-2",
                    URI.create("http://127.0.0.1:" + server.getLocalPort() + "/u"),
                    List.of(),
                    Instant.now().plusSeconds(3600));
            assertThrows(
                    UploadTransientException.class, () -> uploader().upload(ticket, "big.csv", LARGE, largeCsv(LARGE)));
            accept.join(Duration.ofSeconds(10));
        }
    }
}
