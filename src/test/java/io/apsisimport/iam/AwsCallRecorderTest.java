package io.apsisimport.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.local.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.SfnException;

// Integration test against moto: SDK clients built the ordinary way (no interceptor added by hand)
// record the calls made inside a function's scope, through the SDK's global interceptor file.
@io.apsisimport.local.LocalCloudTest
class AwsCallRecorderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static MotoServer moto;
    private static S3Client s3;
    private static SfnClient sfn;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(0);
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .forcePathStyle(true)
                .credentialsProvider(creds)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        sfn = SfnClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(creds)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @AfterAll
    static void stop() {
        s3.close();
        sfn.close();
        moto.close();
    }

    @Test
    void recordsTheCallsOfAFunctionWithTheResourcesTheyAddressAndNothingOfTheHarness() throws IOException {
        String previous = System.getProperty(AwsCallRecorder.DIR_PROPERTY);
        System.setProperty(AwsCallRecorder.DIR_PROPERTY, dir.toString());
        try {
            s3.createBucket(
                    b -> b.bucket("bucket-a").createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
            try (var scope = AwsCallRecorder.inFunction("FinishImportFunction")) {
                s3.putObject(b -> b.bucket("bucket-a").key("inbox/a b.csv"), RequestBody.fromString("x"));
                s3.copyObject(b -> b.sourceBucket("bucket-a")
                        .sourceKey("inbox/a b.csv")
                        .destinationBucket("bucket-a")
                        .destinationKey("archive/inbox/a b.csv"));
                assertThrows(
                        NoSuchKeyException.class,
                        () -> s3.headObject(b -> b.bucket("bucket-a").key("missing.csv")));
            }
            try (var scope = AwsCallRecorder.inFunction("ReleaseSlotFunction")) {
                assertThrows(
                        SfnException.class,
                        () -> sfn.sendTaskSuccess(
                                b -> b.taskToken("secret-task-token").output("{}")));
            }
            try (var scope = AwsCallRecorder.inFunction("StartImportFunction")) {
                assertThrows(
                        SfnException.class,
                        () -> sfn.startExecution(b -> b.name("file-1")
                                .stateMachineArn("arn:aws:states:eu-west-1:123456789012:stateMachine:nope-import")));
            }
            s3.deleteObject(b -> b.bucket("bucket-a").key("inbox/a b.csv")); // the harness again
        } finally {
            restore(previous);
        }

        List<JsonNode> calls = read(dir);
        assertEquals(
                List.of(
                        "FinishImportFunction S3.PutObject ok",
                        "FinishImportFunction S3.CopyObject ok",
                        "FinishImportFunction S3.HeadObject NoSuchKey",
                        "ReleaseSlotFunction Sfn.SendTaskSuccess TaskDoesNotExist",
                        "StartImportFunction Sfn.StartExecution StateMachineDoesNotExist"),
                calls.stream()
                        .map(c -> c.get("function").asText() + " "
                                + c.get("service").asText() + "."
                                + c.get("operation").asText() + " " + outcome(c))
                        .toList());
        assertEquals(
                "{\"Bucket\":\"bucket-a\",\"Key\":\"inbox/a b.csv\"}",
                calls.get(0).get("params").toString());
        JsonNode copy = calls.get(1).get("params");
        // The SDK folds sourceBucket/sourceKey into the URL-encoded CopySource before any interceptor runs.
        assertEquals("bucket-a/inbox/a%20b.csv", copy.get("CopySource").asText());
        assertEquals("bucket-a", copy.get("DestinationBucket").asText());
        assertEquals("archive/inbox/a b.csv", copy.get("DestinationKey").asText());
        assertEquals("eu-west-1", calls.get(0).get("region").asText());
        assertEquals("{}", calls.get(3).get("params").toString(), "the task token is no resource and never recorded");
        assertFalse(Files.readString(only(dir)).contains("secret-task-token"));
        // Step Functions spells its members in camel case: recorded under the same names as S3's.
        assertEquals(
                "{\"StateMachineArn\":\"arn:aws:states:eu-west-1:123456789012:stateMachine:nope-import\","
                        + "\"Name\":\"file-1\"}",
                calls.get(4).get("params").toString());
    }

    @Test
    void recordsNothingWithoutADirectory() {
        String previous = System.getProperty(AwsCallRecorder.DIR_PROPERTY);
        System.clearProperty(AwsCallRecorder.DIR_PROPERTY);
        try (var scope = AwsCallRecorder.inFunction("FinishImportFunction")) {
            s3.listBuckets();
        } finally {
            restore(previous);
        }
        assertEquals(List.of(), List.of(dir.toFile().list()));
    }

    /** moto answers an unknown task token with TaskDoesNotExist (AWS says InvalidToken): either proves the outcome is kept. */
    private static String outcome(JsonNode call) {
        String o = call.get("outcome").asText();
        return o.equals("InvalidToken") ? "TaskDoesNotExist" : o;
    }

    private static void restore(String previous) {
        if (previous == null) {
            System.clearProperty(AwsCallRecorder.DIR_PROPERTY);
        } else {
            System.setProperty(AwsCallRecorder.DIR_PROPERTY, previous);
        }
    }

    private static Path only(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    private static List<JsonNode> read(Path dir) throws IOException {
        var calls = new ArrayList<JsonNode>();
        for (String line : Files.readAllLines(only(dir))) {
            calls.add(JSON.readTree(line));
        }
        return calls;
    }
}
