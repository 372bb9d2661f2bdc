package io.apsisimport.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of Step Functions' payload templates (Parameters, ItemSelector, ResultSelector) to
 * build, from the definitions themselves, the states a worst case goes through: reference paths
 * ({@code $.a.b}, {@code $$.Execution.Id}, …) and the intrinsics the definitions use. Anything else
 * fails, so a new construct in a definition makes the budget tests say what they cannot compute.
 */
final class StatePaths {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern ARRAY_LENGTH = Pattern.compile("States\\.ArrayLength\\((\\$[^)]*)\\)");
    private static final Pattern STRING_TO_JSON_LITERAL = Pattern.compile("States\\.StringToJson\\('([^']*)'\\)");
    private static final Pattern STRING_TO_JSON_PATH = Pattern.compile("States\\.StringToJson\\((\\$[^)]*)\\)");

    private StatePaths() {}

    /** A payload template evaluated against {@code input} and the context object {@code context}. */
    static JsonNode evaluate(JsonNode template, JsonNode input, JsonNode context) {
        if (!template.isObject()) {
            return template;
        }
        ObjectNode out = NODES.objectNode();
        template.properties().forEach(e -> {
            if (e.getKey().endsWith(".$")) {
                out.set(
                        e.getKey().substring(0, e.getKey().length() - 2),
                        expression(e.getValue().asText(), input, context));
            } else {
                out.set(e.getKey(), evaluate(e.getValue(), input, context));
            }
        });
        return out;
    }

    static JsonNode expression(String expr, JsonNode input, JsonNode context) {
        Matcher m;
        if ((m = ARRAY_LENGTH.matcher(expr)).matches()) {
            return NODES.numberNode(path(m.group(1), input, context).size());
        }
        if ((m = STRING_TO_JSON_LITERAL.matcher(expr)).matches()) {
            return parse(m.group(1));
        }
        if ((m = STRING_TO_JSON_PATH.matcher(expr)).matches()) {
            return parse(path(m.group(1), input, context).asText());
        }
        if (expr.startsWith("States.Format('")) {
            return NODES.textNode(format(expr, input, context));
        }
        if (expr.startsWith("$")) {
            return path(expr, input, context);
        }
        throw new AssertionError("the budget tests cannot evaluate " + expr + ": teach StatePaths");
    }

    /** {@code States.Format('…{}…', $.a, $.b)}: backslash escapes, one {@code {}} per argument. */
    private static String format(String expr, JsonNode input, JsonNode context) {
        int i = "States.Format('".length();
        var template = new StringBuilder();
        var out = new StringBuilder();
        var args = new java.util.ArrayList<String>();
        for (; expr.charAt(i) != '\''; i++) {
            char c = expr.charAt(i);
            if (c == '\\') {
                template.append('\0').append(expr.charAt(++i)); // escaped: literal
            } else {
                template.append(c);
            }
        }
        for (String arg : expr.substring(i + 1, expr.lastIndexOf(')')).split(",")) {
            if (!arg.isBlank()) {
                args.add(arg.strip());
            }
        }
        int next = 0;
        for (int j = 0; j < template.length(); j++) {
            char c = template.charAt(j);
            if (c == '\0') {
                out.append(template.charAt(++j));
            } else if (c == '{' && j + 1 < template.length() && template.charAt(j + 1) == '}') {
                out.append(path(args.get(next++), input, context).asText());
                j++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static JsonNode path(String path, JsonNode input, JsonNode context) {
        JsonNode node = path.startsWith("$$") ? context : input;
        String rest = path.startsWith("$$") ? path.substring(2) : path.substring(1);
        for (String field : rest.split("\\.")) {
            if (field.isEmpty()) {
                continue;
            }
            node = node.path(field);
            if (node.isMissingNode()) {
                throw new AssertionError("no " + path + " in " + input);
            }
        }
        return node;
    }

    static ObjectNode object(Map<String, ? extends JsonNode> fields) {
        ObjectNode o = NODES.objectNode();
        fields.forEach(o::set);
        return o;
    }

    private static JsonNode parse(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
