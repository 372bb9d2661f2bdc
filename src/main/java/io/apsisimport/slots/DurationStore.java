package io.apsisimport.slots;

import static io.apsisimport.slots.SlotTable.PK;
import static io.apsisimport.slots.SlotTable.SK;
import static io.apsisimport.slots.SlotTable.VERSION;
import static io.apsisimport.slots.SlotTable.millis;
import static io.apsisimport.slots.SlotTable.n;
import static io.apsisimport.slots.SlotTable.s;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The account's {@link DurationModel} in its DynamoDB item ({@code {APSIS_ACCOUNT_KEY}#durations},
 * {@code model}; docs/import-slots.md, "How long APSIS takes"): 13 numbers, written back
 * conditioned on the version read.
 */
final class DurationStore {
    private static final String MODEL = "model";
    private static final String UPDATED_AT = "updatedAt";
    /** The sort key of the duration model's item, in the partition {@code {APSIS_ACCOUNT_KEY}#durations}. */
    private static final String MODEL_SK = "model";
    /** Learning a finished import's duration gives up after this many lost races (it is only an estimate). */
    private static final int LEARN_ROUNDS = 4;

    private final DynamoDbClient ddb;
    private final String table;
    private final String durationsPk;
    private final Clock clock;

    DurationStore(DynamoDbClient ddb, SlotsConfig config, Clock clock) {
        this.ddb = ddb;
        this.table = config.table();
        this.durationsPk = config.accountKey() + "#durations";
        this.clock = clock;
    }

    private record StoredModel(DurationModel model, Long version) {}

    DurationModel read() {
        return readStored().model();
    }

    private StoredModel readStored() {
        var item = ddb.getItem(
                        b -> b.tableName(table).consistentRead(true).key(Map.of(PK, s(durationsPk), SK, s(MODEL_SK))))
                .item();
        if (item == null || !item.containsKey(MODEL) || !item.containsKey(VERSION)) {
            return new StoredModel(DurationModel.empty(), null);
        }
        List<AttributeValue> v = item.get(MODEL).l();
        double[] d = new double[v.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = Double.parseDouble(v.get(i).n());
        }
        var model = new DurationModel(
                (int) d[0],
                new double[] {d[1], d[2], d[3], d[4], d[5], d[6]},
                new double[] {d[7], d[8], d[9]},
                d[10],
                d[11],
                d[12]);
        return new StoredModel(model, Long.parseLong(item.get(VERSION).n()));
    }

    /** See {@link ImportSlots#learn}. */
    Optional<DurationModel> learn(long rows, long bytes, double seconds) {
        for (int round = 0; round < LEARN_ROUNDS; round++) {
            StoredModel stored = readStored();
            DurationModel next = stored.model().learn(rows, bytes, seconds);
            List<AttributeValue> numbers = new ArrayList<>();
            numbers.add(n(next.samples()));
            for (double g : next.gram()) {
                numbers.add(number(g));
            }
            for (double p : next.xy()) {
                numbers.add(number(p));
            }
            for (double x : new double[] {next.yy(), next.errorSum(), next.errorWeight()}) {
                numbers.add(number(x));
            }
            Map<String, AttributeValue> item = Map.of(
                    PK,
                    s(durationsPk),
                    SK,
                    s(MODEL_SK),
                    MODEL,
                    AttributeValue.fromL(numbers),
                    VERSION,
                    n(stored.version() == null ? 1 : stored.version() + 1),
                    UPDATED_AT,
                    millis(clock.instant()));
            try {
                if (stored.version() == null) {
                    ddb.putItem(b -> b.tableName(table)
                            .item(item)
                            .conditionExpression("attribute_not_exists(#pk)")
                            .expressionAttributeNames(Map.of("#pk", PK)));
                } else {
                    ddb.putItem(b -> b.tableName(table)
                            .item(item)
                            .conditionExpression("#version = :seen")
                            .expressionAttributeNames(Map.of("#version", VERSION))
                            .expressionAttributeValues(Map.of(":seen", n(stored.version()))));
                }
                return Optional.of(next);
            } catch (ConditionalCheckFailedException raced) {
                // another part learned meanwhile: learn on top of it
            }
        }
        return Optional.empty();
    }

    /** A sum of the model as a DynamoDB number (which holds magnitudes down to 1E-130 only: smaller ones are 0). */
    private static AttributeValue number(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("not a number DynamoDB can store: " + x);
        }
        return AttributeValue.fromN(
                Math.abs(x) < 1e-100 ? "0" : java.math.BigDecimal.valueOf(x).toString());
    }
}
