package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import io.apsisimport.feed.FeedQueue;
import io.apsisimport.lambda.AwsErrors;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.TaskTokenCallback;
import io.apsisimport.report.Summary;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The feed queue's steps that let a file go, for {@link QueueFeedHandler}: {@code park},
 * {@code leave}, {@code release} and the reaper; each then wakes the file whose turn it is now, if
 * it waits (SendTaskSuccess). The steps that decide a file's turn ({@code enter}, {@code turn})
 * stay in the handler.
 */
final class FeedWakeups {
    private static final String WOKEN = "{\"woken\":true}";

    private final FeedQueue feeds;
    private final TaskTokenCallback wakeups;

    FeedWakeups(FeedQueue feeds, TaskTokenCallback wakeups) {
        this.feeds = feeds;
        this.wakeups = wakeups;
    }

    Map<String, Object> park(String route, String executionArn, String taskToken, Context context) {
        feeds.park(route, executionArn, taskToken);
        // The earlier file may have left between "not yet" and now: nobody would wake this one for it.
        int woken = wake(route, context);
        return Map.of("parked", true, "woken", woken);
    }

    Map<String, Object> leave(
            String route, String executionArn, String key, String status, String error, String cause, Context context) {
        boolean succeeded = Summary.SUCCEEDED.equals(status);
        var outcome = feeds.leave(route, executionArn, succeeded, error, cause);
        // The file's end is written: nothing after this line may fail it (wake-ups are best effort).
        int woken = wake(route, context);
        Log.info(
                context,
                outcome == FeedQueue.Outcome.HOLDS_THE_FEED
                        ? "failed: holds its feed (onFailure: stop)"
                        : "left its feed",
                "key",
                key,
                "route",
                route,
                "status",
                status,
                "outcome",
                outcome.name(),
                "woken",
                woken,
                "execution",
                executionArn);
        return Map.of("outcome", outcome.name(), "woken", woken);
    }

    Map<String, Object> release(String route, String key, Context context) {
        if (route == null || route.isBlank()) {
            throw new IllegalArgumentException("release needs the route: {\"action\":\"release\",\"route\":\"<name>\"}"
                    + " (and \"key\" to release one file only)");
        }
        List<String> released = feeds.release(route, key);
        int woken = wake(route, context);
        Log.info(
                context,
                released.isEmpty() ? "nothing to release: no failed file holds the feed" : "feed released",
                "route",
                route,
                "released",
                released,
                "woken",
                woken);
        return Map.of("route", route, "released", released, "woken", woken);
    }

    Map<String, Object> reap(ReapSlotsHandler.Detail detail, Context context) {
        Set<String> touched = feeds.reap(detail.executionArn(), detail.status());
        int woken = 0;
        for (String route : touched) {
            woken += wake(route, context);
        }
        Log.info(
                context,
                "feeds reaped",
                "execution",
                detail.executionArn(),
                "status",
                detail.status(),
                "routes",
                touched,
                "woken",
                woken);
        return Map.of("executionArn", detail.executionArn(), "routes", touched, "woken", woken);
    }

    /** Wakes the file whose turn it is now, if it waits; never fails its caller (it asks again after its back-off). */
    private int wake(String route, Context context) {
        List<String> tokens;
        try {
            tokens = feeds.wakeable(route);
        } catch (RuntimeException e) {
            Log.warn(
                    context,
                    "could not look for the next file of the feed; it asks again after its back-off",
                    "route",
                    route,
                    "error",
                    AwsErrors.describe(e, null));
            return 0;
        }
        int woken = 0;
        for (String token : tokens) {
            try {
                if (wakeups.succeed(token, WOKEN)) {
                    woken++;
                }
            } catch (RuntimeException e) {
                Log.warn(
                        context,
                        "could not wake the next file of the feed; it asks again after its back-off",
                        "route",
                        route,
                        "error",
                        AwsErrors.describe(e, token));
            }
        }
        return woken;
    }
}
