package io.apsisimport.feed;

import io.apsisimport.feed.FeedSnapshot.Meta;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The feed queues of ordered routes ({@code "order": "arrival"}): one queue per route, in the import
 * slots' DynamoDB table, items of their own. A file enters at the start of its execution, takes its
 * turn only when every earlier file of its route has left, and leaves at its end on every path; the
 * reaper, and the file behind it, clean up after an execution that ended without leaving. Every
 * change is one conditional write on what it was decided on, as the slots do (docs/feeds.md).
 *
 * <p>The façade the handlers use: each operation reads the route ({@link FeedTable}), decides on it
 * ({@link FeedRules}: pure, unit-tested without a table) and writes; a lost race reads and decides again.
 * About 370 lines because it is the documented contract of each queue operation (enter, turn, park,
 * wake, leave, reap, release) with its read-decide-write loop; the rules and the writes live apart.
 *
 * <p>Thread-safe: no mutable state besides the injected collaborators.
 */
public final class FeedQueue {
    /** Lost conditional-write races are retried with a fresh read this many times per call. */
    private static final int MAX_ROUNDS = 8;

    private final FeedTable table;
    private final FeedProbe probe;
    private final FeedConfig config;
    private final Clock clock;
    private final RandomGenerator random;

    public FeedQueue(DynamoDbClient ddb, FeedProbe probe, FeedConfig config, Clock clock, RandomGenerator random) {
        this.probe = Objects.requireNonNull(probe, "probe");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.table = new FeedTable(Objects.requireNonNull(ddb, "ddb"), config);
    }

    public FeedConfig config() {
        return config;
    }

    /** A file as its S3 event announced it: what decides its place. */
    public record Arrival(String key, String eventTime, String sequencer) {}

    /**
     * What entering told: how many files are before this one; {@code tookPlaceOf}: the failed drop of
     * the same key whose place it took (a stopped feed going on), else null.
     */
    public record Entered(int ahead, String tookPlaceOf) {}

    // ---------------------------------------------------------------------------------------------
    // enter

    /**
     * Puts the file's execution into its route's queue, at the place its S3 event gives it; on a route
     * that stops on failure, a file dropped again under the key of a failed file takes that file's
     * place (the stopped feed goes on with it). Idempotent: entering again changes nothing.
     */
    public Entered enter(String route, boolean stopOnFailure, String executionArn, Arrival arrival) {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(executionArn, "executionArn");
        Instant now = clock.instant();
        ArrivalOrder own = ArrivalOrder.of(arrival.eventTime(), arrival.sequencer(), arrival.key(), now);
        for (int round = 0; round < MAX_ROUNDS; round++) {
            FeedSnapshot st = table.load(route);
            FeedEntry mine = st.entry(executionArn);
            if (mine != null) {
                return new Entered(st.ahead(mine), null);
            }
            FeedEntry failed = FeedRules.placeToTakeOver(st.entries(), stopOnFailure, arrival.key());
            ArrivalOrder position = failed != null ? failed.position() : own;
            var entry = new FeedEntry(
                    route,
                    executionArn,
                    arrival.key(),
                    position,
                    own.eventTime(),
                    FeedEntry.State.QUEUED,
                    stopOnFailure,
                    1,
                    now,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
            try {
                table.putNew(entry);
            } catch (ConditionalCheckFailedException enteredMeanwhile) {
                continue; // a retried invocation wrote it: read it back
            }
            // A grant decided before this entry existed must not go through: it might be a later file's.
            table.bumpMeta(route);
            if (failed != null && !table.removeIfUnchanged(failed)) {
                // Released, or taken by another drop of the key meanwhile: this drop is a new file, in its own place.
                table.moveTo(route, executionArn, own);
                failed = null;
                position = own;
            }
            ArrivalOrder at = position;
            int ahead = (int) st.entries().stream()
                            .filter(e -> e.position().before(at))
                            .count()
                    - (failed != null ? 1 : 0);
            return new Entered(Math.max(0, ahead), failed == null ? null : failed.executionName());
        }
        throw new IllegalStateException(
                "could not enter " + arrival.key() + " into feed \"" + route + "\" after " + MAX_ROUNDS + " tries");
    }

    // ---------------------------------------------------------------------------------------------
    // turn

    /**
     * Whether the file may be imported now: every earlier file of its feed has left. Marks it as
     * importing when it may. Otherwise says how long to wait, and which earlier file it waits for; an
     * earlier file whose execution has ended without leaving is removed on the way (or, on a route
     * that stops on failure, kept as failed), so a dead head never blocks the queue for good.
     *
     * @param waitingSince when the file first waited (null the first time)
     * @param attempt how many times it has asked before
     * @throws FeedOutOfOrderException a later file of the feed has already started its import
     * @throws FeedWaitTimeoutException waited longer than {@link FeedConfig#maxWait()} or asked
     *     {@link FeedRules#MAX_ASKS} times
     */
    public FeedTurn turn(
            String route,
            boolean stopOnFailure,
            String executionArn,
            Arrival arrival,
            Instant waitingSince,
            int attempt) {
        Instant since = waitingSince != null ? waitingSince : clock.instant();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Instant now = clock.instant();
            FeedSnapshot st = table.load(route);
            FeedEntry me = st.entry(executionArn);
            if (me == null) {
                enter(route, stopOnFailure, executionArn, arrival); // never entered, or lost: take its place again
                continue;
            }
            if (me.state() == FeedEntry.State.IMPORTING) {
                return FeedRules.go(me.startedAt(), st.reported(executionArn));
            }
            if (me.state() == FeedEntry.State.FAILED) {
                throw new IllegalStateException(
                        me.key() + " is marked failed in feed \"" + route + "\" before its import");
            }
            Meta meta = st.meta();
            if (FeedRules.late(me, meta)) {
                throw new FeedOutOfOrderException(FeedRules.outOfOrderMessage(me, meta, route));
            }
            List<FeedEntry> ordered = FeedRules.inOrder(st.entries());
            List<FeedEntry> before = ordered.subList(0, ordered.indexOf(me));
            if (before.isEmpty()) {
                Duration settling = FeedRules.settling(me, now, config.settle());
                if (settling != null) {
                    return new FeedTurn.Wait(settling, since, null, null, 0, true);
                }
                List<FeedFailure> reported = FeedRules.reportedBy(meta.failures(), me);
                try {
                    table.writeStarted(route, meta, me, FeedRules.keptAfter(meta.failures(), me));
                } catch (ConditionalCheckFailedException raced) {
                    continue; // a file entered or started since we read: decide again
                }
                try {
                    table.markImporting(route, executionArn, now, reported);
                } catch (ConditionalCheckFailedException gone) {
                    continue;
                }
                return FeedRules.go(now, reported);
            }
            FeedEntry previous = before.get(before.size() - 1);
            if (previous.state() != FeedEntry.State.FAILED) {
                String status = probe.status(previous.execution());
                if (!FeedProbe.RUNNING.equals(status)) {
                    dispose(
                            st,
                            previous,
                            "SUCCEEDED".equals(status),
                            FeedRules.endedError(status),
                            FeedRules.ended(previous, status));
                    continue;
                }
            }
            Duration waited = Duration.between(since, now);
            FeedEntry stoppedAt = before.stream()
                    .filter(e -> e.state() == FeedEntry.State.FAILED)
                    .findFirst()
                    .orElse(null);
            if (FeedRules.timedOut(waited, attempt, config.maxWait())) {
                throw new FeedWaitTimeoutException(
                        FeedRules.timeoutMessage(me, route, waited, attempt, config.maxWait(), before, stoppedAt));
            }
            boolean nextInLine = before.size() == 1 && stoppedAt == null;
            Duration waitFor =
                    FeedRules.waitFor(attempt, nextInLine, config.pollInterval(), waited, config.maxWait(), random);
            try {
                // A token parked by an earlier wait belongs to a task that has ended: never wake with it.
                table.markWaiting(route, executionArn, since);
            } catch (ConditionalCheckFailedException gone) {
                continue;
            }
            return new FeedTurn.Wait(waitFor, since, previous, stoppedAt, before.size(), false);
        }
        return new FeedTurn.Wait(Duration.ofSeconds(1 + random.nextInt(2)), since, null, null, 0, false);
    }

    // ---------------------------------------------------------------------------------------------
    // park and wake

    /**
     * Parks the task token of "Wait for the earlier file of this feed" on the file's entry: whoever
     * lets the next file go wakes it with it. Without a queued entry nothing is parked (its wait times
     * out and it asks again).
     */
    public void park(String route, String executionArn, String taskToken) {
        try {
            table.park(route, executionArn, taskToken);
        } catch (ConditionalCheckFailedException notWaiting) {
            // see above
        }
    }

    /**
     * The parked task token of the file whose turn it is now, claimed (each handed out once): the
     * first file of the feed, if it waits, is settled and may start. The caller wakes it; a token
     * whose task has ended is harmless to wake.
     */
    public List<String> wakeable(String route) {
        FeedSnapshot st = table.load(route);
        List<FeedEntry> ordered = FeedRules.inOrder(st.entries());
        if (ordered.isEmpty()) {
            return List.of();
        }
        FeedEntry first = ordered.get(0);
        if (!FeedRules.mayWake(first, st.meta(), clock.instant(), config.settle())) {
            return List.of();
        }
        try {
            table.claimToken(route, first.execution(), first.token());
            return List.of(first.token());
        } catch (ConditionalCheckFailedException claimedElsewhere) {
            return List.of();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // leave, reap, release

    /** What became of a file's place. */
    public enum Outcome {
        /** It left (imported, skipped, or failed on a route that continues). */
        LEFT,
        /** It failed on a route that stops on failure: it holds the files behind it. */
        HOLDS_THE_FEED,
        /** It had no place (left before, or never entered). */
        NONE
    }

    /**
     * The file's end. Imported or skipped: it leaves. Failed: it leaves and the next file's report
     * names it ({@code onFailure: continue}), or it stays as failed and holds the files behind it
     * ({@code onFailure: stop}); a file replaced by a newer drop, or that came too late, always leaves
     * ({@link FeedRules#ALWAYS_LEAVE}). Idempotent.
     */
    public Outcome leave(String route, String executionArn, boolean succeeded, String error, String message) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            FeedSnapshot st = table.load(route);
            FeedEntry mine = st.entry(executionArn);
            if (mine == null) {
                return Outcome.NONE;
            }
            if (mine.state() == FeedEntry.State.FAILED) {
                return Outcome.HOLDS_THE_FEED;
            }
            try {
                return dispose(st, mine, succeeded, error, message);
            } catch (ConditionalCheckFailedException raced) {
                // changed since we read it: decide again
            }
        }
        throw new IllegalStateException("could not take " + executionArn + " out of feed \"" + route + "\"");
    }

    /**
     * The reaper: the file's execution ended {@code status} (FAILED, TIMED_OUT, ABORTED) without
     * leaving its feed. Applies the route's rule as for a failure. Returns the routes whose queue
     * changed (their next file may be woken).
     */
    public Set<String> reap(String executionArn, String status) {
        Set<String> routes = new LinkedHashSet<>();
        for (FeedEntry e : entriesOf(executionArn)) {
            if (e.state() == FeedEntry.State.FAILED) {
                continue; // already holds its feed, as its own failure path left it
            }
            for (int round = 0; round < MAX_ROUNDS; round++) {
                FeedSnapshot st = table.load(e.route());
                FeedEntry now = st.entry(executionArn);
                if (now == null || now.state() == FeedEntry.State.FAILED) {
                    break;
                }
                try {
                    dispose(st, now, "SUCCEEDED".equals(status), status, FeedRules.ended(now, status));
                    routes.add(e.route());
                    break;
                } catch (ConditionalCheckFailedException raced) {
                    // decide again
                }
            }
        }
        return routes;
    }

    /**
     * An operator's release of a stopped feed: the failed files holding it (only {@code key}'s when
     * given) leave, and the next file's report names them. Files that wait or import are never
     * touched. Returns the keys released.
     */
    public List<String> release(String route, String key) {
        var released = new ArrayList<String>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            FeedSnapshot st = table.load(route);
            List<FeedEntry> failed = FeedRules.inOrder(st.entries()).stream()
                    .filter(e -> e.state() == FeedEntry.State.FAILED && (key == null || key.equals(e.key())))
                    .toList();
            if (failed.isEmpty()) {
                break;
            }
            FeedEntry e = failed.get(0);
            try {
                recordFailure(
                        st,
                        new FeedFailure(
                                e.key(),
                                e.executionName(),
                                e.error(),
                                "released by an operator after it failed"
                                        + (e.message() == null ? "" : ": " + e.message()),
                                e.failedAt() == null ? null : e.failedAt().toString(),
                                e.position().eventMillis(),
                                e.position().sequencer()));
                if (table.removeIfUnchanged(e)) {
                    released.add(e.key());
                }
            } catch (ConditionalCheckFailedException raced) {
                // decide again
            }
        }
        return released;
    }

    /**
     * Takes a file out of its place after its end ({@link FeedRules#disposal}). Throws
     * ConditionalCheckFailedException when its entry changed since {@code st} was read (the caller
     * reads again).
     */
    private Outcome dispose(FeedSnapshot st, FeedEntry e, boolean succeeded, String error, String message) {
        Instant now = clock.instant();
        switch (FeedRules.disposal(succeeded, e.stopOnFailure(), error)) {
            case LEAVE -> {
                table.remove(e);
                return Outcome.LEFT;
            }
            case LEAVE_AND_REPORT -> {
                recordFailure(
                        st,
                        new FeedFailure(
                                e.key(),
                                e.executionName(),
                                error == null ? "ImportFailed" : error,
                                message,
                                now.toString(),
                                e.position().eventMillis(),
                                e.position().sequencer()));
                table.remove(e);
                return Outcome.LEFT;
            }
            case HOLD -> {
                table.markFailed(e, FeedRules.failedName(error), FeedRules.failedMessage(message), now);
                return Outcome.HOLDS_THE_FEED;
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Adds a failure for the next file to report (once per execution), under the meta item's version. */
    private void recordFailure(FeedSnapshot st, FeedFailure failure) {
        List<FeedFailure> failures = FeedRules.withFailure(st.meta().failures(), failure);
        if (failures != null) {
            table.writeFailures(st.route(), st.meta(), failures);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // reading

    /** The files of a route's feed, in order (views for logs, tests and the local tools). */
    public List<FeedEntry> entries(String route) {
        return FeedRules.inOrder(table.load(route).entries());
    }

    /** The entries (any route) of one execution: normally one, none when it left or never entered. */
    List<FeedEntry> entriesOf(String executionArn) {
        return table.entriesOf(executionArn);
    }
}
