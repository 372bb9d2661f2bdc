package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.local.MotoServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;

// Contract test of the notification rules (template.yaml, with NotificationEmail): their event
// patterns, resolved as CloudFormation would deploy them, run in EventBridge's matching (moto's, on
// a rule with an SQS target) against the example events under events/; and the e-mail their input
// transformers make of each matched event (EventBridge's documented substitution, NotificationRules).
@io.apsisimport.local.LocalCloudTest
class NotificationRulesTest {
    private static final String STACK = "apsis-import";
    private static final String STATE_MACHINE =
            "arn:aws:states:eu-west-1:123456789012:stateMachine:apsis-import-import";
    private static MotoServer moto;
    private static EventBridgeClient events;
    private static SqsClient sqs;
    private static TemplateModel template;
    private static Map<String, JsonNode> examples;
    private static int rules;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.start(0);
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        events = EventBridgeClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(creds)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        sqs = SqsClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(creds)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        template = TemplateModel.load(Path.of("template.yaml"));
        examples = ImportEventContractTest.examples();
    }

    @AfterAll
    static void stop() {
        if (events != null) {
            events.close();
            sqs.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    /** Which examples (file names) EventBridge delivers to the rule, deployed with these parameters. */
    private static Set<String> matched(NotificationRules.Rule rule, Map<String, JsonNode> sent) {
        String name = "r" + (++rules);
        String queue = sqs.createQueue(b -> b.queueName(name)).queueUrl();
        events.putRule(b -> b.name(name).eventPattern(rule.pattern()));
        events.putTargets(b -> b.rule(name)
                .targets(Target.builder()
                        .id("q")
                        .arn("arn:aws:sqs:eu-west-1:123456789012:" + name)
                        .build()));
        for (var e : sent.entrySet()) {
            JsonNode ev = e.getValue();
            var resources = new ArrayList<String>();
            ev.path("resources").forEach(r -> resources.add(r.asText()));
            var result = events.putEvents(b -> b.entries(PutEventsRequestEntry.builder()
                    .source(ev.path("source").asText())
                    .detailType(ev.path("detail-type").asText())
                    .detail(ev.path("detail").toString())
                    .resources(resources)
                    .build()));
            assertEquals(0, result.failedEntryCount());
        }
        var delivered = new TreeSet<String>();
        while (true) {
            var messages = sqs.receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10))
                    .messages();
            if (messages.isEmpty()) {
                break;
            }
            for (var m : messages) {
                String execution;
                try {
                    execution = NotificationRules.JSON
                            .readTree(m.body())
                            .path("detail")
                            .path("execution_arn")
                            .asText();
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
                for (var e : sent.entrySet()) {
                    if (e.getValue()
                            .path("detail")
                            .path("execution_arn")
                            .asText()
                            .equals(execution)) {
                        delivered.add(e.getKey());
                    }
                }
                sqs.deleteMessage(b -> b.queueUrl(queue).receiptHandle(m.receiptHandle()));
            }
        }
        events.removeTargets(b -> b.rule(name).ids("q"));
        events.deleteRule(b -> b.name(name));
        return delivered;
    }

    private static Map<String, NotificationRules.Rule> rules(Map<String, String> parameters) {
        return NotificationRules.of(template, STATE_MACHINE, STACK, parameters);
    }

    @Test
    void thereAreTwoRulesAndNothingWithoutTheEmailAddress() {
        var all = rules(Map.of());
        assertEquals(Set.of("FailedFileNotificationRule", "FailedProfilesNotificationRule"), all.keySet());
        template.root().path("Resources").properties().forEach(r -> {
            String type = r.getValue().path("Type").asText();
            if (type.startsWith("AWS::SNS::") || (type.equals("AWS::Events::Rule") && all.containsKey(r.getKey()))) {
                assertEquals(
                        "HasNotificationEmail", r.getValue().path("Condition").asText(), r.getKey());
            }
        });
    }

    @Test
    void everyFailedFileIsNotified() {
        assertEquals(
                Set.of("events/import-failed.json", "events/import-failed-report-not-written.json"),
                matched(rules(Map.of()).get("FailedFileNotificationRule"), examples));
    }

    @Test
    void aFileImportedWithMoreFailedProfilesThanTheThresholdIsNotified() {
        // The imported example has 2 failed profiles.
        assertEquals(
                Set.of("events/import-succeeded.json"),
                matched(rules(Map.of()).get("FailedProfilesNotificationRule"), examples),
                "threshold 0 (the default)");
        assertEquals(
                Set.of("events/import-succeeded.json"),
                matched(rules(Map.of("FailedProfilesThreshold", "1")).get("FailedProfilesNotificationRule"), examples));
        assertEquals(
                Set.of(),
                matched(rules(Map.of("FailedProfilesThreshold", "2")).get("FailedProfilesNotificationRule"), examples),
                "2 failed profiles are not more than 2");
    }

    @Test
    void anotherStacksFilesAreNotNotified() {
        var other = new java.util.TreeMap<String, JsonNode>();
        examples.forEach((k, v) -> {
            ObjectNode copy = v.deepCopy();
            var resources = copy.putArray("resources");
            v.path("resources").forEach(r -> resources.add(r.asText().replace("apsis-import-import", "other-import")));
            other.put(k, copy);
        });
        for (var rule : rules(Map.of()).values()) {
            assertEquals(Set.of(), matched(rule, other), rule.name());
        }
    }

    @Test
    void theMessageSaysWhichFileWhatWentWrongWhatToDoAndLinksTheExecutionAndTheReport() {
        var all = rules(Map.of());
        var messages = List.of(
                all.get("FailedFileNotificationRule").render(examples.get("events/import-failed.json")),
                all.get("FailedFileNotificationRule")
                        .render(examples.get("events/import-failed-report-not-written.json")),
                all.get("FailedProfilesNotificationRule").render(examples.get("events/import-succeeded.json")));
        var sources = List.of(
                "events/import-failed.json",
                "events/import-failed-report-not-written.json",
                "events/import-succeeded.json");
        for (int i = 0; i < messages.size(); i++) {
            String message = messages.get(i);
            JsonNode d = examples.get(sources.get(i)).path("detail");
            System.out.println("--- the e-mail for " + sources.get(i) + ":\n" + message);
            assertTrue(message.contains(d.path("summary").asText()), message);
            assertTrue(message.contains("What to do: " + d.path("advice").asText()), message);
            assertTrue(message.contains("Execution: " + d.path("console_url").asText()), message);
            assertTrue(message.contains("Report: " + d.path("report_url").asText()), message);
            assertTrue(message.contains("stack " + STACK), message);
            assertFalse(message.matches("(?s).*<[A-Za-z]+>.*"), "a placeholder left: " + message);
            assertFalse(message.contains("null"), message);
        }
        assertTrue(messages.get(0).contains("inbox/crm/contacts.csv"), "which file");
        assertTrue(messages.get(0).contains("CsvMissingColumns"), "what went wrong");
        assertTrue(messages.get(2).contains("refused 2 profiles"), messages.get(2));
    }

    @Test
    void everyValueTheMessagesUseIsTextInEveryEventTheyMatch() {
        // EventBridge puts a value into the template as it is (no escaping): each must be a string that
        // FinishImport (or the definition) writes for every event the rule matches.
        for (var rule : rules(Map.of()).values()) {
            for (String path : rule.inputPaths().values()) {
                assertTrue(
                        Set.of("$.detail.summary", "$.detail.advice", "$.detail.console_url", "$.detail.report_url")
                                .contains(path),
                        rule.name() + " uses " + path);
            }
        }
    }
}
