package io.apsisimport.lambda;

// Unit tests of the priming endpoint's DynamoDB answers: the items handlers register for their
// invoke priming, as the code writes them (Map<String, AttributeValue>), answered in DynamoDB JSON.
// (SnapStartTest checks that every handler's priming runs to its end on them.)

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class PrimingAnswersTest {

    @Test
    void itemsAreWrittenInDynamoDbJsonOneTypeKeyPerAttribute() throws Exception {
        Map<String, AttributeValue> item = Map.of(
                "pk", AttributeValue.fromS("a#slots"),
                "version", AttributeValue.fromN("2"),
                "uploaded", AttributeValue.fromBool(true),
                "gone", AttributeValue.fromNul(true),
                "rates", AttributeValue.fromL(List.of(AttributeValue.fromN("1.5"), AttributeValue.fromS("x"))),
                "nested", AttributeValue.fromM(Map.of("n", AttributeValue.fromN("7"))));

        JsonNode json = JsonHandler.JSON.readTree(PrimingAnswers.dynamoJson(item));

        assertEquals(JsonHandler.JSON.readTree("""
                        {"pk": {"S": "a#slots"}, "version": {"N": "2"}, "uploaded": {"BOOL": true},
                         "gone": {"NULL": true}, "rates": {"L": [{"N": "1.5"}, {"S": "x"}]},
                         "nested": {"M": {"n": {"N": "7"}}}}
                        """), json);
    }

    @Test
    void queryAnswersCarryTheRegisteredItemsWithTheEndpointsAddress() throws Exception {
        var ticket = "{\"url\":\"" + PrimingAnswers.ENDPOINT_PLACEHOLDER + "/up\"}";
        var answers = new PrimingAnswers(
                URI.create("http://127.0.0.1:4321"),
                Map.of(),
                List.of(Map.of("sk", AttributeValue.fromS("slot#00"), "ticket", AttributeValue.fromS(ticket))));

        var answer = answers.apply(
                new PrimingEndpoint.Request("POST", "/", Map.of("x-amz-target", "DynamoDB_20120810.Query")));

        JsonNode items = JsonHandler.JSON
                .readTree(new String(answer.body(), StandardCharsets.UTF_8))
                .get("Items");
        assertEquals(2, items.size(), "the endpoint's own item and the registered one");
        assertEquals("slot#00", items.get(1).get("sk").get("S").asText());
        assertEquals(
                "{\"url\":\"http://127.0.0.1:4321/up\"}",
                items.get(1).get("ticket").get("S").asText());
    }
}
