package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.contract.ImportEvent;
import io.apsisimport.metrics.EmfSpec;
import io.apsisimport.metrics.ImportMetrics;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.template.NotificationRules;
import io.apsisimport.template.TemplateModel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

// End-to-end test on the local cloud (functions in the real Lambda runtime, the file state machine's
// events:putEvents run by moto's engine against moto's EventBridge): a file imported in two parts with
// refused profiles, a file APSIS fails, an empty file skipped, a file without a route. Each sends
// exactly one event, captured as EventBridge delivers it to a rule's target, of the documented
// schema; FinishImport's metrics lines, read from its log, are valid EMF with the file's values; the
// notification rules' messages made of the captured events say what happened and what to do.
@LocalCloudTest
class ObservabilityEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper STRICT =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    private static final String BROKEN_SECTION = "com.apsis1.sections.broken";

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(ApsisSimulator.Config.defaults()
                    .processing(Duration.ofMillis(500))
                    .failImportsInSection(BROKEN_SECTION))
            .options(o -> o.withMaxPartBytes(2048))
            .routes("""
        {"routes": [
          {"name": "newsletter", "match": "inbox/newsletter/**", "section": "com.apsis1.sections.newsletter",
           "onEmptyFile": "skip",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                           "field_selector": "email-address"}}},
          {"name": "broken", "match": "inbox/broken/**", "section": "%s",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                           "field_selector": "email-address"}}}
        ]}""".formatted(BROKEN_SECTION));

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    record Dropped(String key, String execution) {}

    @Test
    void everyFinishedFileSendsOneEventAndWritesItsMetrics() throws Exception {
        var big = new ByteArrayOutputStream();
        big.writeBytes("email-address,name\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 100; i++) {
            // two rows without an e-mail address: APSIS refuses those profiles
            String email = i == 10 || i == 70 ? "" : "user" + i + "@example.com";
            big.writeBytes((email + ",\"Name " + i + "\"\n").getBytes(StandardCharsets.UTF_8));
        }
        var imported = drop("inbox/newsletter/profiles.csv", big.toByteArray());
        var failed =
                drop("inbox/broken/contacts.csv", "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8));
        var skipped = drop("inbox/newsletter/empty.csv", "email-address,name\n".getBytes(StandardCharsets.UTF_8));
        var unrouted = drop("inbox/elsewhere/x.csv", "email-address\nb@example.com\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(imported.execution(), Duration.ofMinutes(8)).status());
        assertEquals(
                ExecutionStatus.FAILED,
                cloud.await(failed.execution(), Duration.ofMinutes(8)).status());
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(skipped.execution(), Duration.ofMinutes(8)).status());
        assertEquals(
                ExecutionStatus.FAILED,
                cloud.await(unrouted.execution(), Duration.ofMinutes(8)).status());

        // One event per file, sent before its execution ended: all there now, and none to come.
        for (Dropped d : List.of(imported, failed, skipped, unrouted)) {
            assertEquals(
                    1, cloud.importEvents(d.execution()).size(), d.key() + ": " + cloud.importEvents(d.execution()));
        }
        JsonNode ok = event(imported, ImportEvent.SUCCEEDED);
        JsonNode bad = event(failed, ImportEvent.FAILED);
        JsonNode empty = event(skipped, ImportEvent.SKIPPED);
        JsonNode none = event(unrouted, ImportEvent.FAILED);

        JsonNode d = ok.path("detail");
        assertEquals("IMPORTED", d.path("outcome").asText());
        assertEquals("newsletter", d.path("route").asText());
        assertEquals("com.apsis1.sections.newsletter", d.path("section").asText());
        assertEquals(100, d.path("rows").asLong());
        int parts = d.path("parts").asInt();
        assertTrue(parts >= 2, "split into parts: " + parts);
        assertEquals(parts, d.path("imports").size());
        assertEquals(0, d.path("parts_failed").asInt());
        assertEquals(2, d.path("profiles_failed").asLong());
        assertEquals(98, d.path("profiles_processed").asLong());
        assertTrue(
                d.path("summary").asText().contains("refused 2 profiles"),
                d.path("summary").asText());
        assertTrue(
                d.path("advice").asText().contains("ProfilesFailed"),
                d.path("advice").asText());
        JsonNode output = JSON.readTree(cloud.sfn()
                .describeExecution(b -> b.executionArn(imported.execution()))
                .output());
        assertEquals(
                ok.path("id").asText(),
                output.at("/event/eventId").asText(),
                "the event's id in the output: " + output.path("event"));
        assertEquals(
                "s3://" + cloud.bucket() + "/" + output.path("report").asText(),
                d.path("report").asText());
        assertEquals(output.path("moved_to").asText(), d.path("moved_to").asText());
        assertTrue(d.path("console_url").asText().endsWith(imported.execution()));

        JsonNode b = bad.path("detail");
        assertEquals("FAILED", b.path("outcome").asText());
        assertEquals("broken", b.path("route").asText());
        assertEquals("ImportFailed", b.path("error").asText());
        assertEquals("Check import status", b.path("failed_step").asText());
        assertTrue(
                b.path("cause").asText().contains("inbox/broken/contacts.csv"),
                b.path("cause").asText());
        assertTrue(b.path("advice").asText().contains("(README, Troubleshooting: ImportFailed)"));

        JsonNode e = empty.path("detail");
        assertEquals("SKIPPED", e.path("outcome").asText());
        assertEquals(0, e.path("rows").asLong());
        assertEquals(0, e.path("parts").asInt());
        assertTrue(e.path("advice").isNull());

        JsonNode n = none.path("detail");
        assertEquals("NoRouteForKey", n.path("error").asText());
        assertTrue(n.path("route").isNull());
        assertEquals("Resolve route and check the file", n.path("failed_step").asText());

        // The metrics, as CloudWatch would extract them from FinishImport's log.
        var byKey = new java.util.HashMap<String, List<EmfSpec.Datum>>();
        for (String line : cloud.logLines("FinishImportFunction")) {
            if (EmfSpec.isEmf(line)) {
                assertEquals(List.of(), EmfSpec.violations(line), line);
                byKey.computeIfAbsent(JSON.readTree(line).path("key").asText(), k -> new ArrayList<>())
                        .addAll(EmfSpec.extract(line));
            }
        }
        String ns = cloud.functions().get("FinishImportFunction").environment().get(ImportMetrics.NAMESPACE_VARIABLE);
        assertEquals("ApsisOneImport/" + LocalCloud.STACK_NAME, ns, "the template's default namespace");
        var okMetrics = byKey.get(imported.key());
        assertEquals(1.0, value(okMetrics, ns, ImportMetrics.FILES_IMPORTED, Map.of("Route", "newsletter")));
        assertEquals(1.0, value(okMetrics, ns, ImportMetrics.FILES_IMPORTED, Map.of()), "the stack's total");
        assertEquals(100.0, value(okMetrics, ns, ImportMetrics.ROWS, Map.of("Route", "newsletter")));
        assertEquals(2.0, value(okMetrics, ns, ImportMetrics.PROFILES_FAILED, Map.of("Route", "newsletter")));
        assertEquals(parts, (int) value(okMetrics, ns, ImportMetrics.PARTS, Map.of()));
        for (String perPart : List.of(
                ImportMetrics.IMPORT_SECONDS, ImportMetrics.SLOT_WAIT_SECONDS, ImportMetrics.UPLOAD_BYTES_PER_SECOND)) {
            List<Double> values = values(okMetrics, ns, perPart, Map.of("Route", "newsletter"));
            assertEquals(parts, values.size(), perPart + " per part: " + values);
            values.forEach(v -> assertTrue(v >= 0, perPart + " " + values));
        }
        assertTrue(
                values(okMetrics, ns, ImportMetrics.IMPORT_SECONDS, Map.of()).stream()
                        .allMatch(v -> v > 0.1),
                "APSIS takes 0.5 s per import here");
        assertTrue(values(okMetrics, ns, ImportMetrics.UPLOAD_BYTES_PER_SECOND, Map.of()).stream()
                .allMatch(v -> v > 0));
        assertEquals(
                1.0,
                value(
                        byKey.get(failed.key()),
                        ns,
                        ImportMetrics.FILES_FAILED,
                        Map.of("Route", "broken", "ErrorType", "ImportFailed")));
        assertEquals(
                1.0, value(byKey.get(skipped.key()), ns, ImportMetrics.FILES_SKIPPED, Map.of("Route", "newsletter")));
        assertEquals(
                1.0,
                value(
                        byKey.get(unrouted.key()),
                        ns,
                        ImportMetrics.FILES_FAILED,
                        Map.of("Route", "none", "ErrorType", "NoRouteForKey")));
        assertNull(
                byKey.get(unrouted.key()).stream()
                        .filter(x -> x.name().equals(ImportMetrics.ROWS))
                        .findFirst()
                        .orElse(null),
                "no rows of a file not imported");
        // AcquireSlot: how long each part has waited, at every ask.
        long asks = cloud.logLines("AcquireSlotFunction").stream()
                .filter(EmfSpec::isEmf)
                .peek(l -> assertEquals(List.of(), EmfSpec.violations(l), l))
                .flatMap(l -> EmfSpec.extract(l).stream())
                .filter(x -> x.name().equals(ImportMetrics.SLOT_WAITING_SECONDS))
                .count();
        assertTrue(asks >= parts + 1, "one at each ask for a slot: " + asks);

        // The e-mails the notification rules would send for these very events.
        var rules = NotificationRules.of(
                TemplateModel.load(Path.of("template.yaml")), cloud.stateMachineArn(), LocalCloud.STACK_NAME, Map.of());
        String failedMail = rules.get("FailedFileNotificationRule").render(bad);
        String profilesMail = rules.get("FailedProfilesNotificationRule").render(ok);
        System.out.println("--- e-mail for " + failed.key() + ":\n" + failedMail + "\n--- e-mail for " + imported.key()
                + ":\n" + profilesMail);
        assertTrue(
                failedMail.contains("inbox/broken/contacts.csv failed in Check import status: ImportFailed"),
                failedMail);
        assertTrue(failedMail.contains("Execution: https://") && failedMail.contains(failed.execution()), failedMail);
        assertTrue(profilesMail.contains("refused 2 profiles"), profilesMail);
    }

    private static Dropped drop(String key, byte[] content) {
        return new Dropped(key, cloud.drop(key, content).execution());
    }

    /** The file's event: of the schema (every field, no other), from the file's execution and state machine. */
    private static JsonNode event(Dropped d, String detailType) throws Exception {
        JsonNode e = cloud.importEvents(d.execution()).get(0);
        assertEquals(ImportEvent.SOURCE, e.path("source").asText(), d.key());
        assertEquals(detailType, e.path("detail-type").asText(), d.key());
        var resources = new ArrayList<String>();
        e.path("resources").forEach(r -> resources.add(r.asText()));
        assertTrue(
                resources.contains(cloud.stateMachineArn()) && resources.contains(d.execution()), resources.toString());
        STRICT.treeToValue(e.path("detail"), ImportEvent.Detail.class);
        var fields = new java.util.TreeSet<String>();
        e.path("detail").fieldNames().forEachRemaining(fields::add);
        var expected = new java.util.TreeSet<String>();
        JSON.valueToTree(new ImportEvent.Detail(
                        null, null, null, null, null, null, null, 0, 0, 0, 0, 0, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null))
                .fieldNames()
                .forEachRemaining(expected::add);
        assertEquals(expected, fields, d.key());
        assertEquals(d.key(), e.at("/detail/key").asText());
        assertEquals(d.execution(), e.at("/detail/execution_arn").asText());
        assertFalse(e.at("/detail/summary").asText().contains("\""));
        return e;
    }

    private static List<Double> values(List<EmfSpec.Datum> data, String ns, String name, Map<String, String> dims) {
        return data.stream()
                .filter(x -> x.namespace().equals(ns)
                        && x.name().equals(name)
                        && x.dimensions().equals(dims))
                .flatMap(x -> x.values().stream())
                .toList();
    }

    private static double value(List<EmfSpec.Datum> data, String ns, String name, Map<String, String> dims) {
        List<Double> v = values(data, ns, name, dims);
        assertEquals(1, v.size(), name + " " + dims + " in " + data);
        return v.get(0);
    }
}
