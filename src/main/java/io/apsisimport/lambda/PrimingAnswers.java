package io.apsisimport.lambda;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.lambda.PrimingEndpoint.Answer;
import io.apsisimport.lambda.PrimingEndpoint.Request;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the {@link PrimingEndpoint} answers, in the shape each client expects, so that each priming
 * request runs through its client's answer path too (status, headers, unmarshalling): the AWS JSON
 * protocols (DynamoDB, Step Functions, Secrets Manager, told apart by {@code X-Amz-Target}), S3's
 * REST-XML (by method and query), APSIS One's token, import request and status, and the upload form.
 * Values are made up ({@code priming}); none is a credential.
 *
 * <p>{@link #failNext} makes the next answer an error, to prime the typed exceptions the code
 * handles (a DynamoDB condition failure, an S3 precondition failure, an existing execution).
 */
public final class PrimingAnswers implements Function<Request, Answer> {
    /**
     * Stands for the priming endpoint's address in what handlers register before it listens (a slot's
     * upload ticket, {@link Wiring#primeItem}): replaced by the address in the answers.
     */
    public static final String ENDPOINT_PLACEHOLDER = "http://priming.invalid";

    /** The content of an object registered as absent ({@link Wiring#primeObject}): S3 answers 404. */
    public static final String ABSENT = "\u0000absent";

    /** Where the APSIS import's upload form posts to on the priming endpoint. */
    public static final String UPLOAD_PATH = "/priming-upload";
    /** An unsigned JWT whose {@code exp} is 2100-01-01: what APSIS tokens look like, nothing more. */
    static final String TOKEN = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.";

    private static final String ARN = "arn:aws:states:eu-west-1:000000000000:execution:priming:priming";
    private static final String JSON_10 = "application/x-amz-json-1.0";
    private static final String JSON_11 = "application/x-amz-json-1.1";
    private static final String XML = "application/xml";

    private final URI base;
    /** S3 objects with a content of their own, by key ({@link Wiring#primeObject}); others are filler. */
    private final Map<String, String> objects;
    /** DynamoDB items added to every Query and Scan answer ({@link Wiring#primeItem}), in DynamoDB JSON. */
    private final List<String> items;

    private final AtomicReference<Answer> next = new AtomicReference<>();

    /** {@code base}: the endpoint's own address (the upload form points back to it). */
    PrimingAnswers(URI base) {
        this(base, Map.of(), List.of());
    }

    PrimingAnswers(URI base, Map<String, String> objects, List<Map<String, AttributeValue>> items) {
        this.base = base;
        this.objects = objects;
        this.items = items.stream()
                .map(PrimingAnswers::dynamoJson)
                .map(i -> i.replace(ENDPOINT_PLACEHOLDER, base.toString()))
                .toList();
    }

    /** {@code item} as DynamoDB answers it in a Query: each attribute as {@code {"S": "…"}}, {@code {"N": "…"}}… */
    static String dynamoJson(Map<String, AttributeValue> item) {
        ObjectNode json = JsonHandler.JSON.createObjectNode();
        item.forEach((name, value) -> json.set(name, dynamoJson(value)));
        return json.toString();
    }

    private static ObjectNode dynamoJson(AttributeValue value) {
        ObjectNode json = JsonHandler.JSON.createObjectNode();
        switch (value.type()) {
            case S -> json.put("S", value.s());
            case N -> json.put("N", value.n());
            case BOOL -> json.put("BOOL", value.bool());
            case NUL -> json.put("NULL", true);
            case L -> {
                ArrayNode list = json.putArray("L");
                value.l().forEach(v -> list.add(dynamoJson(v)));
            }
            case M -> {
                ObjectNode map = json.putObject("M");
                value.m().forEach((k, v) -> map.set(k, dynamoJson(v)));
            }
            default -> throw new IllegalArgumentException("no priming answer for a DynamoDB " + value.type());
        }
        return json;
    }

    /** The next request gets {@code answer} instead of the usual one (priming runs one request at a time). */
    void failNext(Answer answer) {
        next.set(answer);
    }

    static Answer dynamoConditionFailed() {
        return dynamo(
                400,
                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
                        + "\"message\":\"The conditional request failed\"}");
    }

    /**
     * A DynamoDB answer as AWS sends it: with the CRC32 of its body in {@code x-amz-crc32}, which the
     * SDK checks while it reads the body (its checksum stream is otherwise loaded in the first invocation).
     */
    private static Answer dynamo(int status, String body) {
        var crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return Answer.of(status, JSON_10, body).with("x-amz-crc32", Long.toString(crc.getValue()));
    }

    static Answer sfnExecutionExists() {
        return Answer.of(
                400,
                JSON_10,
                "{\"__type\":\"ExecutionAlreadyExists\",\"message\":\"Execution Already Exists: '" + ARN + "'\"}");
    }

    static Answer s3PreconditionFailed() {
        return Answer.of(
                412,
                XML,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PreconditionFailed</Code>"
                        + "<Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match"
                        + "</Condition><RequestId>priming</RequestId><HostId>priming</HostId></Error>");
    }

    @Override
    public Answer apply(Request request) {
        Answer forced = next.getAndSet(null);
        if (forced != null) {
            return forced;
        }
        String target = request.header("x-amz-target");
        if (target != null) {
            return json(target);
        }
        String path = request.path();
        if (path.equals("/oauth/token")) {
            return Answer.of(200, "application/json", "{\"access_token\":\"" + TOKEN + "\",\"expires_in\":3600}");
        }
        if (path.startsWith("/v2/audience/sections/") && path.endsWith("/imports")) {
            return Answer.of(
                    201,
                    "application/json",
                    "{\"import_id\":\"priming\",\"file_upload_url\":\"" + base + UPLOAD_PATH
                            + "\",\"file_upload_body\":{\"key\":\"priming\",\"policy\":\"priming\",\"x-amz-signature\":\"priming\"},"
                            + "\"file_upload_url_expires_at\":\""
                            + Instant.now().plusSeconds(3600) + "\"}");
        }
        if (path.startsWith("/audience/sections/")) {
            return Answer.of(
                    200,
                    "application/json",
                    "{\"import_id\":\"priming\",\"result\":{\"status\":\"completed\","
                            + "\"profiles_found\":1,\"profiles_processed\":1,\"profiles_failed\":0}}");
        }
        if (path.equals(UPLOAD_PATH)) {
            return Answer.empty(204);
        }
        return s3(request);
    }

    private Answer json(String target) {
        if (target.startsWith("secretsmanager.")) {
            return Answer.of(
                    200,
                    JSON_11,
                    "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:000000000000:secret:priming-AbCdEf\","
                            + "\"Name\":\"priming\",\"VersionId\":\"priming\",\"SecretString\":\"{}\",\"VersionStages\":[\"AWSCURRENT\"],"
                            + "\"CreatedDate\":1.523477145713E9}"); // a timestamp as a JSON number, as Secrets Manager
            // sends it
        }
        if (target.startsWith("DynamoDB_")) {
            // The attribute types the slots and feed records hold: strings, numbers, booleans, lists of numbers.
            String item = "{\"pk\":{\"S\":\"priming\"},\"sk\":{\"S\":\"priming\"},\"n\":{\"N\":\"1\"},"
                    + "\"b\":{\"BOOL\":true},\"l\":{\"L\":[{\"N\":\"1.5\"},{\"N\":\"2\"}]}}";
            if (target.endsWith(".Query") || target.endsWith(".Scan")) {
                List<String> all = new ArrayList<>(List.of(item));
                all.addAll(items);
                int n = all.size();
                return dynamo(
                        200,
                        "{\"Items\":[" + String.join(",", all) + "],\"Count\":" + n + ",\"ScannedCount\":" + n + "}");
            }
            if (target.endsWith(".GetItem")) {
                return dynamo(200, "{\"Item\":" + item + "}");
            }
            return dynamo(200, "{}");
        }
        if (target.endsWith(".StartExecution")) {
            return Answer.of(200, JSON_10, "{\"executionArn\":\"" + ARN + "\",\"startDate\":1.0}");
        }
        if (target.endsWith(".DescribeExecution")) {
            return Answer.of(
                    200,
                    JSON_10,
                    "{\"executionArn\":\"" + ARN + "\",\"stateMachineArn\":\"" + ARN
                            + "\",\"status\":\"RUNNING\",\"startDate\":1.0}");
        }
        return Answer.of(200, JSON_10, "{}");
    }

    private Answer s3(Request request) {
        Map<String, String> object = new LinkedHashMap<>();
        // Never an ETag S3 gives (those are hex): a cache keyed by ETag (RoutesSource) never serves
        // what priming read to a real invocation.
        object.put("ETag", "\"priming\"");
        object.put("Last-Modified", "Sat, 01 Jan 2000 00:00:00 GMT");
        object.put("Content-Type", "text/csv");
        // A registered object (or its absence) answers reads; writes get the usual answers.
        boolean read = request.method().equals("GET") || request.method().equals("HEAD");
        String content = read ? object(request.path()) : null;
        if (ABSENT.equals(content)) {
            return Answer.of(
                    404,
                    XML,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
                            + "<Message>The specified key does not exist.</Message><RequestId>priming</RequestId>"
                            + "<HostId>priming</HostId></Error>");
        }
        if (content != null) {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            return new Answer(200, object, bytes, 0);
        }
        switch (request.method()) {
            case "HEAD" -> {
                return Answer.filler(200, 1024, object);
            }
            case "GET" -> {
                String range = request.header("range");
                if (range != null && range.startsWith("bytes=") && range.contains("-")) {
                    String[] r = range.substring(6).split("-", 2);
                    long from = Long.parseLong(r[0].trim());
                    long to = Long.parseLong(r[1].trim());
                    object.put("Content-Range", "bytes " + from + "-" + to + "/" + (to + 1));
                    return Answer.filler(206, to - from + 1, object);
                }
                return Answer.filler(200, 1024, object);
            }
            case "PUT" -> {
                if (request.header("x-amz-copy-source") != null) {
                    return Answer.of(
                            200,
                            XML,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CopyObjectResult>"
                                    + "<LastModified>2000-01-01T00:00:00.000Z</LastModified><ETag>\"priming\"</ETag></CopyObjectResult>");
                }
                return Answer.empty(200).with("ETag", "\"priming\"");
            }
            case "POST" -> {
                if (request.hasQuery("uploads")) {
                    return Answer.of(
                            200,
                            XML,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult>"
                                    + "<Bucket>priming</Bucket><Key>priming</Key><UploadId>priming</UploadId></InitiateMultipartUploadResult>");
                }
                return Answer.of(
                        200,
                        XML,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult>"
                                + "<Bucket>priming</Bucket><Key>priming</Key><ETag>\"priming-1\"</ETag></CompleteMultipartUploadResult>");
            }
            case "DELETE" -> {
                return Answer.empty(204);
            }
            default -> {
                return Answer.empty(405);
            }
        }
    }

    /** The content of the object {@code path} ends with (path-style or virtual-hosted), or null. */
    private String object(String path) {
        String decoded = java.net.URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        for (var e : objects.entrySet()) {
            if (decoded.endsWith("/" + e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }
}
