package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.handler.CheckImportStatusHandler;
import io.apsisimport.handler.PollSchedule;
import io.apsisimport.landing.Limits;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

// Budget test: the worst-case number of history events of a file's execution and of one part's
// execution, computed from the definitions (HistoryModel, calibrated by HistoryEventsEndToEndTest)
// and the template's limits at their most expensive: the largest file accepted (Limits.MAX_PARTS
// parts, whatever MaxPartBytes), PollIntervalSeconds at its minimum, ImportTimeoutSeconds and
// SlotMaxWaitSeconds at their maximum, every Lambda task retried to each retrier's MaxAttempts.
// Step Functions fails an execution above 25,000 events with no Catch possible; the budget keeps a
// 10 % margin.
class HistoryBudgetTest {
  static final int HISTORY_LIMIT = 25_000;
  static final int BUDGET = HISTORY_LIMIT * 9 / 10;

  private static TemplateModel template;
  private static HistoryModel file;
  private static HistoryModel part;
  private static JsonNode fileDefinition;
  private static JsonNode partDefinition;

  @BeforeAll
  static void load() {
    template = TemplateModel.load(Path.of("template.yaml"));
    fileDefinition = Definitions.load(template, Definitions.FILE);
    partDefinition = Definitions.load(template, Definitions.PART);
    file = new HistoryModel(fileDefinition);
    part = new HistoryModel(partDefinition);
  }

  @Test
  void theTemplateAllowsNoMoreThanTheBudgetAssumes() {
    assertEquals(SlotsConfig.MAX_WAIT_LIMIT_SECONDS, parameter("SlotMaxWaitSeconds", "MaxValue"));
    assertEquals(CheckImportStatusHandler.MAX_IMPORT_TIMEOUT_SECONDS, parameter("ImportTimeoutSeconds", "MaxValue"));
    assertEquals(1, parameter("PollIntervalSeconds", "MinValue"));
  }

  @Test
  void thePartsLoopsAreTheOnesBudgeted() {
    // Status polls: "Import finished?" → "Wait before checking import status" → "Check import status" →
    // "Import finished?", the wait read from CheckImportStatus's answer (PollSchedule).
    assertEquals("Wait before checking import status", part.state("Import finished?").at("/Choices/0/Next").asText());
    assertEquals("$.status.nextCheckSeconds", part.state("Wait before checking import status").path("SecondsPath").asText());
    assertEquals("Check import status", part.state("Wait before checking import status").path("Next").asText());
    assertEquals("Import finished?", part.state("Check import status").path("Next").asText());
    // Slot waits: "Slot free?" → "Wait for a free import slot" → "Acquire import slot" → "Slot free?".
    assertEquals("Wait for a free import slot", part.state("Slot free?").path("Default").asText());
    assertEquals("Acquire import slot", part.state("Wait for a free import slot").path("Next").asText());
    assertEquals("Slot free?", part.state("Acquire import slot").path("Next").asText());
    // Nothing else loops.
    assertEquals(Set.of(Set.of("Import finished?", "Wait before checking import status", "Check import status"),
        Set.of("Slot free?", "Wait for a free import slot", "Acquire import slot")), Set.copyOf(cycles(partDefinition)));
    assertEquals(Set.of(), Set.copyOf(cycles(fileDefinition)), "the file's execution has no loop: its events grow with parts only");
  }

  @Test
  void theSafetyNetsAreAboveWhatTheLongestSettingsNeed() {
    // Whatever the estimates: at most MAX_EARLY_CHECKS checks out of the back-off's rhythm, plus the
    // back-off's own (PollSchedule, PollScheduleTest); slot waits never shorter than the back-off.
    int checks = new PollSchedule(Duration.ofSeconds(1)).checksUntil(Duration.ofSeconds(CheckImportStatusHandler.MAX_IMPORT_TIMEOUT_SECONDS));
    int asks = ImportSlots.asksWithin(Duration.ofSeconds(SlotsConfig.MAX_WAIT_LIMIT_SECONDS), Duration.ofSeconds(1));
    System.out.printf("status checks within 2 days at a 1 s poll interval: %d (%d early + %d of the back-off; cap %d);"
        + " slot asks within 2 days without wake-ups: %d (cap %d)%n", checks, PollSchedule.MAX_EARLY_CHECKS,
        checks - PollSchedule.MAX_EARLY_CHECKS, PollSchedule.MAX_CHECKS, asks, ImportSlots.MAX_ASKS);
    assertTrue(checks < PollSchedule.MAX_CHECKS, "the longest import reaches the cap of checks first: " + checks);
    assertTrue(asks < ImportSlots.MAX_ASKS * 3 / 4, "the longest slot wait leaves room for wake-ups: " + asks);
  }

  @Test
  void aPartsExecutionStaysWithinTheHistoryLimit() {
    int asks = ImportSlots.MAX_ASKS;
    int checks = PollSchedule.MAX_CHECKS;
    int slots = asks * part.worst(List.of("Acquire import slot", "Slot free?"))
        + (asks - 1) * part.worst("Wait for a free import slot");
    int polls = checks * part.worst(List.of("Wait before checking import status", "Check import status", "Import finished?"));
    int importing = part.worst(List.of("Request import", "Upload file"));
    int success = part.worst(List.of("Release import slot", "Imported?"))
        + Math.max(part.worst("Part imported"), part.worst("APSIS did not import the part"));
    int failure = part.worst(List.of("Check import status failed", "Release slot after failure", "Slot left to its lease",
        "Part not imported"));
    int worst = HistoryModel.EXECUTION + slots + importing + polls + Math.max(success, failure);
    System.out.printf("part execution, worst case: %d events (%d asks for a slot: %d; %d status checks: %d;"
        + " request and upload: %d; end: %d); budget %d of %d%n",
        worst, asks, slots, checks, polls, importing, Math.max(success, failure), BUDGET, HISTORY_LIMIT);
    assertTrue(worst <= BUDGET, "a part's execution can reach " + worst + " history events");
  }

  @Test
  void aFilesExecutionStaysWithinTheHistoryLimit() {
    int perPart = HistoryModel.MAP_ITERATION + file.worst("Import part")
        + file.worst(List.of("Did the part's execution fail?", "Read why the part failed", "Did the part say why?"))
        + Math.max(file.worst("Part not imported"), file.worst("Part ended without saying why"));
    int worst = HistoryModel.EXECUTION + file.worst("Resolve route and check the file") + HistoryModel.MAP
        + Limits.MAX_PARTS * perPart
        + file.worst(List.of("Move file and write report", "Every part imported?"))
        + Math.max(file.worst("Import failed"), file.worst("Report not written"));
    System.out.printf("file execution, worst case: %d events (%d parts, %d each, every part failed and every"
        + " start retried); budget %d of %d%n", worst, Limits.MAX_PARTS, perPart, BUDGET, HISTORY_LIMIT);
    assertTrue(worst <= BUDGET, "a file's execution can reach " + worst + " history events");
  }

  @Test
  void typicalRunsCostFewEvents() {
    // For the README: defaults (30 s poll), a 6-hour import without an estimate and a 6-hour slot
    // wait, no retries.
    int checks = new PollSchedule(Duration.ofSeconds(30)).backoffChecksUntil(Duration.ofHours(6));
    int asks = ImportSlots.asksWithin(Duration.ofHours(6), Duration.ofSeconds(30));
    int perCheck = part.once(List.of("Wait before checking import status", "Check import status", "Import finished?"));
    int perRound = part.once(List.of("Wait for a free import slot", "Acquire import slot", "Slot free?"));
    System.out.printf("defaults: a 6-hour import takes %d status checks (%d events), a 6-hour slot wait %d asks"
        + " (%d events)%n", checks, checks * perCheck, asks, asks * perRound);
    assertTrue(checks * perCheck + asks * perRound < HISTORY_LIMIT / 10);
  }

  private static long parameter(String name, String field) {
    return template.root().path("Parameters").path(name).path(field).asLong();
  }

  /** The cycles of a definition's graph (Next, Default, Choices, Catch), as sets of state names. */
  static List<Set<String>> cycles(JsonNode definition) {
    var states = Definitions.states(definition);
    var cycles = new ArrayList<Set<String>>();
    for (String start : states.keySet()) {
      var path = new ArrayList<String>();
      walk(states, start, start, path, new LinkedHashSet<>(), cycles);
    }
    return cycles.stream().distinct().toList();
  }

  private static void walk(java.util.Map<String, JsonNode> states, String start, String at, List<String> path,
      Set<String> visited, List<Set<String>> cycles) {
    if (!visited.add(at)) {
      return;
    }
    path.add(at);
    for (String next : StateGraph.successors(states.get(at))) {
      if (next.equals(start)) {
        cycles.add(Set.copyOf(path));
      } else if (states.containsKey(next)) {
        walk(states, start, next, path, visited, cycles);
      }
    }
    path.remove(path.size() - 1);
  }
}
