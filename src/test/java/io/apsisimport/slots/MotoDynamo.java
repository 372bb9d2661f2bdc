package io.apsisimport.slots;

import io.apsisimport.local.MotoServer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** One moto_server per test class and a DynamoDB client for it; a fresh table per test. Public for the handler tests. */
public final class MotoDynamo implements AutoCloseable {
    private static final AtomicInteger TABLES = new AtomicInteger();

    public final MotoServer moto;
    public final DynamoDbClient ddb;

    public MotoDynamo() {
        moto = MotoServer.start(0);
        ddb = DynamoDbClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** A table shaped like the one template.yaml creates: pk/sk strings, on-demand, TTL on {@code ttl}. */
    public String newTable() {
        String name = "slots-" + TABLES.incrementAndGet();
        ddb.createTable(b -> b.tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        AttributeDefinition.builder()
                                .attributeName("pk")
                                .attributeType(ScalarAttributeType.S)
                                .build(),
                        AttributeDefinition.builder()
                                .attributeName("sk")
                                .attributeType(ScalarAttributeType.S)
                                .build())
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName("pk")
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName("sk")
                                .keyType(KeyType.RANGE)
                                .build()));
        ddb.updateTimeToLive(b ->
                b.tableName(name).timeToLiveSpecification(t -> t.enabled(true).attributeName("ttl")));
        return name;
    }

    /** Holders counted straight from the table, independent of ImportSlots' own reading. */
    long activeHolders(String table) {
        return ddb.scanPaginator(b -> b.tableName(table).consistentRead(true)).items().stream()
                .filter(i -> i.get("sk").s().startsWith("slot#"))
                .filter(i -> i.containsKey("owner") && !i.containsKey("holdUntil"))
                .count();
    }

    Map<String, AttributeValue> item(String table, String pk, String sk) {
        var r = ddb.getItem(b -> b.tableName(table)
                .consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS(sk))));
        return r.hasItem() ? r.item() : Map.of();
    }

    @Override
    public void close() {
        ddb.close();
        moto.close();
    }
}
