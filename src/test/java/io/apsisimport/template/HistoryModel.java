package io.apsisimport.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * How many history events Step Functions records for a state, read from the definition: the
 * numbers HistoryEventsEndToEndTest measures on the local cloud (moto's engine records the events
 * AWS documents for each state type):
 * <ul>
 *   <li>an execution: ExecutionStarted + ExecutionSucceeded/Failed: 2;
 *   <li>Pass, Choice, Wait, Succeed: entered + exited: 2; Fail: FailStateEntered: 1;
 *   <li>a Lambda Task (function ARN as Resource): entered, LambdaFunctionScheduled, Started,
 *       Succeeded (or Failed/TimedOut), exited: 5; each retry adds Failed, Scheduled, Started: 3;
 *   <li>a service integration Task that waits ({@code lambda:invoke.waitForTaskToken},
 *       {@code states:startExecution.sync:2}): entered, TaskScheduled, TaskStarted, TaskSubmitted,
 *       TaskSucceeded (or Failed/TimedOut), exited: 6; each retry adds Failed, Scheduled, Started,
 *       Submitted: 4;
 *   <li>a request-response integration Task ({@code events:putEvents}): entered, TaskScheduled,
 *       TaskStarted, TaskSucceeded (or Failed), exited: 5 (no TaskSubmitted); each retry adds Failed,
 *       Scheduled, Started: 3;
 *   <li>a Map: entered, MapStateStarted, MapStateSucceeded, exited: 4, plus MapIterationStarted and
 *       MapIterationSucceeded per item: 2.
 * </ul>
 * The worst case of a Task retries every retrier to its MaxAttempts (each retrier counts its own
 * attempts).
 */
final class HistoryModel {
    static final int EXECUTION = 2;
    static final int MAP = 4;
    static final int MAP_ITERATION = 2;

    private final Map<String, JsonNode> states;

    HistoryModel(JsonNode definition) {
        this.states = Definitions.states(definition);
    }

    JsonNode state(String name) {
        JsonNode s = states.get(name);
        if (s == null) {
            throw new AssertionError("no state \"" + name + "\" in the definition (states: " + states.keySet() + ")");
        }
        return s;
    }

    /** Events of one visit of the state, without retries. */
    int once(String name) {
        JsonNode s = state(name);
        return switch (s.path("Type").asText()) {
            case "Task" -> integration(s) ? 6 : 5;
            case "Fail" -> 1;
            case "Map" -> MAP;
            default -> 2;
        };
    }

    /** Events one retry of the state's Task adds. */
    int perRetry(String name) {
        JsonNode s = state(name);
        return integration(s) ? 4 : 3;
    }

    /** The most retries a visit can make: every retrier exhausted. */
    int maxRetries(String name) {
        int n = 0;
        for (JsonNode r : state(name).path("Retry")) {
            n += r.path("MaxAttempts").asInt(3); // ASL default: 3
        }
        return n;
    }

    /** Events of one visit at its worst: every retrier exhausted. */
    int worst(String name) {
        return once(name) + maxRetries(name) * perRetry(name);
    }

    int worst(List<String> names) {
        return names.stream().mapToInt(this::worst).sum();
    }

    int once(List<String> names) {
        return names.stream().mapToInt(this::once).sum();
    }

    /** A service integration that waits for its task (.sync, .waitForTaskToken): one TaskSubmitted more. */
    private static boolean integration(JsonNode task) {
        String resource = task.path("Resource").asText();
        return resource.contains(":states:::")
                && (resource.contains(".sync") || resource.contains(".waitForTaskToken"));
    }
}
