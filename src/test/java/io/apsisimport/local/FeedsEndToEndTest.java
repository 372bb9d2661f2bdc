package io.apsisimport.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.feed.FeedConfig;
import io.apsisimport.feed.FeedEntry;
import io.apsisimport.feed.FeedProbe;
import io.apsisimport.feed.FeedQueue;
import io.apsisimport.sim.ApsisSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;

// End-to-end tests of ordered feeds on the local cloud (every function in the Lambda runtime, the
// simulator as APSIS): the files of an ordered route reach APSIS one at a time in the order S3
// reported them, while an unordered route uses the other slots; a failed file lets the next one go
// ("continue") or holds it, visibly, until the file is dropped again or the feed is released ("stop");
// a file overwritten while it waits leaves its feed, and the newer drop takes a place of its own.
// Each test has routes of its own; one cloud for the class.
@LocalCloudTest
class FeedsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final Duration PROCESSING = Duration.ofSeconds(3);
    private static final String SPEC = """
      {"keyspace_mapping": {"keyspace_discriminator": "com.apsis1.keyspaces.email", "field_selector": "email-address"}}""";

    @RegisterExtension
    static final LocalCloudExtension env = LocalCloudExtension.of(
                    ApsisSimulator.Config.defaults().processing(PROCESSING))
            .routes("""
        {"routes": [
          {"name": "daily", "match": "inbox/daily/*.csv", "section": "com.apsis1.sections.daily",
           "order": "arrival", "import": %1$s},
          {"name": "hourly", "match": "inbox/hourly/*.csv", "section": "com.apsis1.sections.hourly",
           "order": "arrival", "onFailure": "continue", "import": %1$s},
          {"name": "weekly", "match": "inbox/weekly/*.csv", "section": "com.apsis1.sections.weekly",
           "order": "arrival", "onFailure": "stop", "import": %1$s},
          {"name": "monthly", "match": "inbox/monthly/*.csv", "section": "com.apsis1.sections.monthly",
           "order": "arrival", "onFailure": "stop", "import": %1$s},
          {"name": "replaced", "match": "inbox/replaced/*.csv", "section": "com.apsis1.sections.replaced",
           "order": "arrival", "onFailure": "stop", "import": %1$s},
          {"name": "bulk", "match": "inbox/bulk/*.csv", "section": "com.apsis1.sections.bulk", "import": %1$s}
        ]}""".formatted(SPEC));

    private static ApsisSimulator sim;
    private static LocalCloud cloud;

    @BeforeAll
    static void start() {
        sim = env.sim();
        cloud = env.cloud();
    }

    @Test
    void fiveFilesOfAFeedReachApsisInArrivalOrderOneAtATimeWhileAnotherRouteUsesTheOtherSlots() {
        var feed = new LinkedHashMap<String, byte[]>();
        for (String day : List.of("mon", "tue", "wed", "thu", "fri")) {
            feed.put("inbox/daily/" + day + ".csv", csv(day, 3));
        }
        var executions = new LinkedHashMap<String, String>();
        String first = null;
        for (var f : feed.entrySet()) {
            LocalCloud.Dropped dropped = cloud.drop(f.getKey(), f.getValue());
            executions.put(f.getKey(), dropped.execution());
            if (first == null) {
                first = dropped.execution();
                // S3 delivers at least once: a duplicate event starts nothing and takes no second place (while
                // the first runs, Step Functions answers with that same execution).
                LocalCloud.Dropped again = cloud.deliverS3Event(f.getKey(), dropped.event());
                assertTrue(
                        again.executions().equals(List.of(first))
                                || again.alreadyHandled().equals(List.of(f.getKey())),
                        again::toString);
            }
        }
        var bulk = new ArrayList<String>();
        for (int i = 0; i < 4; i++) {
            bulk.add(cloud.drop("inbox/bulk/b" + i + ".csv", csv("bulk" + i, 2)).execution());
        }
        for (var e : executions.entrySet()) {
            DescribeExecutionResponse done = cloud.await(e.getValue(), DEADLINE);
            assertEquals(ExecutionStatus.SUCCEEDED, done.status(), () -> e.getKey() + ": " + done.cause());
        }
        for (String e : bulk) {
            assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(e, DEADLINE).status(), e);
        }

        // The uploads of the feed's imports, in the order APSIS received them: the order of the drops.
        List<ApsisSimulator.ImportState> daily = imports("com.apsis1.sections.daily");
        assertEquals(5, daily.size(), "one import per file of the feed");
        var uploaded = daily.stream()
                .sorted(Comparator.comparing(i -> i.upload().at()))
                .map(i -> fileOf(feed, i.upload().sha256()))
                .toList();
        assertEquals(List.copyOf(feed.keySet()), uploaded, "uploads at APSIS in arrival order");
        // Never two of them pending together: each import was requested after the one before had finished.
        for (int i = 1; i < daily.size(); i++) {
            Instant previousDone = daily.get(i - 1).upload().at().plus(PROCESSING);
            assertTrue(
                    !daily.get(i).requestedAt().isBefore(previousDone),
                    "import " + (i + 1) + " of the feed was requested at "
                            + daily.get(i).requestedAt() + ", while import " + i + " was pending until "
                            + previousDone);
        }
        // Meanwhile the unordered route used the other slots, within the three APSIS allows.
        List<ApsisSimulator.ImportState> others = imports("com.apsis1.sections.bulk");
        assertEquals(4, others.size());
        assertTrue(
                others.stream().anyMatch(o -> daily.stream().anyMatch(d -> overlaps(o, d))),
                "an unordered file was imported while a file of the feed was");
        assertTrue(sim.maxPendingSeen() <= 3, "APSIS saw " + sim.maxPendingSeen() + " pending imports");
        assertEquals(0, sim.tooManyRequestsAnswered());

        // The files behind the first one waited visibly for the file before them.
        String last = executions.get("inbox/daily/fri.csv");
        JsonNode waited = waitInputs(last).stream().findFirst().orElse(null);
        assertNotNull(waited, "fri.csv waited in \"Wait for the earlier file of this feed\"");
        assertTrue(waited.at("/feed/waitingFor/key").asText().startsWith("inbox/daily/"), waited.toString());
        assertEquals(List.of(), feeds().entries("daily"), "every file left the feed");
        assertEquals(1, executionsOf("inbox/daily/mon.csv"), "the duplicate event started no second execution");
    }

    @Test
    void onFailureContinueTheNextFileGoesOnAndItsReportNamesTheFailedOne() throws IOException {
        String h1 = cloud.drop("inbox/hourly/h1.csv", csv("h1", 2)).execution();
        String h2 = cloud.drop("inbox/hourly/h2.csv", "name\nno email column\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        String h3 = cloud.drop("inbox/hourly/h3.csv", csv("h3", 2)).execution();
        assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(h1, DEADLINE).status());
        DescribeExecutionResponse failed = cloud.await(h2, DEADLINE);
        assertEquals(ExecutionStatus.FAILED, failed.status());
        assertEquals("CsvMissingColumns", failed.error());
        DescribeExecutionResponse third = cloud.await(h3, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, third.status(), third::cause);
        JsonNode report = report(h3, true);
        assertEquals(
                "inbox/hourly/h2.csv", report.at("/feed/earlierFailures/0/key").asText(), report.toString());
        assertEquals(
                "CsvMissingColumns", report.at("/feed/earlierFailures/0/error").asText());
        assertTrue(report(h1, true).path("feed").path("earlierFailures").isMissingNode(), "h2 came after h1");
        assertEquals(
                List.of("inbox/hourly/h1.csv", "inbox/hourly/h3.csv"),
                imports("com.apsis1.sections.hourly").stream()
                        .sorted(Comparator.comparing(ApsisSimulator.ImportState::requestedAt))
                        .map(i -> fileOf(
                                Map.of("inbox/hourly/h1.csv", csv("h1", 2), "inbox/hourly/h3.csv", csv("h3", 2)),
                                i.upload().sha256()))
                        .toList());
    }

    @Test
    void onFailureStopTheNextFileWaitsVisiblyUntilTheFailedFileIsDroppedAgainAndImported() throws IOException {
        String w1 = cloud.drop("inbox/weekly/w1.csv", "name\nno email column\n".getBytes(StandardCharsets.UTF_8))
                .execution();
        String w2 = cloud.drop("inbox/weekly/w2.csv", csv("w2", 2)).execution();
        assertEquals(ExecutionStatus.FAILED, cloud.await(w1, DEADLINE).status());
        JsonNode waiting = awaitStoppedAt(w2, "inbox/weekly/w1.csv");
        assertEquals("inbox/weekly/w1.csv", waiting.at("/feed/waitingFor/key").asText(), waiting.toString());
        assertEquals("failed", waiting.at("/feed/stoppedAt/state").asText(), waiting.toString());
        assertEquals("CsvMissingColumns", waiting.at("/feed/stoppedAt/error").asText());
        assertTrue(
                waiting.at("/feed/howToRelease").asText().contains("drop inbox/weekly/w1.csv again"),
                waiting.toString());
        assertEquals(ExecutionStatus.RUNNING, status(w2), "w2 waits while w1 holds the feed");
        assertEquals(0, imports("com.apsis1.sections.weekly").size(), "nothing of the feed reached APSIS");

        // w1 fixed and dropped again: it takes w1's place, is imported, and lets w2 go.
        String again = cloud.drop("inbox/weekly/w1.csv", csv("w1", 2)).execution();
        assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(again, DEADLINE).status());
        assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(w2, DEADLINE).status());
        assertEquals(
                List.of("inbox/weekly/w1.csv", "inbox/weekly/w2.csv"),
                imports("com.apsis1.sections.weekly").stream()
                        .sorted(Comparator.comparing(ApsisSimulator.ImportState::requestedAt))
                        .map(i -> fileOf(
                                Map.of("inbox/weekly/w1.csv", csv("w1", 2), "inbox/weekly/w2.csv", csv("w2", 2)),
                                i.upload().sha256()))
                        .toList());
        assertTrue(
                report(w2, true).path("feed").path("earlierFailures").isMissingNode(),
                "the failed file was imported in the end: nothing to report");
        assertEquals(List.of(), feeds().entries("weekly"));
    }

    @Test
    void anOperatorReleasesAStoppedFeed() throws IOException {
        String m1 = cloud.drop(
                        "inbox/monthly/m1.csv",
                        "email-address\n\u00e9t\u00e9@example.com\n".getBytes(StandardCharsets.ISO_8859_1))
                .execution();
        String m2 = cloud.drop("inbox/monthly/m2.csv", csv("m2", 2)).execution();
        assertEquals("CsvEncoding", cloud.await(m1, DEADLINE).error());
        awaitStoppedAt(m2, "inbox/monthly/m1.csv");

        // The documented release: invoke the FeedQueue function.
        JsonNode released = JSON.readTree(cloud.lambda()
                .invoke(
                        "FeedQueueFunction",
                        "{\"action\":\"release\",\"route\":\"monthly\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("inbox/monthly/m1.csv", released.at("/released/0").asText(), released.toString());
        assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(m2, DEADLINE).status());
        JsonNode report = report(m2, true);
        assertEquals(
                "inbox/monthly/m1.csv", report.at("/feed/earlierFailures/0/key").asText(), report.toString());
        assertTrue(
                report.at("/feed/earlierFailures/0/message").asText().startsWith("released by an operator"),
                report.toString());
    }

    @Test
    void aFileOverwrittenWhileItWaitsLeavesItsFeedAndTheNewerDropGoesInItsOwnPlace() throws IOException {
        byte[] r1 = csv("r1", 2);
        byte[] older = csv("r2older", 2);
        byte[] newer = csv("r2newer", 2);
        String first = cloud.drop("inbox/replaced/r1.csv", r1).execution();
        String replaced = cloud.drop("inbox/replaced/r2.csv", older).execution();
        awaitWaiting(replaced);
        String again = cloud.drop("inbox/replaced/r2.csv", newer).execution();

        // The older drop is never imported, and fails without holding the feed, even with onFailure: stop.
        DescribeExecutionResponse o = cloud.await(replaced, DEADLINE);
        assertEquals(ExecutionStatus.FAILED, o.status());
        assertEquals("FileReplaced", o.error(), o::cause);
        assertEquals(ExecutionStatus.SUCCEEDED, cloud.await(first, DEADLINE).status());
        DescribeExecutionResponse n = cloud.await(again, DEADLINE);
        assertEquals(ExecutionStatus.SUCCEEDED, n.status(), n::cause);
        var files = Map.of(
                "inbox/replaced/r1.csv",
                r1,
                "older inbox/replaced/r2.csv",
                older,
                "newer inbox/replaced/r2.csv",
                newer);
        assertEquals(
                List.of("inbox/replaced/r1.csv", "newer inbox/replaced/r2.csv"),
                imports("com.apsis1.sections.replaced").stream()
                        .map(i -> fileOf(files, i.upload().sha256()))
                        .toList());
        assertEquals(List.of(), feeds().entries("replaced"), "every file left the feed");
    }

    // ---------------------------------------------------------------------------------------------

    /** Polls until the execution has entered "Wait for the earlier file of this feed". */
    static void awaitWaiting(String execution) {
        var deadline = new PatientDeadline(DEADLINE);
        while (waitInputs(execution).isEmpty()) {
            assertFalse(deadline.passed(), execution + " never waited for the earlier file of its feed");
            assertEquals(ExecutionStatus.RUNNING, status(execution), execution + " ended instead of waiting");
            LocalCloud.pause(200);
        }
    }

    /** {@code rows} data rows with addresses unique to {@code tag}: each file's upload is told apart by its hash. */
    static byte[] csv(String tag, int rows) {
        var b = new StringBuilder("email-address,name\n");
        for (int i = 0; i < rows; i++) {
            b.append(tag)
                    .append('.')
                    .append(i)
                    .append("@example.com,")
                    .append(tag)
                    .append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static List<ApsisSimulator.ImportState> imports(String section) {
        return sim.imports().stream()
                .filter(i -> section.equals(i.section()) && i.upload() != null)
                .sorted(Comparator.comparing(ApsisSimulator.ImportState::requestedAt))
                .toList();
    }

    private static boolean overlaps(ApsisSimulator.ImportState a, ApsisSimulator.ImportState b) {
        Instant aEnd = a.upload().at().plus(PROCESSING);
        Instant bEnd = b.upload().at().plus(PROCESSING);
        return a.requestedAt().isBefore(bEnd) && b.requestedAt().isBefore(aEnd);
    }

    static String fileOf(Map<String, byte[]> files, String sha256) {
        return files.entrySet().stream()
                .filter(e -> sha256(e.getValue()).equals(sha256))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse("(an upload of none of the files: " + sha256 + ")");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The feed queues as the pipeline sees them (read-only use). */
    static FeedQueue feeds() {
        return feeds(cloud);
    }

    static FeedQueue feeds(LocalCloud cloud) {
        return new FeedQueue(
                cloud.dynamo(),
                arn -> FeedProbe.RUNNING,
                FeedConfig.fromEnvironment(
                        cloud.functions().get("FeedQueueFunction").environment()),
                Clock.systemUTC(),
                new Random());
    }

    /** The inputs of every "Wait for the earlier file of this feed" the execution entered, latest first. */
    static List<JsonNode> waitInputs(String execution) {
        return waitInputs(cloud, execution);
    }

    static List<JsonNode> waitInputs(LocalCloud cloud, String execution) {
        var inputs = new ArrayList<JsonNode>();
        for (HistoryEvent e : cloud.history(execution)) {
            if (e.stateEnteredEventDetails() != null
                    && "Wait for the earlier file of this feed"
                            .equals(e.stateEnteredEventDetails().name())) {
                try {
                    inputs.add(0, JSON.readTree(e.stateEnteredEventDetails().input()));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
        }
        return inputs;
    }

    /** Polls until the execution waits in its feed, held by the failed file {@code key}; returns that wait's input. */
    static JsonNode awaitStoppedAt(String execution, String key) {
        var deadline = new PatientDeadline(DEADLINE);
        while (true) {
            for (JsonNode input : waitInputs(execution)) {
                if (key.equals(input.at("/feed/stoppedAt/key").asText())) {
                    return input;
                }
            }
            assertFalse(deadline.passed(), execution + " never waited behind the failed " + key);
            assertEquals(
                    ExecutionStatus.RUNNING, status(execution), execution + " ended instead of waiting behind " + key);
            LocalCloud.pause(200);
        }
    }

    static long executionsOf(String key) {
        return cloud
                .sfn()
                .listExecutionsPaginator(b -> b.stateMachineArn(cloud.stateMachineArn()))
                .executions()
                .stream()
                .filter(e -> {
                    try {
                        return key.equals(JSON.readTree(cloud.sfn()
                                        .describeExecution(d -> d.executionArn(e.executionArn()))
                                        .input())
                                .path("key")
                                .asText());
                    } catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                })
                .count();
    }

    static ExecutionStatus status(String execution) {
        return cloud.sfn().describeExecution(b -> b.executionArn(execution)).status();
    }

    static JsonNode report(String execution, boolean succeeded) throws IOException {
        return report(cloud, execution, succeeded);
    }

    static JsonNode report(LocalCloud cloud, String execution, boolean succeeded) throws IOException {
        String key = cloud.dropNames(execution).report(succeeded);
        return JSON.readTree(cloud.s3()
                .getObjectAsBytes(b -> b.bucket(cloud.bucket()).key(key))
                .asByteArray());
    }

    static List<String> keys(List<FeedEntry> entries) {
        return entries.stream().map(FeedEntry::key).toList();
    }
}
