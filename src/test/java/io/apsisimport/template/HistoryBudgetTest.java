package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.apsis.UploadArrival;
import io.apsisimport.feed.FeedConfig;
import io.apsisimport.feed.FeedRules;
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
        assertEquals(
                CheckImportStatusHandler.MAX_IMPORT_TIMEOUT_SECONDS, parameter("ImportTimeoutSeconds", "MaxValue"));
        assertEquals(1, parameter("PollIntervalSeconds", "MinValue"));
        assertEquals(UploadArrival.MAX_WAIT_SECONDS, parameter("UploadArrivalWaitSeconds", "MaxValue"));
        assertEquals(UploadArrival.MIN_WAIT_SECONDS, parameter("UploadArrivalWaitSeconds", "MinValue"));
    }

    @Test
    void thePartsLoopsAreTheOnesBudgeted() {
        // Status polls: "Import finished?" → "Wait before checking import status" → "Check import status" →
        // "Import finished?", the wait read from CheckImportStatus's answer (PollSchedule).
        assertEquals(
                "Wait before checking import status",
                part.state("Import finished?").at("/Choices/0/Next").asText());
        assertEquals(
                "$.status.nextCheckSeconds",
                part.state("Wait before checking import status")
                        .path("SecondsPath")
                        .asText());
        assertEquals(
                "Check import status",
                part.state("Wait before checking import status").path("Next").asText());
        assertEquals(
                "Import finished?",
                part.state("Check import status").path("Next").asText());
        // Slot waits: "Slot free?" → "Wait for a free import slot" → "Acquire import slot" → "Slot free?".
        assertEquals(
                "Wait for a free import slot",
                part.state("Slot free?").path("Default").asText());
        assertEquals(
                "Acquire import slot",
                part.state("Wait for a free import slot").path("Next").asText());
        assertEquals(
                "Slot free?", part.state("Acquire import slot").path("Next").asText());
        // After an upload in doubt: "Did the file arrive?" → "File arrived?" → "Wait for the file to arrive" →
        // "Did the file arrive?" (UploadArrival's schedule), and at most UploadArrival.MAX_RESENDS times back to
        // "Upload file".
        assertEquals(
                "Upload answer lost",
                part.state("Upload file").at("/Catch/0/Next").asText());
        assertEquals(
                "Did the file arrive?",
                part.state("Upload answer lost").path("Next").asText());
        assertEquals(
                "File arrived?", part.state("Did the file arrive?").path("Next").asText());
        assertEquals(
                "Wait for the file to arrive",
                part.state("File arrived?").path("Default").asText());
        assertEquals(
                "$.arrival.nextCheckSeconds",
                part.state("Wait for the file to arrive").path("SecondsPath").asText());
        assertEquals(
                "Did the file arrive?",
                part.state("Wait for the file to arrive").path("Next").asText());
        assertEquals(
                "Upload file", part.state("File arrived?").at("/Choices/1/Next").asText());
        // Nothing else loops.
        assertEquals(
                Set.of(
                        Set.of("Import finished?", "Wait before checking import status", "Check import status"),
                        Set.of("Slot free?", "Wait for a free import slot", "Acquire import slot"),
                        Set.of("Did the file arrive?", "File arrived?", "Wait for the file to arrive"),
                        Set.of("Upload file", "Upload answer lost", "Did the file arrive?", "File arrived?")),
                Set.copyOf(cycles(partDefinition)));
        // The file's only loop: a file of an ordered feed waiting for the earlier file (bounded by FeedRules.MAX_ASKS).
        assertEquals(
                "Wait for the earlier file of this feed",
                file.state("Earlier files of the feed finished?")
                        .path("Default")
                        .asText());
        assertEquals(
                "$.feed.waitSeconds",
                file.state("Wait for the earlier file of this feed")
                        .path("TimeoutSecondsPath")
                        .asText());
        assertEquals(
                "Take the file's turn in its feed",
                file.state("Wait for the earlier file of this feed")
                        .path("Next")
                        .asText());
        assertEquals(
                "Earlier files of the feed finished?",
                file.state("Take the file's turn in its feed").path("Next").asText());
        assertEquals(
                Set.of(Set.of(
                        "Take the file's turn in its feed",
                        "Earlier files of the feed finished?",
                        "Wait for the earlier file of this feed")),
                Set.copyOf(cycles(fileDefinition)),
                "the file's execution loops only while it waits for its turn in a feed; otherwise its events grow with parts only");
    }

    @Test
    void theSafetyNetsAreAboveWhatTheLongestSettingsNeed() {
        // Whatever the estimates: at most MAX_EARLY_CHECKS checks out of the back-off's rhythm, plus the
        // back-off's own (PollSchedule, PollScheduleTest); slot waits never shorter than the back-off.
        int checks = new PollSchedule(Duration.ofSeconds(1))
                .checksUntil(Duration.ofSeconds(CheckImportStatusHandler.MAX_IMPORT_TIMEOUT_SECONDS));
        int asks =
                ImportSlots.asksWithin(Duration.ofSeconds(SlotsConfig.MAX_WAIT_LIMIT_SECONDS), Duration.ofSeconds(1));
        System.out.printf(
                "status checks within 2 days at a 1 s poll interval: %d (%d early + %d of the back-off; cap %d);"
                        + " slot asks within 2 days without wake-ups: %d (cap %d)%n",
                checks,
                PollSchedule.MAX_EARLY_CHECKS,
                checks - PollSchedule.MAX_EARLY_CHECKS,
                PollSchedule.MAX_CHECKS,
                asks,
                ImportSlots.MAX_ASKS);
        assertTrue(checks < PollSchedule.MAX_CHECKS, "the longest import reaches the cap of checks first: " + checks);
        assertTrue(asks < ImportSlots.MAX_ASKS * 3 / 4, "the longest slot wait leaves room for wake-ups: " + asks);
        int arrivals = new UploadArrival(Duration.ofSeconds(UploadArrival.MAX_WAIT_SECONDS)).checksUntilGivenUp();
        System.out.printf(
                "arrival checks within the longest UploadArrivalWaitSeconds (%d s): %d (cap %d)%n",
                UploadArrival.MAX_WAIT_SECONDS, arrivals, UploadArrival.MAX_CHECKS);
        assertTrue(
                arrivals < UploadArrival.MAX_CHECKS,
                "the longest arrival wait reaches the cap of checks first: " + arrivals);
        int feedAsks = FeedRules.asksWithin(FeedConfig.MAX_WAIT, Duration.ofSeconds(1));
        System.out.printf(
                "feed asks within %d days at a 1 s poll interval without wake-ups: %d (cap %d)%n",
                FeedConfig.MAX_WAIT.toDays(), feedAsks, FeedRules.MAX_ASKS);
        assertTrue(
                feedAsks < FeedRules.MAX_ASKS * 3 / 4, "the longest feed wait leaves room for wake-ups: " + feedAsks);
    }

    @Test
    void aPartsExecutionStaysWithinTheHistoryLimit() {
        int asks = ImportSlots.MAX_ASKS;
        int checks = PollSchedule.MAX_CHECKS;
        int slots = asks * part.worst(List.of("Acquire import slot", "Slot free?"))
                + (asks - 1) * part.worst("Wait for a free import slot");
        int polls = checks
                * part.worst(List.of("Wait before checking import status", "Check import status", "Import finished?"));
        // Every upload in doubt (the first and one after each resend), its arrival checks all made.
        int doubts = 1 + UploadArrival.MAX_RESENDS;
        int arrival = part.worst("Upload answer lost")
                + UploadArrival.MAX_CHECKS * part.worst(List.of("Did the file arrive?", "File arrived?"))
                + (UploadArrival.MAX_CHECKS - 1) * part.worst("Wait for the file to arrive");
        int importing = part.worst("Request import") + doubts * (part.worst("Upload file") + arrival);
        int success = Math.max(
                part.worst(List.of("Release import slot", "Part imported")),
                part.worst(List.of("Release import slot of the failed import", "APSIS did not import the part")));
        int failure = part.worst(List.of(
                "Check import status failed",
                "Release slot after failure",
                "Slot left to its lease",
                "Part not imported"));
        int worst = HistoryModel.EXECUTION + slots + importing + polls + Math.max(success, failure);
        System.out.printf(
                "part execution, worst case: %d events (%d asks for a slot: %d; %d status checks: %d;"
                        + " request and upload, %d uploads in doubt of %d arrival checks each: %d; end: %d); budget %d of %d%n",
                worst,
                asks,
                slots,
                checks,
                polls,
                doubts,
                UploadArrival.MAX_CHECKS,
                importing,
                Math.max(success, failure),
                BUDGET,
                HISTORY_LIMIT);
        assertTrue(worst <= BUDGET, "a part's execution can reach " + worst + " history events");
    }

    @Test
    void aFilesExecutionStaysWithinTheHistoryLimit() {
        int perPart = HistoryModel.MAP_ITERATION
                + file.worst("Import part")
                + file.worst(
                        List.of("Did the part's execution fail?", "Read why the part failed", "Did the part say why?"))
                + Math.max(file.worst("Part not imported"), file.worst("Part ended without saying why"));
        int route = file.worst(List.of("Find the file's route", "Only check the file, or in an ordered feed?"));
        // A file of an ordered feed: FeedRules.MAX_ASKS turns, a wait between two of them.
        int asks = FeedRules.MAX_ASKS;
        int feedWait =
                asks * file.worst(List.of("Take the file's turn in its feed", "Earlier files of the feed finished?"))
                        + (asks - 1) * file.worst("Wait for the earlier file of this feed");
        // The report step, then its event, the feed's next file and the end; or its failure's event and
        // "Report not written".
        int end = file.worst("Move file and write report")
                + Math.max(
                        file.worst(List.of(
                                "Announce the file's outcome",
                                "In a feed, or every part imported?",
                                "Let the next file of the feed go",
                                "Every part imported?",
                                "Import failed")),
                        file.worst(List.of("Announce that the report was not written", "Report not written")));
        int worst = HistoryModel.EXECUTION
                + route
                + Math.max(
                        file.worst("Resolve route and check the file"),
                        file.worst("Resolve route and check the file before its turn"))
                + feedWait
                + HistoryModel.MAP
                + Limits.MAX_PARTS * perPart
                + end;
        System.out.printf(
                "file execution, worst case: %d events (route %d; %d asks for its turn in a feed: %d;"
                        + " %d parts, %d each, every part failed and every start retried: %d; end %d); budget %d of %d%n",
                worst,
                route,
                asks,
                feedWait,
                Limits.MAX_PARTS,
                perPart,
                Limits.MAX_PARTS * perPart,
                end,
                BUDGET,
                HISTORY_LIMIT);
        assertTrue(worst <= BUDGET, "a file's execution can reach " + worst + " history events");
        // A dry run never reaches the parts: far below.
        int dryRun = HistoryModel.EXECUTION
                + route
                + file.worst(List.of("Check the file without importing it", "Would the file import?"))
                + Math.max(
                        file.worst("Checked: the file would import"), file.worst("Checked: the file would not import"));
        System.out.printf("file execution, a dry run at worst: %d events%n", dryRun);
        assertTrue(dryRun < worst);
    }

    @Test
    void typicalRunsCostFewEvents() {
        // For the README: defaults (30 s poll), a 6-hour import without an estimate and a 6-hour slot
        // wait, no retries.
        int checks = new PollSchedule(Duration.ofSeconds(30)).backoffChecksUntil(Duration.ofHours(6));
        int asks = ImportSlots.asksWithin(Duration.ofHours(6), Duration.ofSeconds(30));
        int perCheck =
                part.once(List.of("Wait before checking import status", "Check import status", "Import finished?"));
        int perRound = part.once(List.of("Wait for a free import slot", "Acquire import slot", "Slot free?"));
        System.out.printf(
                "defaults: a 6-hour import takes %d status checks (%d events), a 6-hour slot wait %d asks"
                        + " (%d events)%n",
                checks, checks * perCheck, asks, asks * perRound);
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

    private static void walk(
            java.util.Map<String, JsonNode> states,
            String start,
            String at,
            List<String> path,
            Set<String> visited,
            List<Set<String>> cycles) {
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
