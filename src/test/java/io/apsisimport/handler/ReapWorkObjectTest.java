package io.apsisimport.handler;

// Handler test against moto (no local cloud): the reaper, told that an execution was stopped,
// removes the work object of its .gz (the decompressed CSV that FinishImport would have removed),
// touches nothing for a plain CSV, an event without input or a part's execution, and still frees
// the slots when the delete fails. Its AWS calls are recorded as ReapSlotsFunction's for the IAM check.

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.iam.AwsCallRecorder;
import io.apsisimport.lambda.Env;
import io.apsisimport.lambda.FakeContext;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.local.MotoServer;
import io.apsisimport.source.WorkObjects;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

@io.apsisimport.local.LocalCloudTest
class ReapWorkObjectTest {
    static final String BUCKET = "landing";
    static final String TABLE = "import-slots";
    static final String EXECUTIONS = "arn:aws:states:eu-west-1:123456789012:execution:apsis-local-import:";
    static MotoServer moto;
    static S3Client s3;
    static ReapSlotsHandler reaper;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(0);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        s3.createBucket(b -> b.bucket(BUCKET).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        try (var ddb = DynamoDbClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            ddb.createTable(b -> b.tableName(TABLE)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(attribute("pk"), attribute("sk"))
                    .keySchema(
                            KeySchemaElement.builder()
                                    .attributeName("pk")
                                    .keyType(KeyType.HASH)
                                    .build(),
                            KeySchemaElement.builder()
                                    .attributeName("sk")
                                    .keyType(KeyType.RANGE)
                                    .build()));
        }
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "test"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "test"));
        reaper = new ReapSlotsHandler(new Wiring(new Env(Map.of(
                "AWS_REGION",
                "eu-west-1",
                "AWS_ENDPOINT_URL",
                moto.endpoint().toString(),
                "SLOTS_TABLE",
                TABLE,
                "APSIS_ACCOUNT_KEY",
                "local"))));
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    @Test
    void aStoppedExecutionsWorkObjectIsRemoved() throws IOException {
        String execution = EXECUTIONS + "stopped_csv_gz-0123456789abcdef";
        String work = WorkObjects.keyFor(execution, "inbox/stopped.csv.gz");
        s3.putObject(b -> b.bucket(BUCKET).key(work), RequestBody.fromString("email\na@example.com\n"));
        String out = reap(execution, "{\"bucket\":\"landing\",\"key\":\"inbox/stopped.csv.gz\",\"size\":42}");
        assertTrue(out.contains("\"released\":0"), out);
        assertFalse(exists(work), work + " is still there");
    }

    @Test
    void nothingIsRemovedForAPlainCsvOrAnEventWithoutInput() throws IOException {
        String execution = EXECUTIONS + "plain_csv-0123456789abcdef";
        String work = WorkObjects.keyFor(execution, "inbox/plain.csv");
        s3.putObject(b -> b.bucket(BUCKET).key(work), RequestBody.fromString("not ours to remove"));
        reap(execution, "{\"bucket\":\"landing\",\"key\":\"inbox/plain.csv\"}");
        reap(execution, null);
        reap(execution, "not json");
        assertTrue(exists(work));
    }

    @Test
    void aPartsExecutionEndingRemovesNothing() throws IOException {
        // Its input names the file and the file's work object (readKey): the file's execution still reads
        // it for its other parts, and removes it itself.
        String file = EXECUTIONS + "parted_csv_gz-0123456789abcdef";
        String work = WorkObjects.keyFor(file, "inbox/parted.csv.gz");
        s3.putObject(b -> b.bucket(BUCKET).key(work), RequestBody.fromString("email\na@example.com\n"));
        reap(
                EXECUTIONS.replace(":apsis-local-import:", ":apsis-local-import-part:")
                        + "parted_csv_gz-0123456789abcdef-p001",
                "{\"bucket\":\"landing\",\"key\":\"inbox/parted.csv.gz\",\"readKey\":\"" + work
                        + "\",\"part\":{\"index\":0}}");
        assertTrue(exists(work), "a part's end removed its file's work object");
    }

    @Test
    void aFailedDeleteStillFreesTheSlots() throws IOException {
        // no such bucket: the delete fails, the reaper logs a warning and answers as usual. Not recorded
        // for the IAM check: the role rightly allows no delete in another bucket.
        String out = reap(
                EXECUTIONS + "gone-0123456789abcdef", "{\"bucket\":\"no-such-bucket\",\"key\":\"inbox/x.zip\"}", false);
        assertTrue(out.contains("\"released\":0"), out);
    }

    private static String reap(String execution, String input) throws IOException {
        return reap(execution, input, true);
    }

    private static String reap(String execution, String input, boolean recorded) throws IOException {
        var event = JsonHandler.JSON.createObjectNode().put("detail-type", "Step Functions Execution Status Change");
        var detail = event.putObject("detail").put("executionArn", execution).put("status", "ABORTED");
        if (input != null) {
            detail.put("input", input);
        } else {
            detail.putNull("input");
        }
        var out = new ByteArrayOutputStream();
        try (var scope =
                recorded ? AwsCallRecorder.inFunction("ReapSlotsFunction") : AwsCallRecorder.inFunction(null)) {
            reaper.handleRequest(
                    new ByteArrayInputStream(JsonHandler.JSON.writeValueAsBytes(event)),
                    out,
                    new FakeContext("ReapSlotsFunction"));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(BUCKET).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }
}
