package io.apsisimport.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.template.TemplateModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * template.yaml read for the local stack, the way SAM and CloudFormation would deploy it: each
 * function's handler, timeout, memory, logging and environment (Globals merged with its own, every
 * intrinsic resolved against the local parameters and resources), and the EventBridge rules the
 * local cloud imitates. Nothing the template says is restated in the local cloud.
 */
final class LocalTemplate {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SUB = Pattern.compile("\\$\\{(!?)([A-Za-z0-9:._]+)}");
    private static final Object NO_VALUE = new Object();

    /** An EventBridge rule of a function ({@code Events: {Type: EventBridgeRule}}), pattern resolved. */
    record Rule(String function, String event, JsonNode pattern) {}

    private final TemplateModel template;
    private final Map<String, String> parameters;
    private final Map<String, String> resources;
    private final String stackName;
    private final String region;
    private final String account;

    /**
     * @param parameterValues values of parameters (the others take their Default)
     * @param physicalIds what {@code !Ref} / {@code !GetAtt} of a resource gives locally, by logical
     *     id ({@code "SlotsTable"}) or {@code "LogicalId.Attribute"}
     */
    LocalTemplate(
            TemplateModel template,
            Map<String, String> parameterValues,
            Map<String, String> physicalIds,
            String stackName,
            String region,
            String account) {
        this.template = template;
        this.parameters = new LinkedHashMap<>();
        template.root().path("Parameters").properties().forEach(p -> {
            JsonNode d = p.getValue().get("Default");
            if (d != null) {
                parameters.put(p.getKey(), d.asText());
            }
        });
        parameterValues.forEach((k, v) -> {
            if (!parameters.containsKey(k)
                    && !template.root().path("Parameters").has(k)) {
                throw new IllegalArgumentException("template.yaml has no parameter " + k);
            }
            parameters.put(k, v);
        });
        this.resources = Map.copyOf(physicalIds);
        this.stackName = stackName;
        this.region = region;
        this.account = account;
    }

    /** The state machine's name as the template gives it (fixed names are built from it). */
    String resolvedString(JsonNode value) {
        Object v = resolve(value);
        if (v == NO_VALUE || v == null) {
            throw new IllegalStateException("no value for " + value);
        }
        return v.toString();
    }

    /** Every AWS::Serverless::Function, as Lambda would run it here. */
    List<FunctionConfig> functions(String taskRoot) {
        JsonNode globals = template.root().path("Globals").path("Function");
        List<FunctionConfig> functions = new ArrayList<>();
        for (String name : template.functionHandlers().keySet()) {
            JsonNode props = template.resource(name).path("Properties");
            String handler = resolvedString(props.has("Handler") ? props.get("Handler") : globals.get("Handler"));
            int timeout = Integer.parseInt(
                    resolvedString(props.has("Timeout") ? props.get("Timeout") : globals.path("Timeout")));
            int memory = Integer.parseInt(
                    resolvedString(props.has("MemorySize") ? props.get("MemorySize") : globals.path("MemorySize")));
            var variables = new LinkedHashMap<String, String>();
            putResolved(variables, globals.path("Environment").path("Variables"));
            putResolved(variables, props.path("Environment").path("Variables"));
            var logging = new LinkedHashMap<String, String>();
            putResolved(logging, globals.path("LoggingConfig"));
            putResolved(logging, props.path("LoggingConfig"));
            // Published versions (the alias every caller uses: AutoPublishAlias) restore from a snapshot.
            JsonNode snapStart = props.has("SnapStart") ? props.get("SnapStart") : globals.path("SnapStart");
            boolean snap = "PublishedVersions".equals(String.valueOf(resolve(snapStart.path("ApplyOn"))));
            functions.add(
                    FunctionConfig.lambda(name, handler, timeout, memory, variables, logging, snap, region, taskRoot));
        }
        return functions;
    }

    /** The EventBridge rules of the template's functions, their patterns resolved. */
    List<Rule> eventBridgeRules() {
        List<Rule> rules = new ArrayList<>();
        for (String name : template.functionHandlers().keySet()) {
            template.resource(name)
                    .path("Properties")
                    .path("Events")
                    .properties()
                    .forEach(e -> {
                        if ("EventBridgeRule".equals(e.getValue().path("Type").asText())) {
                            rules.add(new Rule(
                                    name,
                                    e.getKey(),
                                    toNode(resolve(
                                            e.getValue().path("Properties").path("Pattern")))));
                        }
                    });
        }
        return rules;
    }

    /**
     * EventBridge's matching for the pattern forms the template uses: a list matches when the
     * event's value equals one of its (scalar) entries, an object matches field by field.
     */
    static boolean matches(JsonNode pattern, JsonNode event) {
        for (var field : pattern.properties()) {
            JsonNode expected = field.getValue();
            JsonNode actual = event.get(field.getKey());
            if (expected.isObject()) {
                if (actual == null || !actual.isObject() || !matches(expected, actual)) {
                    return false;
                }
            } else if (expected.isArray()) {
                boolean any = false;
                for (JsonNode option : expected) {
                    if (!option.isValueNode()) {
                        throw new UnsupportedOperationException(
                                "pattern operator " + option + " is not imitated locally");
                    }
                    any |= actual != null
                            && actual.isValueNode()
                            && actual.asText().equals(option.asText());
                }
                if (!any) {
                    return false;
                }
            } else {
                throw new IllegalArgumentException("an event pattern's leaves are lists, not " + expected);
            }
        }
        return true;
    }

    private void putResolved(Map<String, String> into, JsonNode mapping) {
        mapping.properties().forEach(e -> {
            Object v = resolve(e.getValue());
            if (v != NO_VALUE) {
                into.put(e.getKey(), String.valueOf(v));
            }
        });
    }

    // ---------------------------------------------------------------- intrinsics

    private Object resolve(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return NO_VALUE;
        }
        if (node.isValueNode()) {
            return node.asText();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            for (JsonNode n : node) {
                Object v = resolve(n);
                if (v != NO_VALUE) {
                    list.add(v);
                }
            }
            return list;
        }
        if (node.size() == 1) {
            String key = node.fieldNames().next();
            JsonNode arg = node.get(key);
            switch (key) {
                case "Ref":
                    return ref(arg.asText());
                case "Fn::If":
                    return condition(arg.get(0).asText()) ? resolve(arg.get(1)) : resolve(arg.get(2));
                case "Fn::Sub":
                    return sub(arg);
                case "Fn::GetAtt":
                    return physical(arg.get(0).asText() + "." + arg.get(1).asText());
                case "Fn::Join": {
                    var parts = new ArrayList<String>();
                    for (Object o : (List<?>) resolve(arg.get(1))) {
                        parts.add(String.valueOf(o));
                    }
                    return String.join(arg.get(0).asText(), parts);
                }
                default:
                    if (key.startsWith("Fn::") || key.equals("Condition")) {
                        throw new UnsupportedOperationException(key + " is not resolved by the local cloud: " + node);
                    }
            }
        }
        var map = new LinkedHashMap<String, Object>();
        node.properties().forEach(e -> {
            Object v = resolve(e.getValue());
            if (v != NO_VALUE) {
                map.put(e.getKey(), v);
            }
        });
        return map;
    }

    private Object ref(String name) {
        return switch (name) {
            case "AWS::Region" -> region;
            case "AWS::AccountId" -> account;
            case "AWS::StackName" -> stackName;
            case "AWS::Partition" -> "aws";
            case "AWS::URLSuffix" -> "amazonaws.com";
            case "AWS::NoValue" -> NO_VALUE;
            default -> {
                if (parameters.containsKey(name)) {
                    yield parameters.get(name);
                }
                yield physical(name);
            }
        };
    }

    private String physical(String id) {
        String v = resources.get(id);
        if (v != null) {
            return v;
        }
        if (!id.contains(".")) {
            JsonNode resource = template.resource(id);
            if ("AWS::Logs::LogGroup".equals(resource.path("Type").asText())) {
                return resolvedString(resource.path("Properties").path("LogGroupName"));
            }
        }
        throw new IllegalStateException("the local cloud has no physical id for " + id
                + " (referenced by template.yaml): add it to LocalCloud's resources");
    }

    private boolean condition(String name) {
        JsonNode c = template.root().path("Conditions").get(name);
        if (c == null) {
            throw new IllegalArgumentException("no condition " + name + " in template.yaml");
        }
        return evaluate(c);
    }

    private boolean evaluate(JsonNode c) {
        String key = c.fieldNames().next();
        JsonNode arg = c.get(key);
        return switch (key) {
            case "Fn::Equals" -> String.valueOf(resolve(arg.get(0))).equals(String.valueOf(resolve(arg.get(1))));
            case "Fn::Not" -> !evaluate(arg.get(0));
            case "Fn::And" -> {
                boolean all = true;
                for (JsonNode n : arg) {
                    all &= evaluate(n);
                }
                yield all;
            }
            case "Fn::Or" -> {
                boolean any = false;
                for (JsonNode n : arg) {
                    any |= evaluate(n);
                }
                yield any;
            }
            case "Condition" -> condition(arg.asText());
            default -> throw new UnsupportedOperationException("condition " + key + " is not evaluated locally");
        };
    }

    private String sub(JsonNode arg) {
        String text = arg.isArray() ? arg.get(0).asText() : arg.asText();
        Map<String, Object> vars = new LinkedHashMap<>();
        if (arg.isArray() && arg.size() > 1) {
            arg.get(1).properties().forEach(e -> vars.put(e.getKey(), resolve(e.getValue())));
        }
        Matcher m = SUB.matcher(text);
        var out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (!m.group(1).isEmpty()) {
                replacement = "${" + m.group(2) + "}";
            } else if (vars.containsKey(m.group(2))) {
                replacement = String.valueOf(vars.get(m.group(2)));
            } else if (m.group(2).contains(".") && !m.group(2).startsWith("AWS::")) {
                replacement = physical(m.group(2));
            } else {
                replacement = String.valueOf(ref(m.group(2)));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static JsonNode toNode(Object v) {
        if (v instanceof Map<?, ?> map) {
            ObjectNode o = NODES.objectNode();
            map.forEach((k, val) -> o.set(String.valueOf(k), toNode(val)));
            return o;
        }
        if (v instanceof List<?> list) {
            ArrayNode a = NODES.arrayNode();
            list.forEach(x -> a.add(toNode(x)));
            return a;
        }
        return NODES.textNode(String.valueOf(v));
    }
}
