package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.local.LocalCloud;
import io.apsisimport.local.LocalCloudExtension;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.sim.Endpoint;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.HistoryEventType;

// End-to-end calibration of HistoryModel on the local cloud: real runs (status polls, slot waits,
// retried Lambda tasks, a file of several parts) whose histories must hold exactly the events the
// model predicts from the states they entered. HistoryBudgetTest builds the worst case on the same
// model. Prints the measured costs (events per poll, per slot-wait round, per part, per file).
@io.apsisimport.local.LocalCloudTest
class HistoryEventsEndToEndTest {
    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(
                    ApsisSimulator.Config.defaults().processing(Duration.ofSeconds(3)))
            .options(o -> o.withMaxConcurrentImports(1).withMaxPartBytes(2048))
            .routes("""
        {"routes": [{"name": "all", "match": "inbox/**", "section": "com.apsis1.sections.demo",
          "import": {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email",
                                          "field_selector": "email-address"}}}]}""");

    private static ApsisSimulator sim;
    private static LocalCloud cloud;
    private static TemplateModel template;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
        template = TemplateModel.load(java.nio.file.Path.of("template.yaml"));
    }

    @Test
    void everyExecutionHoldsExactlyTheEventsTheModelPredicts() {
        var big = new ByteArrayOutputStream();
        big.writeBytes("email-address,name\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 120; i++) {
            big.writeBytes(("user" + i + "@example.com,\"Name " + i + "\"\n").getBytes(StandardCharsets.UTF_8));
        }
        // Retries: more 429s than the client's own retries, so the state machine's Retry runs too.
        sim.faults()
                .on(Endpoint.REQUEST_IMPORT)
                .nextCalls(5)
                .respond(429, "{\"message\":\"Too many pending imports\"}", Map.of("Retry-After", "1"));
        String split =
                cloud.drop("inbox/calibration/split.csv", big.toByteArray()).execution();
        String small = cloud.drop(
                        "inbox/calibration/small.csv",
                        "email-address\na@example.com\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(split, Duration.ofMinutes(4)).status());
        assertEquals(
                ExecutionStatus.SUCCEEDED,
                cloud.await(small, Duration.ofMinutes(4)).status());

        var fileModel = new HistoryModel(Definitions.load(template, Definitions.FILE));
        var partModel = new HistoryModel(Definitions.load(template, Definitions.PART));
        int polls = 0;
        int slotRounds = 0;
        int lambdaRetries = 0;
        var report = new TreeMap<String, String>();
        List<String> parts = new ArrayList<>();
        for (String file : List.of(split, small)) {
            List<HistoryEvent> events = cloud.history(file);
            int items = (int) events.stream()
                    .filter(e -> e.type() == HistoryEventType.MAP_ITERATION_STARTED)
                    .count();
            assertEquals(
                    predicted(fileModel, events) + items * HistoryModel.MAP_ITERATION,
                    events.size(),
                    () -> "file execution " + file + ":\n" + types(events));
            report.put(file.substring(file.lastIndexOf(':') + 1), events.size() + " events, " + items + " part(s)");
            parts.addAll(cloud.partExecutions(file));
        }
        assertTrue(parts.size() >= 3, "a file of several parts: " + parts);
        for (String part : parts) {
            List<HistoryEvent> events = cloud.history(part);
            assertEquals(
                    predicted(partModel, events),
                    events.size(),
                    () -> "part execution " + part + ":\n" + types(events));
            polls += entered(events, "Check import status");
            slotRounds += entered(events, "Wait for a free import slot");
            lambdaRetries += retries(events);
            if (strayTaskCompletions(events) > 0) {
                System.out.println(
                        "moto recorded " + strayTaskCompletions(events) + " late wake-up(s) as TaskSucceeded in " + part
                                + " (AWS refuses them: not counted as a cost)");
            }
            report.put(
                    part.substring(part.lastIndexOf(':') + 1),
                    events.size() + " events: "
                            + entered(events, "Check import status") + " status check(s), "
                            + entered(events, "Wait for a free import slot") + " slot wait(s), " + retries(events)
                            + " retried Lambda call(s)");
        }
        assertTrue(polls > parts.size(), "some part polled more than once");
        assertTrue(slotRounds > 0, "some part waited for a slot (one slot, several parts)");
        assertTrue(lambdaRetries > 0, "some Lambda task was retried by the state machine");
        report.forEach((k, v) -> System.out.println("history events measured: " + k + ": " + v));
        System.out.printf(
                "history events per status poll %d, per slot-wait round %d, per retried Lambda call %d%n",
                partModel.once(
                        List.of("Wait before checking import status", "Check import status", "Import finished?")),
                partModel.once(List.of("Wait for a free import slot", "Acquire import slot", "Slot free?")),
                3);
    }

    /**
     * The model's count for the states this history entered, its retries, and the execution's own
     * events; plus what moto records and AWS does not: a wake-up (SendTaskSuccess) that reaches a
     * "Wait for a free import slot" whose task already timed out is refused by AWS (TaskTimedOut, which
     * SlotWakeups ignores) but recorded by moto as a TaskSucceeded after the task has ended.
     */
    private static int predicted(HistoryModel model, List<HistoryEvent> events) {
        int n = HistoryModel.EXECUTION + strayTaskCompletions(events);
        for (HistoryEvent e : events) {
            if (e.stateEnteredEventDetails() != null) {
                n += model.once(e.stateEnteredEventDetails().name());
            }
        }
        return n + 3 * retries(events);
    }

    /** Task completion events recorded while no service integration task was open (see {@link #predicted}). */
    static int strayTaskCompletions(List<HistoryEvent> events) {
        boolean open = false;
        int stray = 0;
        for (HistoryEvent e : events) {
            switch (e.type()) {
                case TASK_SCHEDULED -> open = true;
                case TASK_SUCCEEDED, TASK_FAILED, TASK_TIMED_OUT -> {
                    if (open) {
                        open = false;
                    } else {
                        stray++;
                    }
                }
                default -> {}
            }
        }
        return stray;
    }

    /** Lambda calls the state machine retried: every LambdaFunctionScheduled after the first of its state. */
    private static int retries(List<HistoryEvent> events) {
        int scheduled = 0;
        int lambdaTasks = 0;
        for (HistoryEvent e : events) {
            if (e.type() == HistoryEventType.LAMBDA_FUNCTION_SCHEDULED) {
                scheduled++;
            }
            if (e.type() == HistoryEventType.TASK_STATE_ENTERED) {
                lambdaTasks++;
            }
            if (e.type() == HistoryEventType.TASK_SCHEDULED) {
                lambdaTasks--; // a service integration's task: no LambdaFunctionScheduled
            }
        }
        return scheduled - lambdaTasks;
    }

    private static int entered(List<HistoryEvent> events, String state) {
        return (int) events.stream()
                .filter(e -> e.stateEnteredEventDetails() != null
                        && state.equals(e.stateEnteredEventDetails().name()))
                .count();
    }

    private static String types(List<HistoryEvent> events) {
        var b = new StringBuilder();
        for (HistoryEvent e : events) {
            b.append(e.id())
                    .append(' ')
                    .append(e.type())
                    .append(
                            e.stateEnteredEventDetails() == null
                                    ? ""
                                    : " " + e.stateEnteredEventDetails().name())
                    .append('\n');
        }
        return b.toString();
    }
}
