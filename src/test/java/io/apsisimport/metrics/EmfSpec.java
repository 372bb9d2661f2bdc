package io.apsisimport.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * CloudWatch's embedded metric format as its specification states it ("Specification: Embedded
 * metric format", CloudWatch User Guide, with its JSON schema), independent of the code that writes
 * it: {@link #violations} lists every rule a log line breaks, {@link #extract} the metrics CloudWatch
 * would publish from a valid one (one per metric, dimension set and value).
 *
 * <p>The rules: the log event is a JSON object and nothing else; {@code _aws} is an object with an
 * integer {@code Timestamp} and an array {@code CloudWatchMetrics} of MetricDirectives; a directive
 * has exactly {@code Namespace} (string, 1-255), {@code Dimensions} (an array of at least one
 * DimensionSet, each an array of at most 30 strings of 1-255 characters) and {@code Metrics} (at most
 * 100 MetricDefinitions); a definition has {@code Name} (string, 1-255), optionally {@code Unit}
 * (one of the CloudWatch units) and {@code StorageResolution} (1 or 60), nothing else; every
 * dimension key is a root member with a string value (CloudWatch keeps 1-1024 characters); every
 * metric name is a root member holding a number or an array of at most 100 numbers; targets are
 * root members, never nested paths.
 */
public final class EmfSpec {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The units of the specification's JSON schema (MetricDefinition.Unit). */
    static final Set<String> UNITS = Set.of(
            "Seconds",
            "Microseconds",
            "Milliseconds",
            "Bytes",
            "Kilobytes",
            "Megabytes",
            "Gigabytes",
            "Terabytes",
            "Bits",
            "Kilobits",
            "Megabits",
            "Gigabits",
            "Terabits",
            "Percent",
            "Count",
            "Bytes/Second",
            "Kilobytes/Second",
            "Megabytes/Second",
            "Gigabytes/Second",
            "Terabytes/Second",
            "Bits/Second",
            "Kilobits/Second",
            "Megabits/Second",
            "Gigabits/Second",
            "Terabits/Second",
            "Count/Second",
            "None");

    private EmfSpec() {}

    /** One metric as CloudWatch publishes it from a document. */
    public record Datum(
            String namespace, String name, String unit, Map<String, String> dimensions, List<Double> values) {}

    /** Every rule of the specification the line breaks; empty for a valid EMF document. */
    public static List<String> violations(String line) {
        var problems = new ArrayList<String>();
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (java.io.IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            return List.of("the log event is not a JSON object");
        }
        if (!line.strip().startsWith("{") || !line.strip().endsWith("}")) {
            problems.add("data before or after the JSON object");
        }
        JsonNode aws = root.get("_aws");
        if (aws == null || !aws.isObject()) {
            return List.of("no _aws object");
        }
        if (!aws.has("Timestamp") || !aws.get("Timestamp").isIntegralNumber()) {
            problems.add("_aws.Timestamp is not an integer (milliseconds since the epoch)");
        } else if (aws.get("Timestamp").asLong() < 946_684_800_000L) {
            problems.add("_aws.Timestamp is not in milliseconds: " + aws.get("Timestamp"));
        }
        JsonNode directives = aws.get("CloudWatchMetrics");
        if (directives == null || !directives.isArray()) {
            problems.add("_aws.CloudWatchMetrics is not an array");
            return problems;
        }
        for (JsonNode d : directives) {
            directive(root, d, problems);
        }
        return problems;
    }

    private static void directive(JsonNode root, JsonNode d, List<String> problems) {
        if (!d.isObject()) {
            problems.add("a MetricDirective is not an object");
            return;
        }
        d.fieldNames().forEachRemaining(f -> {
            if (!Set.of("Namespace", "Dimensions", "Metrics").contains(f)) {
                problems.add("a MetricDirective has the member " + f + ", which the specification does not define");
            }
        });
        name(d.get("Namespace"), "Namespace", problems);
        JsonNode sets = d.get("Dimensions");
        if (sets == null || !sets.isArray() || sets.isEmpty()) {
            problems.add("Dimensions is not an array of at least one DimensionSet");
        } else {
            for (JsonNode set : sets) {
                if (!set.isArray()) {
                    problems.add("a DimensionSet is not an array");
                    continue;
                }
                if (set.size() > 30) {
                    problems.add("a DimensionSet has " + set.size() + " keys (at most 30)");
                }
                for (JsonNode key : set) {
                    if (!name(key, "a dimension key", problems)) {
                        continue;
                    }
                    JsonNode target = root.get(key.asText());
                    if (target == null) {
                        problems.add("the dimension " + key.asText() + " is not a root member");
                    } else if (!target.isTextual()) {
                        problems.add("the dimension " + key.asText() + " is not a string: " + target);
                    } else if (target.asText().isEmpty() || target.asText().length() > 1024) {
                        problems.add("the dimension " + key.asText() + " has "
                                + target.asText().length() + " characters (1-1024)");
                    }
                }
            }
        }
        JsonNode metrics = d.get("Metrics");
        if (metrics == null || !metrics.isArray()) {
            problems.add("Metrics is not an array");
            return;
        }
        if (metrics.size() > 100) {
            problems.add("a MetricDirective has " + metrics.size() + " MetricDefinitions (at most 100)");
        }
        for (JsonNode m : metrics) {
            if (!m.isObject()) {
                problems.add("a MetricDefinition is not an object");
                continue;
            }
            m.fieldNames().forEachRemaining(f -> {
                if (!Set.of("Name", "Unit", "StorageResolution").contains(f)) {
                    problems.add(
                            "a MetricDefinition has the member " + f + ", which the specification does not define");
                }
            });
            if (m.has("Unit")
                    && !(m.get("Unit").isTextual()
                            && UNITS.contains(m.get("Unit").asText()))) {
                problems.add("not a CloudWatch unit: " + m.get("Unit"));
            }
            if (m.has("StorageResolution")
                    && !(m.get("StorageResolution").isInt()
                            && Set.of(1, 60).contains(m.get("StorageResolution").asInt()))) {
                problems.add("StorageResolution is 1 or 60: " + m.get("StorageResolution"));
            }
            if (!name(m.get("Name"), "a metric name", problems)) {
                continue;
            }
            JsonNode target = root.get(m.get("Name").asText());
            if (target == null) {
                problems.add("the metric " + m.get("Name").asText() + " is not a root member");
            } else if (target.isArray()) {
                if (target.size() > 100) {
                    problems.add(
                            "the metric " + m.get("Name").asText() + " has " + target.size() + " values (at most 100)");
                }
                target.forEach(v -> {
                    if (!v.isNumber()) {
                        problems.add("the metric " + m.get("Name").asText() + " has a value that is no number: " + v);
                    }
                });
            } else if (!target.isNumber()) {
                problems.add("the metric " + m.get("Name").asText() + " is neither a number nor an array of numbers: "
                        + target);
            }
        }
    }

    private static boolean name(JsonNode node, String what, List<String> problems) {
        if (node == null
                || !node.isTextual()
                || node.asText().isEmpty()
                || node.asText().length() > 255) {
            problems.add(what + " is not a string of 1 to 255 characters: " + node);
            return false;
        }
        return true;
    }

    /** The metrics CloudWatch publishes from a valid document: one per metric and dimension set. */
    public static List<Datum> extract(String line) {
        List<String> problems = violations(line);
        if (!problems.isEmpty()) {
            throw new AssertionError("not a valid EMF document: " + problems + "\n" + line);
        }
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        var data = new ArrayList<Datum>();
        for (JsonNode d : root.at("/_aws/CloudWatchMetrics")) {
            for (JsonNode set : d.get("Dimensions")) {
                Map<String, String> dims = new TreeMap<>();
                set.forEach(k -> dims.put(k.asText(), root.get(k.asText()).asText()));
                for (JsonNode m : d.get("Metrics")) {
                    String name = m.get("Name").asText();
                    var values = new ArrayList<Double>();
                    JsonNode v = root.get(name);
                    if (v.isArray()) {
                        v.forEach(x -> values.add(x.asDouble()));
                    } else {
                        values.add(v.asDouble());
                    }
                    data.add(new Datum(
                            d.get("Namespace").asText(), name, m.path("Unit").asText("None"), dims, values));
                }
            }
        }
        return data;
    }

    /** Whether a log line is meant as EMF (a JSON object with {@code _aws}). */
    public static boolean isEmf(String line) {
        String s = line.strip();
        if (!s.startsWith("{") || !s.contains("\"_aws\"")) {
            return false;
        }
        try {
            return JSON.readTree(s).has("_aws");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The data of several lines, by metric name then dimensions (for assertions). */
    public static Map<String, List<Datum>> byName(List<String> lines) {
        var out = new LinkedHashMap<String, List<Datum>>();
        for (String line : lines) {
            for (Datum d : extract(line)) {
                out.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(d);
            }
        }
        return out;
    }
}
