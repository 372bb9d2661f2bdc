package io.apsisimport.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.Test;

// Unit tests of the EMF writer against the specification (EmfSpec), and of EmfSpec itself: the
// specification's own example passes, and a document breaking each rule is refused.
class EmfTest {
    private static final Instant T = Instant.parse("2026-11-28T10:05:00.123Z");

    /** The example of the specification ("Embedded metric format example and JSON schema"). */
    static final String SPEC_EXAMPLE = """
      {"_aws": {"Timestamp": 1574109732004, "CloudWatchMetrics": [{"Namespace": "lambda-function-metrics",
        "Dimensions": [["functionVersion"]], "Metrics": [{"Name": "time", "Unit": "Milliseconds"}]}]},
       "functionVersion": "$LATEST", "time": 100, "requestId": "989ffbf8-9ace-4817-a57c-e4dd734019ee"}""";

    @Test
    void theSpecificationsExampleIsValidAndYieldsOneMetric() {
        assertEquals(List.of(), EmfSpec.violations(SPEC_EXAMPLE));
        assertEquals(
                List.of(new EmfSpec.Datum(
                        "lambda-function-metrics",
                        "time",
                        "Milliseconds",
                        Map.of("functionVersion", "$LATEST"),
                        List.of(100.0))),
                EmfSpec.extract(SPEC_EXAMPLE));
    }

    @Test
    void eachBrokenRuleIsReported() {
        var broken = Map.ofEntries(
                Map.entry("prefix {\"_aws\":{}}", "not JSON"),
                Map.entry("[1]", "not a JSON object"),
                Map.entry("{\"a\":1}", "no _aws"),
                Map.entry(SPEC_EXAMPLE.replace("1574109732004", "\"1574109732004\""), "Timestamp is not an integer"),
                Map.entry(SPEC_EXAMPLE.replace("1574109732004", "1574109732"), "not in milliseconds"),
                Map.entry(SPEC_EXAMPLE.replace("\"lambda-function-metrics\"", "\"\""), "Namespace"),
                Map.entry(SPEC_EXAMPLE.replace("[[\"functionVersion\"]]", "[]"), "at least one DimensionSet"),
                Map.entry(
                        SPEC_EXAMPLE.replace("\"functionVersion\": \"$LATEST\"", "\"functionVersion\": 1"),
                        "not a string"),
                Map.entry(
                        SPEC_EXAMPLE.replace("\"functionVersion\": \"$LATEST\",", ""),
                        "dimension functionVersion is not a root member"),
                Map.entry(SPEC_EXAMPLE.replace("\"time\": 100", "\"time\": \"100\""), "neither a number"),
                Map.entry(SPEC_EXAMPLE.replace("\"time\": 100,", ""), "metric time is not a root member"),
                Map.entry(SPEC_EXAMPLE.replace("\"Milliseconds\"", "\"Millis\""), "not a CloudWatch unit"),
                Map.entry(SPEC_EXAMPLE.replace("\"Unit\"", "\"Units\""), "member Units"),
                Map.entry(SPEC_EXAMPLE.replace("\"Metrics\"", "\"Extra\": 1, \"Metrics\""), "member Extra"),
                Map.entry(SPEC_EXAMPLE.replace("\"time\": 100", "\"time\": [" + "1,".repeat(100) + "1]"), "101 values"),
                Map.entry(
                        SPEC_EXAMPLE.replace(
                                "[[\"functionVersion\"]]",
                                "[[" + "\"functionVersion\",".repeat(30) + "\"functionVersion\"]]"),
                        "31 keys"));
        broken.forEach((line, problem) -> {
            List<String> found = EmfSpec.violations(line);
            assertTrue(
                    found.stream().anyMatch(p -> p.contains(problem)),
                    problem + " not reported for " + line + ": " + found);
        });
        var definitions = new StringBuilder();
        var members = new StringBuilder();
        for (int i = 0; i <= 100; i++) {
            definitions
                    .append(i == 0 ? "" : ",")
                    .append("{\"Name\":\"m")
                    .append(i)
                    .append("\"}");
            members.append(",\"m").append(i).append("\":1");
        }
        String tooMany = "{\"_aws\":{\"Timestamp\":1574109732004,\"CloudWatchMetrics\":[{\"Namespace\":\"n\","
                + "\"Dimensions\":[[]],\"Metrics\":[" + definitions + "]}]}" + members + "}";
        assertTrue(EmfSpec.violations(tooMany).stream().anyMatch(p -> p.contains("101 MetricDefinitions")));
    }

    @Test
    void aDocumentIsOneValidLineWithNumbersArraysAndEveryDimensionSet() {
        var emf = Emf.document("ApsisOneImport/test", T)
                .dimension("Route", "newsletter")
                .dimension("ErrorType", "UploadRejected")
                .property("key", "inbox/x.csv");
        emf.group(List.of(List.of("Route", "ErrorType"), List.of("Route"), List.of()))
                .add("FilesFailed", Unit.COUNT, 1);
        emf.group(List.of(List.of("Route"), List.of()))
                .add("Rows", Unit.COUNT, 12_345)
                .add("ImportSeconds", Unit.SECONDS, List.of(1.5, 2.0))
                .add("UploadBytesPerSecond", Unit.BYTES_PER_SECOND, 1.25e6);
        List<String> lines = emf.lines();
        assertEquals(1, lines.size());
        String line = lines.get(0);
        assertFalse(line.contains("\n"));
        assertEquals(List.of(), EmfSpec.violations(line));
        assertTrue(line.startsWith("{\"_aws\":{\"Timestamp\":" + T.toEpochMilli() + ","), line);
        assertTrue(line.contains("\"Rows\":12345"), "counts as integers: " + line);
        assertTrue(line.contains("\"ImportSeconds\":[1.5,2]"), line);
        var data = EmfSpec.extract(line);
        assertEquals(3 + 3 * 2, data.size(), "one metric per dimension set: " + data);
        assertTrue(data.contains(new EmfSpec.Datum(
                "ApsisOneImport/test",
                "FilesFailed",
                "Count",
                Map.of("Route", "newsletter", "ErrorType", "UploadRejected"),
                List.of(1.0))));
        assertTrue(data.contains(
                new EmfSpec.Datum("ApsisOneImport/test", "FilesFailed", "Count", Map.of(), List.of(1.0))));
        assertTrue(data.contains(new EmfSpec.Datum(
                "ApsisOneImport/test",
                "UploadBytesPerSecond",
                "Bytes/Second",
                Map.of("Route", "newsletter"),
                List.of(1.25e6))));
    }

    @Test
    void moreThanAHundredValuesGoIntoFurtherDocumentsEachComplete() {
        List<Double> values =
                DoubleStream.iterate(1, v -> v + 1).limit(250).boxed().toList();
        var emf = Emf.document("n", T).dimension("Route", "r").property("key", "k");
        emf.group(List.of(List.of("Route")))
                .add("ImportSeconds", Unit.SECONDS, values)
                .add("Parts", Unit.COUNT, 250);
        List<String> lines = emf.lines();
        assertEquals(3, lines.size());
        var seen = new ArrayList<Double>();
        for (String line : lines) {
            assertEquals(List.of(), EmfSpec.violations(line));
            assertTrue(line.contains("\"key\":\"k\"") && line.contains("\"Route\":\"r\""), line);
            EmfSpec.extract(line).stream()
                    .filter(d -> d.name().equals("ImportSeconds"))
                    .forEach(d -> seen.addAll(d.values()));
        }
        assertEquals(values, seen);
        assertEquals(1, lines.stream().filter(l -> l.contains("\"Parts\"")).count(), "a single value is written once");
    }

    @Test
    void moreThanAHundredMetricsGoIntoSeveralDirectives() {
        var emf = Emf.document("n", T);
        var group = emf.group(List.of(List.of()));
        for (int i = 0; i < 150; i++) {
            group.add("m" + i, Unit.COUNT, i);
        }
        List<String> lines = emf.lines();
        assertEquals(1, lines.size());
        assertEquals(List.of(), EmfSpec.violations(lines.get(0)));
        assertEquals(150, EmfSpec.extract(lines.get(0)).size());
    }

    @Test
    void blankOrOverlongDimensionValuesBecomeValuesCloudWatchKeeps() {
        var emf = Emf.document("n", T).dimension("Route", " ").dimension("Other", "x".repeat(2000));
        emf.group(List.of(List.of("Route", "Other"))).add("m", Unit.COUNT, 1);
        var datum = EmfSpec.extract(emf.lines().get(0)).get(0);
        assertEquals(Emf.NONE, datum.dimensions().get("Route"));
        assertEquals(
                Emf.MAX_DIMENSION_VALUE_CHARS, datum.dimensions().get("Other").length());
    }

    @Test
    void misuseIsRefusedWhereItIsWritten() {
        assertThrows(IllegalArgumentException.class, () -> Emf.document("AWS/Lambda", T));
        assertThrows(IllegalArgumentException.class, () -> Emf.document(" ", T));
        assertThrows(IllegalArgumentException.class, () -> Emf.document("a\"b", T));
        assertThrows(IllegalArgumentException.class, () -> Emf.document("x".repeat(256), T));
        var emf = Emf.document("n", T).dimension("Route", "r");
        assertThrows(IllegalArgumentException.class, () -> emf.property("Route", "again"));
        assertThrows(IllegalArgumentException.class, () -> emf.group(List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> emf.group(List.of(List.of("Route"))).add("x", Unit.COUNT, Double.NaN));
        emf.group(List.of(List.of("Missing"))).add("y", Unit.COUNT, 1);
        assertThrows(IllegalStateException.class, emf::lines);
    }

    @Test
    void metricsWithoutValuesWriteNothing() {
        var emf = Emf.document("n", T);
        emf.group(List.of(List.of())).add("m", Unit.SECONDS, List.of());
        assertEquals(List.of(), emf.lines());
    }
}
