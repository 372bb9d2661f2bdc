package io.apsisimport.upload;

// Child-JVM test: the relay streams 200+ MB to the simulator's upload endpoint under -Xmx64m.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ImportTicket;
import io.apsisimport.sim.ApsisSimulator;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConstantMemoryRelayTest {

    static final long SIZE = 210L * 1024 * 1024;

    @Test
    void relaysMoreThan200MegabytesWithA64MegabyteHeap(@TempDir Path dir) throws Exception {
        // 210 MB is more than APSIS takes per import (50 MB, the simulator's default): this proves the relay
        // streams, so it uses the larger range of the help-centre article's policy, asked for explicitly.
        try (ApsisSimulator sim = ApsisSimulator.start(
                ApsisSimulator.Config.defaults().maxUploadBytes(ApsisSimulator.ARTICLE_POLICY_MAX_BYTES))) {
            ApsisClient client = new ApsisClient(
                    sim.baseUrl(), new ApsisCredentials("demo-client", "demo-secret"), ApsisClient.Options.defaults());
            ImportTicket ticket = client.requestImport("section", PresignedPostUploaderTest.spec());
            Path ticketFile = dir.resolve("ticket.json");
            Files.writeString(ticketFile, ticket.toJson());

            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(
                            java,
                            "-Xmx64m",
                            "-XX:+UseSerialGC",
                            "-cp",
                            System.getProperty("java.class.path"),
                            RelayChild.class.getName(),
                            ticketFile.toString(),
                            String.valueOf(SIZE))
                    .redirectErrorStream(true)
                    .start();
            child.getOutputStream().close();
            byte[] output;
            try (InputStream out = child.getInputStream()) {
                output = out.readAllBytes();
            }
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child did not finish");
            String text = new String(output, StandardCharsets.UTF_8);
            assertEquals(0, child.exitValue(), text);
            assertTrue(text.contains("RESULT status=200 bytes=" + SIZE), text);
            assertTrue(text.contains("maxHeap="), text);
            long maxHeap = Long.parseLong(text.replaceAll("(?s).*maxHeap=(\\d+).*", "$1"));
            assertTrue(maxHeap <= 64L * 1024 * 1024, "child heap " + maxHeap);

            ApsisSimulator.Upload upload =
                    sim.importState(ticket.importId()).orElseThrow().upload();
            assertEquals(SIZE, upload.size());
            assertEquals(sha256(new GeneratedCsv(SIZE)), upload.sha256());
            assertEquals(List.of("email", "name", "score"), upload.header());
            assertTrue(upload.records() > 5_000_000, "records " + upload.records());
            assertEquals(Map.of(ticket.importId(), 1), sim.uploadsPerImport());
        }
    }

    static String sha256(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
