package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.source.WorkObjects;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests of compressed drops on the local cloud: .csv.gz (also multi-member) and .zip
// files routed by the key as dropped, decompressed once into work/ by "Resolve route and check the
// file", imported from there in parts like a plain CSV, reported with both sizes; damaged,
// mislabelled, many-file and bomb archives fail before any import. Every execution leaves no work
// object and no multipart upload behind, also one stopped by hand (the reaper removes its work
// object, told which by the status-change event's input). Parts are at most 4,000,000 bytes here,
// so that a 10 MB CSV needs three.
@LocalCloudTest
class CompressedFilesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final long MAX_PART_BYTES = 4_000_000L;
    private static final String HEADER = "email-address,name,notes\r\n";

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(ApsisSimulator.Config.defaults()
                    .processing(Duration.ofMillis(300))
                    .keepUploads(true))
            .options(o -> o.withMaxPartBytes(MAX_PART_BYTES));

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
        String spec = """
        {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email", "field_selector": "email-address"}}""";
        cloud.putRoutes("""
        {"routes": [
          {"name": "crm-gzip", "match": "inbox/crm/*.csv.gz", "section": "com.apsis1.sections.crm", "import": %s},
          {"name": "crm-zip", "match": "inbox/crm/*.zip", "section": "com.apsis1.sections.crm", "import": %s},
          {"name": "other", "match": "inbox/**", "section": "com.apsis1.sections.default", "import": %s}
        ]}""".formatted(spec, spec, spec));
    }

    @AfterEach
    void noWorkUploadIsLeftOpen() {
        assertEquals(
                List.of(),
                cloud.s3()
                        .listMultipartUploads(b -> b.bucket(cloud.bucket()).prefix(WorkObjects.PREFIX))
                        .uploads());
    }

    @Test
    void aGzipIsRoutedByItsDroppedNameAndImportedAsItsCsv() throws IOException {
        byte[] csv = csv(3);
        byte[] gz = gzip(csv);
        String key = "inbox/crm/profiles.csv.gz";
        String execution = cloud.drop(key, gz).execution();
        JsonNode out = succeeded(execution);

        assertEquals("crm-gzip", out.get("route").asText());
        assertEquals(3, out.get("rows").asLong());
        assertEquals(csv.length, out.get("bytes").asLong());
        JsonNode compressed = out.get("compressed");
        assertEquals("gzip", compressed.get("format").asText());
        assertEquals(gz.length, compressed.get("compressed_bytes").asLong());
        assertEquals(csv.length, compressed.get("decompressed_bytes").asLong());
        var upload = upload(out, 0);
        assertArrayEquals(csv, upload.bytes(), "APSIS receives the CSV, not the gzip");
        assertTrue(
                upload.partHeadersOfFile().toString().contains("filename=\"profiles.csv\""),
                "named as the CSV inside: " + upload.partHeadersOfFile());
        assertArrayEquals(gz, env.bytes(cloud.dropNames(execution).archived()), "archived as dropped");
        assertTrue(cloud.dropNames(execution).archived().endsWith(".csv.gz"), "archived under its double extension");
        JsonNode report = JSON.readTree(env.bytes(cloud.dropNames(execution).report(true)));
        assertEquals(gz.length, report.at("/compressed/compressed_bytes").asLong());
        assertFalse(env.exists(key));
        assertNoWorkObject(execution, key);
    }

    @Test
    void aStoppedExecutionsWorkObjectIsRemovedByTheReaperFromTheEventsInput() throws IOException {
        // Stopped after "Resolve route and check the file" wrote the work object, before FinishImport (which
        // removes it on every other path) could run: only the reaper, reading the file's bucket and key
        // from the status-change event's detail.input, knows which object to remove.
        String key = "inbox/crm/stopped.csv.gz";
        String execution;
        try (var preflight = cloud.lambda().hold("PreflightFileFunction", key)) {
            execution = cloud.drop(key, gzip(csv(3))).execution();
            preflight.awaitHeld(DEADLINE);
            String work = WorkObjects.keyFor(execution, key);
            assertTrue(env.exists(work), "preflight wrote " + work);
            cloud.sfn().stopExecution(b -> b.executionArn(execution));
        }
        DescribeExecutionResponse stopped = cloud.await(execution, DEADLINE);
        assertEquals(ExecutionStatus.ABORTED, stopped.status(), () -> stopped.error() + ": " + stopped.cause());

        cloud.awaitReaped(execution, DEADLINE);
        assertNoWorkObject(execution, key);
        assertTrue(env.exists(key), "a stopped execution leaves the dropped file where it was");
        assertEquals(0, cloud.partExecutions(execution).size(), "no part was started");
    }

    @Test
    void aZipWithOneCsvIsImportedAsItsCsv() throws IOException {
        byte[] csv = csv(5);
        byte[] zip =
                zip("export/", new byte[0], "export/profiles.csv", csv, "__MACOSX/export/._profiles.csv", new byte[4]);
        String key = "inbox/crm/profiles.zip";
        String execution = cloud.drop(key, zip).execution();
        JsonNode out = succeeded(execution);

        assertEquals("crm-zip", out.get("route").asText());
        assertEquals(5, out.get("profiles_found").asLong());
        assertEquals("zip", out.at("/compressed/format").asText());
        assertEquals("export/profiles.csv", out.at("/compressed/entry").asText());
        assertEquals(zip.length, out.at("/compressed/compressed_bytes").asLong());
        assertArrayEquals(csv, upload(out, 0).bytes());
        assertTrue(env.exists(cloud.dropNames(execution).archived()));
        assertNoWorkObject(execution, key);
    }

    @Test
    void aGzipWhoseCsvNeedsThreePartsIsImportedWithEveryRecordIntact() throws IOException {
        byte[] csv = csv(140_000); // about 10 MB: three parts of at most 4,000,000 bytes
        String key = "inbox/crm/big.csv.gz";
        String execution = cloud.drop(key, gzip(csv)).execution();
        JsonNode out = succeeded(execution);

        assertEquals(3, out.get("parts").size());
        assertEquals(140_000, out.get("profiles_found").asLong());
        var records = new ByteArrayOutputStream();
        byte[] header = HEADER.getBytes(StandardCharsets.UTF_8);
        List<JsonNode> parts = StreamSupport.stream(out.get("parts").spliterator(), false)
                .sorted(Comparator.comparingLong(p -> p.get("first_row").asLong()))
                .toList();
        for (int i = 0; i < parts.size(); i++) {
            var u = sim.importState(parts.get(i).get("import_id").asText())
                    .orElseThrow()
                    .upload();
            assertTrue(u.size() <= MAX_PART_BYTES, "part of " + u.size() + " bytes");
            assertArrayEquals(header, Arrays.copyOf(u.bytes(), header.length), "each part starts with the header");
            assertTrue(
                    u.partHeadersOfFile().toString().contains("big.part-" + (i + 1) + "-of-3.csv"),
                    u.partHeadersOfFile().toString());
            records.write(u.bytes(), header.length, u.bytes().length - header.length);
        }
        assertArrayEquals(
                Arrays.copyOfRange(csv, header.length, csv.length),
                records.toByteArray(),
                "the parts' records are the CSV's, in order, each once");
        assertNoWorkObject(execution, key);
    }

    @Test
    void everyMemberOfAMultiMemberGzipIsImported() throws IOException {
        byte[] first = csv(40);
        byte[] rest = Arrays.copyOfRange(csv(100), HEADER.length(), csv(100).length); // rows only
        byte[] members = concat(gzip(first), gzip(rest));
        String execution = cloud.drop("inbox/crm/members.csv.gz", members).execution();
        JsonNode out = succeeded(execution);

        assertEquals(140, out.get("rows").asLong());
        assertEquals(140, out.get("profiles_found").asLong());
        assertArrayEquals(concat(first, rest), upload(out, 0).bytes());
    }

    @Test
    void aTruncatedGzipFailsBeforeAnyImportNamingTheOffset() throws IOException {
        byte[] gz = gzip(csv(2000));
        byte[] truncated = Arrays.copyOf(gz, gz.length * 2 / 3);
        String key = "inbox/crm/cut.csv.gz";
        DescribeExecutionResponse done = failsBeforeAnyImport(key, truncated, "ArchiveCorrupt");
        assertTrue(done.cause().startsWith(key + ": "), done.cause());
        assertTrue(
                done.cause().contains("truncated") && done.cause().contains("compressed byte " + truncated.length),
                done.cause());
        JsonNode report =
                JSON.readTree(env.bytes(cloud.dropNames(done.executionArn()).report(false)));
        assertEquals(
                "Resolve route and check the file", report.get("failed_step").asText());
        assertArrayEquals(
                truncated, env.bytes(cloud.dropNames(done.executionArn()).failed()));
        assertNoWorkObject(done.executionArn(), key);
    }

    @Test
    void aZipWithTwoEntriesFailsNamingBoth() {
        byte[] zip = zip("profiles.csv", csv(10), "notes.txt", "keep".getBytes(StandardCharsets.UTF_8));
        DescribeExecutionResponse done = failsBeforeAnyImport("inbox/crm/two.zip", zip, "ArchiveContents");
        assertTrue(done.cause().contains("profiles.csv") && done.cause().contains("notes.txt (4 bytes)"), done.cause());
    }

    @Test
    void zipAndGzipBombsAreRefusedBeforeAnyImport() throws IOException {
        var rows = new ByteArrayOutputStream();
        rows.writeBytes(HEADER.getBytes(StandardCharsets.UTF_8));
        byte[] row = "bomb@example.com,Bomb,\"same row again\"\r\n".getBytes(StandardCharsets.UTF_8);
        while (rows.size() < 60_000_000) {
            rows.write(row);
        }
        byte[] csv = rows.toByteArray();
        byte[] zip = zip("bomb.csv", csv);
        assertTrue(zip.length * 100L < csv.length, "a bomb: " + zip.length + " bytes");
        DescribeExecutionResponse z = failsBeforeAnyImport("inbox/crm/bomb.zip", zip, "ArchiveTooLarge");
        assertTrue(z.cause().contains("MaxCompressionRatio") && z.cause().contains("says it expands"), z.cause());

        DescribeExecutionResponse g = failsBeforeAnyImport("inbox/crm/bomb.csv.gz", gzip(csv), "ArchiveTooLarge");
        assertTrue(g.cause().contains("MaxCompressionRatio") && g.cause().contains("expands to more than"), g.cause());
        assertNoWorkObject(g.executionArn(), "inbox/crm/bomb.csv.gz");
    }

    @Test
    void aCompressedFileUnderAPlainNameIsRefusedSayingHowToNameIt() {
        DescribeExecutionResponse done =
                failsBeforeAnyImport("inbox/other/profiles.csv", gzip(csv(3)), "ArchiveFormat");
        assertTrue(done.cause().contains("profiles.csv.gz"), done.cause());
    }

    @Test
    void localImportTakesGzipAndZipFilesLikeAnyOther(@TempDir Path dir) throws IOException {
        Path gz = dir.resolve("profiles.csv.gz");
        Files.write(gz, gzip(csv(4)));
        Path zip = dir.resolve("profiles.zip");
        Files.write(zip, zip("profiles.csv", csv(6)));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = LocalImport.run(
                LocalImport.parse(new String[] {"--poll-interval", "1", gz.toString(), zip.toString()}),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String lines = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, lines + err.toString(StandardCharsets.UTF_8));
        List<JsonNode> results =
                lines.lines().map(CompressedFilesEndToEndTest::json).toList();
        assertEquals("inbox/profiles.csv.gz", results.get(0).get("key").asText());
        assertEquals(4, results.get(0).get("rows").asLong());
        assertEquals("inbox/profiles.zip", results.get(1).get("key").asText());
        assertEquals(6, results.get(1).get("profiles_found").asLong());
        // Each file's EventBridge event, as the local bus delivered it, on stderr (stdout keeps its JSON lines).
        String progress = err.toString(StandardCharsets.UTF_8);
        assertTrue(
                progress.contains(
                        "inbox/profiles.csv.gz ▸ EventBridge (bus default): \"Import Succeeded\" 4 rows in 1 part(s)"),
                progress);
        assertTrue(
                progress.contains(
                        "inbox/profiles.zip ▸ EventBridge (bus default): \"Import Succeeded\" 6 rows in 1 part(s)"),
                progress);
    }

    // --- helpers

    private static JsonNode succeeded(String execution) throws IOException {
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), () -> done.error() + ": " + done.cause());
        return JSON.readTree(done.output());
    }

    private static DescribeExecutionResponse failsBeforeAnyImport(String key, byte[] content, String error) {
        int before = sim.importsRequested();
        String execution = cloud.drop(key, content).execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);
        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals(error, done.error(), done.cause());
        assertEquals(before, sim.importsRequested(), "no import was requested");
        assertTrue(env.exists(cloud.dropNames(execution).failed()));
        return done;
    }

    private static ApsisSimulator.Upload upload(JsonNode out, int index) {
        return sim.importState(out.get("imports").get(index).asText())
                .orElseThrow()
                .upload();
    }

    private static void assertNoWorkObject(String execution, String key) {
        String work = WorkObjects.keyFor(execution, key);
        assertFalse(env.exists(work), work + " was left behind");
    }

    /** The header, then {@code rows} records with quoted notes holding line breaks and non-ASCII letters. */
    static byte[] csv(int rows) {
        var sb = new StringBuilder(HEADER);
        for (int i = 0; i < rows; i++) {
            sb.append("user")
                    .append(i)
                    .append("@example.com,\"Åsa \"\"A\"\" Öberg\",\"line one\r\nline ")
                    .append(i % 97)
                    .append(", ümlauts\"\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] gzip(byte[] data) {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out, 1 << 16)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** name, content, name, content…; a name ending in / is a folder. */
    static byte[] zip(Object... entries) {
        var out = new ByteArrayOutputStream();
        try (var z = new ZipOutputStream(out)) {
            for (int i = 0; i < entries.length; i += 2) {
                z.putNextEntry(new ZipEntry((String) entries[i]));
                z.write((byte[]) entries[i + 1]);
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
