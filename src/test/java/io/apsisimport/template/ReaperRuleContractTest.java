package io.apsisimport.template;

// Contract test on template.yaml: the reaper hears every way an execution can end without running
// its own "Release import slot": each terminal status but SUCCEEDED, as the SDK names them. So does
// the feed queue's own rule, for the file executions that end without "Let the next file of the feed go".

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

class ReaperRuleContractTest {
    private static final String REAPER = "io.apsisimport.handler.ReapSlotsHandler::handleRequest";

    /** Terminal statuses in which an execution may have left a slot behind. */
    static Set<String> endsWithoutRelease() {
        var statuses = EnumSet.allOf(ExecutionStatus.class);
        statuses.removeAll(Set.of(
                ExecutionStatus.RUNNING,
                ExecutionStatus.SUCCEEDED,
                ExecutionStatus.PENDING_REDRIVE,
                ExecutionStatus.UNKNOWN_TO_SDK_VERSION));
        return statuses.stream().map(ExecutionStatus::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    static List<JsonNode> reaperPatterns() {
        return patternsOf(REAPER);
    }

    static List<JsonNode> patternsOf(String reaper) {
        var template = TemplateModel.load(Path.of("template.yaml"));
        List<JsonNode> patterns = new ArrayList<>();
        template.functionHandlers().forEach((id, handler) -> {
            if (handler.equals(reaper)) {
                template.resource(id).path("Properties").path("Events").forEach(event -> {
                    if (event.path("Type").asText().equals("EventBridgeRule")
                            || event.path("Type").asText().equals("CloudWatchEvent")) {
                        patterns.add(event.path("Properties").path("Pattern"));
                    }
                });
            }
        });
        return patterns;
    }

    @Test
    void theReapersRuleListensForEveryEndThatCanLeaveASlotHeld() {
        assertEquals(Set.of("ABORTED", "FAILED", "TIMED_OUT"), endsWithoutRelease());
        List<JsonNode> patterns = reaperPatterns();
        assertFalse(patterns.isEmpty(), "no EventBridge rule invokes " + REAPER);
        for (JsonNode pattern : patterns) {
            Set<String> statuses = new TreeSet<>();
            pattern.path("detail").path("status").forEach(s -> statuses.add(s.asText()));
            assertTrue(
                    statuses.containsAll(endsWithoutRelease()),
                    "the reaper's rule hears " + statuses + ", not all of " + endsWithoutRelease() + ": " + pattern);
            assertTrue(contains(pattern.path("source"), "aws.states"), pattern.toString());
            assertTrue(
                    contains(pattern.path("detail-type"), "Step Functions Execution Status Change"),
                    pattern.toString());
        }
    }

    @Test
    void theFeedQueueHearsEveryEndOfAFileExecutionThatCanLeaveItsPlaceHeld() {
        List<JsonNode> patterns = patternsOf("io.apsisimport.handler.QueueFeedHandler::handleRequest");
        assertEquals(1, patterns.size(), "one rule invokes the feed queue");
        JsonNode pattern = patterns.get(0);
        Set<String> statuses = new TreeSet<>();
        pattern.path("detail").path("status").forEach(s -> statuses.add(s.asText()));
        assertEquals(endsWithoutRelease(), statuses);
        assertEquals(
                "[{\"Ref\":\"ImportStateMachine\"}]",
                pattern.path("detail").path("stateMachineArn").toString(),
                "feed places belong to the files' executions");
        assertTrue(contains(pattern.path("detail-type"), "Step Functions Execution Status Change"), pattern.toString());
    }

    @Test
    void theRuleMatchesTheAbortedEventAwsSends() throws IOException {
        JsonNode event;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("events/reap-slots.json")) {
            event = new ObjectMapper().readTree(in);
        }
        assertEquals("ABORTED", event.path("detail").path("status").asText());
        for (JsonNode pattern : reaperPatterns()) {
            assertTrue(matches(pattern, event), "the reaper's rule " + pattern + " does not match " + event);
        }
    }

    private static boolean contains(JsonNode values, String value) {
        for (JsonNode v : values) {
            if (v.isTextual() && v.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * EventBridge matching for the plain patterns the template uses: every field of the pattern is in
     * the event, a list matches one of its values; an intrinsic ({@code Ref}, {@code Fn::…}) stands for
     * the resource's own ARN and is taken to match.
     */
    static boolean matches(JsonNode pattern, JsonNode event) {
        for (var field : pattern.properties()) {
            JsonNode expected = field.getValue();
            JsonNode actual = event.path(field.getKey());
            if (expected.isArray()) {
                boolean any = false;
                for (JsonNode option : expected) {
                    any |= option.isObject()
                            || (actual.isValueNode() && option.asText().equals(actual.asText()));
                }
                if (!any) {
                    return false;
                }
            } else if (expected.isObject() && !matches(expected, actual)) {
                return false;
            }
        }
        return true;
    }
}
