package io.apsisimport.local.fn;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The init floor (bench/coldstart): what every function of the project must do at init and no more,
 * with the libraries the project mandates: one Jackson {@code ObjectMapper} (configured as
 * {@code JsonHandler.JSON}) and one AWS SDK v2 client (DynamoDB on the url-connection HTTP client, the
 * default credentials chain, as {@code SdkClients} builds it). No priming, no call. If this alone
 * takes more than 3x hello-world's init, no function can meet issue 8's init goal with them.
 */
public final class FloorHandler implements RequestStreamHandler {
    private final ObjectMapper json = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);
    private final DynamoDbClient dynamo = DynamoDbClient.builder()
            .region(Region.of(System.getenv().getOrDefault("AWS_REGION", "eu-west-1")))
            .credentialsProvider(DefaultCredentialsProvider.builder().build())
            .httpClient(UrlConnectionHttpClient.builder().build())
            .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(20)))
            .build();

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
        out.write(json.writeValueAsBytes(java.util.Map.of("client", dynamo.serviceName())));
    }
}
