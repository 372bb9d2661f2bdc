package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import io.apsisimport.local.MotoServer;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SlotDecision;
import io.apsisimport.slots.SlotOwner;
import io.apsisimport.slots.SlotsConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.SendTaskSuccessRequest;
import software.amazon.awssdk.services.sfn.model.SendTaskSuccessResponse;
import software.amazon.awssdk.services.sfn.model.SfnException;

// Integration test against moto's DynamoDB with a Step Functions client that refuses every wake-up:
// a wake-up is best effort, so the release, the acquire and the reaper that try one never fail.
@io.apsisimport.local.LocalCloudTest
class SlotWakeupsTest {
    private static final String ARN = "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:";
    private static final String TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAf-task-token";
    private static MotoServer moto;
    private static DynamoDbClient ddb;
    private static final AtomicInteger TABLES = new AtomicInteger();

    private ImportSlots slots;
    private RefusingSfn sfn;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(0);
        ddb = DynamoDbClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stop() {
        ddb.close();
        moto.close();
    }

    @BeforeEach
    void freshTable() {
        String table = "wakeups-" + TABLES.incrementAndGet();
        ddb.createTable(b -> b.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attr("pk"), attr("sk"))
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName("pk")
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName("sk")
                                .keyType(KeyType.RANGE)
                                .build()));
        slots = new ImportSlots(
                ddb,
                arn -> true,
                new SlotsConfig(table, "acct", 1, Duration.ofMinutes(15), Duration.ofHours(6)),
                Clock.systemUTC(),
                new SplittableRandom(1));
        sfn = new RefusingSfn(SlotWakeupsTest::accessDenied);
    }

    /** A holds the only slot; B waits with its task token parked, ready to be woken. */
    private void holderAndParkedWaiter() {
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("a"), Instant.now(), 0));
        assertInstanceOf(SlotDecision.Wait.class, slots.acquire(owner("b"), Instant.now(), 0));
        slots.park(owner("b"), TOKEN);
    }

    @Test
    void aReleaseWhoseWakeUpIsDeniedStillSucceedsWithTheSlotFreed() {
        holderAndParkedWaiter();
        var context = new CapturingContext();

        var out = new ReleaseSlotHandler(slots, sfn)
                .handle(new ReleaseSlotHandler.Input(ARN + "a", "inbox/a.csv", 0, "IMPORT_FINISHED"), context);

        assertTrue(out.released());
        assertEquals(1, sfn.attempts.get(), "the wake-up was tried");
        assertTrue(slots.slots().get(0).free(), "the slot is free");
        assertTrue(context.logs().contains("\"level\":\"WARN\""), context.logs());
        assertTrue(context.logs().contains("AccessDeniedException"), context.logs());
        assertFalse(context.logs().contains(TOKEN), "the task token is never logged");
    }

    @Test
    void aReleaseWhoseWakeUpCannotReachStepFunctionsStillSucceeds() {
        holderAndParkedWaiter();
        sfn = new RefusingSfn(() -> SdkClientException.create("Unable to execute HTTP request: connect timed out"));

        var out = new ReleaseSlotHandler(slots, sfn)
                .handle(new ReleaseSlotHandler.Input(ARN + "a", "inbox/a.csv", 0, "ABANDONED"), new CapturingContext());

        assertTrue(out.released());
        assertTrue(slots.slots().get(0).free());
    }

    @Test
    void anAcquireThatParksAndCannotWakeReturnsItsWaitUnchanged() {
        assertInstanceOf(SlotDecision.Acquired.class, slots.acquire(owner("a"), Instant.now(), 0));
        assertInstanceOf(SlotDecision.Wait.class, slots.acquire(owner("b"), Instant.now(), 0));
        // B's previous answer; it parks its token just after A released without waking anyone.
        var previous =
                new AcquireSlotHandler.Output(false, null, 1, Instant.now().toString(), 2L, 0);
        slots.release(owner("a"), io.apsisimport.slots.ReleaseReason.IMPORT_FINISHED);

        var out = new AcquireSlotHandler(slots, sfn, Clock.systemUTC())
                .handle(
                        new AcquireSlotHandler.Input(ARN + "b", "inbox/b.csv", 0, previous, TOKEN),
                        new CapturingContext());

        assertEquals(previous, out);
        assertEquals(1, sfn.attempts.get(), "it tried to wake itself (a slot is free)");
    }

    @Test
    void theReaperFreesTheSlotsOfAnAbortedExecutionEvenIfNoWaiterCanBeWoken() {
        holderAndParkedWaiter();
        var event = new ReapSlotsHandler.Event(
                "Step Functions Execution Status Change", new ReapSlotsHandler.Detail(ARN + "a", "ABORTED"));

        var out = new ReapSlotsHandler(slots, sfn).handle(event, new CapturingContext());

        assertEquals(1, out.released());
        assertTrue(slots.slots().get(0).free());
        assertEquals(1, sfn.attempts.get());
    }

    private static SlotOwner owner(String execution) {
        return new SlotOwner(ARN + execution, 0);
    }

    private static RuntimeException accessDenied() {
        String message =
                "User: arn:aws:sts::123456789012:assumed-role/ReleaseSlotRole/fn is not authorized to perform: "
                        + "states:SendTaskSuccess because no identity-based policy allows the states:SendTaskSuccess action";
        return SfnException.builder()
                .statusCode(400)
                .message(message)
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("AccessDeniedException")
                        .errorMessage(message)
                        .serviceName("SFN")
                        .build())
                .build();
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    /** Step Functions as a role without the permission (or without a network) sees it. */
    private static final class RefusingSfn implements SfnClient {
        final AtomicInteger attempts = new AtomicInteger();
        private final Supplier<RuntimeException> failure;

        RefusingSfn(Supplier<RuntimeException> failure) {
            this.failure = failure;
        }

        @Override
        public SendTaskSuccessResponse sendTaskSuccess(SendTaskSuccessRequest request) {
            attempts.incrementAndGet();
            throw failure.get();
        }

        @Override
        public String serviceName() {
            return "states";
        }

        @Override
        public void close() {}
    }

    private static final class CapturingContext implements Context {
        private final StringBuilder logs = new StringBuilder();

        String logs() {
            return logs.toString();
        }

        @Override
        public String getAwsRequestId() {
            return "req-1";
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/test";
        }

        @Override
        public String getLogStreamName() {
            return "test";
        }

        @Override
        public String getFunctionName() {
            return "test";
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:eu-west-1:123456789012:function:test";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return 60_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    synchronized (logs) {
                        logs.append(message);
                    }
                }

                @Override
                public void log(byte[] message) {
                    log(new String(message, StandardCharsets.UTF_8));
                }
            };
        }
    }
}
