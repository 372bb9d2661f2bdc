package io.apsisimport.local;

// Fixture test (no cloud): the status-change events the local cloud delivers have the shape AWS sends,
// field for field the documented examples kept under events/ (reap-slots.json, a part's execution;
// reap-slots-file.json, a file's), built from DescribeExecution; and EventBridge's 248 KB rule leaves
// the input (and a too large output) out, saying so, as AWS does.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

class StatusChangeEventShapeTest {
    private static JsonNode fixture(String name) throws IOException {
        try (InputStream in = StatusChangeEventShapeTest.class.getClassLoader().getResourceAsStream("events/" + name)) {
            return LocalCloud.JSON.readTree(in);
        }
    }

    private static JsonNode event(DescribeExecutionResponse d) throws IOException {
        return LocalCloud.JSON.readTree(LocalCloud.statusChangeEvent(
                d.executionArn(),
                d.stateMachineArn(),
                d.name(),
                d.statusAsString(),
                d.startDate(),
                d.stopDate(),
                d.input(),
                d.output()));
    }

    /** Every field name and the type of its value (object, array, text, number, boolean, null), by path. */
    private static List<String> shape(JsonNode node, String at) {
        var fields = new ArrayList<String>();
        node.properties().forEach(e -> {
            fields.add(at + "/" + e.getKey() + ":" + e.getValue().getNodeType());
            if (e.getValue().isObject()) {
                fields.addAll(shape(e.getValue(), at + "/" + e.getKey()));
            }
        });
        return fields;
    }

    @Test
    void anAbortedExecutionsEventIsShapedAsAwsDocumentsIt() throws IOException {
        for (String name : List.of("reap-slots.json", "reap-slots-file.json")) {
            JsonNode documented = fixture(name);
            JsonNode d = documented.path("detail");
            JsonNode ours = event(DescribeExecutionResponse.builder()
                    .executionArn(d.path("executionArn").asText())
                    .stateMachineArn(d.path("stateMachineArn").asText())
                    .name(d.path("name").asText())
                    .status(ExecutionStatus.ABORTED)
                    .startDate(Instant.ofEpochMilli(d.path("startDate").asLong()))
                    .stopDate(Instant.ofEpochMilli(d.path("stopDate").asLong()))
                    .input(d.path("input").asText())
                    .build());
            assertEquals(shape(documented, ""), shape(ours, ""), name);
            // The same values where they are the execution's, not the event's own (id, time).
            var detail = (com.fasterxml.jackson.databind.node.ObjectNode)
                    documented.path("detail").deepCopy();
            assertEquals(detail, ours.path("detail"), name);
            assertEquals(documented.path("resources"), ours.path("resources"));
            assertEquals(documented.path("detail-type"), ours.path("detail-type"));
            assertEquals(documented.path("source"), ours.path("source"));
        }
    }

    @Test
    void aSucceededExecutionsEventCarriesItsOutput() throws IOException {
        JsonNode ours = event(DescribeExecutionResponse.builder()
                .executionArn("arn:aws:states:eu-west-1:1:execution:m:e")
                .stateMachineArn("arn:aws:states:eu-west-1:1:stateMachine:m")
                .name("e")
                .status(ExecutionStatus.SUCCEEDED)
                .startDate(Instant.ofEpochMilli(1))
                .stopDate(Instant.ofEpochMilli(2))
                .input("{}")
                .output("\"Hello World!\"")
                .build());
        assertEquals("\"Hello World!\"", ours.at("/detail/output").asText());
        assertTrue(ours.at("/detail/outputDetails/included").asBoolean());
        assertEquals("1970-01-01T00:00:00Z", ours.path("time").asText());
    }

    @Test
    void inputAndOutputOverEventBridgesLimitAreLeftOutAndSaidSo() throws IOException {
        String quotes = "\"".repeat(LocalCloud.EVENT_PAYLOAD_LIMIT / 2); // escaped: twice as long, at the limit
        String input = "{\"key\":\"" + "k".repeat(200) + "\"}";
        var builder = DescribeExecutionResponse.builder()
                .executionArn("arn:aws:states:eu-west-1:1:execution:m:e")
                .stateMachineArn("arn:aws:states:eu-west-1:1:stateMachine:m")
                .name("e")
                .status(ExecutionStatus.SUCCEEDED)
                .startDate(Instant.ofEpochMilli(1))
                .stopDate(Instant.ofEpochMilli(2))
                .input(input);

        JsonNode together = event(builder.output(quotes.substring(1)).build());
        assertTrue(together.at("/detail/input").isNull(), "input and output together exceed the limit: input left out");
        assertFalse(together.at("/detail/inputDetails/included").asBoolean());
        assertTrue(together.at("/detail/outputDetails/included").asBoolean());
        assertEquals(quotes.substring(1), together.at("/detail/output").asText());

        JsonNode tooLarge = event(builder.output(quotes + "\"").build());
        assertTrue(tooLarge.at("/detail/output").isNull());
        assertFalse(tooLarge.at("/detail/outputDetails/included").asBoolean());
        assertEquals(input, tooLarge.at("/detail/input").asText(), "the input fits once the output is left out");
        assertTrue(tooLarge.at("/detail/inputDetails/included").asBoolean());
    }
}
