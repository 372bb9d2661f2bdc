package io.apsisimport.feed;

import java.time.Instant;

/**
 * One file in its route's feed queue: from the start of its execution (once its route is known)
 * until it has been imported, has failed (and left, or, with {@code onFailure: stop}, stays as
 * {@link State#FAILED} at its place and holds the files behind it), or was skipped.
 *
 * @param execution the file's execution (ARN): the entry's owner, and how the reaper finds it
 * @param position where the entry sorts: its own arrival, or that of the failed drop of the same key
 *     it took the place of
 * @param eventTime its own S3 event's time (what the report shows)
 * @param version bumped by every write; conditional writes decide races on it
 * @param token the parked task token of "Wait for the earlier file of this feed", while it waits
 */
public record FeedEntry(
        String route,
        String execution,
        String key,
        ArrivalOrder position,
        Instant eventTime,
        State state,
        boolean stopOnFailure,
        long version,
        Instant enteredAt,
        Instant startedAt,
        Instant waitingSince,
        String token,
        String error,
        String message,
        Instant failedAt) {

    /** Where a file stands in its feed. */
    public enum State {
        /** Entered, waiting for its turn (or still being checked). */
        QUEUED,
        /** Its turn came: it is being imported. */
        IMPORTING,
        /** It failed on a route with {@code onFailure: stop}: the files behind it wait. */
        FAILED
    }

    /** The last segment of the execution ARN: what the console lists. */
    public String executionName() {
        return executionName(execution);
    }

    static String executionName(String executionArn) {
        int colon = executionArn.lastIndexOf(':');
        return colon >= 0 && colon < executionArn.length() - 1 ? executionArn.substring(colon + 1) : executionArn;
    }
}
