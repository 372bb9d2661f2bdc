package io.apsisimport.slots;

import io.apsisimport.slots.SlotState.Slot;
import io.apsisimport.slots.SlotState.Waiter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The slot items of one APSIS account in DynamoDB: the Query that reads slots and waiters into a
 * {@link SlotState}, and the conditional writes on one slot item (docs/import-slots.md, "Item
 * layout" and "Writes and their conditions"). Decides nothing: a write whose condition fails throws
 * {@link ConditionalCheckFailedException} to the caller, which reads again and decides again.
 * About 300 lines because it is the whole item layout of docs/import-slots.md (its attribute names
 * and their mapping both ways) and one method per row of its "Writes and their conditions" table.
 */
final class SlotTable {
    static final String SLOT_PREFIX = "slot#";
    static final String WAITER_PREFIX = "wait#";

    // Attribute names; always used through expression names (several are DynamoDB reserved words).
    static final String PK = "pk";
    static final String SK = "sk";
    static final String OWNER = "owner";
    static final String EXEC = "exec";
    static final String PART = "part";
    static final String ACQUIRED_AT = "acquiredAt";
    static final String LEASE_UNTIL = "leaseUntil";
    static final String HOLD_UNTIL = "holdUntil";
    static final String IMPORT_ID = "importId";
    static final String URL_EXPIRES_AT = "urlExpiresAt";
    static final String UPLOADED = "uploaded";
    static final String UPLOAD_ATTEMPTS = "uploadAttempts";
    static final String UPLOADS_SETTLED = "uploadsSettled";
    static final String UPLOAD_RESENDS = "uploadResends";
    static final String TICKET = "ticket";
    static final String VERSION = "version";
    static final String RELEASED_AT = "releasedAt";
    static final String WAITING_SINCE = "waitingSince";
    static final String NEXT_CHECK_BY = "nextCheckBy";
    static final String TTL = "ttl";
    static final String TOKEN = "token";
    static final String EXPECTED_END_AT = "expectedEndAt";

    private final DynamoDbClient ddb;
    private final String table;
    private final String pk;

    SlotTable(DynamoDbClient ddb, SlotsConfig config) {
        this.ddb = Objects.requireNonNull(ddb, "ddb");
        this.table = config.table();
        this.pk = pk(config.accountKey());
    }

    DynamoDbClient ddb() {
        return ddb;
    }

    String table() {
        return table;
    }

    String pk() {
        return pk;
    }

    // ---------------------------------------------------------------------------------------------
    // reading

    /** Slots and waiters of the account, in one strongly consistent Query (without the tickets). */
    SlotState load() {
        Map<Integer, Slot> slots = new TreeMap<>();
        List<Waiter> waiters = new ArrayList<>();
        // The ticket stays out of every read but ticket(): it never reaches views, messages or logs.
        QueryRequest request = QueryRequest.builder()
                .tableName(table)
                .consistentRead(true)
                .keyConditionExpression("#pk = :pk")
                .projectionExpression(String.join(
                        ",",
                        "#pk",
                        "#sk",
                        "#owner",
                        "#exec",
                        "#part",
                        "#leaseUntil",
                        "#holdUntil",
                        "#importId",
                        "#urlExpiresAt",
                        "#uploaded",
                        "#uploadAttempts",
                        "#uploadsSettled",
                        "#uploadResends",
                        "#version",
                        "#waitingSince",
                        "#next",
                        "#token",
                        "#acquiredAt",
                        "#expectedEndAt"))
                .expressionAttributeNames(Map.ofEntries(
                        Map.entry("#pk", PK),
                        Map.entry("#sk", SK),
                        Map.entry("#owner", OWNER),
                        Map.entry("#exec", EXEC),
                        Map.entry("#part", PART),
                        Map.entry("#leaseUntil", LEASE_UNTIL),
                        Map.entry("#holdUntil", HOLD_UNTIL),
                        Map.entry("#importId", IMPORT_ID),
                        Map.entry("#urlExpiresAt", URL_EXPIRES_AT),
                        Map.entry("#uploaded", UPLOADED),
                        Map.entry("#uploadAttempts", UPLOAD_ATTEMPTS),
                        Map.entry("#uploadsSettled", UPLOADS_SETTLED),
                        Map.entry("#uploadResends", UPLOAD_RESENDS),
                        Map.entry("#version", VERSION),
                        Map.entry("#waitingSince", WAITING_SINCE),
                        Map.entry("#next", NEXT_CHECK_BY),
                        Map.entry("#token", TOKEN),
                        Map.entry("#acquiredAt", ACQUIRED_AT),
                        Map.entry("#expectedEndAt", EXPECTED_END_AT)))
                .expressionAttributeValues(Map.of(":pk", s(pk)))
                .build();
        for (Map<String, AttributeValue> item : ddb.queryPaginator(request).items()) {
            String sk = item.get(SK).s();
            if (sk.startsWith(SLOT_PREFIX)) {
                Slot slot = slot(item);
                slots.put(slot.index(), slot);
            } else if (sk.startsWith(WAITER_PREFIX) && item.containsKey(WAITING_SINCE) && item.containsKey(OWNER)) {
                waiters.add(new Waiter(
                        item.get(OWNER).s(),
                        str(item, EXEC),
                        instant(item, WAITING_SINCE),
                        instant(item, NEXT_CHECK_BY),
                        str(item, TOKEN)));
            }
        }
        return new SlotState(slots, waiters);
    }

    private static Slot slot(Map<String, AttributeValue> item) {
        int index = Integer.parseInt(item.get(SK).s().substring(SLOT_PREFIX.length()));
        AttributeValue part = item.get(PART);
        AttributeValue uploaded = item.get(UPLOADED);
        AttributeValue version = item.get(VERSION);
        return new Slot(
                index,
                true,
                version == null ? 0 : Long.parseLong(version.n()),
                str(item, OWNER),
                str(item, EXEC),
                part == null ? 0 : Integer.parseInt(part.n()),
                instant(item, LEASE_UNTIL),
                instant(item, HOLD_UNTIL),
                str(item, IMPORT_ID),
                instant(item, URL_EXPIRES_AT),
                uploaded != null && Boolean.TRUE.equals(uploaded.bool()),
                count(item, UPLOAD_ATTEMPTS),
                count(item, UPLOADS_SETTLED),
                count(item, UPLOAD_RESENDS),
                instant(item, ACQUIRED_AT),
                instant(item, EXPECTED_END_AT));
    }

    /** The ticket on the slot {@code ownerId} holds: the one read that does not project it away. */
    Optional<String> ticket(String ownerId) {
        var response = ddb.query(b -> b.tableName(table)
                .consistentRead(true)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .filterExpression("#owner = :owner AND attribute_not_exists(#holdUntil)")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK, "#owner", OWNER, "#holdUntil", HOLD_UNTIL))
                .expressionAttributeValues(Map.of(":pk", s(pk), ":prefix", s(SLOT_PREFIX), ":owner", s(ownerId))));
        return response.items().stream()
                .map(i -> i.get(TICKET))
                .filter(Objects::nonNull)
                .map(AttributeValue::s)
                .findFirst();
    }

    // ---------------------------------------------------------------------------------------------
    // writing

    /** Takes {@code slot} (as read) for {@code owner}: the whole item, on the version read. */
    void take(Slot slot, SlotOwner owner, Instant now, Instant lease) {
        putSlot(slot, takenItem(pk, slot.index(), slot.version() + 1, owner, now, lease));
    }

    /** The whole item of slot {@code index} as {@link #take} writes it. */
    static Map<String, AttributeValue> takenItem(
            String pk, int index, long version, SlotOwner owner, Instant now, Instant lease) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PK, s(pk));
        item.put(SK, s(slotKey(index)));
        item.put(OWNER, s(owner.id()));
        item.put(EXEC, s(owner.executionArn()));
        item.put(PART, n(owner.part()));
        item.put(ACQUIRED_AT, millis(now));
        item.put(LEASE_UNTIL, millis(lease));
        item.put(VERSION, n(version));
        return item;
    }

    /** Frees {@code slot} (as read): the item written whole again, without owner, import or attempts. */
    void free(Slot slot, Instant now) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PK, s(pk));
        item.put(SK, s(slotKey(slot.index())));
        item.put(VERSION, n(slot.version() + 1));
        item.put(RELEASED_AT, millis(now));
        putSlot(slot, item);
    }

    /** Keeps {@code slot} (as read) held until {@code hold} after its release; the ticket goes. */
    void hold(Slot slot, Instant hold, Instant now) {
        // The ticket goes: nobody may upload on an abandoned import.
        ddb.updateItem(b -> b.tableName(table)
                .key(slotKeyMap(slot.index()))
                .updateExpression("SET #holdUntil = :hold, #releasedAt = :now, #version = :next REMOVE #ticket")
                .conditionExpression("#version = :seen")
                .expressionAttributeNames(Map.of(
                        "#holdUntil", HOLD_UNTIL, "#releasedAt", RELEASED_AT, "#version", VERSION, "#ticket", TICKET))
                .expressionAttributeValues(Map.of(
                        ":hold",
                        millis(hold),
                        ":now",
                        millis(now),
                        ":next",
                        n(slot.version() + 1),
                        ":seen",
                        n(slot.version()))));
    }

    /**
     * Replaces the whole slot item if it is still the version we read (or still absent): the
     * condition that makes every takeover and release race-free.
     */
    private void putSlot(Slot seen, Map<String, AttributeValue> item) {
        if (seen.exists()) {
            ddb.putItem(b -> b.tableName(table)
                    .item(item)
                    .conditionExpression("#version = :seen")
                    .expressionAttributeNames(Map.of("#version", VERSION))
                    .expressionAttributeValues(Map.of(":seen", n(seen.version()))));
        } else {
            ddb.putItem(b -> b.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", PK)));
        }
    }

    /** Extends the lease of the slot {@code ownerId} holds. */
    void renew(int index, String ownerId, Instant lease) {
        updateOwned(index, ownerId, "SET #leaseUntil = :lease", Map.of(":lease", millis(lease)), "");
    }

    /** Records the APSIS import and its ticket on the slot {@code ownerId} holds, unless it carries another import. */
    void attachImport(
            int index, String ownerId, Instant lease, String importId, Instant urlExpiresAt, String ticketJson) {
        // Each attribute is set from its own placeholder: #importId = :importId, and so on.
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":lease", millis(lease)));
        StringBuilder set = new StringBuilder("SET #leaseUntil = :lease");
        importAttributes(importId, urlExpiresAt, ticketJson).forEach((name, value) -> {
            set.append(", #").append(name).append(" = :").append(name);
            values.put(":" + name, value);
        });
        updateOwned(
                index,
                ownerId,
                set.toString(),
                values,
                " AND (attribute_not_exists(#importId) OR #importId = :importId)");
    }

    /** What {@link #attachImport} sets besides the lease, by attribute name; a null ticket is left out. */
    static Map<String, AttributeValue> importAttributes(String importId, Instant urlExpiresAt, String ticketJson) {
        Map<String, AttributeValue> attributes = new java.util.LinkedHashMap<>();
        attributes.put(IMPORT_ID, s(importId));
        attributes.put(URL_EXPIRES_AT, millis(urlExpiresAt));
        if (ticketJson != null) {
            attributes.put(TICKET, s(ticketJson));
        }
        return attributes;
    }

    /** Marks the import of the slot {@code ownerId} holds as uploaded, with its expected end (null: none). */
    void markUploaded(int index, String ownerId, Instant lease, Instant expectedEnd) {
        Map<String, AttributeValue> values =
                new HashMap<>(Map.of(":true", AttributeValue.fromBool(true), ":lease", millis(lease)));
        String set = "SET #uploaded = :true, #leaseUntil = :lease";
        if (expectedEnd != null) {
            values.put(":end", millis(expectedEnd));
            set += ", #expectedEndAt = :end";
        }
        updateOwned(index, ownerId, set, values, "");
    }

    /**
     * An update on a slot that only succeeds while {@code ownerId} still holds it (not released);
     * it bumps the version so that concurrent version-conditioned takeovers and releases fail.
     * {@code set} and {@code extraCondition} name attributes as {@code #name} (see {@link #ATTRIBUTES}).
     */
    void updateOwned(int index, String ownerId, String set, Map<String, AttributeValue> values, String extraCondition) {
        Map<String, AttributeValue> v = new HashMap<>(values);
        v.put(":owner", s(ownerId));
        v.put(":one", n(1));
        String update = set + " ADD #version :one";
        String condition = "#owner = :owner AND attribute_not_exists(#holdUntil)" + extraCondition;
        // Only the names the expressions use: DynamoDB refuses an unused one.
        Map<String, String> names = new HashMap<>();
        Matcher used = EXPRESSION_NAME.matcher(update + " " + condition);
        while (used.find()) {
            String attribute = ATTRIBUTES.get(used.group());
            if (attribute == null) {
                throw new IllegalArgumentException("no attribute for " + used.group());
            }
            names.put(used.group(), attribute);
        }
        ddb.updateItem(b -> b.tableName(table)
                .key(slotKeyMap(index))
                .updateExpression(update)
                .conditionExpression(condition)
                .expressionAttributeNames(names)
                .expressionAttributeValues(v));
    }

    private static final Pattern EXPRESSION_NAME = Pattern.compile("#[A-Za-z]+");
    private static final Map<String, String> ATTRIBUTES = Map.ofEntries(
            Map.entry("#owner", OWNER),
            Map.entry("#holdUntil", HOLD_UNTIL),
            Map.entry("#version", VERSION),
            Map.entry("#leaseUntil", LEASE_UNTIL),
            Map.entry("#importId", IMPORT_ID),
            Map.entry("#urlExpiresAt", URL_EXPIRES_AT),
            Map.entry("#ticket", TICKET),
            Map.entry("#uploaded", UPLOADED),
            Map.entry("#expectedEndAt", EXPECTED_END_AT),
            Map.entry("#uploadAttempts", UPLOAD_ATTEMPTS),
            Map.entry("#uploadsSettled", UPLOADS_SETTLED),
            Map.entry("#uploadResends", UPLOAD_RESENDS));

    // ---------------------------------------------------------------------------------------------
    // keys and values

    static String pk(String accountKey) {
        return accountKey + "#slots";
    }

    private static String slotKey(int index) {
        return SLOT_PREFIX + "%02d".formatted(index);
    }

    private Map<String, AttributeValue> slotKeyMap(int index) {
        return Map.of(PK, s(pk), SK, s(slotKey(index)));
    }

    Map<String, AttributeValue> waiterKeyMap(String ownerId) {
        return Map.of(PK, s(pk), SK, s(WAITER_PREFIX + ownerId));
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue millis(Instant instant) {
        return n(instant.toEpochMilli());
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static int count(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0 : Integer.parseInt(v.n());
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? null : Instant.ofEpochMilli(Long.parseLong(v.n()));
    }
}
