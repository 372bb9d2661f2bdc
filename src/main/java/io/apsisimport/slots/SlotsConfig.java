package io.apsisimport.slots;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of the import-slot semaphore, read once per container from the environment the SAM
 * template sets.
 *
 * @param table DynamoDB table (partition key {@code pk}, sort key {@code sk}, TTL on {@code ttl})
 * @param accountKey names the APSIS account; every item's {@code pk} starts with it, so stacks that
 *     share a table and an account share its slots
 * @param maxSlots how many imports APSIS lets this account have pending at once (APSIS: three)
 * @param lease how long a slot stays held without a renewal before it may be reclaimed from an
 *     execution that is no longer running
 * @param maxWait how long one part may wait for a slot before {@link SlotWaitTimeoutException}
 * @param pollInterval the state machine's status-poll interval: holders notice that their import
 *     finished at this cadence, so waiters next in line come back at about the same cadence
 */
public record SlotsConfig(
        String table, String accountKey, int maxSlots, Duration lease, Duration maxWait, Duration pollInterval) {
    public static final int MAX_SLOTS_LIMIT = 50;
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);
    /**
     * The longest SLOT_MAX_WAIT_SECONDS (two days; the template allows no more): what the history
     * budget of a part's execution is computed for (HistoryBudgetTest).
     */
    public static final long MAX_WAIT_LIMIT_SECONDS = 172_800;

    public SlotsConfig(String table, String accountKey, int maxSlots, Duration lease, Duration maxWait) {
        this(table, accountKey, maxSlots, lease, maxWait, DEFAULT_POLL_INTERVAL);
    }

    public SlotsConfig {
        if (table == null || table.isBlank()) {
            throw new IllegalStateException("SLOTS_TABLE must name the DynamoDB table");
        }
        if (accountKey == null || accountKey.isBlank()) {
            throw new IllegalStateException("APSIS_ACCOUNT_KEY must not be blank");
        }
        if (maxSlots < 1 || maxSlots > MAX_SLOTS_LIMIT) {
            throw new IllegalStateException(
                    "MAX_CONCURRENT_IMPORTS must be between 1 and " + MAX_SLOTS_LIMIT + ", was " + maxSlots);
        }
        if (lease == null || lease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalStateException("SLOT_LEASE_SECONDS must be a positive number of seconds, was " + lease);
        }
        if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalStateException(
                    "SLOT_MAX_WAIT_SECONDS must be a positive number of seconds, was " + maxWait);
        }
        if (pollInterval == null || pollInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalStateException("POLL_INTERVAL_SECONDS must be at least 1 second, was " + pollInterval);
        }
    }

    /**
     * Reads {@code SLOTS_TABLE}, {@code APSIS_ACCOUNT_KEY}, {@code MAX_CONCURRENT_IMPORTS},
     * {@code SLOT_LEASE_SECONDS}, {@code SLOT_MAX_WAIT_SECONDS}, {@code POLL_INTERVAL_SECONDS}.
     */
    public static SlotsConfig fromEnvironment(Map<String, String> env) {
        String table = env.get("SLOTS_TABLE");
        if (table == null || table.isBlank()) {
            throw new IllegalStateException(
                    "SLOTS_TABLE is not set: it must name the DynamoDB table of the import slots");
        }
        String account = env.getOrDefault("APSIS_ACCOUNT_KEY", "default");
        if (account == null || account.isBlank()) {
            throw new IllegalStateException(
                    "APSIS_ACCOUNT_KEY is blank: leave it unset (\"default\") or name the APSIS account");
        }
        long max = number(env, "MAX_CONCURRENT_IMPORTS", 3, 1, MAX_SLOTS_LIMIT);
        long lease = number(env, "SLOT_LEASE_SECONDS", 900, 1, Long.MAX_VALUE / 1000);
        long maxWait = number(env, "SLOT_MAX_WAIT_SECONDS", 21600, 1, MAX_WAIT_LIMIT_SECONDS);
        long poll = number(env, "POLL_INTERVAL_SECONDS", DEFAULT_POLL_INTERVAL.toSeconds(), 1, 3600);
        return new SlotsConfig(
                table.trim(),
                account.trim(),
                (int) max,
                Duration.ofSeconds(lease),
                Duration.ofSeconds(maxWait),
                Duration.ofSeconds(poll));
    }

    private static long number(Map<String, String> env, String name, long fallback, long min, long max) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " must be a whole number, was \"" + raw + "\"");
        }
        if (value < min || value > max) {
            throw new IllegalStateException(name + " must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }
}
