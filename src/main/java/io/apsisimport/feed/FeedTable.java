package io.apsisimport.feed;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.feed.FeedSnapshot.Meta;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The feed queues' items in the slots' DynamoDB table (partition {@link FeedConfig#feedsKey()};
 * docs/feeds.md): the Query that reads a route into a {@link FeedSnapshot}, and each write with its
 * condition. Decides nothing: a write whose condition fails throws
 * {@link ConditionalCheckFailedException} to {@link FeedQueue}, which reads again and decides again.
 * About 350 lines because it is the whole item layout of docs/feeds.md (26 attribute names, their
 * mapping both ways) and one method per row of its "Writes and their conditions" table.
 */
final class FeedTable {
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

    private final DynamoDbClient ddb;
    private final FeedConfig config;

    FeedTable(DynamoDbClient ddb, FeedConfig config) {
        this.ddb = ddb;
        this.config = config;
    }

    // ---------------------------------------------------------------------------------------------
    // reading

    FeedSnapshot load(String route) {
        var entries = new LinkedHashMap<String, FeedEntry>();
        var reports = new HashMap<String, List<FeedFailure>>();
        Meta meta = Meta.ABSENT;
        QueryRequest request = QueryRequest.builder()
                .tableName(config.table())
                .consistentRead(true)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", s(config.feedsKey()), ":prefix", s(routePrefix(route))))
                .build();
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
        return new FeedSnapshot(route, Map.copyOf(entries), meta, Map.copyOf(reports));
    }

    /** The entries (any route) of one execution: normally one, none when it left or never entered. */
    List<FeedEntry> entriesOf(String executionArn) {
        var found = new ArrayList<FeedEntry>();
        QueryRequest request = QueryRequest.builder()
                .tableName(config.table())
                .consistentRead(true)
                .keyConditionExpression("#pk = :pk")
                .filterExpression("#exec = :exec")
                .expressionAttributeNames(Map.of("#pk", PK, "#exec", EXEC))
                .expressionAttributeValues(Map.of(":pk", s(config.feedsKey()), ":exec", s(executionArn)))
                .build();
        for (Map<String, AttributeValue> item : ddb.queryPaginator(request).items()) {
            if (ENTRY.equals(str(item, TYPE))) {
                found.add(entryFrom(item));
            }
        }
        return found;
    }

    private FeedEntry entryFrom(Map<String, AttributeValue> item) {
        var position = new ArrivalOrder(num(item, POS_MILLIS), str(item, POS_SEQ), str(item, POS_KEY));
        return new FeedEntry(
                str(item, ROUTE),
                str(item, EXEC),
                str(item, KEY),
                position,
                Instant.ofEpochMilli(num(item, EVENT_MILLIS)),
                FeedEntry.State.valueOf(str(item, STATE)),
                item.get(STOP) != null && Boolean.TRUE.equals(item.get(STOP).bool()),
                num(item, VERSION),
                instant(item, ENTERED_AT),
                instant(item, STARTED_AT),
                instant(item, WAITING_SINCE),
                str(item, TOKEN),
                str(item, ERROR),
                str(item, MESSAGE),
                instant(item, FAILED_AT));
    }

    private static Meta metaFrom(Map<String, AttributeValue> item) {
        ArrivalOrder last = item.containsKey(LAST_MILLIS)
                ? new ArrivalOrder(num(item, LAST_MILLIS), str(item, LAST_SEQ), str(item, LAST_KEY))
                : null;
        String failures = str(item, FAILURES_ATTR);
        return new Meta(
                true, num(item, VERSION), last, str(item, LAST_EXEC), failures == null ? List.of() : parse(failures));
    }

    // ---------------------------------------------------------------------------------------------
    // entries

    /** Writes a new entry, only if the execution has none yet. */
    void putNew(FeedEntry e) {
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
        ddb.putItem(b -> b.tableName(config.table())
                .item(item)
                .conditionExpression("attribute_not_exists(#sk)")
                .expressionAttributeNames(Map.of("#sk", SK)));
    }

    /** Moves the execution's entry to {@code position} (a drop that could not take a failed drop's place). */
    void moveTo(String route, String executionArn, ArrivalOrder position) {
        update(
                entry(route, executionArn),
                "SET #posMillis = :m, #posSeq = :s, #posKey = :k ADD #version :one",
                Map.of("#posMillis", POS_MILLIS, "#posSeq", POS_SEQ, "#posKey", POS_KEY, "#version", VERSION),
                Map.of(
                        ":m",
                        n(position.eventMillis()),
                        ":s",
                        s(position.sequencer()),
                        ":k",
                        s(position.key()),
                        ":one",
                        n(1)),
                "attribute_exists(#sk)");
    }

    /** Marks the entry as importing since {@code now}, with the failures it reported; drops its token. */
    void markImporting(String route, String executionArn, Instant now, List<FeedFailure> reported) {
        update(
                entry(route, executionArn),
                "SET #state = :importing, #startedAt = :now, #reported = :reported ADD #version :one REMOVE #token",
                Map.of(
                        "#state",
                        STATE,
                        "#startedAt",
                        STARTED_AT,
                        "#reported",
                        REPORTED,
                        "#version",
                        VERSION,
                        "#token",
                        TOKEN),
                Map.of(
                        ":importing",
                        s(FeedEntry.State.IMPORTING.name()),
                        ":now",
                        millis(now),
                        ":reported",
                        s(json(reported)),
                        ":one",
                        n(1)),
                "attribute_exists(#sk)");
    }

    /** Records that the entry waits since {@code since}; a token parked by an earlier wait goes. */
    void markWaiting(String route, String executionArn, Instant since) {
        update(
                entry(route, executionArn),
                "SET #waitingSince = :since REMOVE #token",
                Map.of("#waitingSince", WAITING_SINCE, "#token", TOKEN),
                Map.of(":since", millis(since)),
                "attribute_exists(#sk)");
    }

    /** Parks a task token on a queued entry. */
    void park(String route, String executionArn, String taskToken) {
        update(
                entry(route, executionArn),
                "SET #token = :token",
                Map.of("#token", TOKEN, "#state", STATE),
                Map.of(":token", s(taskToken), ":queued", s(FeedEntry.State.QUEUED.name())),
                "attribute_exists(#sk) AND #state = :queued");
    }

    /** Claims the parked token (a conditional REMOVE: each token is handed out once). */
    void claimToken(String route, String executionArn, String token) {
        update(
                entry(route, executionArn),
                "REMOVE #token",
                Map.of("#token", TOKEN),
                Map.of(":token", s(token)),
                "#token = :token");
    }

    /** Keeps the entry (as read) at its place as failed: it holds the files behind it. */
    void markFailed(FeedEntry e, String error, String message, Instant now) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":failed",
                s(FeedEntry.State.FAILED.name()),
                ":error",
                s(error),
                ":now",
                millis(now),
                ":seen",
                n(e.version()),
                ":one",
                n(1)));
        String set = "SET #state = :failed, #error = :error, #failedAt = :now";
        if (message != null) {
            values.put(":message", s(message));
            set += ", #message = :message";
        }
        update(
                entry(e.route(), e.execution()),
                set + " ADD #version :one REMOVE #token",
                Map.of(
                        "#state",
                        STATE,
                        "#error",
                        ERROR,
                        "#failedAt",
                        FAILED_AT,
                        "#message",
                        MESSAGE,
                        "#version",
                        VERSION,
                        "#token",
                        TOKEN),
                values,
                "#version = :seen");
    }

    /** Deletes the entry if it is still the version read; else ConditionalCheckFailedException. */
    void remove(FeedEntry e) {
        ddb.deleteItem(b -> b.tableName(config.table())
                .key(entry(e.route(), e.execution()))
                .conditionExpression("#version = :seen")
                .expressionAttributeNames(Map.of("#version", VERSION))
                .expressionAttributeValues(Map.of(":seen", n(e.version()))));
    }

    boolean removeIfUnchanged(FeedEntry e) {
        try {
            remove(e);
            return true;
        } catch (ConditionalCheckFailedException changed) {
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the route's meta item

    /** Records who started last and keeps the failures not reported yet, on the meta item's version read. */
    void writeStarted(String route, Meta seen, FeedEntry started, List<FeedFailure> failures) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":m",
                n(started.position().eventMillis()),
                ":s",
                s(started.position().sequencer()),
                ":k",
                s(started.position().key()),
                ":e",
                s(started.execution()),
                ":f",
                s(json(failures)),
                ":one",
                n(1)));
        Map<String, String> names = new HashMap<>(Map.of(
                "#lastMillis",
                LAST_MILLIS,
                "#lastSeq",
                LAST_SEQ,
                "#lastKey",
                LAST_KEY,
                "#lastExec",
                LAST_EXEC,
                "#failures",
                FAILURES_ATTR,
                "#version",
                VERSION,
                "#type",
                TYPE,
                "#route",
                ROUTE));
        values.put(":type", s(META));
        values.put(":route", s(route));
        String condition = metaCondition(seen, names, values);
        ddb.updateItem(b -> b.tableName(config.table())
                .key(metaKey(route))
                .updateExpression("SET #type = :type, #route = :route, #lastMillis = :m, #lastSeq = :s, #lastKey = :k, "
                        + "#lastExec = :e, #failures = :f ADD #version :one")
                .conditionExpression(condition)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values));
    }

    /** Replaces the failures the next file reports, on the meta item's version read. */
    void writeFailures(String route, Meta seen, List<FeedFailure> failures) {
        Map<String, AttributeValue> values =
                new HashMap<>(Map.of(":f", s(json(failures)), ":one", n(1), ":type", s(META), ":route", s(route)));
        Map<String, String> names =
                new HashMap<>(Map.of("#failures", FAILURES_ATTR, "#version", VERSION, "#type", TYPE, "#route", ROUTE));
        String condition = metaCondition(seen, names, values);
        ddb.updateItem(b -> b.tableName(config.table())
                .key(metaKey(route))
                .updateExpression("SET #type = :type, #route = :route, #failures = :f ADD #version :one")
                .conditionExpression(condition)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values));
    }

    private static String metaCondition(Meta seen, Map<String, String> names, Map<String, AttributeValue> values) {
        if (seen.exists()) {
            values.put(":seen", n(seen.version()));
            return "#version = :seen";
        }
        names.put("#sk", SK);
        return "attribute_not_exists(#sk)";
    }

    /** Enter bumps the meta item's version: a grant read before this entry existed fails its condition. */
    void bumpMeta(String route) {
        ddb.updateItem(b -> b.tableName(config.table())
                .key(metaKey(route))
                .updateExpression("SET #type = :type, #route = :route ADD #version :one")
                .expressionAttributeNames(Map.of("#type", TYPE, "#route", ROUTE, "#version", VERSION))
                .expressionAttributeValues(Map.of(":type", s(META), ":route", s(route), ":one", n(1))));
    }

    private void update(
            Map<String, AttributeValue> key,
            String expression,
            Map<String, String> names,
            Map<String, AttributeValue> values,
            String condition) {
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
            b.tableName(config.table())
                    .key(key)
                    .updateExpression(expression)
                    .conditionExpression(condition)
                    .expressionAttributeNames(n);
            if (!v.isEmpty()) {
                b.expressionAttributeValues(v);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // keys and values

    private static String routePrefix(String route) {
        return "feed#" + route + "#";
    }

    private Map<String, AttributeValue> entry(String route, String executionArn) {
        return Map.of(
                PK,
                s(config.feedsKey()),
                SK,
                s(routePrefix(route) + ENTRY + "#" + FeedEntry.executionName(executionArn)));
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
