package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.contract.PartResult;
import io.apsisimport.contract.PartTiming;
import io.apsisimport.metrics.EmfSpec;
import io.apsisimport.metrics.ImportMetrics;
import io.apsisimport.report.PartReport;
import io.apsisimport.report.Summary;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

// Contract test: the dashboard and the alarms of template.yaml against the metrics the code writes
// (ImportMetrics, read back as CloudWatch extracts them: EmfSpec): every metric a widget or an alarm
// of the pipeline's namespace uses is one the code writes, with those dimensions, in the namespace the
// functions are given; the AWS metrics they use are the stack's own resources'.
class TemplateObservabilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "NAMESPACE-OF-THE-STACK";
    private static TemplateModel template;
    /** metric name → the dimension key sets it is written with. */
    private static Map<String, Set<Set<String>>> written;

    @BeforeAll
    static void load() {
        template = TemplateModel.load(Path.of("template.yaml"));
        written = new TreeMap<>();
        Instant now = Instant.parse("2026-11-28T10:05:00Z");
        var imported = summary("SUCCEEDED", null, 2);
        var timing = new PartTiming(
                "2026-11-28T10:00:00Z",
                "2026-11-28T10:00:10Z",
                "2026-11-28T10:00:11Z",
                "2026-11-28T10:04:00Z",
                1_000_000L,
                500L);
        var parts = List.of(
                new PartResult(0, "i", "COMPLETED", null, 1L, 1L, 0L, null, null, timing),
                new PartResult(1, "j", "COMPLETED", null, 1L, 1L, 0L, null, null, timing));
        var lines = new ArrayList<String>();
        lines.addAll(ImportMetrics.file(NS, imported, parts, now).lines());
        lines.addAll(ImportMetrics.file(NS, summary("FAILED", "UploadRejected", 2), parts.subList(0, 1), now)
                .lines());
        lines.addAll(ImportMetrics.file(NS, summary("FAILED", "NoRouteForKey", 0), List.of(), now)
                .lines());
        lines.addAll(ImportMetrics.file(NS, summary("SUCCEEDED", null, 0), List.of(), now)
                .lines());
        lines.addAll(
                ImportMetrics.slotWait(NS, Duration.ofMinutes(5), now, "k", "e").lines());
        for (String line : lines) {
            for (EmfSpec.Datum d : EmfSpec.extract(line)) {
                assertEquals(NS, d.namespace());
                written.computeIfAbsent(d.name(), k -> new java.util.HashSet<>())
                        .add(d.dimensions().keySet());
            }
        }
    }

    private static Summary summary(String status, String error, int parts) {
        var reports = new ArrayList<PartReport>();
        for (int i = 0; i < parts; i++) {
            reports.add(
                    new PartReport(i + 1, 1, 1, 1, 0, 1, "i" + i, "completed", 1L, 1L, 0L, null, null, null, "p" + i));
        }
        return new Summary(
                "inbox/a.csv",
                status,
                "newsletter",
                "s",
                2L,
                10L,
                List.of(),
                2,
                2,
                0,
                reports,
                null,
                "reports/a.json",
                "d",
                "arn:aws:states:eu-west-1:123456789012:execution:x-import:a",
                "u",
                "2026-11-28T10:00:00Z",
                "2026-11-28T10:05:00Z",
                300.0,
                null,
                error,
                error,
                null,
                null,
                null,
                null);
    }

    /** The template's expression of the namespace: the functions' variable, the alarms', the dashboard's. */
    @Test
    void everyUseOfTheNamespaceIsTheFunctionsOwn() {
        JsonNode functions =
                template.root().at("/Globals/Function/Environment/Variables/" + ImportMetrics.NAMESPACE_VARIABLE);
        assertFalse(functions.isMissingNode(), "the functions are given " + ImportMetrics.NAMESPACE_VARIABLE);
        int alarms = 0;
        for (var r : resources("AWS::CloudWatch::Alarm").entrySet()) {
            JsonNode ns = r.getValue().at("/Properties/Namespace");
            if (!ns.isTextual()) {
                assertEquals(functions, ns, r.getKey());
                alarms++;
            }
        }
        assertEquals(2, alarms, "FailedProfilesAlarm and SlotWaitAlarm");
        assertEquals(functions, dashboardSub().get(1).path("Namespace"));
    }

    @Test
    void everyAlarmOnThePipelinesMetricsWatchesAMetricTheCodeWrites() {
        var problems = new ArrayList<String>();
        resources("AWS::CloudWatch::Alarm").forEach((name, alarm) -> {
            JsonNode p = alarm.path("Properties");
            if (p.path("Namespace").isTextual()) {
                return; // an AWS metric: checked below
            }
            var dims = new TreeSet<String>();
            p.path("Dimensions").forEach(d -> dims.add(d.path("Name").asText()));
            check(name, p.path("MetricName").asText(), dims, problems);
        });
        assertEquals(List.of(), problems);
        JsonNode slot = template.resource("SlotWaitAlarm").path("Properties");
        assertEquals(ImportMetrics.SLOT_WAITING_SECONDS, slot.path("MetricName").asText());
        assertEquals("SlotWaitAlarmSeconds", slot.at("/Threshold/Ref").asText());
        // The window holds the longest gap between two asks of a waiting part (its back-off, at most 2 h).
        assertTrue(slot.path("Period").asInt() * slot.path("EvaluationPeriods").asInt() >= 7200);
        assertEquals(1, slot.path("DatapointsToAlarm").asInt());
        JsonNode profiles = template.resource("FailedProfilesAlarm").path("Properties");
        assertEquals(ImportMetrics.PROFILES_FAILED, profiles.path("MetricName").asText());
        assertEquals("FailedProfilesThreshold", profiles.at("/Threshold/Ref").asText());
        assertEquals(
                "GreaterThanThreshold", profiles.path("ComparisonOperator").asText(), "the rule's numeric '>' too");
    }

    @Test
    void everyDashboardMetricOfThePipelineIsOneTheCodeWrites() throws Exception {
        JsonNode body = dashboard();
        var problems = new ArrayList<String>();
        int ours = 0;
        Pattern search = Pattern.compile("SEARCH\\('\\{\"([^\"]+)\",([^}]*)} MetricName=\"([^\"]+)\"'");
        for (JsonNode widget : body.path("widgets")) {
            String title = widget.at("/properties/title").asText();
            for (JsonNode metric : widget.at("/properties/metrics")) {
                JsonNode first = metric.get(0);
                if (first.isObject() && first.has("expression")) {
                    Matcher m = search.matcher(first.get("expression").asText());
                    if (m.find()) {
                        assertEquals(NS, m.group(1), title);
                        check(
                                title,
                                m.group(3),
                                new TreeSet<>(List.of(m.group(2).split(","))),
                                problems);
                        ours++;
                    }
                    continue;
                }
                String namespace = first.asText();
                String name = metric.get(1).asText();
                var dims = new TreeSet<String>();
                for (int i = 2; i + 1 < metric.size() && metric.get(i).isTextual(); i += 2) {
                    dims.add(metric.get(i).asText());
                    String value = metric.get(i + 1).asText();
                    if (namespace.equals("AWS/States")) {
                        assertEquals("${ImportStateMachine}", value, title + ": the file state machine's");
                    }
                    if (namespace.equals("AWS/SQS")) {
                        assertEquals(
                                "${StartImportFailuresQueue.QueueName}", value, title + ": the start failures queue");
                    }
                }
                if (namespace.equals(NS)) {
                    check(title, name, dims, problems);
                    ours++;
                } else {
                    assertTrue(Set.of("AWS/States", "AWS/SQS").contains(namespace), title + ": " + namespace);
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(ours >= 10, "widgets on the pipeline's metrics: " + ours);
        // What the issue asks the dashboard to show.
        String text = body.toString();
        for (String metric : List.of(
                ImportMetrics.FILES_IMPORTED,
                ImportMetrics.FILES_FAILED,
                ImportMetrics.FILES_SKIPPED,
                ImportMetrics.ROWS,
                ImportMetrics.PROFILES_FAILED,
                ImportMetrics.IMPORT_SECONDS,
                ImportMetrics.SLOT_WAIT_SECONDS,
                "ExecutionsStarted",
                "ApproximateNumberOfMessagesVisible")) {
            assertTrue(text.contains(metric), "the dashboard shows " + metric);
        }
        for (String stat : List.of("p50", "p90", "Maximum")) {
            assertTrue(text.contains("\"stat\":\"" + stat + "\""), stat);
        }
        // The alarms widget shows every alarm of the stack.
        var shown = new TreeSet<String>();
        for (JsonNode widget : body.path("widgets")) {
            widget.at("/properties/alarms").forEach(a -> shown.add(a.asText().replaceAll("^\\$\\{(.*)\\.Arn}$", "$1")));
        }
        assertEquals(resources("AWS::CloudWatch::Alarm").keySet(), shown);
    }

    @Test
    void theDashboardIsAnOutput() {
        assertTrue(template.root()
                .at("/Outputs/DashboardUrl/Value/Fn::Sub")
                .asText()
                .contains("${ImportDashboard}"));
        assertEquals(
                "HasNotificationEmail",
                template.root().at("/Outputs/NotificationTopicArn/Condition").asText());
    }

    private static void check(String where, String metric, Set<String> dims, List<String> problems) {
        Set<Set<String>> sets = written.get(metric);
        if (sets == null) {
            problems.add(where + ": " + metric + " is no metric the code writes (" + written.keySet() + ")");
        } else if (!sets.contains(dims)) {
            problems.add(where + ": " + metric + " with dimensions " + dims + " is not written (" + sets + ")");
        }
    }

    private static Map<String, JsonNode> resources(String type) {
        var found = new TreeMap<String, JsonNode>();
        template.root().path("Resources").properties().forEach(r -> {
            if (r.getValue().path("Type").asText().equals(type)) {
                found.put(r.getKey(), r.getValue());
            }
        });
        return found;
    }

    private static JsonNode dashboardSub() {
        return template.resource("ImportDashboard").at("/Properties/DashboardBody/Fn::Sub");
    }

    /** The dashboard's body with the namespace in, other substitutions kept as ${…} (valid JSON either way). */
    private static JsonNode dashboard() throws Exception {
        String body =
                dashboardSub().get(0).asText().replace("${Namespace}", NS).replace("${SlotWaitAlarmSeconds}", "3600");
        return JSON.readTree(body);
    }
}
