package io.apsisimport.feed;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What {@link FeedQueue#turn} decided for a file of an ordered feed. */
public sealed interface FeedTurn {
    /**
     * The file's turn: it may be imported now.
     *
     * @param earlierFailures earlier files of the feed that left without being imported since the last
     *     file started (at most {@link FeedRules#LISTED_FAILURES}; {@code notListed} more)
     */
    record Go(Instant startedAt, List<FeedFailure> earlierFailures, int notListed) implements FeedTurn {}

    /**
     * Not yet: ask again after {@code waitFor} (whole seconds, at least one), or when the earlier
     * file leaves and wakes this one.
     *
     * @param waitingSince when the file first waited (the same on every ask)
     * @param previous the file right before this one (null while it only settles)
     * @param stoppedAt the failed file that holds the feed (onFailure: stop), if any
     * @param ahead how many files are before this one
     * @param settling the file is first, but its S3 event is younger than the settle time
     */
    record Wait(
            Duration waitFor,
            Instant waitingSince,
            FeedEntry previous,
            FeedEntry stoppedAt,
            int ahead,
            boolean settling)
            implements FeedTurn {}
}
