package io.apsisimport.lambda;

// Unit tests of the structured log lines: one JSON object per line, a real level, the invocation's
// fields at top level, nothing secret. (RuntimeLogsTest checks what the real Lambda runtime makes of them.)

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogTest {

    /** A handler shaped like the real ones: its input has key, execution, part and import id. */
    static final class EchoHandler extends JsonHandler<EchoHandler.Input, EchoHandler.Output> {
        record Input(String executionArn, String key, int part, String importId, String taskToken, boolean fail) {}

        record Output(String echoed) {}

        EchoHandler() {
            super(Input.class);
        }

        @Override
        public Output handle(Input in, Context context) {
            Log.info(context, "working", "rows", 3);
            Log.debug(context, "details nobody asked for");
            Log.warn(null, "no context at hand");
            if (in.fail()) {
                throw new IllegalStateException("inbox/a.csv cannot be read");
            }
            return new Output(in.key());
        }
    }

    private static final String INPUT = """
      {"executionArn":"arn:aws:states:eu-west-1:123456789012:execution:m:e","key":"inbox/a.csv","part":2,
       "importId":"imp-1","taskToken":"AQCEAAAAKgAAAAMAAAAAAAAAAc","fail":%s}""";

    @Test
    void everyLineOfAnInvocationCarriesItsFieldsAtTopLevel() throws Exception {
        var context = new FakeContext("RequestImportFunction");
        invoke(context, false);

        List<JsonNode> lines = parse(context);
        assertEquals(
                List.of("INFO", "WARN"),
                lines.stream().map(l -> l.get("level").asText()).toList(),
                "DEBUG is below the default application log level (INFO)");
        for (JsonNode line : lines) {
            assertEquals("inbox/a.csv", line.get("key").asText(), line.toString());
            assertEquals(
                    "arn:aws:states:eu-west-1:123456789012:execution:m:e",
                    line.get("execution").asText());
            assertEquals(2, line.get("part").asInt());
            assertEquals("imp-1", line.get("importId").asText());
            assertEquals(context.getAwsRequestId(), line.get("requestId").asText());
            assertEquals("RequestImportFunction", line.get("functionName").asText());
            assertTrue(line.hasNonNull("timestamp"));
            assertFalse(line.toString().contains("AQCEAAAAKgAAAAMAAAAAAAAAAc"), "the task token is not logged");
        }
        assertEquals(3, lines.get(0).get("rows").asInt());
    }

    @Test
    void aFailureIsLoggedOnceAtErrorWithTheInvocationsFields() throws Exception {
        var context = new FakeContext("RequestImportFunction");
        assertThrows(IllegalStateException.class, () -> invoke(context, true));

        JsonNode error = parse(context).getLast();
        assertEquals("ERROR", error.get("level").asText());
        assertEquals("invocation failed", error.get("message").asText());
        assertEquals("java.lang.IllegalStateException", error.get("errorType").asText());
        assertEquals("inbox/a.csv cannot be read", error.get("errorMessage").asText());
        assertEquals("inbox/a.csv", error.get("key").asText());
    }

    @Test
    void valuesUnderSecretKeysAndTokensAreBlanked() throws Exception {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        byte[] line = Log.line(
                LogLevel.WARN,
                null,
                Map.of(),
                "m",
                "policy",
                "eyJjb25kaXRpb25z",
                "x-amz-signature",
                "d46767995586e37f",
                "client_secret",
                "demo-secret",
                "note",
                "token " + jwt + " seen",
                "importId",
                "imp-1");
        JsonNode json = JsonHandler.JSON.readTree(line);

        assertEquals("***", json.get("policy").asText());
        assertEquals("***", json.get("x-amz-signature").asText());
        assertEquals("***", json.get("client_secret").asText());
        assertEquals("token *** seen", json.get("note").asText());
        assertEquals("imp-1", json.get("importId").asText());
        assertTrue(new String(line, StandardCharsets.UTF_8).endsWith("}\n"), "one line per event");
    }

    @Test
    void theApplicationLogLevelIsLambdasWithInfoByDefault() {
        assertEquals(LogLevel.INFO, Log.minLevel(null));
        assertEquals(LogLevel.INFO, Log.minLevel(""));
        assertEquals(LogLevel.DEBUG, Log.minLevel("DEBUG"));
        assertEquals(LogLevel.WARN, Log.minLevel("warn"));
        assertEquals(LogLevel.INFO, Log.minLevel("VERBOSE"));
    }

    private static void invoke(FakeContext context, boolean fail) throws Exception {
        new EchoHandler()
                .handleRequest(
                        new ByteArrayInputStream(INPUT.formatted(fail).getBytes(StandardCharsets.UTF_8)),
                        new ByteArrayOutputStream(),
                        context);
    }

    private static List<JsonNode> parse(FakeContext context) throws Exception {
        var lines = new java.util.ArrayList<JsonNode>();
        for (String raw : context.lines) {
            assertTrue(raw.endsWith("\n") && raw.indexOf('\n') == raw.length() - 1, "one line: " + raw);
            lines.add(JsonHandler.JSON.readTree(raw));
        }
        return lines;
    }
}
