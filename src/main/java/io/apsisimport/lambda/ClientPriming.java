package io.apsisimport.lambda;

import io.apsisimport.lambda.Wiring.S3Calls;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;

/**
 * The calls {@link Wiring#prime} runs with each SDK client before the SnapStart snapshot, against
 * the {@link PrimingEndpoint} (answers by {@link PrimingAnswers}): every kind of call this project
 * makes with the client, and each typed error it catches, so that their classes are loaded and their
 * paths compiled. Made-up names only; nothing leaves the loopback endpoint.
 */
final class ClientPriming {
    private ClientPriming() {}

    static void sfn(SfnClient c, PrimingAnswers answers) {
        String arn = "arn:aws:states:eu-west-1:000000000000:execution:priming:priming";
        c.describeExecution(b -> b.executionArn(arn));
        c.startExecution(b -> b.stateMachineArn(arn).name("priming").input("{}"));
        answers.failNext(PrimingAnswers.sfnExecutionExists());
        expect(
                ExecutionAlreadyExistsException.class,
                () -> c.startExecution(b -> b.stateMachineArn(arn).name("priming")));
        c.sendTaskSuccess(b -> b.taskToken("priming").output("{}"));
    }

    static void dynamo(DynamoDbClient c, PrimingAnswers answers) {
        Map<String, AttributeValue> key =
                Map.of("pk", AttributeValue.fromS("priming"), "sk", AttributeValue.fromS("priming"));
        c.query(b -> b.tableName("priming")
                .consistentRead(true)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", "pk"))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("p"))));
        c.getItem(b -> b.tableName("priming").consistentRead(true).key(key))
                .item()
                .get("l")
                .l();
        c.updateItem(b -> b.tableName("priming")
                .key(key)
                .updateExpression("SET #v = :v")
                .conditionExpression("#v = :w")
                .expressionAttributeNames(Map.of("#v", "v"))
                .expressionAttributeValues(Map.of(":v", AttributeValue.fromN("1"), ":w", AttributeValue.fromN("0"))));
        c.putItem(b -> b.tableName("priming").item(key).conditionExpression("attribute_not_exists(pk)"));
        answers.failNext(PrimingAnswers.dynamoConditionFailed());
        expect(
                ConditionalCheckFailedException.class,
                () -> c.putItem(b -> b.tableName("priming").item(key).conditionExpression("attribute_not_exists(pk)")));
        c.deleteItem(b -> b.tableName("priming").key(key));
        c.scanPaginator(b -> b.tableName("priming")).items().forEach(item -> {});
        c.queryPaginator(b -> b.tableName("priming")
                        .consistentRead(true)
                        .keyConditionExpression("#pk = :pk")
                        .expressionAttributeNames(Map.of("#pk", "pk"))
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("p"))))
                .items()
                .forEach(item -> {});
    }

    static void s3(S3Client c, java.util.Set<S3Calls> calls, PrimingAnswers answers) {
        if (calls.contains(S3Calls.READ)) {
            c.headObject(b -> b.bucket("priming").key("priming.csv").ifMatch("\"priming\""));
            try (var in = c.getObject(b -> b.bucket("priming")
                    .key("priming.csv")
                    .ifMatch("\"priming\"")
                    .range("bytes=0-4095"))) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            c.getObjectAsBytes(b -> b.bucket("priming").key("config/priming.json"));
            answers.failNext(PrimingAnswers.s3PreconditionFailed());
            expect(
                    S3Exception.class,
                    () -> c.getObjectAsBytes(
                            b -> b.bucket("priming").key("priming.csv").ifMatch("\"priming\"")));
        }
        if (calls.contains(S3Calls.WRITE)) {
            c.putObject(
                    b -> b.bucket("priming").key("reports/priming.json").contentType("application/json"),
                    RequestBody.fromString("{}"));
        }
        if (calls.contains(S3Calls.COPY)) {
            c.copyObject(b -> b.sourceBucket("priming")
                    .sourceKey("priming.csv")
                    .destinationBucket("priming")
                    .destinationKey("archive/priming.csv")
                    .copySourceIfMatch("\"priming\""));
            answers.failNext(PrimingAnswers.s3PreconditionFailed());
            expect(
                    S3Exception.class,
                    () -> c.copyObject(b -> b.sourceBucket("priming")
                            .sourceKey("priming.csv")
                            .destinationBucket("priming")
                            .destinationKey("archive/priming.csv")
                            .copySourceIfMatch("\"priming\"")));
        }
        if (calls.contains(S3Calls.DELETE)) {
            c.deleteObject(b -> b.bucket("priming").key("priming.csv"));
        }
        if (calls.contains(S3Calls.MULTIPART)) {
            String upload = c.createMultipartUpload(b -> b.bucket("priming").key("work/priming.csv"))
                    .uploadId();
            String etag = c.uploadPart(
                            b -> b.bucket("priming")
                                    .key("work/priming.csv")
                                    .uploadId(upload)
                                    .partNumber(1),
                            RequestBody.fromBytes(new byte[1024]))
                    .eTag();
            c.completeMultipartUpload(b -> b.bucket("priming")
                    .key("work/priming.csv")
                    .uploadId(upload)
                    .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(etag))));
            c.abortMultipartUpload(
                    b -> b.bucket("priming").key("work/priming.csv").uploadId(upload));
        }
    }

    /** Runs a priming call that is meant to fail with {@code type}: the typed error's path is primed. */
    private static void expect(Class<? extends RuntimeException> type, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            if (!type.isInstance(e)) {
                throw e;
            }
            return;
        }
        throw new IllegalStateException("priming expected " + type.getSimpleName());
    }
}
