package io.apsisimport.feed;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of the feed queues, read once per container from the environment template.yaml sets.
 *
 * @param table the DynamoDB table the import slots live in (feeds are items of their own there)
 * @param feedsKey the partition of this stack's feeds: the file state machine's name, so that stacks
 *     sharing the table keep feeds of the same route name apart
 * @param pollInterval the status-poll interval: the next file of a feed looks again at least this often
 * @param settle how long after its S3 event a file at the head of its feed waits before it starts, so
 *     that an earlier file whose event is still on its way (S3 delivers events within about a second,
 *     in no guaranteed order) is not overtaken
 * @param maxWait how long a file waits for the earlier files of its feed before it fails
 */
public record FeedConfig(String table, String feedsKey, Duration pollInterval, Duration settle, Duration maxWait) {
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(10);
    /**
     * Seven days: a backlog of long imports fits, and the wait's rounds stay far below
     * {@link FeedRules#MAX_ASKS} (HistoryBudgetTest).
     */
    public static final Duration MAX_WAIT = Duration.ofDays(7);

    public FeedConfig {
        if (table == null || table.isBlank()) {
            throw new IllegalStateException("SLOTS_TABLE must name the DynamoDB table (feeds share the slots table)");
        }
        if (feedsKey == null || feedsKey.isBlank()) {
            throw new IllegalStateException("the feeds' partition key must not be blank");
        }
        if (pollInterval == null || pollInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalStateException("POLL_INTERVAL_SECONDS must be at least 1 second, was " + pollInterval);
        }
    }

    /**
     * Reads {@code SLOTS_TABLE}, {@code STATE_MACHINE_ARN} (the file state machine: its name keys the
     * stack's feeds) and {@code POLL_INTERVAL_SECONDS}.
     */
    public static FeedConfig fromEnvironment(Map<String, String> env) {
        String table = env.get("SLOTS_TABLE");
        if (table == null || table.isBlank()) {
            throw new IllegalStateException(
                    "SLOTS_TABLE is not set: it must name the DynamoDB table of the import slots");
        }
        String machine = env.get("STATE_MACHINE_ARN");
        if (machine == null || machine.isBlank()) {
            throw new IllegalStateException("STATE_MACHINE_ARN is not set: it must name the file state machine");
        }
        String poll = env.get("POLL_INTERVAL_SECONDS");
        long seconds;
        try {
            seconds = poll == null || poll.isBlank() ? 30 : Long.parseLong(poll.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("POLL_INTERVAL_SECONDS must be a whole number, was \"" + poll + "\"");
        }
        String name = machine.substring(machine.lastIndexOf(':') + 1);
        return new FeedConfig(table.trim(), name + "#feeds", Duration.ofSeconds(seconds), DEFAULT_SETTLE, MAX_WAIT);
    }

    public FeedConfig withSettle(Duration s) {
        return new FeedConfig(table, feedsKey, pollInterval, s, maxWait);
    }

    public FeedConfig withMaxWait(Duration w) {
        return new FeedConfig(table, feedsKey, pollInterval, settle, w);
    }
}
