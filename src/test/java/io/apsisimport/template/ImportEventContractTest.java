package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.contract.ImportEvent;
import io.apsisimport.report.Advice;
import io.apsisimport.report.PartReport;
import io.apsisimport.report.Summary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

// Contract test: the EventBridge event every finished file sends, held together in its four places —
// the code that builds it (ImportEvent, from FinishImport's summary), the file's definition that
// sends it (and builds the one of a file whose report was not written), the examples under events/
// and docs/events.md — and every path of the file's execution that finishes a file sends exactly one.
class ImportEventContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper STRICT = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);
    static final Map<String, String> EXAMPLES = Map.of(
            "events/import-succeeded.json", ImportEvent.SUCCEEDED,
            "events/import-failed.json", ImportEvent.FAILED,
            "events/import-skipped.json", ImportEvent.SKIPPED,
            "events/import-failed-report-not-written.json", ImportEvent.FAILED);
    static final Map<String, String> OUTCOMES =
            Map.of(ImportEvent.SUCCEEDED, "IMPORTED", ImportEvent.FAILED, "FAILED", ImportEvent.SKIPPED, "SKIPPED");
    private static final String PUT_EVENTS = "arn:${Partition}:states:::events:putEvents";

    private static JsonNode file;
    private static Map<String, JsonNode> states;

    @BeforeAll
    static void load() {
        file = Definitions.load(TemplateModel.load(Path.of("template.yaml")), Definitions.FILE);
        states = new java.util.LinkedHashMap<>();
        file.path("States").properties().forEach(e -> states.put(e.getKey(), e.getValue()));
    }

    /** The detail's field names as the code writes them (every field, also when null). */
    static Set<String> detailFields() {
        var empty = new ImportEvent.Detail(
                null, null, null, null, null, null, null, 0, 0, 0, 0, 0, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null);
        var fields = new LinkedHashSet<String>();
        JSON.valueToTree(empty).fieldNames().forEachRemaining(fields::add);
        return fields;
    }

    @Test
    void theFilesDefinitionSendsTheEventFinishImportBuilds() {
        JsonNode announce = states.get("Announce the file's outcome");
        assertEquals(PUT_EVENTS, announce.path("Resource").asText());
        JsonNode entries = announce.at("/Parameters/Entries");
        assertEquals(1, entries.size());
        JsonNode entry = entries.get(0);
        assertEquals(ImportEvent.SOURCE, entry.path("Source").asText());
        assertEquals("${EventBusName}", entry.path("EventBusName").asText());
        assertEquals("$.event.detailType", entry.path("DetailType.$").asText());
        assertEquals("$.event.detail", entry.path("Detail.$").asText());
        // FinishImport's output carries them under those names...
        JsonNode output = JSON.valueToTree(sample());
        assertTrue(output.at("/event/detailType").isTextual(), output.toString());
        assertEquals(detailFields(), fieldNames(output.at("/event/detail")));
        // ...and both report steps go on to announce it.
        assertEquals(
                "Announce the file's outcome",
                states.get("Move file and write report").path("Next").asText());
        assertEquals(
                "Announce the file's outcome",
                states.get("Move file to failed/ and write report").path("Next").asText());
        // The event's id (or why it could not be sent) takes the event's place in the output.
        assertEquals("$.event", announce.path("ResultPath").asText());
        // Not "$.Entries[0].EventId": moto's engine makes that a list (AWS unpacks it); this is a string on both.
        assertEquals(
                "States.ArrayGetItem($.Entries[*].EventId, 0)",
                announce.at("/ResultSelector/eventId.$").asText());
    }

    @Test
    void anEventThatCannotBeSentNeverFailsTheFile() {
        for (String name : List.of("Announce the file's outcome", "Announce that the report was not written")) {
            JsonNode task = states.get(name);
            var caught = new TreeSet<String>();
            task.path("Catch").forEach(c -> {
                c.path("ErrorEquals").forEach(e -> caught.add(e.asText()));
                assertEquals(
                        task.path("Next").asText(),
                        c.path("Next").asText(),
                        name + ": a failed send goes where a sent one does");
            });
            assertTrue(caught.contains("States.ALL"), name);
        }
    }

    @Test
    void theReportNotWrittenEventHasTheSchemaOfTheOthers() {
        JsonNode entry = states.get("Announce that the report was not written").at("/Parameters/Entries/0");
        assertEquals(ImportEvent.SOURCE, entry.path("Source").asText());
        assertEquals("${EventBusName}", entry.path("EventBusName").asText());
        assertEquals(ImportEvent.FAILED, entry.path("DetailType").asText());
        JsonNode detail = entry.path("Detail");
        var names = new LinkedHashSet<String>();
        detail.fieldNames().forEachRemaining(f -> names.add(f.replaceFirst("\\.\\$$", "")));
        assertEquals(new TreeSet<>(detailFields()), new TreeSet<>(names), "the same fields as FinishImport's events");
        assertEquals("FAILED", detail.path("outcome").asText());
        assertEquals(Advice.REPORT_NOT_WRITTEN, detail.path("error").asText());
        assertEquals(
                Advice.forError(Advice.REPORT_NOT_WRITTEN),
                detail.path("advice").asText());
        assertEquals(
                ImportEvent.safe(detail.path("advice").asText()),
                detail.path("advice").asText());
        assertEquals(
                "Report not written",
                states.get("Announce that the report was not written")
                        .path("Next")
                        .asText());
        for (String step : List.of("Move file and write report", "Move file to failed/ and write report")) {
            states.get(step)
                    .path("Catch")
                    .forEach(c -> assertEquals(
                            "Announce that the report was not written",
                            c.path("Next").asText(),
                            step));
        }
    }

    /**
     * Every path from the start to an end. The file's one loop (waiting for its turn in a feed, see
     * HistoryBudgetTest) sends nothing: a path goes round it at most once.
     */
    @Test
    void everyPathThatFinishesAFileSendsExactlyOneEvent() {
        var paths = new ArrayList<List<String>>();
        walk(file.path("StartAt").asText(), new ArrayList<>(), paths);
        assertTrue(paths.size() >= 6, "success, failure, report not written, from each report step: " + paths.size());
        for (List<String> path : paths) {
            long sends = path.stream()
                    .filter(s ->
                            PUT_EVENTS.equals(states.get(s).path("Resource").asText()))
                    .count();
            // A dry run imports nothing: its verdict ("Checked: …") is its output, not an import event.
            boolean dryRun = path.get(path.size() - 1).startsWith("Checked: ");
            assertEquals(dryRun ? 0 : 1, sends, "events sent on " + path);
        }
    }

    private static void walk(String at, List<String> path, List<List<String>> paths) {
        JsonNode state = states.get(at);
        assertNotNull(state, at);
        path.add(at);
        var next = StateGraph.successors(state);
        if (next.isEmpty()) {
            paths.add(List.copyOf(path));
        }
        for (String n : next) {
            if (!path.contains(n)) {
                walk(n, path, paths);
            }
        }
        path.remove(path.size() - 1);
    }

    @Test
    void eachExampleIsAnEventOfTheSchema() throws IOException {
        var types = new TreeSet<String>();
        for (var e : EXAMPLES.entrySet()) {
            JsonNode event = JSON.readTree(Files.readString(Path.of(e.getKey())));
            String where = e.getKey();
            assertEquals(ImportEvent.SOURCE, event.path("source").asText(), where);
            assertEquals(e.getValue(), event.path("detail-type").asText(), where);
            types.add(event.path("detail-type").asText());
            for (String f : List.of("version", "id", "account", "time", "region", "resources")) {
                assertTrue(event.has(f), where + " lacks " + f);
            }
            JsonNode detail = event.path("detail");
            assertEquals(detailFields(), fieldNames(detail), where);
            STRICT.treeToValue(detail, ImportEvent.Detail.class);
            assertEquals(OUTCOMES.get(e.getValue()), detail.path("outcome").asText(), where);
            // Step Functions puts the state machine's and the execution's ARNs into resources.
            var resources = new ArrayList<String>();
            event.path("resources").forEach(r -> resources.add(r.asText()));
            assertTrue(resources.contains(detail.path("execution_arn").asText()), where);
            assertTrue(resources.stream().anyMatch(r -> r.contains(":stateMachine:")), where);
            assertEquals(
                    ImportEvent.safe(detail.path("summary").asText()),
                    detail.path("summary").asText(),
                    where);
            assertEquals(
                    "FAILED".equals(detail.path("outcome").asText()),
                    detail.path("error").isTextual(),
                    where);
            if (detail.path("advice").isTextual()) {
                assertEquals(
                        ImportEvent.safe(detail.path("advice").asText()),
                        detail.path("advice").asText(),
                        where);
            }
        }
        assertEquals(new TreeSet<>(OUTCOMES.keySet()), types, "one example of each detail-type");
    }

    /** The three examples FinishImport makes are exactly what the code makes of the same file. */
    @Test
    void theExamplesAreWhatTheCodeWrites() throws IOException {
        for (String example :
                List.of("events/import-succeeded.json", "events/import-failed.json", "events/import-skipped.json")) {
            JsonNode event = JSON.readTree(Files.readString(Path.of(example)));
            JsonNode d = event.path("detail");
            var reports = new ArrayList<PartReport>();
            for (int i = 0; i < d.path("parts").asInt(); i++) {
                boolean failed = i < d.path("parts_failed").asInt();
                reports.add(new PartReport(
                        i + 1,
                        0,
                        0,
                        0,
                        0,
                        0,
                        null,
                        failed ? "not imported" : "completed",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));
            }
            var imports = new ArrayList<String>();
            d.path("imports").forEach(i -> imports.add(i.asText()));
            String bucket = d.path("bucket").asText();
            var summary = new Summary(
                    d.path("key").asText(),
                    "FAILED".equals(d.path("outcome").asText()) ? "FAILED" : "SUCCEEDED",
                    text(d, "route"),
                    text(d, "section"),
                    d.path("rows").isNull() ? null : d.path("rows").asLong(),
                    null,
                    imports,
                    d.path("profiles_found").asLong(),
                    d.path("profiles_processed").asLong(),
                    d.path("profiles_failed").asLong(),
                    reports,
                    text(d, "moved_to"),
                    d.path("report").asText().substring(("s3://" + bucket + "/").length()),
                    text(d, "drop_id"),
                    text(d, "execution_arn"),
                    text(d, "console_url"),
                    text(d, "started_at"),
                    text(d, "finished_at"),
                    d.path("duration_seconds").isNull()
                            ? null
                            : d.path("duration_seconds").asDouble(),
                    text(d, "failed_step"),
                    text(d, "error"),
                    text(d, "cause"),
                    text(d, "note"),
                    null,
                    null,
                    null);
            ImportEvent made = ImportEvent.of(summary, bucket);
            assertEquals(event.path("detail-type").asText(), made.detailType(), example);
            assertEquals(d, JSON.readTree(JSON.writeValueAsString(made.detail())), example); // as text: same node types
        }
    }

    @Test
    void everyAdviceNamesATroubleshootingEntryOfTheReadme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String troubleshooting = readme.substring(readme.indexOf("## Troubleshooting"));
        troubleshooting = troubleshooting.substring(0, troubleshooting.indexOf("\n## ", 3));
        var names = new TreeSet<>(Advice.errors());
        names.add(Advice.PROFILES_FAILED);
        var missing = new TreeSet<String>();
        for (String name : names) {
            if (!troubleshooting.contains("`" + name + "`")) {
                missing.add(name);
            }
        }
        assertEquals(Set.of(), missing, "errors with advice but without a Troubleshooting entry in README.md");
    }

    @Test
    void docsEventsDescribesEveryFieldAndType() throws IOException {
        String doc = Files.readString(Path.of("docs/events.md"));
        var missing = new TreeSet<String>();
        for (String f : detailFields()) {
            if (!doc.contains("`" + f + "`")) {
                missing.add(f);
            }
        }
        for (String t : OUTCOMES.keySet()) {
            if (!doc.contains(t)) {
                missing.add(t);
            }
        }
        if (!doc.contains(ImportEvent.SOURCE)) {
            missing.add(ImportEvent.SOURCE);
        }
        assertEquals(Set.of(), missing, "not described in docs/events.md");
        for (String example : EXAMPLES.keySet()) {
            assertTrue(doc.contains(example.substring("events/".length())), "docs/events.md links " + example);
        }
    }

    @Test
    void summariesAreSafeInAMessageTemplate() {
        assertEquals("a 'b' c/d e f", ImportEvent.safe("a \"b\" c\\d\ne\u0000f"));
        assertFalse(ImportEvent.safe("x".repeat(5000)).length() > 600);
    }

    private static Summary sample() {
        var s = new Summary(
                "inbox/a.csv",
                "SUCCEEDED",
                "r",
                "s",
                1L,
                10L,
                List.of("i"),
                1,
                1,
                0,
                List.of(new PartReport(1, 1, 1, 1, 0, 10, "i", "completed", 1L, 1L, 0L, null, null, null, "e")),
                "archive/inbox/a.csv",
                "reports/inbox/a.csv.json",
                "d",
                "arn:aws:states:eu-west-1:123456789012:execution:x-import:a",
                "https://console",
                "2026-11-28T10:00:00Z",
                "2026-11-28T10:01:00Z",
                60.0,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        return new Summary(
                s.key(),
                s.status(),
                s.route(),
                s.section(),
                s.rows(),
                s.bytes(),
                s.imports(),
                s.profilesFound(),
                s.profilesProcessed(),
                s.profilesFailed(),
                s.parts(),
                s.movedTo(),
                s.report(),
                s.dropId(),
                s.executionArn(),
                s.consoleUrl(),
                s.startedAt(),
                s.finishedAt(),
                s.durationSeconds(),
                s.failedStep(),
                s.error(),
                s.cause(),
                s.note(),
                s.compressed(),
                s.feed(),
                ImportEvent.of(s, "bucket"));
    }

    private static Set<String> fieldNames(JsonNode node) {
        var names = new LinkedHashSet<String>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String text(JsonNode node, String field) {
        return node.path(field).isNull() || node.path(field).isMissingNode()
                ? null
                : node.path(field).asText();
    }

    static Map<String, JsonNode> examples() throws IOException {
        var all = new TreeMap<String, JsonNode>();
        for (String e : EXAMPLES.keySet()) {
            all.put(e, JSON.readTree(Files.readString(Path.of(e))));
        }
        return all;
    }
}
