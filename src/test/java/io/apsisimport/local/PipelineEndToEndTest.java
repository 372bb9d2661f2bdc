package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import io.apsisimport.slots.SlotView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

// End-to-end tests: the real statemachine/import.asl.json (and import-part.asl.json, one execution
// per part) executed by moto's ASL engine, the real functions in the Lambda Java runtime (RIC under
// RIE, as template.yaml configures them), the APSIS One simulator over loopback HTTP. Assertions on
// execution history, on S3 and on what the simulator received; the functions' logs are under
// target/local-cloud/run-*/logs.
@LocalCloudTest
class PipelineEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final String FORBIDDEN = "com.apsis1.sections.forbidden";
    private static final String FAILING = "com.apsis1.sections.failing";

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(ApsisSimulator.Config.defaults()
            .processing(Duration.ofMillis(1200))
            .uploadUrlLifetime(Duration.ofMinutes(5))
            .forbidSection(FORBIDDEN)
            .failImportsInSection(FAILING)
            .keepUploads(true));

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() throws IOException {
        sim = env.sim();
        cloud = env.cloud();
        JsonNode example = JSON.readTree(Path.of("examples/routes.json").toFile());
        String newsletterSpec = example.get("routes").get(0).get("import").toString();
        String simple = """
        {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email", "field_selector": "email-address"}}""";
        cloud.putRoutes("""
        {"routes": [
          {"name": "newsletter", "match": "inbox/newsletter/**/*.csv", "section": "com.apsis1.sections.default", "import": %s},
          {"name": "forbidden", "match": "inbox/forbidden/*.csv", "section": "%s", "import": %s},
          {"name": "failing", "match": "inbox/failing/*.csv", "section": "%s", "import": %s},
          {"name": "strict", "match": "inbox/strict/*.csv", "section": "com.apsis1.sections.default", "onEmptyFile": "fail", "import": %s}
        ]}""".formatted(newsletterSpec, FORBIDDEN, simple, FAILING, simple, simple));
    }

    @Test
    void theSeedArticleExampleIsImportedAndArchived() throws IOException {
        byte[] csv = Files.readAllBytes(Path.of("examples/profiles.csv"));
        String key = "inbox/newsletter/profiles.csv";
        String execution = cloud.drop(key, csv).execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), () -> describe(execution));
        JsonNode out = JSON.readTree(done.output());
        assertEquals("SUCCEEDED", out.get("status").asText());
        assertEquals(3, out.get("rows").asLong());
        assertEquals(3, out.get("profiles_found").asLong());
        assertEquals(3, out.get("profiles_processed").asLong());
        assertEquals(1, out.get("imports").size());

        String importId = out.get("imports").get(0).asText();
        var state = sim.importState(importId).orElseThrow();
        assertEquals("com.apsis1.sections.default", state.section());
        assertEquals(
                "mens-clothing-shoes",
                state.spec().at("/consent_mappings/0/consents/0/field_selector").asText(),
                "spec passed through as given");
        assertEquals(3, state.upload().records());
        assertEquals(
                new String(csv, StandardCharsets.UTF_8),
                new String(state.upload().bytes(), StandardCharsets.UTF_8));

        assertEquals(
                List.of(
                        "Find the file's route",
                        "Only check the file, or in an ordered feed?",
                        "Resolve route and check the file",
                        "Import each part",
                        "Import part",
                        "Move file and write report",
                        "Announce the file's outcome",
                        "In a feed, or every part imported?",
                        "Imported"),
                distinctStates(execution));
        List<String> parts = cloud.partExecutions(execution);
        assertEquals(1, parts.size());
        assertEquals(
                List.of(
                        "Acquire import slot",
                        "Slot free?",
                        "Request import",
                        "Upload file",
                        "Wait before checking import status",
                        "Check import status",
                        "Import finished?",
                        "Release import slot",
                        "Part imported"),
                distinctStates(parts.get(0)));
        var names = cloud.dropNames(execution);
        assertTrue(
                out.get("moved_to")
                        .asText()
                        .matches("archive/inbox/newsletter/profiles\\.\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.csv"),
                out.toString());
        assertEquals(names.archived(), out.get("moved_to").asText());
        assertTrue(env.exists(names.archived()));
        assertFalse(env.exists(key), "the source is removed once archived");
        assertEquals(names.report(true), out.get("report").asText());
        JsonNode report = env.json(names.report(true));
        assertEquals(importId, report.get("imports").get(0).asText());
        assertEquals(execution, report.get("execution_arn").asText());
        assertNoSlotHeld();
    }

    @Test
    void aSemicolonFileWithBomReachesApsisWithoutTheBom() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String body = "email-address;mens-clothing-shoes;address\r\n\"a@example.com\";1;\"Malm\u00f6\r\nSweden\"\r\n";
        var csv = new java.io.ByteArrayOutputStream();
        csv.write(bom);
        csv.write(body.getBytes(StandardCharsets.UTF_8));
        String execution =
                cloud.drop("inbox/newsletter/bom.csv", csv.toByteArray()).execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.SUCCEEDED, done.status(), () -> describe(execution));
        String importId = JSON.readTree(done.output()).get("imports").get(0).asText();
        var upload = sim.importState(importId).orElseThrow().upload();
        assertEquals(body, new String(upload.bytes(), StandardCharsets.UTF_8), "same bytes, minus the BOM");
        assertEquals(1, upload.records());
    }

    @Test
    void aKeyWithoutRouteFailsBeforeAnyImport() throws IOException {
        int before = sim.importsRequested();
        String key = "inbox/unrouted/x.csv";
        String execution = cloud.drop(key, "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("NoRouteForKey", done.error());
        assertTrue(
                done.cause().startsWith("no route in config/routes.json matches inbox/unrouted/x.csv"), done.cause());
        assertEquals(before, sim.importsRequested());
        assertTrue(env.exists(cloud.dropNames(execution).failed()));
        assertFalse(env.exists(key));
        JsonNode report = env.json(cloud.dropNames(execution).report(false));
        assertEquals(
                "Resolve route and check the file", report.get("failed_step").asText());
        assertEquals("NoRouteForKey", report.get("error").asText());
        assertTrue(report.get("console_url").asText().contains(execution));
    }

    @Test
    void missingColumnsFailBeforeAnyImportNamingThem() throws IOException {
        int before = sim.importsRequested();
        String key = "inbox/newsletter/no-consent-column.csv";
        String execution = cloud.drop(
                        key, "email-address,address\na@example.com,Malmo\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("CsvMissingColumns", done.error());
        assertTrue(done.cause().startsWith(key + ": "), "the cause names the file: " + done.cause());
        assertTrue(done.cause().contains("mens-clothing-shoes"), done.cause());
        assertTrue(done.cause().contains("email-address"), "lists the columns present: " + done.cause());
        assertEquals(before, sim.importsRequested());
        assertTrue(env.exists(cloud.dropNames(execution).failed()));
    }

    @Test
    void aForbiddenMappingFailsWithApsisMessageAndReleasesTheSlot() throws IOException {
        String key = "inbox/forbidden/p.csv";
        String execution = cloud.drop(key, "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("ApsisNotAllowed", done.error(), "a single failed part reports its own error");
        assertTrue(done.cause().contains("403"), done.cause());
        JsonNode report = env.json(cloud.dropNames(execution).report(false));
        assertEquals("Request import", report.get("failed_step").asText());
        assertTrue(env.exists(cloud.dropNames(execution).failed()));
        assertNoSlotHeld();
    }

    @Test
    void aRejectedUploadFailsAndKeepsTheSlotUntilTheUploadUrlExpires() throws IOException {
        sim.faults()
                .on(Endpoint.UPLOAD)
                .next()
                .respond(
                        403,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                                + "<Message>Invalid according to Policy: Policy Condition failed</Message></Error>");
        String key = "inbox/strict/rejected.csv";
        String execution = cloud.drop(key, "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("UploadRejected", done.error());
        assertTrue(done.cause().contains("AccessDenied"), done.cause());
        assertEquals(
                "Upload file",
                env.json(cloud.dropNames(execution).report(false))
                        .get("failed_step")
                        .asText());
        // APSIS still counts the import as pending until its upload URL expires: so does the slot
        // (its owner is the part's execution).
        String part = cloud.partExecutions(execution).get(0);
        List<SlotView> held = cloud.slots().stream()
                .filter(s -> s.ownerId() != null && s.ownerId().startsWith(part))
                .toList();
        assertEquals(1, held.size(), () -> "slots: " + cloud.slots());
        assertNotNull(held.get(0).holdUntil());
    }

    @Test
    void anImportApsisReportsFailedFailsTheExecution() throws IOException {
        String key = "inbox/failing/p.csv";
        String execution = cloud.drop(
                        key, "email-address\na@example.com\nb@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        DescribeExecutionResponse done = cloud.await(execution, DEADLINE);

        assertEquals(ExecutionStatus.FAILED, done.status());
        assertEquals("ImportFailed", done.error());
        assertTrue(done.cause().contains("\"failed\""), done.cause());
        JsonNode report = env.json(cloud.dropNames(execution).report(false));
        assertEquals(1, report.get("imports").size());
        assertEquals("failed", report.get("parts").get(0).get("status").asText());
        assertTrue(env.exists(cloud.dropNames(execution).failed()));
        assertNoSlotHeldBy(execution);
    }

    @Test
    void aDuplicateS3EventStartsNoSecondExecution() {
        String key = "inbox/newsletter/dup.csv";
        var first = cloud.drop(
                key,
                "email-address,mens-clothing-shoes,address\na@example.com,1,Malmo\n".getBytes(StandardCharsets.UTF_8));
        // While the execution runs, StartExecution with the same name and input answers with the same
        // execution (as on AWS); once it has ended, with ExecutionAlreadyExists.
        var whileRunning = cloud.deliverS3Event(key, first.event());
        assertEquals(first.executions(), whileRunning.executions());
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(first.execution(), DEADLINE).status());
        var afterwards = cloud.deliverS3Event(key, first.event());
        assertEquals(List.of(), afterwards.executions());
        assertEquals(List.of(key), afterwards.alreadyHandled());

        long executions =
                cloud
                        .sfn()
                        .listExecutionsPaginator(b -> b.stateMachineArn(cloud.stateMachineArn()))
                        .executions()
                        .stream()
                        .filter(e -> e.executionArn().equals(first.execution()))
                        .count();
        assertEquals(1, executions);
        long imports = sim.imports().stream()
                .filter(i -> i.upload() != null
                        && new String(i.upload().bytes(), StandardCharsets.UTF_8).contains("a@example.com,1,Malmo"))
                .count();
        assertEquals(1, imports);
    }

    @Test
    void aHeaderOnlyFileIsSkippedOrFailedAsItsRouteSays() throws IOException {
        int before = sim.importsRequested();
        String skipped = cloud.drop(
                        "inbox/newsletter/empty.csv",
                        "email-address,mens-clothing-shoes,address\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        String failed = cloud.drop("inbox/strict/empty.csv", "email-address\n".getBytes(StandardCharsets.UTF_8))
                .execution();

        DescribeExecutionResponse s = cloud.await(skipped, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, s.status(), () -> describe(skipped));
        JsonNode out = JSON.readTree(s.output());
        assertEquals(0, out.get("rows").asLong());
        assertEquals(0, out.get("imports").size());

        DescribeExecutionResponse f = cloud.await(failed, DEADLINE);
        assertEquals(ExecutionStatus.FAILED, f.status());
        assertEquals("EmptyFile", f.error());
        assertTrue(f.cause().contains("onEmptyFile=fail"), f.cause());
        assertEquals(before, sim.importsRequested());
    }

    // --- helpers

    private static void assertNoSlotHeld() {
        // A slot held after a rejected upload (another test) may linger until its URL expires.
        List<SlotView> held = cloud.slots().stream()
                .filter(s -> s.ownerId() != null && s.holdUntil() == null)
                .toList();
        assertEquals(List.of(), held);
    }

    private static void assertNoSlotHeldBy(String execution) {
        List<String> parts = cloud.partExecutions(execution);
        assertEquals(
                List.of(),
                cloud.slots().stream()
                        .filter(s -> s.ownerId() != null && parts.stream().anyMatch(s.ownerId()::startsWith))
                        .toList());
    }

    private static List<String> distinctStates(String execution) {
        return cloud.history(execution).stream()
                .filter(e -> e.stateEnteredEventDetails() != null)
                .map(e -> e.stateEnteredEventDetails().name())
                .distinct()
                .toList();
    }

    private static String describe(String execution) {
        StringBuilder b = new StringBuilder();
        for (HistoryEvent e : cloud.history(execution)) {
            b.append('\n')
                    .append(e.type())
                    .append(' ')
                    .append(e.toString(), 0, Math.min(400, e.toString().length()));
        }
        return b.toString();
    }
}
