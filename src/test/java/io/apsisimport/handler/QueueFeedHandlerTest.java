package io.apsisimport.handler;

// Handler test against moto's S3 (the routes) and DynamoDB (the feeds): what "Find the file's route"
// decides for each kind of file, a turn that waits and names the earlier file, the wake-up of the next
// file when one leaves, the release of a stopped feed and the reaper, seen through our task-token
// callback.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.contract.FeedState;
import io.apsisimport.dryrun.DryRunKeys;
import io.apsisimport.feed.FeedConfig;
import io.apsisimport.feed.FeedProbe;
import io.apsisimport.feed.FeedQueue;
import io.apsisimport.lambda.FakeContext;
import io.apsisimport.route.InvalidRoutesException;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.slots.MotoDynamo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

@io.apsisimport.local.LocalCloudTest
class QueueFeedHandlerTest {
    private static final String ARN = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import-import:";
    private static final Instant DROPPED = Instant.parse("2026-03-02T08:00:00Z");
    private static MotoDynamo moto;
    private static S3Client s3;
    private static int buckets;

    private final List<String> woken = new ArrayList<>();
    private String bucket;
    private QueueFeedHandler handler;

    @BeforeAll
    static void start() {
        moto = new MotoDynamo();
        s3 = S3Client.builder()
                .endpointOverride(moto.moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stop() {
        s3.close();
        moto.close();
    }

    @BeforeEach
    void routes() {
        bucket = "landing-" + ++buckets;
        s3.createBucket(b -> b.bucket(bucket).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        s3.putObject(b -> b.bucket(bucket).key("config/routes.json"), RequestBody.fromString("""
        {"routes": [
          {"name": "daily", "match": "inbox/daily/*.csv", "section": "s", "order": "arrival", "onFailure": "stop",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "email"}}},
          {"name": "hourly", "match": "inbox/hourly/*.csv", "section": "s", "order": "arrival",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "email"}}},
          {"name": "trial", "match": "inbox/trial/*.csv", "section": "s", "dryRun": true,
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "email"}}},
          {"name": "rest", "match": "inbox/**", "section": "s",
           "import": {"keyspace_mapping": {"keyspace_discriminator": "k", "field_selector": "email"}}}]}"""));
        var feeds = new FeedQueue(
                moto.ddb,
                arn -> FeedProbe.RUNNING,
                new FeedConfig(
                        moto.newTable(),
                        "apsis-import-import#feeds",
                        Duration.ofSeconds(1),
                        Duration.ZERO,
                        Duration.ofDays(7)),
                Clock.systemUTC(),
                new SplittableRandom(2));
        handler = new QueueFeedHandler(
                feeds,
                new RoutesSource(s3, "config/routes.json"),
                new DryRunKeys("validate/", "inbox/"),
                (token, output) -> {
                    assertEquals("{\"woken\":true}", output);
                    woken.add(token);
                    return true;
                });
    }

    private StartImportHandler.ExecutionInput file(String key, int second) {
        return new StartImportHandler.ExecutionInput(
                bucket,
                key,
                10L,
                "e",
                null,
                "0" + second,
                DROPPED.plusSeconds(second).toString());
    }

    private FeedState enter(String key, int second) {
        return (FeedState) handler.handle(
                new QueueFeedHandler.Input(
                        "enter", file(key, second), ARN + second, null, null, null, null, null, null, null, null, null),
                new FakeContext("FeedQueueFunction"));
    }

    private FeedState turn(String key, int second, FeedState feed) {
        return (FeedState) handler.handle(
                new QueueFeedHandler.Input(
                        "turn", file(key, second), ARN + second, feed, null, null, null, null, null, null, null, null),
                new FakeContext("FeedQueueFunction"));
    }

    private Object call(
            String action, int second, FeedState feed, String route, String status, String error, String token) {
        return handler.handle(
                new QueueFeedHandler.Input(
                        action, null, ARN + second, feed, route, null, status, error, null, token, null, null),
                new FakeContext("FeedQueueFunction"));
    }

    @Test
    void findTheRouteDecidesDryRunFeedOrNeither() {
        FeedState validate = enter("validate/daily/a.csv", 1);
        assertTrue(validate.dryRun());
        assertEquals("daily", validate.route(), "routed as inbox/daily/a.csv");
        assertEquals("the key is under validate/ (checked as inbox/daily/a.csv)", validate.why());
        assertFalse(validate.ordered(), "a dry run never enters the feed");

        FeedState trial = enter("inbox/trial/a.csv", 2);
        assertTrue(trial.dryRun());
        assertEquals("route \"trial\" has \"dryRun\": true", trial.why());

        FeedState rest = enter("inbox/x/a.csv", 3);
        assertFalse(rest.dryRun());
        assertFalse(rest.ordered());
        assertEquals("rest", rest.route());

        FeedState none = enter("nowhere/a.csv", 4);
        assertNull(none.route(), "no route: preflight fails the file, naming the routes");

        FeedState daily = enter("inbox/daily/a.csv", 5);
        assertTrue(daily.ordered());
        assertEquals("stop", daily.onFailure());
        assertEquals(0, daily.filesAhead());
    }

    @Test
    void aMissingRoutesFileIsInvalidRoutes() {
        s3.deleteObject(b -> b.bucket(bucket).key("config/routes.json"));
        var e = assertThrows(InvalidRoutesException.class, () -> enter("inbox/daily/a.csv", 1));
        assertTrue(
                e.getMessage().startsWith("no routing config at s3://" + bucket + "/config/routes.json"),
                e.getMessage());
    }

    @Test
    void theNextFileWaitsNamingTheEarlierOneAndIsWokenWhenItLeaves() {
        FeedState first = enter("inbox/daily/mon.csv", 1);
        FeedState second = enter("inbox/daily/tue.csv", 2);
        FeedState go = turn("inbox/daily/mon.csv", 1, first);
        assertEquals(Boolean.TRUE, go.go());
        FeedState wait = turn("inbox/daily/tue.csv", 2, second);
        assertEquals(Boolean.FALSE, wait.go());
        assertEquals("inbox/daily/mon.csv", wait.waitingFor().key());
        assertEquals("importing", wait.waitingFor().state());
        assertEquals(1, wait.attempt());
        assertTrue(wait.waitSeconds() >= 1);
        assertNull(wait.howToRelease());

        assertEquals(Map.of("parked", true, "woken", 0), call("park", 2, wait, null, null, null, "token-tue"));
        assertEquals(List.of(), woken);
        call("leave", 1, go, "daily", "SUCCEEDED", null, null);
        assertEquals(List.of("token-tue"), woken, "mon left: tue was woken");
        assertEquals(Boolean.TRUE, turn("inbox/daily/tue.csv", 2, wait).go());
    }

    @Test
    void aFailedFileHoldsAStoppingFeedUntilReleased() {
        FeedState first = enter("inbox/daily/mon.csv", 1);
        FeedState second = enter("inbox/daily/tue.csv", 2);
        @SuppressWarnings("unchecked")
        var left = (Map<String, Object>) call("leave", 1, first, "daily", "FAILED", "CsvEncoding", null);
        assertEquals("HOLDS_THE_FEED", left.get("outcome"));
        FeedState wait = turn("inbox/daily/tue.csv", 2, second);
        assertEquals("inbox/daily/mon.csv", wait.stoppedAt().key());
        assertEquals("CsvEncoding", wait.stoppedAt().error());
        assertTrue(wait.howToRelease().contains("{\"action\":\"release\",\"route\":\"daily\"}"), wait.howToRelease());
        call("park", 2, wait, null, null, null, "token-tue");

        var missing =
                assertThrows(IllegalArgumentException.class, () -> call("release", 0, null, null, null, null, null));
        assertTrue(missing.getMessage().startsWith("release needs the route"), missing.getMessage());
        @SuppressWarnings("unchecked")
        var released = (Map<String, Object>) call("release", 0, null, "daily", null, null, null);
        assertEquals(List.of("inbox/daily/mon.csv"), released.get("released"));
        assertEquals(List.of("token-tue"), woken);
    }

    @Test
    void theReaperTakesAnEndedFileOutAndWakesTheNextUnlessTheFeedStopsOnFailure() {
        enter("inbox/trial/x.csv", 9); // in no feed: reaping it changes nothing
        reap(9);
        for (String route : List.of("hourly", "daily")) {
            woken.clear();
            int base = route.equals("hourly") ? 10 : 20;
            FeedState first = enter("inbox/" + route + "/mon.csv", base + 1);
            FeedState second = enter("inbox/" + route + "/tue.csv", base + 2);
            turn("inbox/" + route + "/mon.csv", base + 1, first);
            FeedState wait = turn("inbox/" + route + "/tue.csv", base + 2, second);
            call("park", base + 2, wait, null, null, null, "token-" + route);
            reap(base + 1);
            assertEquals(
                    route.equals("hourly") ? List.of("token-hourly") : List.of(),
                    woken,
                    route + ": continue lets tue go; stop keeps the aborted mon as failed, holding tue");
        }
    }

    private void reap(int second) {
        handler.handle(
                new QueueFeedHandler.Input(
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        "Step Functions Execution Status Change",
                        new ReapSlotsHandler.Detail(ARN + second, "ABORTED")),
                new FakeContext("FeedQueueFunction"));
    }

    @Test
    void anUnknownActionIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> call("jump", 1, null, null, null, null, null));
        assertTrue(e.getMessage().startsWith("unknown action \"jump\""), e.getMessage());
    }
}
