package io.apsisimport.feed;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The feed queues of ordered routes ({@code "order": "arrival"}): one queue per route, in the import
 * slots' DynamoDB table, items of their own. A file enters at the start of its execution, takes its
 * turn only when every earlier file of its route has left, and leaves at its end on every path; the
 * reaper, and the file behind it, clean up after an execution that ended without leaving. Every
 * change is one conditional write on what it was decided on, as the slots do (docs/feeds.md).
 *
 * <p>Thread-safe: no mutable state besides the injected collaborators.
 */
public final class FeedQueue {
  /** Lost conditional-write races are retried with a fresh read this many times per call. */
  private static final int MAX_ROUNDS = 8;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<FeedFailure>> FAILURES = new TypeReference<>() {};

  // Attribute names; always used through expression names (several are DynamoDB reserved words).
  private static final String PK = "pk";
  private static final String SK = "sk";
  private static final String TYPE = "type";
  private static final String ROUTE = "route";
  private static final String EXEC = "exec";
  private static final String KEY = "key";
  private static final String POS_MILLIS = "posMillis";
  private static final String POS_SEQ = "posSeq";
  private static final String POS_KEY = "posKey";
  private static final String EVENT_MILLIS = "eventMillis";
  private static final String STATE = "state";
  private static final String STOP = "stop";
  private static final String VERSION = "version";
  private static final String ENTERED_AT = "enteredAt";
  private static final String STARTED_AT = "startedAt";
  private static final String WAITING_SINCE = "waitingSince";
  private static final String TOKEN = "token";
  private static final String ERROR = "error";
  private static final String MESSAGE = "message";
  private static final String FAILED_AT = "failedAt";
  private static final String REPORTED = "reported";
  private static final String LAST_MILLIS = "lastMillis";
  private static final String LAST_SEQ = "lastSeq";
  private static final String LAST_KEY = "lastKey";
  private static final String LAST_EXEC = "lastExec";
  private static final String FAILURES_ATTR = "failures";

  private static final String ENTRY = "entry";
  private static final String META = "meta";
  /**
   * Failures that never hold a feed, whatever its onFailure: a file replaced by a newer drop (the
   * newer drop has a place of its own), and a file that reached its feed too late (dropped again,
   * it takes a new place; at its old place it would be too late again).
   */
  static final Set<String> ALWAYS_LEAVE = Set.of("FileReplaced", "FeedOutOfOrder");

  private final DynamoDbClient ddb;
  private final FeedProbe probe;
  private final FeedConfig config;
  private final Clock clock;
  private final RandomGenerator random;

  public FeedQueue(DynamoDbClient ddb, FeedProbe probe, FeedConfig config, Clock clock, RandomGenerator random) {
    this.ddb = Objects.requireNonNull(ddb, "ddb");
    this.probe = Objects.requireNonNull(probe, "probe");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
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
      Snapshot st = load(route);
      FeedEntry mine = st.entry(executionArn);
      if (mine != null) {
        return new Entered(st.ahead(mine), null);
      }
      FeedEntry failed = !stopOnFailure ? null : FeedRules.inOrder(st.entries()).stream()
          .filter(e -> e.state() == FeedEntry.State.FAILED && e.key().equals(arrival.key())).findFirst().orElse(null);
      ArrivalOrder position = failed != null ? failed.position() : own;
      var entry = new FeedEntry(route, executionArn, arrival.key(), position, own.eventTime(), FeedEntry.State.QUEUED,
          stopOnFailure, 1, now, null, null, null, null, null, null);
      try {
        ddb.putItem(b -> b.tableName(config.table()).item(item(entry))
            .conditionExpression("attribute_not_exists(#sk)").expressionAttributeNames(Map.of("#sk", SK)));
      } catch (ConditionalCheckFailedException enteredMeanwhile) {
        continue; // a retried invocation wrote it: read it back
      }
      // A grant decided before this entry existed must not go through: it might be a later file's.
      bumpMeta(route);
      if (failed != null && !removeIfUnchanged(failed)) {
        // Released, or taken by another drop of the key meanwhile: this drop is a new file, in its own place.
        update(entry(route, executionArn), "SET #posMillis = :m, #posSeq = :s, #posKey = :k ADD #version :one",
            Map.of("#posMillis", POS_MILLIS, "#posSeq", POS_SEQ, "#posKey", POS_KEY, "#version", VERSION),
            Map.of(":m", n(own.eventMillis()), ":s", s(own.sequencer()), ":k", s(own.key()), ":one", n(1)),
            "attribute_exists(#sk)");
        failed = null;
        position = own;
      }
      ArrivalOrder at = position;
      int ahead = (int) st.entries().stream().filter(e -> e.position().before(at)).count()
          - (failed != null ? 1 : 0);
      return new Entered(Math.max(0, ahead), failed == null ? null : failed.executionName());
    }
    throw new IllegalStateException("could not enter " + arrival.key() + " into feed \"" + route + "\" after "
        + MAX_ROUNDS + " tries");
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
  public FeedTurn turn(String route, boolean stopOnFailure, String executionArn, Arrival arrival, Instant waitingSince,
      int attempt) {
    Instant since = waitingSince != null ? waitingSince : clock.instant();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Instant now = clock.instant();
      Snapshot st = load(route);
      FeedEntry me = st.entry(executionArn);
      if (me == null) {
        enter(route, stopOnFailure, executionArn, arrival); // never entered, or lost: take its place again
        continue;
      }
      if (me.state() == FeedEntry.State.IMPORTING) {
        List<FeedFailure> reported = st.reported(executionArn);
        return go(me.startedAt(), reported);
      }
      if (me.state() == FeedEntry.State.FAILED) {
        throw new IllegalStateException(me.key() + " is marked failed in feed \"" + route + "\" before its import");
      }
      Meta meta = st.meta();
      if (meta.lastStarted() != null && me.position().before(meta.lastStarted())
          && !executionArn.equals(meta.lastExec())) {
        throw new FeedOutOfOrderException(me.key() + " reached feed \"" + route + "\" (S3 event of "
            + me.eventTime() + ") after " + meta.lastStarted().key() + " (S3 event of "
            + meta.lastStarted().eventTime() + ") had started its import: importing it now would write older data "
            + "over newer, so it is not imported. Drop it again to import it as the newest file of the feed.");
      }
      List<FeedEntry> ordered = FeedRules.inOrder(st.entries());
      List<FeedEntry> before = ordered.subList(0, ordered.indexOf(me));
      if (before.isEmpty()) {
        Instant settled = me.eventTime().plus(config.settle());
        if (now.isBefore(settled)) {
          long seconds = Math.max(1, (Duration.between(now, settled).toMillis() + 999) / 1000);
          return new FeedTurn.Wait(Duration.ofSeconds(seconds), since, null, null, 0, true);
        }
        List<FeedFailure> reported = meta.failures().stream().filter(f -> f.position().before(me.position()))
            .sorted(java.util.Comparator.comparing(FeedFailure::position)).toList();
        List<FeedFailure> kept = meta.failures().stream().filter(f -> !f.position().before(me.position())).toList();
        try {
          writeMeta(route, meta, me, kept);
        } catch (ConditionalCheckFailedException raced) {
          continue; // a file entered or started since we read: decide again
        }
        try {
          update(entry(route, executionArn),
              "SET #state = :importing, #startedAt = :now, #reported = :reported ADD #version :one REMOVE #token",
              Map.of("#state", STATE, "#startedAt", STARTED_AT, "#reported", REPORTED, "#version", VERSION,
                  "#token", TOKEN),
              Map.of(":importing", s(FeedEntry.State.IMPORTING.name()), ":now", millis(now),
                  ":reported", s(json(reported)), ":one", n(1)),
              "attribute_exists(#sk)");
        } catch (ConditionalCheckFailedException gone) {
          continue;
        }
        return go(now, reported);
      }
      FeedEntry previous = before.get(before.size() - 1);
      if (previous.state() != FeedEntry.State.FAILED) {
        String status = probe.status(previous.execution());
        if (!FeedProbe.RUNNING.equals(status)) {
          boolean done = "SUCCEEDED".equals(status);
          dispose(st, previous, done, FeedProbe.GONE.equals(status) ? "ExecutionGone" : status,
              ended(previous, status));
          continue;
        }
      }
      Duration waited = Duration.between(since, now);
      FeedEntry stoppedAt = before.stream().filter(e -> e.state() == FeedEntry.State.FAILED).findFirst().orElse(null);
      if (waited.compareTo(config.maxWait()) > 0 || attempt + 1 >= FeedRules.MAX_ASKS) {
        throw new FeedWaitTimeoutException(me.key() + " waited " + FeedRules.human(waited) + " for the earlier files of "
            + "feed \"" + route + "\" (limit " + FeedRules.human(config.maxWait())
            + (attempt + 1 >= FeedRules.MAX_ASKS ? "; asked " + (attempt + 1) + " times, the most a file asks" : "")
            + "); " + before.size() + " file(s) before it, "
            + (stoppedAt != null ? "the feed stopped at " + describe(stoppedAt) : "the first " + describe(before.get(0))));
      }
      boolean nextInLine = before.size() == 1 && stoppedAt == null;
      Duration waitFor = FeedRules.backoff(attempt, nextInLine, config.pollInterval(), waited, random);
      Duration left = config.maxWait().minus(waited);
      if (waitFor.compareTo(left) > 0) {
        waitFor = Duration.ofSeconds(Math.max(1, left.toSeconds() + 1));
      }
      try {
        // A token parked by an earlier wait belongs to a task that has ended: never wake with it.
        update(entry(route, executionArn), "SET #waitingSince = :since REMOVE #token",
            Map.of("#waitingSince", WAITING_SINCE, "#token", TOKEN), Map.of(":since", millis(since)),
            "attribute_exists(#sk)");
      } catch (ConditionalCheckFailedException gone) {
        continue;
      }
      return new FeedTurn.Wait(waitFor, since, previous, stoppedAt, before.size(), false);
    }
    return new FeedTurn.Wait(Duration.ofSeconds(1 + random.nextInt(2)), since, null, null, 0, false);
  }

  private static FeedTurn.Go go(Instant startedAt, List<FeedFailure> reported) {
    int listed = Math.min(reported.size(), FeedRules.LISTED_FAILURES);
    return new FeedTurn.Go(startedAt, List.copyOf(reported.subList(0, listed)), reported.size() - listed);
  }

  private static String ended(FeedEntry e, String status) {
    String how = FeedProbe.GONE.equals(status) ? "no longer exists" : "ended " + status;
    return "its execution " + e.executionName() + " " + how
        + (e.state() == FeedEntry.State.IMPORTING ? " during its import" : " before its turn");
  }

  static String describe(FeedEntry e) {
    return switch (e.state()) {
      case FAILED -> e.key() + " (failed: " + e.error() + (e.message() == null ? "" : ": " + e.message()) + ")";
      case IMPORTING -> e.key() + " (importing since " + e.startedAt() + ")";
      case QUEUED -> e.key() + " (queued)";
    };
  }

  /** The meta item records who started last (for late arrivals) and keeps the failures not reported yet. */
  private void writeMeta(String route, Meta seen, FeedEntry started, List<FeedFailure> failures) {
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":m", n(started.position().eventMillis()),
        ":s", s(started.position().sequencer()), ":k", s(started.position().key()), ":e", s(started.execution()),
        ":f", s(json(failures)), ":one", n(1)));
    Map<String, String> names = new HashMap<>(Map.of("#lastMillis", LAST_MILLIS, "#lastSeq", LAST_SEQ,
        "#lastKey", LAST_KEY, "#lastExec", LAST_EXEC, "#failures", FAILURES_ATTR, "#version", VERSION,
        "#type", TYPE, "#route", ROUTE));
    values.put(":type", s(META));
    values.put(":route", s(route));
    String condition;
    if (seen.exists()) {
      condition = "#version = :seen";
      values.put(":seen", n(seen.version()));
    } else {
      condition = "attribute_not_exists(#sk)";
      names.put("#sk", SK);
    }
    ddb.updateItem(b -> b.tableName(config.table()).key(metaKey(route))
        .updateExpression("SET #type = :type, #route = :route, #lastMillis = :m, #lastSeq = :s, #lastKey = :k, "
            + "#lastExec = :e, #failures = :f ADD #version :one")
        .conditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(values));
  }

  /** Enter bumps the meta item's version: a grant read before this entry existed fails its condition. */
  private void bumpMeta(String route) {
    ddb.updateItem(b -> b.tableName(config.table()).key(metaKey(route))
        .updateExpression("SET #type = :type, #route = :route ADD #version :one")
        .expressionAttributeNames(Map.of("#type", TYPE, "#route", ROUTE, "#version", VERSION))
        .expressionAttributeValues(Map.of(":type", s(META), ":route", s(route), ":one", n(1))));
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
      update(entry(route, executionArn), "SET #token = :token", Map.of("#token", TOKEN, "#state", STATE),
          Map.of(":token", s(taskToken), ":queued", s(FeedEntry.State.QUEUED.name())),
          "attribute_exists(#sk) AND #state = :queued");
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
    Snapshot st = load(route);
    List<FeedEntry> ordered = FeedRules.inOrder(st.entries());
    if (ordered.isEmpty()) {
      return List.of();
    }
    FeedEntry first = ordered.get(0);
    Meta meta = st.meta();
    boolean late = meta.lastStarted() != null && first.position().before(meta.lastStarted())
        && !first.execution().equals(meta.lastExec());
    if (first.state() != FeedEntry.State.QUEUED || first.token() == null || late
        || clock.instant().isBefore(first.eventTime().plus(config.settle()))) {
      return List.of();
    }
    try {
      update(entry(route, first.execution()), "REMOVE #token", Map.of("#token", TOKEN),
          Map.of(":token", s(first.token())), "#token = :token");
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
   * ({@link #ALWAYS_LEAVE}). Idempotent.
   */
  public Outcome leave(String route, String executionArn, boolean succeeded, String error, String message) {
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Snapshot st = load(route);
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
        Snapshot st = load(e.route());
        FeedEntry now = st.entry(executionArn);
        if (now == null || now.state() == FeedEntry.State.FAILED) {
          break;
        }
        try {
          dispose(st, now, "SUCCEEDED".equals(status), status, ended(now, status));
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
      Snapshot st = load(route);
      List<FeedEntry> failed = FeedRules.inOrder(st.entries()).stream()
          .filter(e -> e.state() == FeedEntry.State.FAILED && (key == null || key.equals(e.key()))).toList();
      if (failed.isEmpty()) {
        break;
      }
      FeedEntry e = failed.get(0);
      try {
        recordFailure(st, new FeedFailure(e.key(), e.executionName(), e.error(),
            "released by an operator after it failed" + (e.message() == null ? "" : ": " + e.message()),
            e.failedAt() == null ? null : e.failedAt().toString(), e.position().eventMillis(), e.position().sequencer()));
        if (removeIfUnchanged(e)) {
          released.add(e.key());
        }
      } catch (ConditionalCheckFailedException raced) {
        // decide again
      }
    }
    return released;
  }

  /**
   * Takes a file out of its place after its end. Throws ConditionalCheckFailedException when its
   * entry changed since {@code st} was read (the caller reads again).
   */
  private Outcome dispose(Snapshot st, FeedEntry e, boolean succeeded, String error, String message) {
    Instant now = clock.instant();
    if (succeeded) {
      removeOrThrow(e);
      return Outcome.LEFT;
    }
    if (!e.stopOnFailure() || ALWAYS_LEAVE.contains(error)) {
      recordFailure(st, new FeedFailure(e.key(), e.executionName(), error == null ? "ImportFailed" : error, message,
          now.toString(), e.position().eventMillis(), e.position().sequencer()));
      removeOrThrow(e);
      return Outcome.LEFT;
    }
    String why = message == null ? null
        : message.length() > FeedFailure.MESSAGE_CHARS ? message.substring(0, FeedFailure.MESSAGE_CHARS - 1) + "…" : message;
    String name = error == null ? "ImportFailed" : error.length() > FeedFailure.ERROR_CHARS
        ? error.substring(0, FeedFailure.ERROR_CHARS) : error;
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":failed", s(FeedEntry.State.FAILED.name()),
        ":error", s(name), ":now", millis(now), ":seen", n(e.version()),
        ":one", n(1)));
    String set = "SET #state = :failed, #error = :error, #failedAt = :now";
    if (why != null) {
      values.put(":message", s(why));
      set += ", #message = :message";
    }
    update(entry(e.route(), e.execution()), set + " ADD #version :one REMOVE #token",
        Map.of("#state", STATE, "#error", ERROR, "#failedAt", FAILED_AT, "#message", MESSAGE, "#version", VERSION,
            "#token", TOKEN),
        values, "#version = :seen");
    return Outcome.HOLDS_THE_FEED;
  }

  /** Adds a failure for the next file to report (once per execution), under the meta item's version. */
  private void recordFailure(Snapshot st, FeedFailure failure) {
    Meta meta = st.meta();
    var failures = new ArrayList<>(meta.failures());
    if (failures.stream().anyMatch(f -> Objects.equals(f.execution(), failure.execution()))) {
      return;
    }
    failures.add(failure);
    while (failures.size() > FeedRules.KEPT_FAILURES) {
      failures.remove(0);
    }
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":f", s(json(failures)), ":one", n(1),
        ":type", s(META), ":route", s(st.route())));
    Map<String, String> names = new HashMap<>(Map.of("#failures", FAILURES_ATTR, "#version", VERSION,
        "#type", TYPE, "#route", ROUTE));
    String condition;
    if (meta.exists()) {
      condition = "#version = :seen";
      values.put(":seen", n(meta.version()));
    } else {
      condition = "attribute_not_exists(#sk)";
      names.put("#sk", SK);
    }
    ddb.updateItem(b -> b.tableName(config.table()).key(metaKey(st.route()))
        .updateExpression("SET #type = :type, #route = :route, #failures = :f ADD #version :one")
        .conditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(values));
  }

  private void removeOrThrow(FeedEntry e) {
    ddb.deleteItem(b -> b.tableName(config.table()).key(entry(e.route(), e.execution()))
        .conditionExpression("#version = :seen").expressionAttributeNames(Map.of("#version", VERSION))
        .expressionAttributeValues(Map.of(":seen", n(e.version()))));
  }

  private boolean removeIfUnchanged(FeedEntry e) {
    try {
      removeOrThrow(e);
      return true;
    } catch (ConditionalCheckFailedException changed) {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // reading

  /** The files of a route's feed, in order (views for logs, tests and the local tools). */
  public List<FeedEntry> entries(String route) {
    return FeedRules.inOrder(load(route).entries());
  }

  /** The entries (any route) of one execution: normally one, none when it left or never entered. */
  List<FeedEntry> entriesOf(String executionArn) {
    var found = new ArrayList<FeedEntry>();
    QueryRequest request = QueryRequest.builder().tableName(config.table()).consistentRead(true)
        .keyConditionExpression("#pk = :pk").filterExpression("#exec = :exec")
        .expressionAttributeNames(Map.of("#pk", PK, "#exec", EXEC))
        .expressionAttributeValues(Map.of(":pk", s(config.feedsKey()), ":exec", s(executionArn))).build();
    for (Map<String, AttributeValue> item : ddb.queryPaginator(request).items()) {
      if (ENTRY.equals(str(item, TYPE))) {
        found.add(entryFrom(item));
      }
    }
    return found;
  }

  private Snapshot load(String route) {
    var entries = new LinkedHashMap<String, FeedEntry>();
    var reports = new HashMap<String, List<FeedFailure>>();
    Meta meta = Meta.ABSENT;
    QueryRequest request = QueryRequest.builder().tableName(config.table()).consistentRead(true)
        .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
        .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
        .expressionAttributeValues(Map.of(":pk", s(config.feedsKey()), ":prefix", s(routePrefix(route)))).build();
    for (Map<String, AttributeValue> item : ddb.queryPaginator(request).items()) {
      if (!route.equals(str(item, ROUTE))) {
        continue; // another route whose name starts like this one's
      }
      if (ENTRY.equals(str(item, TYPE))) {
        FeedEntry e = entryFrom(item);
        entries.put(e.execution(), e);
        if (item.containsKey(REPORTED)) {
          reports.put(e.execution(), parse(str(item, REPORTED)));
        }
      } else if (META.equals(str(item, TYPE))) {
        meta = metaFrom(item);
      }
    }
    return new Snapshot(route, Map.copyOf(entries), meta, Map.copyOf(reports));
  }

  private FeedEntry entryFrom(Map<String, AttributeValue> item) {
    var position = new ArrivalOrder(num(item, POS_MILLIS), str(item, POS_SEQ), str(item, POS_KEY));
    return new FeedEntry(str(item, ROUTE), str(item, EXEC), str(item, KEY), position,
        Instant.ofEpochMilli(num(item, EVENT_MILLIS)), FeedEntry.State.valueOf(str(item, STATE)),
        item.get(STOP) != null && Boolean.TRUE.equals(item.get(STOP).bool()), num(item, VERSION),
        instant(item, ENTERED_AT), instant(item, STARTED_AT), instant(item, WAITING_SINCE), str(item, TOKEN),
        str(item, ERROR), str(item, MESSAGE), instant(item, FAILED_AT));
  }

  private static Meta metaFrom(Map<String, AttributeValue> item) {
    ArrivalOrder last = item.containsKey(LAST_MILLIS)
        ? new ArrivalOrder(num(item, LAST_MILLIS), str(item, LAST_SEQ), str(item, LAST_KEY)) : null;
    String failures = str(item, FAILURES_ATTR);
    return new Meta(true, num(item, VERSION), last, str(item, LAST_EXEC), failures == null ? List.of() : parse(failures));
  }

  private Map<String, AttributeValue> item(FeedEntry e) {
    Map<String, AttributeValue> item = new HashMap<>(entry(e.route(), e.execution()));
    item.put(TYPE, s(ENTRY));
    item.put(ROUTE, s(e.route()));
    item.put(EXEC, s(e.execution()));
    item.put(KEY, s(e.key()));
    item.put(POS_MILLIS, n(e.position().eventMillis()));
    item.put(POS_SEQ, s(e.position().sequencer()));
    item.put(POS_KEY, s(e.position().key()));
    item.put(EVENT_MILLIS, millis(e.eventTime()));
    item.put(STATE, s(e.state().name()));
    item.put(STOP, AttributeValue.fromBool(e.stopOnFailure()));
    item.put(VERSION, n(e.version()));
    item.put(ENTERED_AT, millis(e.enteredAt()));
    return item;
  }

  private void update(Map<String, AttributeValue> key, String expression, Map<String, String> names,
      Map<String, AttributeValue> values, String condition) {
    Map<String, String> n = new HashMap<>(names);
    if (condition.contains("#sk")) {
      n.put("#sk", SK);
    }
    // Only the names and values the expressions use: DynamoDB refuses unused ones.
    String all = expression + " " + condition;
    n.keySet().removeIf(name -> !all.contains(name));
    Map<String, AttributeValue> v = new HashMap<>(values);
    v.keySet().removeIf(name -> !all.contains(name));
    ddb.updateItem(b -> {
      b.tableName(config.table()).key(key).updateExpression(expression).conditionExpression(condition)
          .expressionAttributeNames(n);
      if (!v.isEmpty()) {
        b.expressionAttributeValues(v);
      }
    });
  }

  /**
   * One route's feed as read in one strongly consistent Query; {@code reports}: the failures each
   * importing file reported when it started (kept on its entry, so a repeated turn answers the same).
   */
  private record Snapshot(String route, Map<String, FeedEntry> byExecution, Meta meta,
      Map<String, List<FeedFailure>> reports) {
    List<FeedEntry> entries() {
      return List.copyOf(byExecution.values());
    }

    FeedEntry entry(String executionArn) {
      return byExecution.get(executionArn);
    }

    int ahead(FeedEntry e) {
      return (int) byExecution.values().stream().filter(o -> FeedRules.ORDER.compare(o, e) < 0).count();
    }

    List<FeedFailure> reported(String executionArn) {
      return reports.getOrDefault(executionArn, List.of());
    }
  }

  /** The route's meta item: who started last, and the failures the next file reports. */
  private record Meta(boolean exists, long version, ArrivalOrder lastStarted, String lastExec,
      List<FeedFailure> failures) {
    static final Meta ABSENT = new Meta(false, 0, null, null, List.of());
  }

  // ---------------------------------------------------------------------------------------------
  // keys and values

  private static String routePrefix(String route) {
    return "feed#" + route + "#";
  }

  private Map<String, AttributeValue> entry(String route, String executionArn) {
    return Map.of(PK, s(config.feedsKey()), SK, s(routePrefix(route) + ENTRY + "#" + FeedEntry.executionName(executionArn)));
  }

  private Map<String, AttributeValue> metaKey(String route) {
    return Map.of(PK, s(config.feedsKey()), SK, s(routePrefix(route) + META));
  }

  private static String json(List<FeedFailure> failures) {
    try {
      return JSON.writeValueAsString(failures);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<FeedFailure> parse(String json) {
    try {
      return JSON.readValue(json, FAILURES);
    } catch (IOException e) {
      return List.of(); // a damaged list costs a mention in a report, never the queue
    }
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value == null ? "" : value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static AttributeValue millis(Instant instant) {
    return n(instant.toEpochMilli());
  }

  private static String str(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null ? null : v.s();
  }

  private static long num(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
  }

  private static Instant instant(Map<String, AttributeValue> item, String name) {
    AttributeValue v = item.get(name);
    return v == null || v.n() == null ? null : Instant.ofEpochMilli(Long.parseLong(v.n()));
  }
}
