package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests on the local cloud for files as they really arrive: a ~120 MB export with
// quoted newlines is split into valid CSV parts of at most 50 MB whose records, put together,
// are exactly the source's; a file that is not UTF-8 fails before any import is requested.
@LocalCloudTest
class LargeFileEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] HEADER = "email-address,name,notes\r\n".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(ApsisSimulator.Config.defaults()
                    .processing(Duration.ofMillis(500))
                    .keepUploads(true))
            .defaultRoutes("inbox/");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void a120MbFileIsImportedAsPartsOfAtMost50MbWithEveryRecordOnce(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("big.csv");
        long rows = writeCsv(file, 120_000_000L);
        String execution = cloud.drop("inbox/big.csv", file).execution();

        var done = cloud.await(execution, Duration.ofMinutes(5));
        assertEquals(ExecutionStatus.SUCCEEDED, done.status());
        JsonNode out = JSON.readTree(done.output());
        assertEquals(rows, out.get("rows").asLong());
        assertEquals(3, out.get("parts").size());
        assertEquals(rows, out.get("profiles_found").asLong());

        var data = new ByteArrayOutputStream();
        for (var u : uploadsInRowOrder(out)) {
            assertTrue(u.size() <= 50_000_000L, "part of " + u.size() + " bytes");
            assertArrayEquals(HEADER, Arrays.copyOf(u.bytes(), HEADER.length), "each part starts with the header");
            data.write(u.bytes(), HEADER.length, u.bytes().length - HEADER.length);
        }
        byte[] source = Files.readAllBytes(file);
        assertArrayEquals(
                Arrays.copyOfRange(source, HEADER.length, source.length),
                data.toByteArray(),
                "the parts' records are the source's records, in order, each once");
    }

    @Test
    void aFileThatIsNotUtf8FailsBeforeAnyImportNamingTheLine() {
        int before = sim.importsRequested();
        byte[] latin1 = "email-address,city\na@example.com,Malm\u00f6\n".getBytes(StandardCharsets.ISO_8859_1);
        String execution = cloud.drop("inbox/latin1.csv", latin1).execution();

        var done = cloud.await(execution, Duration.ofSeconds(180));
        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("CsvEncoding", done.error());
        assertTrue(done.cause().contains("UTF-8") && done.cause().contains("2"), done.cause());
        assertEquals(before, sim.importsRequested());
    }

    /** The uploads in the order of the report's parts (matched by import id). */
    private static List<ApsisSimulator.Upload> uploadsInRowOrder(JsonNode out) {
        return java.util.stream.StreamSupport.stream(out.get("parts").spliterator(), false)
                .sorted(Comparator.comparingLong(p -> p.get("first_row").asLong()))
                .map(p -> sim.importState(p.get("import_id").asText())
                        .orElseThrow()
                        .upload())
                .toList();
    }

    /** Rows with quoted fields holding CRLF, LF, doubled quotes and multi-byte UTF-8. */
    private static long writeCsv(Path file, long approxBytes) throws IOException {
        long rows = 0;
        long written = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(HEADER);
            written += HEADER.length;
            while (written < approxBytes) {
                String row = "user" + rows + "@example.com,\"Åsa \"\"Ace\"\" Öberg\",\"line one\r\nline two\nline "
                        + (rows % 97) + " with ümlauts, commas\"\r\n";
                byte[] b = row.getBytes(StandardCharsets.UTF_8);
                out.write(b);
                written += b.length;
                rows++;
            }
        }
        return rows;
    }
}
