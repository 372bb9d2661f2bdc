package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.dryrun.DryRun;
import io.apsisimport.dryrun.DryRunKeys;
import io.apsisimport.dryrun.DryRunReport;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.landing.DropNames;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.local.MotoServer;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.source.ExpansionLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

// Tests of ValidateFile (a dry run) against moto's S3, without the state machine: a good file is
// VALIDATED with its encoding, delimiter, rows and parts, archived and reported; a file lacking the
// mapping's columns, a Latin-1 file and a file failing both are FAILED with every problem and where
// it is, and moved to failed/, as is a file without a route (scanned all the same); a key under
// validate/ is routed as the same file under inbox/. Parts are at most 64 bytes here, so a small file
// splits. (DryRunEndToEndTest runs the same on the local cloud, through the state machine.)
@io.apsisimport.local.LocalCloudTest
class ValidateFileHandlerTest {
    private static final String EXEC =
            "arn:aws:states:eu-west-1:123456789012:execution:stack-import:x_csv-0011223344556677";
    private static final String STARTED = "2026-11-28T10:00:01.123Z";
    private static final long MAX_PART_BYTES = 64;
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static MotoServer moto;
    private static S3Client s3;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(0);
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void aGoodFileIsValidatedWithWhatAnImportWouldUseAndArchived() throws IOException {
        var drop = drop("validate/crm/good.csv", csv(6).getBytes(StandardCharsets.UTF_8));
        DryRunReport out = handler().handle(input(drop), null);
        assertEquals("VALIDATED", out.status());
        assertEquals("inbox/crm/good.csv", out.routedAs());
        assertEquals("crm", out.route());
        assertEquals("com.apsis1.sections.crm", out.section());
        assertEquals("UTF-8", out.encoding());
        assertEquals(",", out.delimiter());
        assertEquals(6L, out.rows());
        assertEquals(
                List.of("email-address", "first-name"),
                out.columns().required().stream().sorted().toList());
        assertEquals(List.of(), out.columns().missing());
        assertEquals(List.of(), out.problems());
        assertNull(out.error());
        assertEquals(List.of(), out.imports(), "nothing reached APSIS");

        // Parts as an import would cut them: consecutive byte ranges covering every data row.
        assertTrue(out.parts().size() > 1, "a file over MAX_PART_BYTES would be split: " + out.parts());
        assertEquals(1, out.parts().get(0).firstRow());
        assertEquals(6, out.parts().get(out.parts().size() - 1).lastRow());
        for (int i = 1; i < out.parts().size(); i++) {
            assertEquals(out.parts().get(i - 1).byteEnd(), out.parts().get(i).byteStart());
            assertEquals(
                    out.parts().get(i - 1).lastRow() + 1, out.parts().get(i).firstRow());
        }
        assertTrue(
                out.parts().stream().allMatch(p -> p.bytes() <= MAX_PART_BYTES),
                out.parts().toString());

        var names = DropNames.of(drop.key(), drop.eventTime(), STARTED, EXEC);
        assertEquals(names.archived(), out.movedTo());
        assertTrue(out.movedTo().startsWith("archive/validate/crm/good."), out.movedTo());
        assertThrows(NoSuchKeyException.class, () -> bytes(drop.bucket(), drop.key()));
        JsonNode report = JsonHandler.JSON.readTree(bytes(drop.bucket(), out.report()));
        assertEquals("VALIDATED", report.get("status").asText());
        assertTrue(report.get("dry_run").asBoolean());
        assertEquals(out.parts().size(), report.get("parts").size());
    }

    @Test
    void aFileLackingColumnsFailsNamingWhatIsMissingAndFound() throws IOException {
        var drop = drop(
                "validate/crm/lacking.csv", "email-address,name\na@example.com,A\n".getBytes(StandardCharsets.UTF_8));
        DryRunReport out = handler().handle(input(drop), null);
        assertEquals("FAILED", out.status());
        assertEquals("CsvMissingColumns", out.error());
        assertEquals(List.of("first-name"), out.columns().missing());
        assertEquals(List.of("email-address"), out.columns().found());
        assertEquals(List.of("email-address", "name"), out.columns().header());
        assertEquals(1L, out.rows(), "the scan went on: rows are known");
        assertTrue(out.movedTo().startsWith("failed/validate/crm/lacking."), out.movedTo());
        assertTrue(out.report().endsWith(".error.json"), out.report());
    }

    @Test
    void aLatin1FileFailsWhereItStopsBeingUtf8AndAlsoReportsMissingColumns() throws IOException {
        byte[] latin1 =
                "email-address;nom\na@example.com;A\nb@example.com;Andr\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        var drop = drop("validate/crm/latin1.csv", latin1);
        DryRunReport out = handler().handle(input(drop), null);
        assertEquals("FAILED", out.status());
        assertTrue(out.encoding().startsWith("not UTF-8"), out.encoding());
        assertEquals(";", out.delimiter());
        assertEquals(
                List.of("CsvMissingColumns", "CsvEncoding"),
                out.problems().stream().map(p -> p.error()).toList());
        var encoding = out.problems().get(1);
        assertEquals(2L, encoding.row());
        assertEquals(3L, encoding.line());
        long offset = "email-address;nom\na@example.com;A\nb@example.com;Andr".length();
        assertEquals(offset, encoding.byteOffset());
        assertNull(out.rows(), "the scan stopped at the first encoding problem");
        assertTrue(out.cause().contains("and 1 more problem(s)"), out.cause());
    }

    @Test
    void aKeyWithoutARouteFailsWithNoRouteForKey() throws IOException {
        var drop = drop("validate/nowhere/x.csv", csv(1).getBytes(StandardCharsets.UTF_8));
        DryRunReport out = handler().handle(input(drop), null);
        assertEquals("FAILED", out.status());
        assertEquals("NoRouteForKey", out.error());
        assertNull(out.route());
        assertEquals(1L, out.rows(), "the file is scanned all the same: its encoding, delimiter and rows are reported");
        assertEquals("UTF-8", out.encoding());
    }

    // --- helpers

    private static String csv(int rows) {
        var b = new StringBuilder("email-address,first-name\n");
        for (int i = 0; i < rows; i++) {
            b.append("user").append(i).append("@example.com,Name ").append(i).append('\n');
        }
        return b.toString();
    }

    private static ValidateFileHandler handler() {
        return new ValidateFileHandler(
                s3,
                new DryRun(s3, new RoutesSource(s3, "config/routes.json"), MAX_PART_BYTES, ExpansionLimits.DEFAULTS),
                new DryRunKeys("validate/", "inbox/"),
                Clock.fixed(Instant.parse("2026-11-28T10:05:00Z"), ZoneOffset.UTC));
    }

    private static ValidateFileHandler.Input input(DroppedFile drop) {
        return new ValidateFileHandler.Input(drop, EXEC, STARTED, null);
    }

    private static DroppedFile drop(String key, byte[] content) {
        String bucket = "validate-" + BUCKETS.incrementAndGet();
        s3.createBucket(b -> b.bucket(bucket).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        s3.putObject(b -> b.bucket(bucket).key("config/routes.json"), RequestBody.fromString("""
        {"routes": [{"name": "crm", "match": "inbox/crm/**", "section": "com.apsis1.sections.crm",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                          "field_selector": "email-address"},
                     "attribute_mappings": [{"field_selector": "first-name", "attribute_version_id": "1"}]}}]}"""));
        var put = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
        return new DroppedFile(
                bucket, key, put.eTag().replace("\"", ""), null, (long) content.length, "2026-11-28T10:00:00.000Z");
    }

    private static byte[] bytes(String bucket, String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }
}
