package io.apsisimport.slots;

import static io.apsisimport.slots.SlotTable.EXEC;
import static io.apsisimport.slots.SlotTable.NEXT_CHECK_BY;
import static io.apsisimport.slots.SlotTable.OWNER;
import static io.apsisimport.slots.SlotTable.SK;
import static io.apsisimport.slots.SlotTable.TOKEN;
import static io.apsisimport.slots.SlotTable.TTL;
import static io.apsisimport.slots.SlotTable.WAITING_SINCE;
import static io.apsisimport.slots.SlotTable.millis;
import static io.apsisimport.slots.SlotTable.n;
import static io.apsisimport.slots.SlotTable.s;

import io.apsisimport.slots.SlotState.Waiter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The parts waiting for a slot (docs/import-slots.md, "Waiting: arrival order and back-off"): their
 * waiter records, the task tokens they park, and the wake-up after a release, which claims the
 * tokens of the oldest live waiters ({@link SlotPolicy#toWake}). Waking decides nothing about who
 * gets a slot: the woken waiter still goes through {@code acquire}. Only a waiter's owner writes its
 * record, and nothing about the limit depends on it, so these writes carry no condition but the
 * token's own.
 */
final class WaiterQueue {
    /** Housekeeping only: TTL deletes abandoned waiter records this long after they stopped counting. */
    private static final Duration WAITER_TTL = Duration.ofDays(1);

    private final SlotTable table;
    private final SlotPolicy policy;

    WaiterQueue(SlotTable table, SlotPolicy policy) {
        this.table = table;
        this.policy = policy;
    }

    /** Writes (upserts) the owner's waiter record; a new wait drops a token parked for the last one. */
    void put(SlotOwner owner, Instant waitingSince, Instant nextCheckBy) {
        table.ddb()
                .updateItem(b -> b.tableName(table.table())
                        .key(table.waiterKeyMap(owner.id()))
                        .updateExpression(
                                "SET #owner = :owner, #exec = :exec, #waitingSince = :since, #next = :next, #ttl = :ttl"
                                        + " REMOVE #token")
                        .expressionAttributeNames(Map.of(
                                "#owner",
                                OWNER,
                                "#exec",
                                EXEC,
                                "#waitingSince",
                                WAITING_SINCE,
                                "#next",
                                NEXT_CHECK_BY,
                                "#ttl",
                                TTL,
                                "#token",
                                TOKEN))
                        .expressionAttributeValues(Map.of(
                                ":owner",
                                s(owner.id()),
                                ":exec",
                                s(owner.executionArn()),
                                ":since",
                                millis(waitingSince),
                                ":next",
                                millis(nextCheckBy),
                                ":ttl",
                                n(nextCheckBy.plus(WAITER_TTL).getEpochSecond()))));
    }

    /** Parks the task token on the owner's waiter record; without a record, nothing (see ImportSlots.park). */
    void park(SlotOwner owner, String taskToken) {
        try {
            table.ddb()
                    .updateItem(b -> b.tableName(table.table())
                            .key(table.waiterKeyMap(owner.id()))
                            .updateExpression("SET #token = :token")
                            .conditionExpression("attribute_exists(#sk)")
                            .expressionAttributeNames(Map.of("#token", TOKEN, "#sk", SK))
                            .expressionAttributeValues(Map.of(":token", s(taskToken))));
        } catch (ConditionalCheckFailedException noWaiterRecord) {
            // the back-off timeout brings it back
        }
    }

    /**
     * The parked task tokens of the waiters a release wakes ({@link SlotPolicy#toWake}), each handed
     * out once: a conditional REMOVE claims it.
     */
    List<String> claimTokensToWake(SlotState state, Instant now) {
        List<String> tokens = new ArrayList<>();
        for (Waiter w : policy.toWake(state, now)) {
            try {
                table.ddb()
                        .updateItem(b -> b.tableName(table.table())
                                .key(table.waiterKeyMap(w.ownerId()))
                                .updateExpression("REMOVE #token")
                                .conditionExpression("#token = :token")
                                .expressionAttributeNames(Map.of("#token", TOKEN))
                                .expressionAttributeValues(Map.of(":token", s(w.token()))));
                tokens.add(w.token());
            } catch (ConditionalCheckFailedException claimedElsewhere) {
                // another release woke it, or it re-registered with a new token
            }
        }
        return tokens;
    }

    /** Deletes the owner's waiter record if the state read shows one (saves a write when there is none). */
    void deleteIfSeen(SlotState state, String ownerId) {
        if (state.waiters().stream().anyMatch(w -> w.ownerId().equals(ownerId))) {
            delete(ownerId);
        }
    }

    void delete(String ownerId) {
        table.ddb().deleteItem(b -> b.tableName(table.table()).key(table.waiterKeyMap(ownerId)));
    }
}
