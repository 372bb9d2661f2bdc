package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

// Contract tests: statemachine/import.asl.json and import-part.asl.json held to Step Functions'
// documented rules and to the code: the retries AWS recommends on every Lambda task, every
// io.apsisimport.* error name a class the code can throw, ARNs in the stack's partition, and no
// path that turns a file whose parts were all imported into a failure.
class StateMachineContractTest {
    /**
     * What AWS recommends retrying on every Lambda task (Step Functions: "Handle transient Lambda
     * service exceptions"), plus the errors a SnapStart restore raises (Lambda: "Troubleshooting
     * SnapStart errors": a version idle for 14 days is Inactive and answers SnapStartNotReady).
     */
    static final List<String> LAMBDA_RETRIES = List.of(
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
            "Lambda.ClientExecutionTimeoutException",
            "Lambda.SnapStartNotReadyException",
            "Lambda.SnapStartTimeoutException",
            "Lambda.SnapStartException");

    private static TemplateModel template;
    private static Map<String, JsonNode> definitions;

    @BeforeAll
    static void load() {
        template = TemplateModel.load(Path.of("template.yaml"));
        definitions = Map.of(
                Definitions.FILE,
                Definitions.load(template, Definitions.FILE),
                Definitions.PART,
                Definitions.load(template, Definitions.PART));
    }

    @Test
    void everyLambdaTaskRetriesWhatAwsRecommends() {
        var problems = new ArrayList<String>();
        int lambdaTasks = 0;
        for (var d : definitions.entrySet()) {
            for (var s : Definitions.states(d.getValue()).entrySet()) {
                if (!Definitions.invokesLambda(s.getValue())) {
                    continue;
                }
                lambdaTasks++;
                var retried = new TreeSet<String>();
                s.getValue().path("Retry").forEach(r -> r.path("ErrorEquals").forEach(e -> retried.add(e.asText())));
                var missing = new TreeSet<>(LAMBDA_RETRIES);
                missing.removeAll(retried);
                if (!missing.isEmpty()) {
                    problems.add(d.getKey() + " / " + s.getKey() + " does not retry " + missing);
                }
            }
        }
        assertEquals(
                18,
                lambdaTasks,
                "Lambda tasks: 9 of the file (the feed wait invokes the feed queue too; the preflight"
                        + " of a feed's file before its turn is a state of its own), 9 of a part (the slot wait invokes AcquireSlot"
                        + " too; \"Did the file arrive?\" invokes CheckImportStatus; a failed import is released by a state of its own)");
        assertEquals(List.of(), problems);
    }

    @Test
    void everyTaskCatchesToANamedFailurePath() {
        var problems = new ArrayList<String>();
        for (var d : definitions.entrySet()) {
            Definitions.states(d.getValue()).forEach((name, state) -> {
                if (state.path("Type").asText().equals("Task")
                        && state.path("Catch").isEmpty()) {
                    problems.add(d.getKey() + " / " + name);
                }
            });
        }
        assertEquals(List.of(), problems, "Tasks without a Catch");
    }

    /**
     * What cfn-lint's schema check (DeployedDefinitionLintTest) does not look at: every transition
     * names a state of its own scope (a Map's ItemProcessor is one), every state is reachable from
     * StartAt, every Wait says how long.
     */
    @Test
    void everyTransitionLeadsToAStateAndEveryStateIsReached() {
        var problems = new ArrayList<String>();
        for (var d : definitions.entrySet()) {
            checkScope(d.getKey(), d.getValue(), problems);
        }
        assertEquals(List.of(), problems);
    }

    private static void checkScope(String where, JsonNode machine, List<String> problems) {
        JsonNode states = machine.path("States");
        if (!states.has(machine.path("StartAt").asText())) {
            problems.add(where + ": StartAt " + machine.path("StartAt") + " is no state");
        }
        var scope = new java.util.LinkedHashMap<String, JsonNode>();
        states.properties().forEach(e -> scope.put(e.getKey(), e.getValue()));
        scope.forEach((name, state) -> {
            for (String next : StateGraph.successors(state)) {
                if (!scope.containsKey(next)) {
                    problems.add(where + " / " + name + ": goes to \"" + next + "\", no state of its scope");
                }
            }
            String type = state.path("Type").asText();
            boolean terminal = type.equals("Succeed") || type.equals("Fail") || type.equals("Choice");
            if (!terminal && !state.has("Next") && !state.path("End").asBoolean()) {
                problems.add(where + " / " + name + ": neither Next nor End");
            }
            if (type.equals("Wait")
                    && !(state.has("Seconds")
                            || state.has("SecondsPath")
                            || state.has("Timestamp")
                            || state.has("TimestampPath"))) {
                problems.add(where + " / " + name + ": a Wait that says not how long");
            }
            if (state.has("ItemProcessor")) {
                checkScope(where + " / " + name, state.get("ItemProcessor"), problems);
            }
        });
        var unreached = new TreeSet<>(scope.keySet());
        unreached.removeAll(StateGraph.reachable(scope, machine.path("StartAt").asText()));
        if (!unreached.isEmpty()) {
            problems.add(where + ": never reached: " + unreached);
        }
    }

    @Test
    void everyApplicationErrorNameIsAThrowableOfTheMainCode() throws URISyntaxException {
        Path main = Path.of(io.apsisimport.lambda.JsonHandler.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        var names = new TreeSet<String>();
        var problems = new ArrayList<String>();
        for (var d : definitions.values()) {
            Definitions.states(d).values().forEach(state -> {
                for (String field : List.of("Retry", "Catch")) {
                    state.path(field)
                            .forEach(r -> r.path("ErrorEquals").forEach(e -> {
                                if (e.asText().startsWith("io.apsisimport.")) {
                                    names.add(e.asText());
                                }
                            }));
                }
            });
        }
        assertFalse(names.isEmpty());
        for (String name : names) {
            try {
                Class<?> type = Class.forName(name);
                if (!Throwable.class.isAssignableFrom(type)) {
                    problems.add(name + " is not a Throwable");
                }
                Path from = Path.of(
                        type.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (!from.equals(main)) {
                    problems.add(name + " comes from " + from + ", not from the main code " + main);
                }
                if (!RuntimeException.class.isAssignableFrom(type)) {
                    problems.add(name + " is a checked exception: a handler cannot throw it");
                }
            } catch (ClassNotFoundException e) {
                problems.add(name + " is no class: the Retry or Catch can never match");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void arnsUseThePartitionOfTheStack() {
        var problems = new ArrayList<String>();
        for (var d : definitions.entrySet()) {
            texts(d.getValue(), "", problems, d.getKey());
        }
        assertEquals(List.of(), problems);
        for (var d : definitions.entrySet()) {
            Definitions.states(d.getValue()).forEach((name, state) -> {
                String resource = state.path("Resource").asText("");
                if (resource.startsWith("arn:")) {
                    assertTrue(resource.startsWith("arn:${Partition}:"), d.getKey() + " / " + name + ": " + resource);
                }
            });
        }
    }

    private static void texts(JsonNode node, String where, List<String> problems, String machine) {
        if (node.isTextual() && node.asText().matches("(?s).*\\barn:aws[a-z-]*:.*")) {
            problems.add(machine + where + ": " + node.asText() + " names a partition; use ${Partition}");
        }
        node.properties().forEach(e -> texts(e.getValue(), where + "/" + e.getKey(), problems, machine));
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                texts(node.get(i), where + "/" + i, problems, machine);
            }
        }
    }

    /**
     * The release after a finished import cannot fail the part: whatever it does, the part goes on to
     * say whether APSIS imported it (the slot's lease and the reaper clean up after a failed release).
     * "Import finished?" picks the release by APSIS's outcome: a COMPLETED import is released into
     * "Part imported", the part's success; any other ended import into "APSIS did not import the part".
     */
    @Test
    void theReleaseAfterAFinishedImportCannotFailThePart() {
        var part = Definitions.states(definitions.get(Definitions.PART));
        JsonNode finished = part.get("Import finished?");
        assertEquals("Choice", finished.path("Type").asText());
        String completed = null;
        for (JsonNode c : finished.path("Choices")) {
            if (c.path("Variable").asText().equals("$.status.outcome")
                    && c.path("StringEquals").asText().equals("COMPLETED")) {
                completed = c.path("Next").asText();
            }
        }
        assertEquals("Release import slot", completed);
        String failed = finished.path("Default").asText();
        assertEquals("Release import slot of the failed import", failed);
        var ends = Map.of(completed, "Part imported", failed, "APSIS did not import the part");
        ends.forEach((name, end) -> {
            JsonNode release = part.get(name);
            assertEquals("IMPORT_FINISHED", release.at("/Parameters/reason").asText(), name);
            assertEquals(end, release.path("Next").asText(), name);
            assertFalse(release.path("Catch").isEmpty(), name + " has a Catch");
            release.path("Catch")
                    .forEach(c -> assertEquals(
                            end,
                            c.path("Next").asText(),
                            "a failed release goes where a successful one does: " + name));
            // The only way into the release is a finished import.
            var into = new ArrayList<String>();
            part.forEach((from, state) -> {
                if (StateGraph.successors(state).contains(name)) {
                    into.add(from);
                }
            });
            assertEquals(List.of("Import finished?"), into, name);
        });
        assertTrue(part.get("Part imported").path("End").asBoolean());
        assertEquals("Pass", part.get("Part imported").path("Type").asText());
        assertEquals(
                "Fail", part.get("APSIS did not import the part").path("Type").asText());
        // Both releases free the slot the same way.
        JsonNode a = part.get(completed).deepCopy();
        JsonNode b = part.get(failed).deepCopy();
        for (JsonNode s : List.of(a, b)) {
            ((ObjectNode) s).remove(List.of("Comment", "Next"));
            s.path("Catch").forEach(c -> ((ObjectNode) c).remove("Next"));
        }
        assertEquals(a, b, "the release of a failed import is the release of a completed one");
    }

    /**
     * A file of an ordered feed is checked before its turn by a state of its own (one Choice decides
     * dry run, feed or import): the very check of "Resolve route and check the file", whose failure it
     * reports as that step's, and then the file's turn.
     */
    @Test
    void aFeedsFileIsCheckedAsAnyFileBeforeItsTurn() {
        var file = Definitions.states(definitions.get(Definitions.FILE));
        JsonNode choice =
                file.get(file.get("Find the file's route").path("Next").asText());
        assertEquals("Choice", choice.path("Type").asText());
        assertEquals("Resolve route and check the file", choice.path("Default").asText());
        var targets = new ArrayList<String>();
        choice.path("Choices").forEach(c -> targets.add(c.path("Next").asText()));
        assertEquals(
                List.of("Check the file without importing it", "Resolve route and check the file before its turn"),
                targets,
                "a dry run first, then a feed's file");
        assertEquals("$.feed.dryRun", choice.at("/Choices/0/And/1/Variable").asText());
        assertEquals("$.feed.ordered", choice.at("/Choices/1/And/1/Variable").asText());
        ObjectNode plain = file.get("Resolve route and check the file").deepCopy();
        ObjectNode feed =
                file.get("Resolve route and check the file before its turn").deepCopy();
        assertEquals("Import each part", plain.path("Next").asText());
        assertEquals("Take the file's turn in its feed", feed.path("Next").asText());
        assertEquals(
                "Resolve route and check the file failed",
                feed.at("/Catch/0/Next").asText());
        plain.remove(List.of("Comment", "Next"));
        feed.remove(List.of("Comment", "Next"));
        assertEquals(plain, feed);
        // Nothing else leads to the turn's first ask than this check and the feed's own loop.
        var into = new TreeSet<String>();
        file.forEach((name, state) -> {
            if (StateGraph.successors(state).contains("Take the file's turn in its feed")) {
                into.add(name);
            }
        });
        assertEquals(
                Set.of("Resolve route and check the file before its turn", "Wait for the earlier file of this feed"),
                into);
    }

    /**
     * A file whose parts were all imported is never moved to failed/ nor reported as failed: after
     * "Import each part" the only failure-path state is reached from the Map's own failure, and the
     * report step's failures end in "Report not written", which moves nothing.
     */
    @Test
    void noPathTurnsAFileWhoseEveryPartWasImportedIntoAFailure() {
        var file = Definitions.states(definitions.get(Definitions.FILE));
        JsonNode map = file.get("Import each part");
        Set<String> afterImport = StateGraph.reachable(file, map.path("Next").asText());
        assertFalse(afterImport.contains("Move file to failed/ and write report"), "reachable: " + afterImport);
        assertFalse(afterImport.contains("Import each part failed"), "reachable: " + afterImport);
        JsonNode finish = file.get("Move file and write report");
        // The report step's failures announce it, then end in "Report not written", whatever the announcement does.
        finish.path("Catch")
                .forEach(c -> assertEquals(
                        Set.of("Report not written"),
                        StateGraph.reachable(file, c.path("Next").asText()).stream()
                                .filter(s -> Set.of("Fail", "Succeed")
                                        .contains(file.get(s).path("Type").asText()))
                                .collect(java.util.stream.Collectors.toSet())));
        finish.path("Catch")
                .forEach(c ->
                        assertFalse(StateGraph.reachable(file, c.path("Next").asText())
                                .contains("Move file to failed/ and write report")));
        assertEquals("Fail", file.get("Report not written").path("Type").asText());
        // Every part's failure is caught inside its iteration: a failed part never fails the Map.
        var iteration = Definitions.states(map.path("ItemProcessor"));
        JsonNode importPart = iteration.get("Import part");
        var caught = new TreeSet<String>();
        importPart.path("Catch").forEach(c -> c.path("ErrorEquals").forEach(e -> caught.add(e.asText())));
        assertTrue(caught.contains("States.ALL"), "Import part catches everything: " + caught);
        iteration.forEach((name, state) ->
                assertFalse(state.path("Type").asText().equals("Fail"), name + " fails the whole Map"));
    }

    /**
     * An upload whose outcome is unknown (the file may be at APSIS) is never repeated by a Retry:
     * "Upload file" retries neither UploadOutcomeUnknownException nor a wildcard that includes it, and
     * catches it to the check that asks APSIS first ("Did the file arrive?", CheckImportStatus with an
     * arrival state), whose only way back to "Upload file" is its answer {@code resend}.
     */
    @Test
    void anUploadWhoseOutcomeIsUnknownIsNeverRepeatedBeforeApsisIsAsked() {
        var part = Definitions.states(definitions.get(Definitions.PART));
        String unknown = io.apsisimport.upload.UploadOutcomeUnknownException.class.getName();
        JsonNode upload = part.get("Upload file");
        var retried = new TreeSet<String>();
        upload.path("Retry").forEach(r -> r.path("ErrorEquals").forEach(e -> retried.add(e.asText())));
        for (String never : List.of(unknown, "States.ALL", "States.TaskFailed")) {
            assertFalse(retried.contains(never), "\"Upload file\" retries " + never + ": " + retried);
        }
        JsonNode first = upload.path("Catch").get(0);
        assertEquals(List.of(unknown), List.of(first.path("ErrorEquals").get(0).asText()));
        assertEquals(1, first.path("ErrorEquals").size());
        Set<String> afterDoubt = StateGraph.reachable(part, first.path("Next").asText());
        assertTrue(afterDoubt.contains("Did the file arrive?"), afterDoubt.toString());
        JsonNode check = part.get("Did the file arrive?");
        assertEquals("${CheckImportStatusFunctionArn}", check.path("Resource").asText());
        assertEquals("$.arrival", check.at("/Parameters/arrival.$").asText());
        // Back to "Upload file" only from "File arrived?", and only on resend.
        var into = new ArrayList<String>();
        part.forEach((name, state) -> {
            if (StateGraph.successors(state).contains("Upload file")) {
                into.add(name);
            }
        });
        assertEquals(List.of("Request import", "File arrived?"), into);
        var back = new ArrayList<String>();
        part.get("File arrived?").path("Choices").forEach(c -> {
            if (c.path("Next").asText().equals("Upload file")) {
                back.add(c.path("Variable").asText() + "="
                        + c.path("BooleanEquals").asText());
            }
        });
        assertEquals(List.of("$.arrival.resend=true"), back);
    }

    @Test
    void eachPartRunsInAnExecutionOfThePartStateMachineWithADeterministicName() {
        var file = Definitions.states(definitions.get(Definitions.FILE));
        JsonNode task = file.get("Import part");
        assertEquals(
                "arn:${Partition}:states:::states:startExecution.sync:2",
                task.path("Resource").asText());
        assertEquals(
                "${ImportPartStateMachineArn}",
                task.at("/Parameters/StateMachineArn").asText());
        assertEquals("$.part.execution", task.at("/Parameters/Name.$").asText());
        assertEquals(
                "$$.Execution.Id",
                file.get("Import each part")
                        .at("/ItemSelector/AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$")
                        .asText(),
                "links the part to its file in the console");
        // The slot's owner is the part's own execution.
        Definitions.states(definitions.get(Definitions.PART)).forEach((name, state) -> {
            JsonNode arn = state.at("/Parameters/executionArn.$");
            if (!arn.isMissingNode()) {
                assertEquals("$$.Execution.Id", arn.asText(), name);
            }
            JsonNode payload = state.at("/Parameters/Payload/executionArn.$");
            if (!payload.isMissingNode()) {
                assertEquals("$$.Execution.Id", payload.asText(), name);
            }
        });
    }
}
