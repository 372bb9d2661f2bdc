package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end test on the local cloud with small parts: when one part of a split file fails, the
// others are still imported, the file goes to failed/, and the report says exactly which rows and
// bytes were not imported (so they can be re-dropped alone).
@LocalCloudTest
class PartialFailureEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(
                    ApsisSimulator.Config.defaults().processing(Duration.ofMillis(500)))
            .options(o -> o.withMaxPartBytes(4096))
            .defaultRoutes("inbox/");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void aFailedPartIsReportedWithItsRowsAndBytesWhileTheOthersAreImported() throws IOException {
        var csv = new ByteArrayOutputStream();
        csv.write("email-address,name\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 1; i <= 300; i++) {
            csv.write(("user" + i + "@example.com,\"Name " + i + "\"\n").getBytes(StandardCharsets.UTF_8));
        }
        // One of the parts' uploads is refused by S3 (which one depends on who uploads first).
        sim.faults()
                .on(Endpoint.UPLOAD)
                .next()
                .respond(403, "<Error><Code>AccessDenied</Code><Message>Invalid according to Policy</Message></Error>");
        String key = "inbox/split.csv";
        String execution = cloud.drop(key, csv.toByteArray()).execution();

        var done = cloud.await(execution, Duration.ofSeconds(120));
        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("UploadRejected", done.error());
        JsonNode report = JSON.readTree(cloud.s3()
                .getObjectAsBytes(b ->
                        b.bucket(cloud.bucket()).key(cloud.dropNames(execution).report(false)))
                .asByteArray());
        List<JsonNode> parts = new ArrayList<>();
        report.get("parts").forEach(parts::add);
        assertTrue(parts.size() >= 3, "split into several parts: " + parts.size());
        List<JsonNode> failed = parts.stream()
                .filter(p -> !"completed".equals(p.get("status").asText()))
                .toList();
        assertEquals(1, failed.size(), report.toPrettyString());
        JsonNode bad = failed.get(0);
        assertEquals("Upload file", bad.get("failed_step").asText());
        String where = "part " + bad.get("part").asInt() + "/" + parts.size() + " (rows "
                + bad.get("first_row").asLong()
                + "-" + bad.get("last_row").asLong() + ", bytes "
                + bad.get("byte_start").asLong() + "-"
                + bad.get("byte_end").asLong() + ")";
        assertTrue(
                done.cause().startsWith("1 of " + parts.size() + " parts of " + key + " were not imported: " + where),
                done.cause());
        long imported = StreamSupport.stream(report.get("parts").spliterator(), false)
                .filter(p -> "completed".equals(p.get("status").asText()))
                .mapToLong(p -> p.get("rows").asLong())
                .sum();
        assertEquals(300 - bad.get("rows").asLong(), imported, "every other row was imported");
        assertEquals(imported, report.get("profiles_found").asLong());
        assertEquals(
                cloud.dropNames(execution).failed(),
                cloud.s3()
                        .listObjectsV2(b -> b.bucket(cloud.bucket()).prefix("failed/inbox/split."))
                        .contents()
                        .get(0)
                        .key());
    }
}
