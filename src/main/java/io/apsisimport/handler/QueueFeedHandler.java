package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.apsisimport.contract.FeedState;
import io.apsisimport.dryrun.DryRunKeys;
import io.apsisimport.feed.FeedQueue;
import io.apsisimport.feed.FeedTurn;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.TaskTokenCallback;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.route.InvalidRoutesException;
import io.apsisimport.route.Route;
import io.apsisimport.route.RoutesSource;
import java.time.Instant;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The feed queue's steps in the file's execution, one function for all of them ({@code action}):
 * <ul>
 *   <li>{@code enter} ("Find the file's route"): reads the route; a key under the validate prefix or a
 *       route with {@code dryRun} is only checked; a file of an ordered route enters its feed;
 *   <li>{@code turn} ("Take the file's turn in its feed"): may it be imported now, or which earlier
 *       file does it wait for;
 *   <li>{@code park} ("Wait for the earlier file of this feed", a callback task): parks the task token;
 *   <li>{@code leave} ("Let the next file of the feed go"): the file's end, on every path;
 *   <li>{@code release}: an operator lets a stopped feed go on (README, "Feeds");
 * </ul>
 * and, as the target of an EventBridge rule, the reaper of files whose execution ended without
 * leaving (FAILED, TIMED_OUT, ABORTED). Whoever lets a file go wakes it (SendTaskSuccess).
 *
 * <p>Here: the action's dispatch and the steps that decide a file's turn (enter, turn); the steps
 * that let a file go and wake the next (park, leave, release, the reaper) are {@link FeedWakeups}.
 * About 300 lines with its input record (one per action) and its invoke priming's inputs.
 */
public final class QueueFeedHandler extends JsonHandler<QueueFeedHandler.Input, Object> {
    private final FeedQueue feeds;
    private final RoutesSource routes;
    private final DryRunKeys keys;
    private final FeedWakeups wakeups;

    public QueueFeedHandler() {
        this(Wiring.fromSystem());
    }

    public QueueFeedHandler(Wiring wiring) {
        this(
                wiring.feeds(),
                wiring.routes(),
                new DryRunKeys(
                        wiring.settings().validatePrefix(), wiring.settings().landingPrefix()),
                TaskTokenCallback.of(wiring.sfn()));
        PrimingInputs.serveRoutesAndFile(wiring);
        String key = PrimingInputs.key(wiring);
        primeInvocation(
                wiring,
                new Input(
                        "enter",
                        PrimingInputs.executionInput(key),
                        PrimingInputs.EXECUTION,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null),
                new Input(
                        "leave",
                        null,
                        PrimingInputs.EXECUTION,
                        null,
                        PrimingInputs.PRIMING,
                        key,
                        "SUCCEEDED",
                        null,
                        null,
                        null,
                        null,
                        null));
    }

    public QueueFeedHandler(FeedQueue feeds, RoutesSource routes, DryRunKeys keys, TaskTokenCallback wakeups) {
        super(Input.class);
        this.feeds = feeds;
        this.routes = routes;
        this.keys = keys;
        this.wakeups = new FeedWakeups(feeds, wakeups);
    }

    /**
     * {@code file}: the execution's input (StartImport's: the S3 event's key, time and sequencer);
     * {@code feed}: what "Find the file's route" (and the last turn) said; {@code status}, {@code error},
     * {@code cause}: the file's end as its report says it (leave); {@code detail}: an EventBridge
     * "Step Functions Execution Status Change" (the reaper).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(
            String action,
            StartImportHandler.ExecutionInput file,
            String executionArn,
            FeedState feed,
            String route,
            String key,
            String status,
            String error,
            String cause,
            String taskToken,
            @JsonProperty("detail-type") String detailType,
            ReapSlotsHandler.Detail detail) {}

    @Override
    public Object handle(Input in, Context context) {
        if (in.detail() != null && in.detail().executionArn() != null) {
            return wakeups.reap(in.detail(), context);
        }
        String action = in.action() == null ? "" : in.action();
        return switch (action) {
            case "enter" -> enter(in, context);
            case "turn" -> turn(in, context);
            case "park" -> wakeups.park(requireFeed(in).route(), in.executionArn(), in.taskToken(), context);
            case "leave" ->
                wakeups.leave(
                        in.route() != null ? in.route() : requireFeed(in).route(),
                        in.executionArn(),
                        in.key(),
                        in.status(),
                        in.error(),
                        in.cause(),
                        context);
            case "release" -> wakeups.release(in.route(), in.key(), context);
            default ->
                throw new IllegalArgumentException("unknown action \"" + action
                        + "\": enter, turn, park, leave, release, or a Step Functions status change event");
        };
    }

    private FeedState enter(Input in, Context context) {
        var file = requireFile(in);
        String routedAs = keys.routedAs(file.key());
        Route route = route(file.bucket(), routedAs);
        String name = route == null ? null : route.name();
        if (keys.underValidatePrefix(file.key())) {
            Log.info(context, "dry run: the file is only checked", "key", file.key(), "route", name);
            return FeedState.dryRun(name, keys.reason(file.key()));
        }
        if (route != null && route.dryRun()) {
            Log.info(context, "dry run: the file is only checked", "key", file.key(), "route", name);
            return FeedState.dryRun(name, "route \"" + name + "\" has \"dryRun\": true");
        }
        if (route == null || !route.ordered()) {
            return FeedState.unordered(name);
        }
        boolean stop = route.onFailure() == Route.FailurePolicy.STOP;
        var entered = feeds.enter(name, stop, in.executionArn(), arrival(file));
        Log.info(
                context,
                "entered its feed",
                "key",
                file.key(),
                "route",
                name,
                "filesAhead",
                entered.ahead(),
                "tookPlaceOf",
                entered.tookPlaceOf(),
                "execution",
                in.executionArn());
        return FeedState.entered(name, onFailure(route), entered.ahead());
    }

    /** The route for {@code key}; null when none matches (preflight fails the file, naming the routes). */
    private Route route(String bucket, String key) {
        try {
            return routes.load(bucket).routeFor(key).orElse(null);
        } catch (S3Exception e) {
            if (e.statusCode() == 403) {
                // Without s3:ListBucket S3 answers a missing object with 403: missing, or not ours to read.
                throw new InvalidRoutesException(
                        "cannot read the routing config s3://" + bucket + "/" + routes.key()
                                + " (AccessDenied): it is missing, or this function may not read it; upload one (see examples/routes.json)");
            }
            throw e;
        }
    }

    private FeedState turn(Input in, Context context) {
        var file = requireFile(in);
        FeedState was = requireFeed(in);
        int attempt = was.attempt() == null ? 0 : was.attempt();
        Instant since = was.waitingSince() == null ? null : Instant.parse(was.waitingSince());
        boolean stop = "stop".equals(was.onFailure());
        FeedTurn turn = feeds.turn(was.route(), stop, in.executionArn(), arrival(file), since, attempt);
        return switch (turn) {
            case FeedTurn.Go go -> {
                Log.info(
                        context,
                        "its turn in the feed: importing",
                        "key",
                        file.key(),
                        "route",
                        was.route(),
                        "earlierFailures",
                        go.earlierFailures().size() + go.notListed(),
                        "execution",
                        in.executionArn());
                yield new FeedState(
                        was.route(),
                        true,
                        was.onFailure(),
                        false,
                        null,
                        true,
                        attempt,
                        since == null ? null : since.toString(),
                        null,
                        null,
                        null,
                        0,
                        go.startedAt().toString(),
                        go.earlierFailures().isEmpty() ? null : go.earlierFailures(),
                        go.notListed() == 0 ? null : go.notListed(),
                        null);
            }
            case FeedTurn.Wait w -> {
                Instant first = w.waitingSince();
                var previous = FeedState.Waiting.of(w.previous());
                var stopped = FeedState.Waiting.of(w.stoppedAt());
                Log.info(
                        context,
                        w.settling()
                                ? "first in its feed: waiting for its S3 event to settle"
                                : "waiting for the earlier file of its feed",
                        "key",
                        file.key(),
                        "route",
                        was.route(),
                        "waitingFor",
                        previous == null ? null : previous.key(),
                        "stoppedAt",
                        stopped == null ? null : stopped.key(),
                        "filesAhead",
                        w.ahead(),
                        "waitSeconds",
                        w.waitFor().toSeconds(),
                        "execution",
                        in.executionArn());
                yield new FeedState(
                        was.route(),
                        true,
                        was.onFailure(),
                        false,
                        null,
                        false,
                        attempt + 1,
                        first.toString(),
                        w.waitFor().toSeconds(),
                        previous,
                        stopped,
                        w.ahead(),
                        null,
                        null,
                        null,
                        stopped == null ? null : howToRelease(was.route(), stopped.key()));
            }
        };
    }

    public static String howToRelease(String route, String failedKey) {
        return "drop " + failedKey
                + " again (it takes its place and, imported, lets the feed go on), or release the feed: "
                + "invoke the FeedQueue function with {\"action\":\"release\",\"route\":\"" + route
                + "\"} (README, \"Feeds\")";
    }

    private static FeedQueue.Arrival arrival(StartImportHandler.ExecutionInput file) {
        return new FeedQueue.Arrival(file.key(), file.eventTime(), file.sequencer());
    }

    private static String onFailure(Route route) {
        return route.onFailure().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static StartImportHandler.ExecutionInput requireFile(Input in) {
        if (in.file() == null || in.file().key() == null || in.executionArn() == null) {
            throw new IllegalArgumentException(
                    in.action() + " needs the file (the execution's input) and its executionArn");
        }
        return in.file();
    }

    private static FeedState requireFeed(Input in) {
        if (in.feed() == null || in.feed().route() == null) {
            throw new IllegalArgumentException(in.action() + " needs the feed (what \"Find the file's route\" said)");
        }
        return in.feed();
    }
}
