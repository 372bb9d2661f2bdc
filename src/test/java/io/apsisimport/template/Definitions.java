package io.apsisimport.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The two state machine definitions as the template gives them ({@code DefinitionUri}), for the
 * contract and budget tests: every state by name, also those inside a Map's ItemProcessor.
 */
final class Definitions {
    static final String FILE = "ImportStateMachine";
    static final String PART = "ImportPartStateMachine";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Definitions() {}

    static final String STACK = "apsis-import";

    /**
     * The definition as deployed: its DefinitionSubstitutions resolved the way CloudFormation would
     * for a stack named {@value #STACK} in eu-west-1 ({@code !Ref X.Alias} → the alias ARN,
     * {@code !Ref AWS::Partition} → aws, a state machine → its ARN, a parameter → {@code parameters}
     * or else its Default).
     */
    static JsonNode deployed(TemplateModel model, String machine, Map<String, String> parameters) {
        var values = new LinkedHashMap<String, String>();
        model.resource(machine)
                .path("Properties")
                .path("DefinitionSubstitutions")
                .properties()
                .forEach(e -> {
                    JsonNode v = e.getValue();
                    String ref = v.path("Ref").asText(null);
                    String value;
                    if (v.isValueNode()) {
                        value = v.asText();
                    } else if (ref == null) {
                        throw new AssertionError(machine + ": cannot resolve " + e.getKey() + " = " + v);
                    } else if (ref.endsWith(".Alias")) {
                        value = "arn:aws:lambda:eu-west-1:123456789012:function:" + STACK + "-"
                                + ref.substring(0, ref.length() - ".Alias".length()) + "-A1B2C3D4E5F6:live";
                    } else if (ref.equals("AWS::Partition")) {
                        value = "aws";
                    } else if (model.root().path("Resources").has(ref)
                            && model.resource(ref).path("Type").asText().endsWith("StateMachine")) {
                        value = "arn:aws:states:eu-west-1:123456789012:stateMachine:"
                                + model.resource(ref)
                                        .at("/Properties/Name/Fn::Sub")
                                        .asText()
                                        .replace("${AWS::StackName}", STACK);
                    } else if (parameters.containsKey(ref)) {
                        value = parameters.get(ref);
                    } else {
                        value = model.root()
                                .path("Parameters")
                                .path(ref)
                                .path("Default")
                                .asText();
                    }
                    values.put(e.getKey(), value);
                });
        try {
            String text = Files.readString(Path.of(model.definitionUri(machine)));
            var m = java.util.regex.Pattern.compile("\\$\\{([A-Za-z0-9]+)}").matcher(text);
            var out = new StringBuilder();
            while (m.find()) {
                String v = values.get(m.group(1));
                if (v == null) {
                    throw new AssertionError(machine + ": no substitution for ${" + m.group(1) + "}");
                }
                m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(v));
            }
            m.appendTail(out);
            return JSON.readTree(out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode load(TemplateModel model, String machine) {
        try {
            return JSON.readTree(Files.readString(Path.of(model.definitionUri(machine))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every state of a definition, including those of Map (ItemProcessor/Iterator) and Parallel branches. */
    static void forEachState(JsonNode machine, BiConsumer<String, JsonNode> visit) {
        machine.path("States").properties().forEach(entry -> {
            JsonNode state = entry.getValue();
            visit.accept(entry.getKey(), state);
            for (String nested : new String[] {"ItemProcessor", "Iterator"}) {
                if (state.has(nested)) {
                    forEachState(state.get(nested), visit);
                }
            }
            state.path("Branches").forEach(b -> forEachState(b, visit));
        });
    }

    static Map<String, JsonNode> states(JsonNode machine) {
        var states = new LinkedHashMap<String, JsonNode>();
        forEachState(machine, states::put);
        return states;
    }

    /** A Task that invokes a Lambda function: a function ARN substitution or the lambda:invoke integration. */
    static boolean invokesLambda(JsonNode state) {
        String resource = state.path("Resource").asText();
        return state.path("Type").asText().equals("Task")
                && (resource.matches("\\$\\{[A-Za-z0-9]+FunctionArn}") || resource.contains(":states:::lambda:invoke"));
    }
}
