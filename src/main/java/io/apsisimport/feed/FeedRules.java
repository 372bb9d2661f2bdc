package io.apsisimport.feed;

import io.apsisimport.feed.FeedSnapshot.Meta;
import io.apsisimport.wait.TurnBackoff;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The feed queue's decisions that need no table (docs/feeds.md): order, whose place a new drop
 * takes, when a file may start and what it reports, what a file's end does to its place, back-off,
 * how many asks a wait takes, and the messages. {@link FeedQueue} reads a {@link FeedSnapshot}, asks
 * here and writes the answer through {@link FeedTable}; {@code FeedRulesTest} tests these without a table.
 * About 300 lines because it is every rule of docs/feeds.md with the constants that bound them; each
 * rule is a short static function, and one class keeps them beside the doc they mirror and their one test.
 */
public final class FeedRules {
    /**
     * The ceiling grows with the time waited (a quarter of it) up to this: a file that waits days
     * behind a stopped feed looks every few hours, and a leave or a release still wakes it at once.
     */
    static final Duration MAX_CEILING = Duration.ofHours(6);

    private static final TurnBackoff BACKOFF = new TurnBackoff(MAX_CEILING);
    /**
     * A file asks for its turn at most this often (back-offs and wake-ups together), then fails with
     * {@link FeedWaitTimeoutException}: the safety net of its execution's 25,000 history events
     * (HistoryBudgetTest), above what the back-off needs within {@link FeedConfig#MAX_WAIT}.
     */
    public static final int MAX_ASKS = 200;
    /**
     * Earlier failures a starting file names in its state and report (the earliest); the rest are
     * counted (and named in its log line): the state of a file of 128 parts has no room for more
     * (PayloadBudgetTest).
     */
    public static final int LISTED_FAILURES = 1;
    /** Failures a feed remembers until a later file starts and reports them. */
    static final int KEPT_FAILURES = 20;
    /**
     * Failures that never hold a feed, whatever its onFailure: a file replaced by a newer drop (the
     * newer drop has a place of its own), and a file that reached its feed too late (dropped again,
     * it takes a new place; at its old place it would be too late again).
     */
    static final Set<String> ALWAYS_LEAVE = Set.of("FileReplaced", "FeedOutOfOrder");

    private FeedRules() {}

    /** Arrival order; two entries at the same place (never, but) by execution name. */
    static final Comparator<FeedEntry> ORDER =
            Comparator.comparing(FeedEntry::position).thenComparing(FeedEntry::execution);

    static List<FeedEntry> inOrder(Collection<FeedEntry> entries) {
        var sorted = new ArrayList<>(entries);
        sorted.sort(ORDER);
        return sorted;
    }

    /**
     * {@link TurnBackoff}: capped at the poll interval for the next file in line and at
     * {@link TurnBackoff#TAIL_CAP} for the others (the file before it wakes it when it leaves); either
     * cap grows with the time waited, a quarter of it, at most {@link #MAX_CEILING}.
     */
    static Duration backoff(int attempt, boolean nextInLine, Duration poll, Duration waited, RandomGenerator random) {
        return BACKOFF.next(attempt, nextInLine, poll, waited, random);
    }

    /**
     * The most asks a wait of {@code maxWait} takes without a wake-up: every back-off at its shortest
     * (next in line, the jitter at its minimum), the last ask the one that finds the deadline passed.
     */
    public static int asksWithin(Duration maxWait, Duration poll) {
        return BACKOFF.asksWithin(maxWait, poll);
    }

    /** "1d 02h 03m", "4m 05s", "6s". */
    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 86_400) {
            return "%dd %02dh %02dm".formatted(s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
        }
        return s >= 3600
                ? "%dh %02dm %02ds".formatted(s / 3600, s % 3600 / 60, s % 60)
                : s >= 60 ? "%dm %02ds".formatted(s / 60, s % 60) : s + "s";
    }

    // ---------------------------------------------------------------------------------------------
    // entering and starting

    /**
     * The failed drop of {@code key} whose place a new drop of the same key takes, on a route that
     * stops on failure (the stopped feed goes on with it); null otherwise.
     */
    static FeedEntry placeToTakeOver(Collection<FeedEntry> entries, boolean stopOnFailure, String key) {
        return !stopOnFailure
                ? null
                : inOrder(entries).stream()
                        .filter(e ->
                                e.state() == FeedEntry.State.FAILED && e.key().equals(key))
                        .findFirst()
                        .orElse(null);
    }

    /** {@code e} stands before a file that has already started its import: importing it would write older data over newer. */
    static boolean late(FeedEntry e, Meta meta) {
        return meta.lastStarted() != null
                && e.position().before(meta.lastStarted())
                && !e.execution().equals(meta.lastExec());
    }

    static String outOfOrderMessage(FeedEntry me, Meta meta, String route) {
        return me.key() + " reached feed \"" + route + "\" (S3 event of "
                + me.eventTime() + ") after " + meta.lastStarted().key() + " (S3 event of "
                + meta.lastStarted().eventTime() + ") had started its import: importing it now would write older data "
                + "over newer, so it is not imported. Drop it again to import it as the newest file of the feed.";
    }

    /**
     * How long the first file still waits for its S3 event to settle (an earlier drop whose event is
     * late may still arrive), in whole seconds; null once settled.
     */
    static Duration settling(FeedEntry first, Instant now, Duration settle) {
        Instant settled = first.eventTime().plus(settle);
        if (!now.isBefore(settled)) {
            return null;
        }
        return Duration.ofSeconds(Math.max(1, (Duration.between(now, settled).toMillis() + 999) / 1000));
    }

    /** The remembered failures a starting file reports: those before its place, in order. */
    static List<FeedFailure> reportedBy(List<FeedFailure> failures, FeedEntry starting) {
        return failures.stream()
                .filter(f -> f.position().before(starting.position()))
                .sorted(Comparator.comparing(FeedFailure::position))
                .toList();
    }

    /** The remembered failures a starting file does not report (at or after its place): kept for a later one. */
    static List<FeedFailure> keptAfter(List<FeedFailure> failures, FeedEntry starting) {
        return failures.stream()
                .filter(f -> !f.position().before(starting.position()))
                .toList();
    }

    /** A file's go, naming at most {@link #LISTED_FAILURES} of the failures it reports and counting the rest. */
    static FeedTurn.Go go(Instant startedAt, List<FeedFailure> reported) {
        int listed = Math.min(reported.size(), LISTED_FAILURES);
        return new FeedTurn.Go(startedAt, List.copyOf(reported.subList(0, listed)), reported.size() - listed);
    }

    /**
     * Whether the first file of a feed is woken now: it waits with a parked token, its event has
     * settled, and it did not come too late.
     */
    static boolean mayWake(FeedEntry first, Meta meta, Instant now, Duration settle) {
        return first.state() == FeedEntry.State.QUEUED
                && first.token() != null
                && !late(first, meta)
                && !now.isBefore(first.eventTime().plus(settle));
    }

    // ---------------------------------------------------------------------------------------------
    // waiting

    /** A file gives up waiting: longer than {@code maxWait}, or this was its last ask. */
    static boolean timedOut(Duration waited, int attempt, Duration maxWait) {
        return waited.compareTo(maxWait) > 0 || attempt + 1 >= MAX_ASKS;
    }

    /** The back-off, ending just after the {@code maxWait} deadline rather than long after it. */
    static Duration waitFor(
            int attempt, boolean nextInLine, Duration poll, Duration waited, Duration maxWait, RandomGenerator random) {
        Duration waitFor = backoff(attempt, nextInLine, poll, waited, random);
        Duration left = maxWait.minus(waited);
        if (waitFor.compareTo(left) > 0) {
            waitFor = Duration.ofSeconds(Math.max(1, left.toSeconds() + 1));
        }
        return waitFor;
    }

    static String timeoutMessage(
            FeedEntry me,
            String route,
            Duration waited,
            int attempt,
            Duration maxWait,
            List<FeedEntry> before,
            FeedEntry stoppedAt) {
        return me.key() + " waited " + human(waited) + " for the earlier files of "
                + "feed \"" + route + "\" (limit " + human(maxWait)
                + (attempt + 1 >= MAX_ASKS ? "; asked " + (attempt + 1) + " times, the most a file asks" : "")
                + "); " + before.size() + " file(s) before it, "
                + (stoppedAt != null
                        ? "the feed stopped at " + describe(stoppedAt)
                        : "the first " + describe(before.get(0)));
    }

    static String describe(FeedEntry e) {
        return switch (e.state()) {
            case FAILED -> e.key() + " (failed: " + e.error() + (e.message() == null ? "" : ": " + e.message()) + ")";
            case IMPORTING -> e.key() + " (importing since " + e.startedAt() + ")";
            case QUEUED -> e.key() + " (queued)";
        };
    }

    // ---------------------------------------------------------------------------------------------
    // a file's end

    /** What a file's end does to its place. */
    enum Disposal {
        /** Imported or skipped: it leaves. */
        LEAVE,
        /** Failed on a route that continues (or a failure that always leaves): it leaves, the next file reports it. */
        LEAVE_AND_REPORT,
        /** Failed on a route that stops on failure: it stays as failed and holds the files behind it. */
        HOLD
    }

    static Disposal disposal(boolean succeeded, boolean stopOnFailure, String error) {
        if (succeeded) {
            return Disposal.LEAVE;
        }
        // A failure without an error name (Set.of(...).contains(null) would throw) holds a stopping feed.
        return !stopOnFailure || (error != null && ALWAYS_LEAVE.contains(error))
                ? Disposal.LEAVE_AND_REPORT
                : Disposal.HOLD;
    }

    /** The error name a failure is known by: {@code ImportFailed} when none, at most Step Functions' 256 characters. */
    static String failedName(String error) {
        return error == null
                ? "ImportFailed"
                : error.length() > FeedFailure.ERROR_CHARS ? error.substring(0, FeedFailure.ERROR_CHARS) : error;
    }

    /** A failure's message as kept on a failed entry: at most {@link FeedFailure#MESSAGE_CHARS} characters. */
    static String failedMessage(String message) {
        return message == null
                ? null
                : message.length() > FeedFailure.MESSAGE_CHARS
                        ? message.substring(0, FeedFailure.MESSAGE_CHARS - 1) + "…"
                        : message;
    }

    /**
     * The failures to remember after {@code failure}: once per execution (null when it is already
     * there: nothing to write), the latest {@link #KEPT_FAILURES}.
     */
    static List<FeedFailure> withFailure(List<FeedFailure> failures, FeedFailure failure) {
        if (failures.stream().anyMatch(f -> Objects.equals(f.execution(), failure.execution()))) {
            return null;
        }
        var next = new ArrayList<>(failures);
        next.add(failure);
        while (next.size() > KEPT_FAILURES) {
            next.remove(0);
        }
        return next;
    }

    /** The error name of an execution that ended without leaving its feed ({@link FeedProbe}'s status). */
    static String endedError(String status) {
        return FeedProbe.GONE.equals(status) ? "ExecutionGone" : status;
    }

    /** Why an execution that ended without leaving its feed failed, for the report. */
    static String ended(FeedEntry e, String status) {
        String how = FeedProbe.GONE.equals(status) ? "no longer exists" : "ended " + status;
        return "its execution " + e.executionName() + " " + how
                + (e.state() == FeedEntry.State.IMPORTING ? " during its import" : " before its turn");
    }
}
