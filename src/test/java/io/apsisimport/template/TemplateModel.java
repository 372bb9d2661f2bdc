package io.apsisimport.template;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Read-only view of the SAM template for contract tests: which functions exist with
 * which handler and environment, what the state machine is given.
 *
 * <p>CloudFormation short tags ({@code !Ref X}, {@code !If [...]}) are read back into
 * their long form ({@code {"Ref": "X"}}, {@code {"Fn::If": [...]}}). Jackson's YAML
 * parser accepts unknown tags but only reports them as type ids, which a plain
 * {@code readTree} drops: {@code !Ref X} would come back as the string {@code "X"}.
 */
public final class TemplateModel {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final Set<String> FUNCTION_TYPES = Set.of("AWS::Serverless::Function");
    private static final Set<String> STATE_MACHINE_TYPES =
            Set.of("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine");

    private final JsonNode root;

    private TemplateModel(JsonNode root) {
        if (!root.isObject() || !root.path("Resources").isObject()) {
            throw new IllegalArgumentException("not a template: no Resources mapping");
        }
        this.root = root;
    }

    public static TemplateModel load(Path template) {
        try {
            return parse(Files.readString(template));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template " + template, e);
        }
    }

    public static TemplateModel parse(String yaml) {
        try (var parser = (YAMLParser) YAML.createParser(yaml)) {
            if (parser.nextToken() == null) {
                throw new IllegalArgumentException("empty template");
            }
            return new TemplateModel(readValue(parser));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse template", e);
        }
    }

    /** The whole template, intrinsic functions in long form. */
    public JsonNode root() {
        return root;
    }

    /** A resource by logical id, as written (Type, Properties, Condition, …). */
    public JsonNode resource(String logicalId) {
        var resource = root.path("Resources").get(logicalId);
        if (resource == null) {
            throw new IllegalArgumentException("no resource " + logicalId + " in the template");
        }
        return resource;
    }

    public Set<String> parameterNames() {
        return keys(root.path("Parameters"));
    }

    /** Logical id → handler of every {@code AWS::Serverless::Function}, sorted by id. */
    public Map<String, String> functionHandlers() {
        SortedMap<String, String> handlers = new TreeMap<>();
        var globalHandler = globalFunction().path("Handler");
        root.path("Resources").properties().forEach(entry -> {
            if (FUNCTION_TYPES.contains(entry.getValue().path("Type").asText())) {
                var handler = entry.getValue().path("Properties").path("Handler");
                handlers.put(entry.getKey(), (handler.isMissingNode() ? globalHandler : handler).asText());
            }
        });
        return Collections.unmodifiableSortedMap(handlers);
    }

    /** Names of the environment variables a function gets: Globals plus its own. */
    public Set<String> environmentVariables(String functionLogicalId) {
        var function = resourceOfType(functionLogicalId, FUNCTION_TYPES);
        SortedSet<String> names =
                new TreeSet<>(keys(globalFunction().path("Environment").path("Variables")));
        names.addAll(keys(function.path("Properties").path("Environment").path("Variables")));
        return Collections.unmodifiableSortedSet(names);
    }

    public Set<String> definitionSubstitutionKeys(String stateMachineLogicalId) {
        var stateMachine = resourceOfType(stateMachineLogicalId, STATE_MACHINE_TYPES);
        return keys(stateMachine.path("Properties").path("DefinitionSubstitutions"));
    }

    /** The DefinitionUri as written, when it is a plain string (a local path or S3 URI). */
    public String definitionUri(String stateMachineLogicalId) {
        var uri = resourceOfType(stateMachineLogicalId, STATE_MACHINE_TYPES)
                .path("Properties")
                .path("DefinitionUri");
        if (!uri.isTextual()) {
            throw new IllegalArgumentException(stateMachineLogicalId + " has no DefinitionUri string");
        }
        return uri.asText();
    }

    private JsonNode globalFunction() {
        return root.path("Globals").path("Function");
    }

    private JsonNode resourceOfType(String logicalId, Set<String> types) {
        var resource = resource(logicalId);
        var type = resource.path("Type").asText();
        if (!types.contains(type)) {
            throw new IllegalArgumentException(logicalId + " is a " + type + ", not one of " + types);
        }
        return resource;
    }

    private static SortedSet<String> keys(JsonNode mapping) {
        SortedSet<String> keys = new TreeSet<>();
        mapping.fieldNames().forEachRemaining(keys::add);
        return Collections.unmodifiableSortedSet(keys);
    }

    // ---------------------------------------------------------------- YAML → tree

    /** Reads the value at the parser's current token (a scalar or a whole collection). */
    private static JsonNode readValue(YAMLParser parser) throws IOException {
        var tag = parser.getTypeId(); // read now: it belongs to the current event only
        JsonNode value = switch (parser.currentToken()) {
            case START_OBJECT -> readMapping(parser);
            case START_ARRAY -> readSequence(parser);
            case VALUE_STRING -> NODES.textNode(parser.getText());
            // the node types ObjectMapper.readTree makes, so that trees compare equal
            case VALUE_NUMBER_INT ->
                switch (parser.getNumberType()) {
                    case INT -> NODES.numberNode(parser.getIntValue());
                    case LONG -> NODES.numberNode(parser.getLongValue());
                    default -> NODES.numberNode(parser.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default ->
                throw new IllegalStateException(
                        "unexpected " + parser.currentToken() + " at " + parser.currentLocation());
        };
        return tag == null ? value : intrinsic(tag, value);
    }

    private static ObjectNode readMapping(YAMLParser parser) throws IOException {
        var mapping = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            var key = parser.currentName();
            parser.nextToken();
            mapping.set(key, readValue(parser));
        }
        return mapping;
    }

    private static ArrayNode readSequence(YAMLParser parser) throws IOException {
        var sequence = NODES.arrayNode();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            sequence.add(readValue(parser));
        }
        return sequence;
    }

    /** {@code !Ref x} → {@code {"Ref": x}}, {@code !GetAtt a.b} → {@code {"Fn::GetAtt": [a, b]}}, … */
    private static JsonNode intrinsic(String tag, JsonNode value) {
        return switch (tag) {
            case "Ref", "Condition" -> NODES.objectNode().set(tag, value);
            case "GetAtt" -> NODES.objectNode().set("Fn::GetAtt", getAttArguments(value));
            default -> NODES.objectNode().set("Fn::" + tag, value);
        };
    }

    private static JsonNode getAttArguments(JsonNode value) {
        if (!value.isTextual()) {
            return value; // already [logicalId, attribute]
        }
        var text = value.asText();
        var dot = text.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("!GetAtt " + text + ": expected LogicalId.Attribute");
        }
        return NODES.arrayNode().add(text.substring(0, dot)).add(text.substring(dot + 1));
    }
}
