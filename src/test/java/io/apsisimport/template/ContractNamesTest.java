package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.apsis.Outcome;
import io.apsisimport.dryrun.DryRunReport;
import io.apsisimport.report.Summary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

// Contract tests: the names the Java code and the state machines both use, held together. Every
// error a Retry or Catch names is Step Functions' or Lambda's own, or an exception the code of the
// Task's own function can throw (its handler reaches a class that uses it); every word a Choice
// compares is one the code writes there, taken from the constants the code writes it with.
class ContractNamesTest {
    /** Step Functions' own error names (Developer Guide, "Error names"). */
    static final Set<String> STATES_ERRORS = Set.of(
            "States.ALL",
            "States.DataLimitExceeded",
            "States.ExceedToleratedFailureThreshold",
            "States.HeartbeatTimeout",
            "States.Http.Socket",
            "States.IntrinsicFailure",
            "States.ItemReaderFailed",
            "States.NoChoiceMatched",
            "States.ParameterPathFailure",
            "States.Permissions",
            "States.QueryEvaluationError",
            "States.ResultPathMatchFailure",
            "States.ResultWriterFailed",
            "States.Runtime",
            "States.TaskFailed",
            "States.Timeout",
            "States.BranchFailed");

    /**
     * Where a Choice reads a word ("definition variable"), and every word the code writes there. The
     * file's {@code $.status} is the dry run's report (ValidateFile) on the dry-run path and the file's
     * report (FinishImport) on the import path. A Choice on a word not listed here fails the test:
     * add its variable with the constants its writer uses.
     */
    static final Map<String, Set<String>> WORDS = Map.of(
            Definitions.PART + " $.status.outcome",
                    Arrays.stream(Outcome.values()).map(Outcome::name).collect(Collectors.toSet()),
            Definitions.FILE + " $.status",
                    Stream.of(Summary.SUCCEEDED, Summary.FAILED, DryRunReport.VALIDATED, DryRunReport.FAILED)
                            .collect(Collectors.toSet()));

    private static final Pattern FUNCTION_ARN = Pattern.compile("\\$\\{([A-Za-z0-9]+Function)Arn}");
    private static final Pattern CLASS_NAME = Pattern.compile("io/apsisimport/[A-Za-z0-9_/$]+");

    private static TemplateModel template;
    private static Map<String, JsonNode> definitions;
    private static Path mainClasses;

    @BeforeAll
    static void load() throws URISyntaxException {
        template = TemplateModel.load(Path.of("template.yaml"));
        definitions = new TreeMap<>(Map.of(
                Definitions.FILE,
                Definitions.load(template, Definitions.FILE),
                Definitions.PART,
                Definitions.load(template, Definitions.PART)));
        mainClasses = Path.of(Summary.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
    }

    @Test
    void everyErrorNameIsStepFunctionsOwnOrOneTheTasksFunctionCanThrow() {
        var problems = new ArrayList<String>();
        Map<String, String> handlers = template.functionHandlers();
        int ours = 0;
        for (var d : definitions.entrySet()) {
            for (var s : Definitions.states(d.getValue()).entrySet()) {
                String where = d.getKey() + " / " + s.getKey();
                JsonNode state = s.getValue();
                var names = new TreeSet<String>();
                for (String field : List.of("Retry", "Catch")) {
                    state.path(field).forEach(r -> r.path("ErrorEquals").forEach(e -> names.add(e.asText())));
                }
                String function = function(state);
                for (String name : names) {
                    if (name.startsWith("States.")) {
                        if (!STATES_ERRORS.contains(name)) {
                            problems.add(where + ": " + name + " is no error Step Functions raises");
                        }
                    } else if (name.startsWith("Lambda.")) {
                        if (!Definitions.invokesLambda(state)) {
                            problems.add(where + ": " + name + " on a state that invokes no function");
                        }
                    } else if (name.startsWith("StepFunctions.")) {
                        if (!state.path("Resource").asText().contains(":states:::states:")) {
                            problems.add(where + ": " + name + " on a state that calls no Step Functions API");
                        }
                    } else if (function == null || !handlers.containsKey(function)) {
                        problems.add(where + ": " + name + " on a state whose function is not one of template.yaml's");
                    } else {
                        ours++;
                        String handler = handlers.get(function).replaceFirst("::.*", "");
                        if (!throwable(name)) {
                            problems.add(where + ": " + name + " is no unchecked exception of the main code");
                        } else if (!reachableUsers(handler).contains(name.replace('.', '/'))) {
                            problems.add(where + ": " + name + " is used by no class " + handler + " (" + function
                                    + ") reaches:" + " the Retry or Catch can never match");
                        }
                    }
                }
            }
        }
        assertTrue(ours > 0, "the definitions name none of our exceptions: is this test still looking?");
        assertEquals(List.of(), problems);
    }

    @Test
    void everyWordAChoiceComparesIsOneTheCodeWritesThere() {
        var problems = new ArrayList<String>();
        var seen = new TreeSet<String>();
        for (var d : definitions.entrySet()) {
            for (var s : Definitions.states(d.getValue()).entrySet()) {
                if (!s.getValue().path("Type").asText().equals("Choice")) {
                    continue;
                }
                var rules = new ArrayList<JsonNode>();
                s.getValue().path("Choices").forEach(c -> flatten(c, rules));
                for (JsonNode rule : rules) {
                    if (!rule.has("StringEquals")) {
                        continue;
                    }
                    String variable = d.getKey() + " " + rule.path("Variable").asText();
                    String word = rule.path("StringEquals").asText();
                    Set<String> written = WORDS.get(variable);
                    seen.add(variable);
                    if (written == null) {
                        problems.add(d.getKey() + " / " + s.getKey() + ": compares "
                                + rule.path("Variable").asText() + " to \"" + word
                                + "\", a variable this test does not know the writer of (add it to WORDS)");
                    } else if (!written.contains(word)) {
                        problems.add(d.getKey() + " / " + s.getKey() + ": compares "
                                + rule.path("Variable").asText() + " to \"" + word
                                + "\", which the code never writes there (it writes " + new TreeSet<>(written) + ")");
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        assertEquals(new TreeSet<>(WORDS.keySet()), seen, "a variable of WORDS that no Choice compares any more");
    }

    @Test
    void theCheckRefusesANameNoHandlerUsesAndAWordNobodyWrites() {
        // The reachability is not vacuous: the slot reaper never uploads, the status check does not refuse a file.
        assertFalse(reachableUsers("io.apsisimport.handler.ReapSlotsHandler")
                .contains("io/apsisimport/upload/UploadTransientException"));
        assertTrue(reachableUsers("io.apsisimport.handler.UploadPartHandler")
                .contains("io/apsisimport/upload/UploadTransientException"));
        assertFalse(throwable("io.apsisimport.apsis.NoSuchException"));
        assertFalse(WORDS.get(Definitions.PART + " $.status.outcome").contains("SUCCEEDED"));
    }

    /** The logical id of the function a Task invokes (a {@code ${XFunctionArn}} substitution), or null. */
    private static String function(JsonNode state) {
        for (String text : List.of(
                state.path("Resource").asText(),
                state.path("Parameters").path("FunctionName").asText())) {
            Matcher m = FUNCTION_ARN.matcher(text);
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }

    private static boolean throwable(String name) {
        try {
            Class<?> type = Class.forName(name);
            Path from = Path.of(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
            return RuntimeException.class.isAssignableFrom(type) && from.equals(mainClasses);
        } catch (ClassNotFoundException | URISyntaxException e) {
            return false;
        }
    }

    /**
     * The names used by the classes of the main code that {@code handler}'s own code reaches: through
     * the names in each class file's constant pool ({@code io/apsisimport/...}), and from an interface
     * to the classes that implement it (a handler holds an {@code ApsisApi}, the wiring gives it an
     * {@code ApsisClient}). Not through {@code Wiring}, which builds what any function may need: an
     * exception class counts as thrown when a class the handler reaches, other than the exception
     * itself, uses it.
     */
    private static Set<String> reachableUsers(String handler) {
        Map<String, Set<String>> implementations = implementations();
        var used = new HashSet<String>();
        var seen = new HashSet<String>();
        var queue = new ArrayDeque<String>(List.of(handler.replace('.', '/')));
        while (!queue.isEmpty()) {
            String name = queue.poll();
            if (!seen.add(name) || name.equals("io/apsisimport/lambda/Wiring")) {
                continue;
            }
            Path file = mainClasses.resolve(name + ".class");
            if (!Files.isRegularFile(file)) {
                continue;
            }
            for (String ref : ClassFile.read(file).references()) {
                if (!ref.equals(name)) {
                    used.add(ref);
                }
                queue.add(ref);
            }
            queue.addAll(implementations.getOrDefault(name, Set.of()));
        }
        return used;
    }

    private static Map<String, Set<String>> implementations;

    private static synchronized Map<String, Set<String>> implementations() {
        if (implementations == null) {
            var byInterface = new TreeMap<String, Set<String>>();
            try (Stream<Path> files = Files.walk(mainClasses)) {
                files.filter(f -> f.toString().endsWith(".class"))
                        .map(ClassFile::read)
                        .forEach(c -> c.interfaces()
                                .forEach(i -> byInterface
                                        .computeIfAbsent(i, k -> new TreeSet<>())
                                        .add(c.name())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            implementations = byInterface;
        }
        return implementations;
    }

    /** What this test reads of a class file: its name, its interfaces, and the main code's names it uses. */
    private record ClassFile(String name, List<String> interfaces, Set<String> references) {
        static ClassFile read(Path file) {
            try (var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(Files.readAllBytes(file)))) {
                in.readInt(); // magic
                in.readUnsignedShort();
                in.readUnsignedShort();
                int count = in.readUnsignedShort();
                var utf8 = new String[count];
                var classIndex = new int[count];
                var references = new HashSet<String>();
                for (int i = 1; i < count; i++) {
                    int tag = in.readUnsignedByte();
                    switch (tag) {
                        case 1 -> {
                            utf8[i] = in.readUTF();
                            Matcher m = CLASS_NAME.matcher(utf8[i]);
                            while (m.find()) {
                                references.add(m.group());
                                references.add(m.group().replaceFirst("\\$.*", "")); // a nested class's outer class
                            }
                        }
                        case 7 -> classIndex[i] = in.readUnsignedShort();
                        case 8, 16, 19, 20 -> in.readUnsignedShort();
                        case 15 -> in.skipBytes(3);
                        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                        case 5, 6 -> {
                            in.readLong();
                            i++;
                        }
                        default -> throw new IllegalStateException(file + ": constant pool tag " + tag);
                    }
                }
                in.readUnsignedShort(); // access flags
                String name = utf8[classIndex[in.readUnsignedShort()]];
                in.readUnsignedShort(); // super class
                var interfaces = new ArrayList<String>();
                for (int n = in.readUnsignedShort(); n > 0; n--) {
                    interfaces.add(utf8[classIndex[in.readUnsignedShort()]]);
                }
                return new ClassFile(name, interfaces, references);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void flatten(JsonNode rule, List<JsonNode> into) {
        into.add(rule);
        Stream.of("And", "Or").forEach(op -> rule.path(op).forEach(r -> flatten(r, into)));
        if (rule.has("Not")) {
            flatten(rule.get("Not"), into);
        }
    }
}
