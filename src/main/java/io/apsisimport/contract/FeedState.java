package io.apsisimport.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.apsisimport.feed.FeedEntry;
import io.apsisimport.feed.FeedFailure;
import java.util.List;

/**
 * What the file's execution carries about its route ({@code $.feed}), from "Find the file's route"
 * on: whether the file is only checked (a dry run), whether its route is an ordered feed, and, once
 * it asked for its turn, whether it may go or which earlier file it waits for. Small on purpose: it
 * travels in every state of the file's execution (PayloadBudgetTest).
 *
 * @param route the route's name (null when no route matched: preflight says so)
 * @param ordered the route's files are imported one at a time in arrival order
 * @param onFailure "continue" or "stop" (ordered routes only)
 * @param dryRun the file is only checked, never imported
 * @param why why it is only checked
 * @param go (after "Take the file's turn in its feed") every earlier file of the feed has finished
 * @param attempt how many times the file has asked for its turn
 * @param waitingSince when it first waited (ISO-8601)
 * @param waitSeconds how long "Wait for the earlier file of this feed" waits at most before it asks again
 * @param waitingFor the earlier file it waits for: the one right before it
 * @param stoppedAt the failed file that holds the feed ({@code onFailure: stop}), if any
 * @param filesAhead how many files of the feed are before it
 * @param earlierFailures earlier files of the feed that were not imported since the file before it
 *     started: the report names them
 * @param howToRelease with {@code stoppedAt}: what lets the feed go on
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeedState(
        String route,
        boolean ordered,
        String onFailure,
        boolean dryRun,
        String why,
        Boolean go,
        Integer attempt,
        String waitingSince,
        Long waitSeconds,
        Waiting waitingFor,
        Waiting stoppedAt,
        Integer filesAhead,
        String startedAt,
        List<FeedFailure> earlierFailures,
        Integer earlierFailuresNotListed,
        String howToRelease) {

    /** A route that is not a feed (or no route): the file goes on as before. */
    public static FeedState unordered(String route) {
        return new FeedState(
                route, false, null, false, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static FeedState dryRun(String route, String why) {
        return new FeedState(
                route, false, null, true, why, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static FeedState entered(String route, String onFailure, int ahead) {
        return new FeedState(
                route, true, onFailure, false, null, null, null, null, null, null, null, ahead, null, null, null, null);
    }

    /** An earlier file of the feed, as the console shows it in "Wait for the earlier file of this feed". */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Waiting(String key, String execution, String state, String since, String error, String message) {
        public static Waiting of(FeedEntry e) {
            if (e == null) {
                return null;
            }
            String since = switch (e.state()) {
                case IMPORTING -> e.startedAt() == null ? null : e.startedAt().toString();
                case FAILED -> e.failedAt() == null ? null : e.failedAt().toString();
                case QUEUED -> e.enteredAt() == null ? null : e.enteredAt().toString();
            };
            return new Waiting(
                    e.key(),
                    e.executionName(),
                    e.state().name().toLowerCase(java.util.Locale.ROOT),
                    since,
                    e.error(),
                    e.message());
        }
    }
}
