package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.local.MotoServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;

// Integration test against moto's Step Functions: DescribeExecution mapped to running / not running.
@io.apsisimport.local.LocalCloudTest
class SfnExecutionProbeTest {
    @Test
    void runningAbortedAndUnknownExecutions() {
        try (MotoServer moto = MotoServer.start(0);
                SfnClient sfn = SfnClient.builder()
                        .endpointOverride(moto.endpoint())
                        .region(Region.EU_WEST_1)
                        .credentialsProvider(
                                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                        .httpClient(UrlConnectionHttpClient.create())
                        .build()) {
            String machine = sfn.createStateMachine(
                            b -> b.name("probe")
                                    .roleArn("arn:aws:iam::123456789012:role/sfn")
                                    .definition(
                                            "{\"StartAt\":\"Hold\",\"States\":{\"Hold\":{\"Type\":\"Wait\",\"Seconds\":600,\"End\":true}}}"))
                    .stateMachineArn();
            String execution = sfn.startExecution(
                            b -> b.stateMachineArn(machine).name("file-1"))
                    .executionArn();
            var unsure = new java.util.ArrayList<String>();
            ExecutionProbe probe = new SfnExecutionProbe(sfn, (arn, e) -> unsure.add(arn));

            assertTrue(probe.isRunning(execution));
            sfn.stopExecution(b -> b.executionArn(execution));
            assertFalse(probe.isRunning(execution));
            assertFalse(probe.isRunning(execution.replace("file-1", "never-started")));
            assertTrue(unsure.isEmpty(), "every answer was a clear one: " + unsure);
        }
    }
}
