package io.apsisimport.template;

// Contract test on the state-machine definitions: the "Request import" task never retries an error
// after which a repeat cannot help or could do harm (a refusal, unusable credentials, a lost slot),
// nor a wildcard that would include those. (Transient faults are repeated by the client itself and
// then by this Retry: an import request only reserves an upload; see docs/apsis-client.md.)

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.apsis.ApsisAuthenticationException;
import io.apsisimport.apsis.ApsisCredentialsException;
import io.apsisimport.apsis.ApsisInvalidRequestException;
import io.apsisimport.apsis.ApsisNotAllowedException;
import io.apsisimport.apsis.ApsisNotFoundException;
import io.apsisimport.apsis.ApsisRateLimitedException;
import io.apsisimport.slots.SlotLostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RequestImportRetryContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Errors a repeated import request must never follow, with why. */
    static final Map<String, String> NEVER_REPEATED = Map.of(
            ApsisCredentialsException.class.getName(),
            "the secret is unreadable or still the placeholder: a person must put it",
            ApsisInvalidRequestException.class.getName(),
            "APSIS refused the request itself: the same request gets the same answer",
            ApsisNotAllowedException.class.getName(),
            "403 after a fresh token: a permission is missing",
            ApsisNotFoundException.class.getName(),
            "the section does not exist",
            ApsisAuthenticationException.class.getName(),
            "the credentials were refused: repeats hammer a strictly rate-limited endpoint",
            SlotLostException.class.getName(),
            "the slot is gone: no import may start without one",
            "States.ALL",
            "matches every error above",
            "States.TaskFailed",
            "matches every error above");

    record Task(Path file, String name, JsonNode state) {}

    @Test
    void theRequestImportTaskRetriesNoErrorThatMustNotBeRepeated() throws IOException {
        List<Task> tasks = requestImportTasks();
        assertFalse(tasks.isEmpty(), "no \"Request import\" task in statemachine/*.asl.json");
        for (Task task : tasks) {
            Set<String> retried = new TreeSet<>();
            task.state().path("Retry").forEach(r -> r.path("ErrorEquals").forEach(e -> retried.add(e.asText())));
            for (String error : retried) {
                assertFalse(
                        NEVER_REPEATED.containsKey(error),
                        task.file() + " \"" + task.name() + "\" retries " + error + ", which must not be repeated: "
                                + NEVER_REPEATED.get(error));
            }
        }
    }

    @Test
    void theContractSeesTheRetriesThatAreThere() throws IOException {
        // Guards the test above against reading nothing: the rate-limit retry is in every Request import task.
        for (Task task : requestImportTasks()) {
            List<String> retried = new ArrayList<>();
            task.state().path("Retry").forEach(r -> r.path("ErrorEquals").forEach(e -> retried.add(e.asText())));
            assertTrue(retried.contains(ApsisRateLimitedException.class.getName()), task.file() + " " + retried);
            assertEquals("Task", task.state().path("Type").asText());
        }
    }

    /** Every Task, in any definition and at any depth, named "Request import" or invoking the RequestImport function. */
    static List<Task> requestImportTasks() throws IOException {
        List<Task> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("statemachine"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".asl.json"))
                    .sorted()
                    .toList()) {
                collect(file, JSON.readTree(file.toFile()), found);
            }
        }
        return found;
    }

    private static void collect(Path file, JsonNode machine, List<Task> found) {
        machine.path("States").properties().forEach(e -> {
            JsonNode state = e.getValue();
            boolean invokesRequestImport = state.path("Resource").asText().contains("RequestImport")
                    || state.path("Parameters").path("FunctionName").asText().contains("RequestImport");
            if ("Task".equals(state.path("Type").asText())
                    && (e.getKey().equals("Request import") || invokesRequestImport)) {
                found.add(new Task(file, e.getKey(), state));
            }
            collect(file, state.path("Iterator"), found);
            collect(file, state.path("ItemProcessor"), found);
            state.path("Branches").forEach(branch -> collect(file, branch, found));
        });
    }
}
