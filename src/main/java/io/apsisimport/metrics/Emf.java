package io.apsisimport.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One set of metrics in CloudWatch's embedded metric format (EMF): log lines that CloudWatch Logs
 * turns into metrics, without a call to CloudWatch. Written to the specification ("Specification:
 * Embedded metric format", CloudWatch User Guide):
 *
 * <ul>
 *   <li>the root is a JSON object with {@code _aws}: {@code Timestamp} (milliseconds since the epoch)
 *       and {@code CloudWatchMetrics}, an array of MetricDirectives {@code {Namespace, Dimensions,
 *       Metrics}};
 *   <li>{@code Dimensions} is an array of DimensionSets (arrays of dimension keys, at most
 *       {@link #MAX_DIMENSIONS_PER_SET}, possibly empty: the metric without dimensions); each key is a
 *       root member with a string value;
 *   <li>{@code Metrics} holds at most {@link #MAX_METRICS_PER_DIRECTIVE} MetricDefinitions
 *       {@code {Name, Unit}}; each name is a root member whose value is a number or an array of at
 *       most {@link #MAX_VALUES_PER_METRIC} numbers;
 *   <li>other root members (the S3 key, the execution) are kept in the log line and ignored by the
 *       extraction.
 * </ul>
 *
 * More values or metrics than one document may hold go into further documents ({@link #lines}):
 * each repeats the dimensions and properties, so each is complete on its own.
 */
public final class Emf {
    public static final int MAX_METRICS_PER_DIRECTIVE = 100;
    public static final int MAX_VALUES_PER_METRIC = 100;
    public static final int MAX_DIMENSIONS_PER_SET = 30;
    /** Namespaces, metric names and dimension keys: 1 to 255 characters (EMF's JSON schema). */
    public static final int MAX_NAME_CHARS = 255;
    /** CloudWatch's limit on a dimension value (the API's {@code Dimension.Value}: 1 to 1024 characters). */
    public static final int MAX_DIMENSION_VALUE_CHARS = 1024;
    /** CloudWatch namespaces: these characters, at least one not a space, and not AWS's own "AWS/". */
    public static final Pattern NAMESPACE =
            Pattern.compile("(?!AWS/)[0-9A-Za-z._/#: -]*[0-9A-Za-z._/#:-][0-9A-Za-z._/#: -]*");
    /** What a blank dimension value becomes: CloudWatch drops a metric whose dimension value is empty. */
    public static final String NONE = "none";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String namespace;
    private final Instant timestamp;
    private final Map<String, String> dimensions = new LinkedHashMap<>();
    private final Map<String, Object> properties = new LinkedHashMap<>();
    private final List<Group> groups = new ArrayList<>();
    private final Set<String> names = new LinkedHashSet<>();

    private Emf(String namespace, Instant timestamp) {
        if (namespace == null
                || namespace.length() > MAX_NAME_CHARS
                || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("not a CloudWatch namespace: " + namespace);
        }
        this.namespace = namespace;
        this.timestamp = timestamp;
    }

    /** A document of {@code namespace}, its metrics dated {@code timestamp}. */
    public static Emf document(String namespace, Instant timestamp) {
        return new Emf(namespace, timestamp);
    }

    /**
     * A dimension's value (a root member the groups' dimension sets name). Blank becomes
     * {@link #NONE}; longer than CloudWatch keeps, it is cut.
     */
    public Emf dimension(String key, String value) {
        claim(key);
        String v = value == null || value.isBlank() ? NONE : value;
        dimensions.put(key, v.length() > MAX_DIMENSION_VALUE_CHARS ? v.substring(0, MAX_DIMENSION_VALUE_CHARS) : v);
        return this;
    }

    /** A root member that is neither a metric nor a dimension (kept in the log line); null is left out. */
    public Emf property(String key, Object value) {
        if (value != null) {
            claim(key);
            properties.put(key, value);
        }
        return this;
    }

    /**
     * Metrics published under each of {@code dimensionSets} (each a list of dimension keys given by
     * {@link #dimension}; an empty list: the metric without dimensions).
     */
    public Group group(List<List<String>> dimensionSets) {
        if (dimensionSets.isEmpty()) {
            throw new IllegalArgumentException("a MetricDirective needs at least one DimensionSet");
        }
        for (List<String> set : dimensionSets) {
            if (set.size() > MAX_DIMENSIONS_PER_SET) {
                throw new IllegalArgumentException("more than " + MAX_DIMENSIONS_PER_SET + " dimensions in " + set);
            }
        }
        var group = new Group(dimensionSets.stream().map(List::copyOf).toList());
        groups.add(group);
        return group;
    }

    /** The metrics of one MetricDirective (or several, when there are more than 100). */
    public final class Group {
        private final List<List<String>> dimensionSets;
        private final Map<String, Unit> units = new LinkedHashMap<>();
        private final Map<String, List<Double>> values = new LinkedHashMap<>();

        private Group(List<List<String>> dimensionSets) {
            this.dimensionSets = dimensionSets;
        }

        /** One value of {@code name}. */
        public Group add(String name, Unit unit, double value) {
            return add(name, unit, List.of(value));
        }

        /** The values of {@code name} (one metric, several data points); none: the metric is left out. */
        public Group add(String name, Unit unit, List<Double> data) {
            if (data.isEmpty()) {
                return this;
            }
            for (double d : data) {
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException(name + ": not a finite number: " + d);
                }
            }
            claim(name);
            units.put(name, unit);
            values.put(name, List.copyOf(data));
            return this;
        }

        /** Back to the document. */
        public Emf done() {
            return Emf.this;
        }
    }

    private void claim(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_CHARS) {
            throw new IllegalArgumentException(
                    "an EMF member name has 1 to " + MAX_NAME_CHARS + " characters: " + name);
        }
        if (name.equals("_aws") || !names.add(name)) {
            throw new IllegalArgumentException("the root member " + name + " is used twice");
        }
    }

    /** The metric names of this document, in the order added. */
    public List<String> metricNames() {
        var all = new ArrayList<String>();
        groups.forEach(g -> all.addAll(g.units.keySet()));
        return all;
    }

    /**
     * The document as JSON lines (no newline): one, or more when a metric has more than
     * {@link #MAX_VALUES_PER_METRIC} values (the n-th line holds the n-th hundred of each metric's
     * values). Empty when no metric has a value.
     */
    public List<String> lines() {
        int chunks = 0;
        for (Group g : groups) {
            for (List<String> set : g.dimensionSets) {
                for (String key : set) {
                    if (!dimensions.containsKey(key)) {
                        throw new IllegalStateException("the dimension " + key + " has no value in this document");
                    }
                }
            }
            for (List<Double> v : g.values.values()) {
                chunks = Math.max(chunks, (v.size() + MAX_VALUES_PER_METRIC - 1) / MAX_VALUES_PER_METRIC);
            }
        }
        var lines = new ArrayList<String>();
        for (int c = 0; c < chunks; c++) {
            lines.add(chunk(c));
        }
        return lines;
    }

    private String chunk(int c) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", timestamp.toEpochMilli());
        ArrayNode directives = aws.putArray("CloudWatchMetrics");
        dimensions.forEach(root::put);
        properties.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        for (Group g : groups) {
            ObjectNode directive = null;
            int inDirective = 0;
            for (var e : g.values.entrySet()) {
                List<Double> all = e.getValue();
                int from = c * MAX_VALUES_PER_METRIC;
                if (from >= all.size()) {
                    continue;
                }
                List<Double> mine = all.subList(from, Math.min(all.size(), from + MAX_VALUES_PER_METRIC));
                if (directive == null || inDirective == MAX_METRICS_PER_DIRECTIVE) {
                    directive = directives.addObject();
                    directive.put("Namespace", namespace);
                    ArrayNode sets = directive.putArray("Dimensions");
                    for (List<String> set : g.dimensionSets) {
                        ArrayNode keys = sets.addArray(); // an empty set stays []: the metric without dimensions
                        set.forEach(keys::add);
                    }
                    directive.putArray("Metrics");
                    inDirective = 0;
                }
                ((ArrayNode) directive.get("Metrics"))
                        .addObject()
                        .put("Name", e.getKey())
                        .put("Unit", g.units.get(e.getKey()).cloudWatch());
                inDirective++;
                if (mine.size() == 1) {
                    root.put(e.getKey(), number(mine.get(0)));
                } else {
                    ArrayNode array = root.putArray(e.getKey());
                    mine.forEach(v -> array.add(number(v)));
                }
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whole numbers as integers (counts read naturally in the log line), others as they are. */
    private static com.fasterxml.jackson.databind.node.ValueNode number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? JSON.getNodeFactory().numberNode((long) v)
                : JSON.getNodeFactory().numberNode(v);
    }
}
