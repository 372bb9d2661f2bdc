package io.apsisimport.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The notification rules of template.yaml (the AWS::Events::Rule resources with an SNS target),
 * resolved for a stack: each rule's event pattern and its target's input transformer, and the
 * message that transformer makes of an event, by EventBridge's documented rules ("Amazon EventBridge
 * input transformation"; the API reference's InputTransformer): each {@code InputPathsMap} entry names
 * a JSON path into the event (dot notation); in a template that is not JSON (plain text, as these
 * are), each {@code <name>} is replaced by the value's text, strings as they are, without quotes or
 * escaping, numbers as JSON writes them.
 */
public final class NotificationRules {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("<([A-Za-z0-9_.-]+)>");

    /** A rule: its pattern (JSON text, as EventBridge takes it) and its target's transformer. */
    public record Rule(String name, String pattern, Map<String, String> inputPaths, String inputTemplate) {
        /** The message this rule's target gets for {@code event} (a whole EventBridge event). */
        public String render(JsonNode event) {
            Map<String, String> values = new LinkedHashMap<>();
            inputPaths.forEach((var, path) -> {
                JsonNode v = at(event, path);
                if (v == null || v.isMissingNode()) {
                    throw new AssertionError(
                            name + ": " + path + " is not in the event: EventBridge would not create <" + var + ">");
                }
                values.put(var, v.isTextual() ? v.asText() : v.toString());
            });
            Matcher m = PLACEHOLDER.matcher(inputTemplate);
            var out = new StringBuilder();
            while (m.find()) {
                String value = values.get(m.group(1));
                if (value == null) {
                    throw new AssertionError(name + ": <" + m.group(1) + "> is no variable of InputPathsMap");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        }
    }

    private NotificationRules() {}

    /**
     * The rules as a stack would deploy them: {@code stateMachineArn} for {@code !Ref
     * ImportStateMachine}, {@code stackName}, and the parameters' values (defaults otherwise).
     */
    public static Map<String, Rule> of(
            TemplateModel template, String stateMachineArn, String stackName, Map<String, String> parameters) {
        Map<String, String> values = new LinkedHashMap<>();
        template.root()
                .path("Parameters")
                .properties()
                .forEach(
                        p -> values.put(p.getKey(), p.getValue().path("Default").asText()));
        values.putAll(parameters);
        values.put("ImportStateMachine", stateMachineArn);
        values.put("AWS::StackName", stackName);
        var rules = new LinkedHashMap<String, Rule>();
        template.root().path("Resources").properties().forEach(r -> {
            JsonNode props = r.getValue().path("Properties");
            if (!r.getValue().path("Type").asText().equals("AWS::Events::Rule")) {
                return;
            }
            for (JsonNode target : props.path("Targets")) {
                JsonNode transformer = target.path("InputTransformer");
                if (transformer.isMissingNode()) {
                    continue;
                }
                Map<String, String> paths = new LinkedHashMap<>();
                transformer
                        .path("InputPathsMap")
                        .properties()
                        .forEach(e -> paths.put(e.getKey(), e.getValue().asText()));
                // A pattern is YAML (an object) or a JSON string (!Sub, for a number from a parameter).
                JsonNode pattern = resolve(props.path("EventPattern"), values);
                rules.put(
                        r.getKey(),
                        new Rule(
                                r.getKey(),
                                pattern.isTextual() ? pattern.asText() : pattern.toString(),
                                paths,
                                resolve(transformer.path("InputTemplate"), values)
                                        .asText()));
            }
        });
        return rules;
    }

    /** {@code !Ref} and {@code !Sub} (the forms these rules use) resolved from {@code values}. */
    static JsonNode resolve(JsonNode node, Map<String, String> values) {
        if (node.isObject() && node.size() == 1 && node.has("Ref")) {
            return JSON.getNodeFactory().textNode(value(values, node.get("Ref").asText()));
        }
        if (node.isObject() && node.size() == 1 && node.has("Fn::Sub")) {
            Matcher m = Pattern.compile("\\$\\{([A-Za-z0-9:._]+)}")
                    .matcher(node.get("Fn::Sub").asText());
            var out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(value(values, m.group(1))));
            }
            m.appendTail(out);
            return JSON.getNodeFactory().textNode(out.toString());
        }
        if (node.isObject()) {
            var copy = JSON.createObjectNode();
            node.properties().forEach(e -> copy.set(e.getKey(), resolve(e.getValue(), values)));
            return copy;
        }
        if (node.isArray()) {
            var copy = JSON.createArrayNode();
            node.forEach(e -> copy.add(resolve(e, values)));
            return copy;
        }
        return node;
    }

    private static String value(Map<String, String> values, String name) {
        String v = values.get(name);
        if (v == null) {
            throw new AssertionError("no value for ${" + name + "} in a notification rule");
        }
        return v;
    }

    /** EventBridge's JSON path: {@code $.detail.summary}, {@code $.resources[0]}. */
    static JsonNode at(JsonNode event, String path) {
        if (!path.startsWith("$")) {
            return null;
        }
        JsonNode n = event;
        for (String part : path.substring(1).split("\\.")) {
            if (part.isEmpty()) {
                continue;
            }
            Matcher index = Pattern.compile("(.*)\\[(\\d+)]").matcher(part);
            if (index.matches()) {
                n = (index.group(1).isEmpty() ? n : n.path(index.group(1))).path(Integer.parseInt(index.group(2)));
            } else {
                n = n.path(part);
            }
        }
        return n;
    }
}
