package io.apsisimport.feed;

import java.util.List;
import java.util.Map;

/**
 * One route's feed as read in one strongly consistent Query ({@link FeedTable#load}): plain values,
 * so {@link FeedRules} decides on it without a table.
 *
 * @param byExecution the files in the queue, by execution ARN
 * @param meta the route's meta item
 * @param reports the failures each importing file reported when it started (kept on its entry, so a
 *     repeated turn answers the same)
 */
record FeedSnapshot(
        String route, Map<String, FeedEntry> byExecution, Meta meta, Map<String, List<FeedFailure>> reports) {

    /**
     * The route's meta item: who started last (for late arrivals) and the failures the next file
     * reports; {@code exists} and {@code version} condition its writes.
     */
    record Meta(boolean exists, long version, ArrivalOrder lastStarted, String lastExec, List<FeedFailure> failures) {
        static final Meta ABSENT = new Meta(false, 0, null, null, List.of());
    }

    List<FeedEntry> entries() {
        return List.copyOf(byExecution.values());
    }

    FeedEntry entry(String executionArn) {
        return byExecution.get(executionArn);
    }

    /** How many files are before {@code e} in arrival order. */
    int ahead(FeedEntry e) {
        return (int) byExecution.values().stream()
                .filter(o -> FeedRules.ORDER.compare(o, e) < 0)
                .count();
    }

    List<FeedFailure> reported(String executionArn) {
        return reports.getOrDefault(executionArn, List.of());
    }
}
