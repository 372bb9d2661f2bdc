package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end tests of dry runs on the local cloud: a key under validate/ (routed as the same file
// under inbox/) or a route with "dryRun": true is checked as its import would be (route, section,
// columns found and missing, encoding, delimiter, rows, the parts with their byte ranges, the problems
// with rows and byte offsets), reported under the drop's own names and moved to archive/ or failed/,
// and never reaches APSIS or takes a slot. Parts are at most 2,048 bytes here, so a small file splits.
@LocalCloudTest
class DryRunEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final long MAX_PART_BYTES = 2048;

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(
                    ApsisSimulator.Config.defaults().processing(Duration.ofMillis(300)))
            .options(o -> o.withMaxPartBytes(MAX_PART_BYTES))
            .routes("""
        {"routes": [
          {"name": "trial", "match": "inbox/trial/*.csv", "section": "com.apsis1.sections.trial", "dryRun": true,
           "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                           "field_selector": "email-address"}}},
          {"name": "crm", "match": "inbox/crm/**", "section": "com.apsis1.sections.crm",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                           "field_selector": "email-address"},
                      "attribute_mappings": [{"field_selector": "first-name", "attribute_version_id": "1"}]}}
        ]}""");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;
    private int importsBefore;
    private int tokensBefore;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @BeforeEach
    void count() {
        importsBefore = sim.importsRequested();
        tokensBefore = sim.tokenRequests();
    }

    private void assertApsisNeverCalled() {
        assertEquals(importsBefore, sim.importsRequested(), "a dry run requested an import");
        assertEquals(tokensBefore, sim.tokenRequests(), "a dry run asked APSIS for a token");
        assertTrue(cloud.slots().stream().allMatch(s -> s.ownerId() == null), "a dry run took an import slot");
    }

    @Test
    void aGoodFileIsValidatedReportedAndArchivedWithoutReachingApsis() throws IOException {
        String key = "validate/crm/profiles.csv";
        String execution = cloud.drop(key, csv(3)).execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), done::cause);
        JsonNode out = JSON.readTree(done.output());
        JsonNode report = env.json(cloud.dropNames(execution).report(true));
        for (JsonNode r : List.of(out, report)) {
            assertEquals("VALIDATED", r.get("status").asText());
            assertTrue(r.get("dry_run").asBoolean());
            assertEquals("inbox/crm/profiles.csv", r.get("routed_as").asText());
            assertEquals("crm", r.get("route").asText());
            assertEquals("com.apsis1.sections.crm", r.get("section").asText());
            assertEquals(
                    "email-address",
                    r.at("/import/keyspace_mapping/field_selector").asText());
            assertEquals(List.of("email-address", "first-name"), strings(r.at("/columns/found")));
            assertEquals(List.of(), strings(r.at("/columns/missing")));
            assertEquals(List.of("email-address", "first-name", "notes"), strings(r.at("/columns/header")));
            assertEquals("UTF-8", r.get("encoding").asText());
            assertEquals(",", r.get("delimiter").asText());
            assertEquals(3, r.get("rows").asLong());
            assertEquals(1, r.get("parts").size());
            assertEquals(csv(3).length, r.at("/parts/0/byte_end").asLong());
            assertEquals(List.of(), strings(r.get("problems")));
        }
        assertEquals(cloud.dropNames(execution).archived(), out.get("moved_to").asText());
        assertTrue(env.exists(cloud.dropNames(execution).archived()));
        assertFalse(env.exists(key), "the checked file left validate/");
        assertApsisNeverCalled();
        assertTrue(
                cloud.history(execution).stream()
                        .noneMatch(e -> e.stateEnteredEventDetails() != null
                                && e.stateEnteredEventDetails().name().equals("Import each part")),
                "no import step ran");
    }

    @Test
    void aFileLackingColumnsFailsNamingWhatIsMissingAndFound() throws IOException {
        String execution = cloud.drop(
                        "validate/crm/partial.csv",
                        "email,first-name\na@example.com,A\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);
        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("CsvMissingColumns", done.error());
        assertTrue(done.cause().contains("'email-address'"), done.cause());
        JsonNode report = env.json(cloud.dropNames(execution).report(false));
        assertEquals("FAILED", report.get("status").asText());
        assertEquals(List.of("email-address"), strings(report.at("/columns/missing")));
        assertEquals(List.of("first-name"), strings(report.at("/columns/found")));
        assertEquals("CsvMissingColumns", report.at("/problems/0/error").asText());
        assertEquals(0, report.at("/problems/0/row").asLong(), "the header");
        assertEquals(1, report.get("rows").asLong(), "the rest of the file was still checked");
        assertTrue(env.exists(cloud.dropNames(execution).failed()));
        assertApsisNeverCalled();
    }

    @Test
    void aLatin1FileFailsWhereItStopsBeingUtf8() throws IOException {
        byte[] latin1 = "email-address,first-name,notes\na@example.com,Ann,ok\nb@example.com,Ren\u00e9e,caf\u00e9\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        String execution = cloud.drop("validate/crm/latin1.csv", latin1).execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);
        assertEquals("CsvEncoding", done.error());
        JsonNode report = env.json(cloud.dropNames(execution).report(false));
        assertTrue(report.get("encoding").asText().startsWith("not UTF-8 (looks like Windows-1252"), report.toString());
        JsonNode problem = report.at("/problems/0");
        assertEquals("CsvEncoding", problem.get("error").asText());
        assertEquals(2, problem.get("row").asLong());
        assertEquals(3, problem.get("line").asLong());
        int offset = new String(latin1, StandardCharsets.ISO_8859_1).indexOf('\u00e9');
        assertEquals(offset, problem.get("byte_offset").asLong());
        assertEquals(
                List.of("email-address", "first-name"),
                strings(report.at("/columns/found")),
                "the header was read before the data failed");
        assertApsisNeverCalled();
    }

    @Test
    void aFileFailingSeveralChecksReportsEach() throws IOException {
        byte[] both = "email,name\nx@example.com,Ren\u00e9e\n".getBytes(StandardCharsets.ISO_8859_1);
        String execution = cloud.drop("validate/crm/both.csv", both).execution();
        assertEquals(ExecutionStatus.FAILED, cloud.await(execution, DEADLINE).status());
        JsonNode report = env.json(cloud.dropNames(execution).report(false));
        assertEquals(
                List.of("CsvMissingColumns", "CsvEncoding"),
                report.get("problems").findValuesAsText("error"),
                report.toString());
    }

    @Test
    void aFileThatWouldBeSplitListsItsPartsWithByteRanges() throws IOException {
        byte[] csv = csv(60); // about 3 KB: parts of at most 2,048 bytes, header included
        String execution = cloud.drop("validate/crm/big.csv", csv).execution();
        assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(execution, DEADLINE).status());
        JsonNode report = env.json(cloud.dropNames(execution).report(true));
        JsonNode parts = report.get("parts");
        assertTrue(parts.size() >= 2, report.toString());
        long header = new String(csv, StandardCharsets.UTF_8).indexOf('\n') + 1;
        long expectStart = header;
        long rows = 0;
        for (int i = 0; i < parts.size(); i++) {
            JsonNode p = parts.get(i);
            assertEquals(i + 1, p.get("part").asInt());
            assertEquals(expectStart, p.get("byte_start").asLong(), "parts are contiguous");
            assertEquals(
                    header + p.get("byte_end").asLong() - p.get("byte_start").asLong(),
                    p.get("bytes").asLong());
            assertTrue(p.get("bytes").asLong() <= MAX_PART_BYTES);
            assertEquals(rows + 1, p.get("first_row").asLong());
            rows += p.get("rows").asLong();
            expectStart = p.get("byte_end").asLong();
        }
        assertEquals(csv.length, expectStart);
        assertEquals(60, rows);
        assertApsisNeverCalled();
    }

    @Test
    void aRouteWithDryRunOnlyChecksItsFiles() throws IOException {
        String key = "inbox/trial/profiles.csv";
        String execution = cloud.drop(key, csv(2)).execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), done::cause);
        JsonNode out = JSON.readTree(done.output());
        assertEquals("VALIDATED", out.get("status").asText());
        assertEquals("trial", out.get("route").asText());
        assertTrue(out.get("why").asText().contains("dryRun"), out.toString());
        assertTrue(env.exists(cloud.dropNames(execution).archived()));
        assertApsisNeverCalled();
    }

    @Test
    void compressedFilesAreCheckedToo() throws IOException {
        String gz = cloud.drop("validate/crm/profiles.csv.gz", gzip(csv(5))).execution();
        String zip = cloud.drop("validate/crm/profiles.zip", zip("profiles.csv", csv(7)))
                .execution();
        for (var e : List.of(gz, zip)) {
            assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(e, DEADLINE).status(), e);
        }
        JsonNode g = env.json(cloud.dropNames(gz).report(true));
        assertEquals(5, g.get("rows").asLong());
        assertEquals("gzip", g.at("/compressed/format").asText());
        assertEquals(csv(5).length, g.at("/compressed/decompressed_bytes").asLong());
        JsonNode z = env.json(cloud.dropNames(zip).report(true));
        assertEquals(7, z.get("rows").asLong());
        assertEquals("profiles.csv", z.at("/compressed/entry").asText());
        assertFalse(
                cloud.s3()
                                .listObjectsV2(b -> b.bucket(cloud.bucket()).prefix("work/"))
                                .hasContents()
                        && !cloud.s3()
                                .listObjectsV2(b -> b.bucket(cloud.bucket()).prefix("work/"))
                                .contents()
                                .isEmpty(),
                "a dry run writes no work object");
        assertApsisNeverCalled();
    }

    @Test
    void localImportDryRunPrintsValidatedOrFailed(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.csv");
        Files.write(good, "email-address,name\na@example.com,A\nb@example.com,B\n".getBytes(StandardCharsets.UTF_8));
        Path bad = dir.resolve("bad.csv");
        Files.write(bad, "mail,name\na@example.com,A\n".getBytes(StandardCharsets.UTF_8));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = LocalImport.run(
                LocalImport.parse(new String[] {"--dry-run", good.toString(), bad.toString()}),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        List<JsonNode> lines = out.toString(StandardCharsets.UTF_8)
                .lines()
                .map(DryRunEndToEndTest::json)
                .toList();
        assertEquals(1, exit, "not every file would import: " + lines + err.toString(StandardCharsets.UTF_8));
        assertEquals(2, lines.size());
        JsonNode ok = lines.get(0);
        assertEquals("validate/good.csv", ok.get("key").asText());
        assertEquals("VALIDATED", ok.get("status").asText());
        assertEquals(2, ok.get("rows").asLong());
        assertEquals(0, ok.get("imports").size());
        assertTrue(ok.get("error").isNull());
        assertTrue(ok.get("moved_to").asText().startsWith("archive/validate/good."), ok.toString());
        assertTrue(ok.get("report").asText().startsWith("reports/validate/good."), ok.toString());
        JsonNode failed = lines.get(1);
        assertEquals("FAILED", failed.get("status").asText());
        assertTrue(failed.get("error").asText().startsWith("CsvMissingColumns: "), failed.toString());
        assertTrue(failed.get("moved_to").asText().startsWith("failed/validate/bad."), failed.toString());
        // stderr says what was found, file by file
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(
                said.contains(
                        "validate/good.csv: checked as inbox/good.csv: route demo, UTF-8, delimiter ',', 2 row(s), 1 part(s)"),
                said);
        assertTrue(
                said.contains(
                        "validate/bad.csv: checked as inbox/bad.csv: route demo, UTF-8, delimiter ',', 1 row(s), 1 part(s), "
                                + "missing column(s) [\"email-address\"]; 1 problem(s), the first: CsvMissingColumns"),
                said);
        // the JSON line's fields, as today
        assertEquals(
                List.of(
                        "key",
                        "status",
                        "imports",
                        "rows",
                        "profiles_found",
                        "profiles_processed",
                        "profiles_failed",
                        "error",
                        "moved_to",
                        "report",
                        "execution_arn"),
                fields(ok));
    }

    // ---------------------------------------------------------------------------------------------

    static byte[] csv(int rows) {
        var b = new StringBuilder("email-address,first-name,notes\n");
        for (int i = 0; i < rows; i++) {
            b.append("user").append(i).append("@example.com,Name ").append(i).append(",\"a note, quoted\"\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> strings(JsonNode array) {
        var out = new java.util.ArrayList<String>();
        array.forEach(n -> out.add(n.isTextual() ? n.asText() : n.toString()));
        return out;
    }

    private static List<String> fields(JsonNode o) {
        var out = new java.util.ArrayList<String>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] data) {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] zip(String name, byte[] data) {
        var out = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(data);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
