package io.apsisimport.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The transitions of a state: Next, a Choice's Choices and Default, every Catch's Next. */
final class StateGraph {
    private StateGraph() {}

    static Set<String> successors(JsonNode state) {
        var next = new LinkedHashSet<String>();
        if (state.hasNonNull("Next")) {
            next.add(state.get("Next").asText());
        }
        state.path("Choices").forEach(c -> next.add(c.path("Next").asText()));
        if (state.hasNonNull("Default")) {
            next.add(state.get("Default").asText());
        }
        state.path("Catch").forEach(c -> next.add(c.path("Next").asText()));
        return next;
    }

    /** Every state reachable from {@code from} (itself included). */
    static Set<String> reachable(Map<String, JsonNode> states, String from) {
        var seen = new LinkedHashSet<String>();
        var todo = new ArrayDeque<String>();
        todo.add(from);
        while (!todo.isEmpty()) {
            String s = todo.poll();
            if (states.containsKey(s) && seen.add(s)) {
                todo.addAll(successors(states.get(s)));
            }
        }
        return seen;
    }
}
