package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.contract.FeedState;
import io.apsisimport.contract.FinishImportInput;
import io.apsisimport.contract.HeaderRef;
import io.apsisimport.contract.PartFailure;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.StepError;
import io.apsisimport.dryrun.DryRunReport;
import io.apsisimport.dryrun.Problem;
import io.apsisimport.feed.FeedFailure;
import io.apsisimport.feed.FeedRules;
import io.apsisimport.handler.FinishImportHandler;
import io.apsisimport.handler.PollSchedule;
import io.apsisimport.handler.PreflightFileHandler;
import io.apsisimport.handler.ReleaseSlotHandler;
import io.apsisimport.landing.Limits;
import io.apsisimport.route.RouteConfig;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectResult;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

// Budget test: the biggest state either state machine can hold stays within Step Functions' 256 KB
// per state (States.DataLimitExceeded, which no Catch catches), and the Cause of a failed part's
// execution within the 32,768 characters Step Functions keeps (the file's execution parses it).
// The states are built from the definitions' own Parameters and ItemSelector (StatePaths) and from
// the handlers' own outputs, for the worst file: Limits.MAX_PARTS parts, every part failed with the
// full stack trace the real Lambda runtime sends, the longest key, route and import specification
// allowed, and characters JSON escapes.
class PayloadBudgetTest {
    static final int STATE_LIMIT = 262_144;
    static final int BUDGET = STATE_LIMIT * 9 / 10;
    static final int CAUSE_LIMIT = 32_768;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUOTES = "\"";

    private static TemplateModel template;
    private static HistoryModel file;
    private static HistoryModel part;

    @BeforeAll
    static void load() {
        template = TemplateModel.load(Path.of("template.yaml"));
        // the largest values the template allows for what the definitions carry
        var worst = Map.of("PollIntervalSeconds", "3600", "MaxConcurrentImports", "50");
        file = new HistoryModel(Definitions.deployed(template, Definitions.FILE, worst));
        part = new HistoryModel(Definitions.deployed(template, Definitions.PART, worst));
    }

    // the worst drop: an S3 key of 1024 bytes that all need escaping, a multipart ETag, a version id
    static final String KEY = "inbox/" + QUOTES.repeat(1018);
    static final String FILE_EXECUTION =
            "arn:aws:states:eu-west-1:123456789012:execution:" + "x".repeat(73) + "-import:" + "n".repeat(80);
    static final String PART_EXECUTION =
            "arn:aws:states:eu-west-1:123456789012:execution:" + "x".repeat(73) + "-import-part:" + "n".repeat(80);

    static JsonNode drop() {
        return JSON.valueToTree(Map.of(
                "bucket",
                "b".repeat(63),
                "key",
                KEY,
                "size",
                Limits.MAX_FILE_BYTES,
                "eTag",
                "0123456789abcdef0123456789abcdef-10000",
                "versionId",
                "v".repeat(32),
                "sequencer",
                "0A1B2C3D4E5F678901",
                "eventTime",
                "2026-11-28T10:00:00.000Z"));
    }

    static ObjectNode importSpec() {
        ObjectNode spec = JSON.createObjectNode();
        spec.putObject("keyspace_mapping")
                .put("keyspace_discriminator", "com.apsis1.keyspaces.email")
                .put("field_selector", "email-address");
        int room = RouteConfig.MAX_IMPORT_SPEC_BYTES - spec.toString().length() - 20;
        spec.put("padding", QUOTES.repeat(room / 2)); // written escaped: two bytes each
        return spec;
    }

    static PreflightFileHandler.Output preflight() {
        var plans = new ArrayList<PartPlan>();
        for (int i = 0; i < Limits.MAX_PARTS; i++) {
            plans.add(new PartPlan(
                    i,
                    4_999_000_000L,
                    4_999_999_999L,
                    2_400_000_000L,
                    1_000_000_000L,
                    52_428_800L,
                    PartPlan.executionName(FILE_EXECUTION, i)));
        }
        return new PreflightFileHandler.Output(
                "b".repeat(63),
                KEY,
                "0123456789abcdef0123456789abcdef-10000",
                "v".repeat(32),
                QUOTES.repeat(RouteConfig.MAX_NAME_CHARS),
                QUOTES.repeat(RouteConfig.MAX_SECTION_CHARS),
                importSpec(),
                Limits.MAX_FILE_BYTES,
                4_999_999_999L,
                "|",
                new HeaderRef(3, 65_536),
                plans,
                50,
                io.apsisimport.source.WorkObjects.keyFor(FILE_EXECUTION, KEY),
                new io.apsisimport.source.CompressedFile(
                        "zip",
                        Limits.MAX_FILE_BYTES,
                        4_999_999_999L,
                        QUOTES.repeat(io.apsisimport.source.CompressedFile.MAX_ENTRY_CHARS)),
                feedWhenItsTurnCame());
    }

    /** A feed's file whose turn came, naming the most earlier failures it lists, each as long as it can be. */
    static FeedState feedWhenItsTurnCame() {
        var failures = new ArrayList<FeedFailure>();
        for (int i = 0; i < FeedRules.LISTED_FAILURES; i++) {
            failures.add(new FeedFailure(
                    KEY,
                    "n".repeat(80),
                    "E".repeat(300),
                    QUOTES.repeat(400),
                    "2026-11-28T10:00:00Z",
                    Long.MAX_VALUE,
                    "0".repeat(40)));
        }
        return new FeedState(
                QUOTES.repeat(RouteConfig.MAX_NAME_CHARS),
                true,
                "continue",
                false,
                null,
                true,
                FeedRules.MAX_ASKS,
                "2026-11-28T10:00:00.123456789Z",
                null,
                null,
                null,
                0,
                "2026-11-28T10:00:00.123456789Z",
                failures,
                Integer.MAX_VALUE,
                null);
    }

    /** A feed's file waiting behind a failed file that holds the feed, both named as long as they can be. */
    static FeedState feedWhileWaiting() {
        var waiting = new FeedState.Waiting(
                KEY, "n".repeat(80), "failed", "2026-11-28T10:00:00.123456789Z", "E".repeat(256), QUOTES.repeat(300));
        String route = QUOTES.repeat(RouteConfig.MAX_NAME_CHARS);
        return new FeedState(
                route,
                true,
                "stop",
                false,
                null,
                false,
                FeedRules.MAX_ASKS,
                "2026-11-28T10:00:00.123456789Z",
                172_800L,
                waiting,
                waiting,
                Integer.MAX_VALUE,
                null,
                null,
                null,
                io.apsisimport.handler.QueueFeedHandler.howToRelease(route, KEY));
    }

    /** What the real Lambda runtime sends as the Cause of a handler's exception: message, type, whole stack trace. */
    static String lambdaError(String type) {
        var frames = new ArrayList<String>();
        for (int i = 0; i < 400; i++) {
            frames.add("io.apsisimport.handler.SomeHandler.someMethod(SomeHandler.java:" + i + ")");
        }
        String message = ("\"quoted\" \u0001 é€ " + KEY).repeat(20);
        return JSON.valueToTree(Map.of("errorMessage", message, "errorType", type, "stackTrace", frames))
                .toString();
    }

    static JsonNode context(JsonNode mapItem) {
        var ctx = JSON.createObjectNode();
        ctx.putObject("Execution")
                .put("Id", FILE_EXECUTION)
                .put("StartTime", "2026-11-28T10:00:01.123Z")
                .set("Input", drop());
        ctx.putObject("Map").putObject("Item").set("Value", mapItem);
        return ctx;
    }

    /** The input of the last part's execution, as the Map's ItemSelector builds it. */
    static JsonNode partInput(JsonNode preflight) {
        JsonNode lastPlan = preflight.path("parts").get(Limits.MAX_PARTS - 1);
        return StatePaths.evaluate(file.state("Import each part").path("ItemSelector"), preflight, context(lastPlan));
    }

    /** The longest Cause a part's execution can fail with. */
    static String worstPartCause() {
        String fromRelease = ReleaseSlotHandler.outcome(new ReleaseSlotHandler.Input(
                        PART_EXECUTION,
                        KEY,
                        Limits.MAX_PARTS - 1,
                        "ABANDONED",
                        "Check import status",
                        new StepError(
                                "io.apsisimport.apsis.ApsisTransientException",
                                lambdaError("io.apsisimport.apsis.ApsisTransientException")),
                        "i".repeat(200),
                        Limits.MAX_PARTS))
                .cause();
        String fromApsis = new PartFailure(
                        lambdaError("x"),
                        "ImportFailed",
                        "Check import status",
                        Limits.MAX_PARTS,
                        Limits.MAX_PARTS,
                        "i".repeat(200),
                        QUOTES.repeat(500),
                        Long.MAX_VALUE,
                        Long.MAX_VALUE,
                        Long.MAX_VALUE)
                .toCause();
        return fromRelease.length() > fromApsis.length() ? fromRelease : fromApsis;
    }

    @Test
    void aFailedPartsCauseReachesTheFilesExecutionWhole() throws Exception {
        JsonNode input = partInput(JSON.valueToTree(preflight()));
        // DescribeExecution of the failed part, as the .sync:2 integration hands it over (the Cause of
        // States.TaskFailed)
        var described = JSON.createObjectNode()
                .put("ExecutionArn", PART_EXECUTION)
                .put(
                        "StateMachineArn",
                        PART_EXECUTION.replace(":execution:", ":stateMachine:").replaceAll(":n+$", ""))
                .put("Name", "n".repeat(80))
                .put("Status", "FAILED")
                .put("StartDate", 1795963328419L)
                .put("StopDate", 1795963329434L)
                .put("RedriveCount", 0)
                .put("RedriveStatus", "REDRIVABLE")
                .put("RedriveStatusReason", "Execution is FAILED and can be redriven")
                .put("Error", "E".repeat(256))
                .put("Cause", worstPartCause());
        described.set("Input", input);
        described.putObject("InputDetails").put("Included", true);
        String cause = JSON.writeValueAsString(described);
        System.out.printf(
                "a failed part's Cause in the file's execution: %d characters (Step Functions keeps %d);"
                        + " the part's own Cause: %d bytes as a JSON string (bound %d)%n",
                cause.length(), CAUSE_LIMIT, embedded(worstPartCause()), PartFailure.CAUSE_BYTES);
        assertTrue(embedded(worstPartCause()) <= PartFailure.CAUSE_BYTES);
        assertTrue(
                cause.length() <= CAUSE_LIMIT * 9 / 10,
                "a failed part's Cause can be " + cause.length() + " characters");
    }

    @Test
    void theFilesStateStaysWithin256KbWithEveryPartFailed() throws Exception {
        JsonNode preflight = JSON.valueToTree(preflight());
        JsonNode input = partInput(preflight);
        // One iteration: "Import part" fails, "Read why the part failed", "Part not imported".
        var described = JSON.createObjectNode()
                .put("Name", "n".repeat(80))
                .put("Status", "FAILED")
                .put("Error", "E".repeat(256))
                .put("Cause", worstPartCause());
        described.set("Input", input);
        var caught = input.deepCopy();
        ((ObjectNode) caught)
                .putObject("failure")
                .put("Error", "States.TaskFailed")
                .put("Cause", described.toString());
        JsonNode read =
                StatePaths.evaluate(file.state("Read why the part failed").path("Parameters"), caught, context(null));
        JsonNode failed = StatePaths.evaluate(file.state("Part not imported").path("Parameters"), read, context(null));
        JsonNode stopped = StatePaths.evaluate(
                file.state("Part ended without saying why").path("Parameters"), read, context(null));
        // A part that succeeded: the part's "Part imported", selected by "Import part"'s ResultSelector.
        var done = input.deepCopy();
        ((ObjectNode) done)
                .putObject("slot")
                .put("acquired", true)
                .put("slot", 49)
                .put("attempt", 200)
                .put("waitingSince", "2026-11-28T10:00:02.123456789Z")
                .put("acquiredAt", "2026-11-30T10:00:02.123456789Z");
        ((ObjectNode) done)
                .putObject("import")
                .put("importId", "i".repeat(200))
                .put("requestedAt", "2026-11-28T10:00:05Z");
        ((ObjectNode) done)
                .putObject("status")
                .put("outcome", "COMPLETED")
                .put("status", QUOTES.repeat(500))
                .put("checkedAt", "2026-11-30T10:00:05.123456789Z")
                .put("profilesFound", Long.MAX_VALUE)
                .put("profilesProcessed", Long.MAX_VALUE)
                .put("profilesFailed", Long.MAX_VALUE)
                .put("bytes", Long.MAX_VALUE)
                .put("elapsedMillis", Long.MAX_VALUE);
        JsonNode imported = StatePaths.evaluate(part.state("Part imported").path("Parameters"), done, context(null));
        int perPart = max(bytes(failed), bytes(stopped), bytes(imported));

        var results = JSON.createArrayNode();
        for (int i = 0; i < Limits.MAX_PARTS; i++) {
            results.add(bytes(failed) == perPart ? failed : bytes(stopped) == perPart ? stopped : imported);
        }
        var afterMap = preflight.deepCopy();
        ((ObjectNode) afterMap).set("results", results);
        JsonNode finishInput = StatePaths.evaluate(
                file.state("Move file and write report").path("Parameters"), afterMap, context(null));
        var summary = new FinishImportHandler(
                        fakeS3(), Clock.fixed(Instant.parse("2026-11-28T12:00:00Z"), ZoneOffset.UTC))
                .handle(JSON.treeToValue(finishInput, FinishImportInput.class), quietContext());
        System.out.printf(
                "file execution, worst states: after the Map %d bytes (%d parts, %d bytes each),"
                        + " FinishImport's input %d, its output %d; one part's iteration %d; budget %d of %d%n",
                bytes(afterMap),
                Limits.MAX_PARTS,
                perPart,
                bytes(finishInput),
                bytes(JSON.valueToTree(summary)),
                bytes(caught),
                BUDGET,
                STATE_LIMIT);
        var waiting = (ObjectNode) preflight.deepCopy();
        waiting.set("feed", JSON.valueToTree(feedWhileWaiting()));
        System.out.printf(
                "file execution, feed: %d bytes when its turn came, %d while it waits (state %d bytes)%n",
                bytes(preflight.get("feed")), bytes(waiting.get("feed")), bytes(waiting));
        for (JsonNode state :
                List.of(preflight, afterMap, finishInput, JSON.valueToTree(summary), caught, read, waiting)) {
            assertTrue(bytes(state) <= BUDGET, "a state of " + bytes(state) + " bytes");
        }
        // The file's event as "Announce the file's outcome" sends it. EventBridge counts an entry's Source,
        // DetailType, Detail and Resources (Step Functions adds the state machine's and the execution's
        // ARNs) and takes at most 256 KB.
        JsonNode event = JSON.valueToTree(summary).path("event");
        int entry = bytes(event.path("detail"))
                + event.path("detailType").asText().length()
                + io.apsisimport.contract.ImportEvent.SOURCE.length()
                + 2 * FILE_EXECUTION.length();
        System.out.printf("the worst file's event: %d bytes (EventBridge takes %d per entry)%n", entry, STATE_LIMIT);
        assertTrue(entry <= BUDGET, "an event of " + entry + " bytes");
    }

    @Test
    void aDryRunsOutputStaysWithin256Kb() {
        var parts = new ArrayList<DryRunReport.PartView>();
        for (int i = 0; i < Limits.MAX_PARTS; i++) {
            parts.add(new DryRunReport.PartView(
                    i + 1,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE));
        }
        var header = new ArrayList<String>();
        for (int i = 0; i < 10_000; i++) {
            header.add(QUOTES.repeat(1_000) + i); // a header line of 10 MB (the scanner stops at 1 MB)
        }
        // Field selectors: as many as a 16 KB import specification holds, each a one-character column.
        var required = new ArrayList<String>();
        for (int i = 0; i < RouteConfig.MAX_IMPORT_SPEC_BYTES / "{\"field_selector\":\"\"},".length(); i++) {
            required.add(QUOTES);
        }
        var problems = new ArrayList<Problem>();
        for (int i = 0; i < 6; i++) { // route, size, scan, columns, empty file, parts: one each at most
            problems.add(new Problem(
                    "E".repeat(256),
                    QUOTES.repeat(2_000),
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    Long.MAX_VALUE));
        }
        var report = new DryRunReport(
                KEY,
                DryRunReport.FAILED,
                true,
                "route \"" + QUOTES.repeat(128) + "\" has dryRun",
                KEY,
                QUOTES.repeat(RouteConfig.MAX_NAME_CHARS),
                QUOTES.repeat(RouteConfig.MAX_SECTION_CHARS),
                importSpec(),
                new DryRunReport.Columns(header, required, List.of(), required, null),
                "not UTF-8 (looks like Windows-1252)",
                "tab",
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                parts,
                new io.apsisimport.source.CompressedFile(
                        "zip",
                        Limits.MAX_FILE_BYTES,
                        4_999_999_999L,
                        QUOTES.repeat(io.apsisimport.source.CompressedFile.MAX_ENTRY_CHARS)),
                problems,
                List.of(),
                0,
                0,
                0,
                "failed/" + KEY,
                "reports/" + KEY,
                "x".repeat(30),
                FILE_EXECUTION,
                "https://" + "x".repeat(300),
                "2026-11-28T10:00:00Z",
                "2026-11-28T10:00:00Z",
                1.0,
                "E".repeat(256),
                QUOTES.repeat(3_000),
                QUOTES.repeat(300));
        int output = bytes(JSON.valueToTree(report.forOutput()));
        System.out.printf(
                "dry run, worst execution output: %d bytes (the report in S3: %d); budget %d of %d%n",
                output, bytes(JSON.valueToTree(report)), BUDGET, STATE_LIMIT);
        assertTrue(output <= BUDGET, "a dry run's output of " + output + " bytes");
    }

    @Test
    void aPartsStateStaysWithin256KbWithTheLongestLambdaError() {
        JsonNode input = partInput(JSON.valueToTree(preflight()));
        var state = (ObjectNode) input.deepCopy();
        state.putObject("import").put("importId", "i".repeat(200)).put("requestedAt", "2026-11-28T10:00:05Z");
        // The status checks' state ($.status: the upload's answer, then each check's), at its largest.
        state.putObject("status")
                .put("outcome", "PENDING")
                .put("status", QUOTES.repeat(500))
                .put("checkedAt", "2026-11-28T10:00:05.123456789Z")
                .put("checks", PollSchedule.MAX_CHECKS)
                .put("nextCheckSeconds", Long.MAX_VALUE)
                .put("uploadedAt", "2026-11-28T10:00:05.123456789Z")
                .put("rows", Long.MAX_VALUE)
                .put("bytes", Long.MAX_VALUE)
                .put("elapsedMillis", Long.MAX_VALUE)
                .put("earlyChecks", PollSchedule.MAX_EARLY_CHECKS)
                .put("estimateSeconds", -Double.MAX_VALUE)
                .put("spread", -Double.MIN_VALUE)
                .put("pendingAt", -Double.MAX_VALUE);
        state.put("failedStep", "Check import status");
        // "Did the file arrive?"'s last answer, with the longest status APSIS can be thought to send.
        state.set(
                "arrival",
                JSON.valueToTree(new io.apsisimport.contract.StatusCheckOutput(
                        "PENDING",
                        QUOTES.repeat(500),
                        null,
                        null,
                        null,
                        "2026-11-28T10:00:05.123456789Z",
                        io.apsisimport.apsis.UploadArrival.MAX_CHECKS,
                        3600,
                        null,
                        false,
                        false,
                        "2026-11-28T10:00:05.123456789Z")));
        // Step Functions keeps 32,768 characters of a caught error's Cause; each can take 3 bytes.
        state.putObject("error").put("Error", "E".repeat(256)).put("Cause", "€".repeat(CAUSE_LIMIT));
        System.out.printf(
                "part execution, worst state: %d bytes (its input %d); budget %d of %d%n",
                bytes(state), bytes(input), BUDGET, STATE_LIMIT);
        assertTrue(bytes(state) <= BUDGET, "a part's state of " + bytes(state) + " bytes");
    }

    private static int max(int... values) {
        return java.util.Arrays.stream(values).max().orElse(0);
    }

    static int bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    static int embedded(String s) {
        try {
            return JSON.writeValueAsBytes(s).length;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Lambda context whose logger drops what the handler logs. */
    static com.amazonaws.services.lambda.runtime.Context quietContext() {
        var logger = new com.amazonaws.services.lambda.runtime.LambdaLogger() {
            @Override
            public void log(String message) {}

            @Override
            public void log(byte[] message) {}
        };
        return (com.amazonaws.services.lambda.runtime.Context) Proxy.newProxyInstance(
                S3Client.class.getClassLoader(),
                new Class<?>[] {com.amazonaws.services.lambda.runtime.Context.class},
                (proxy, method, args) -> method.getName().equals("getLogger") ? logger : null);
    }

    /** S3 for FinishImport: the drop is where its event said, the target does not exist yet. */
    @SuppressWarnings("unchecked")
    static S3Client fakeS3() {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.isDefault() && args != null && args.length > 0 && args[0] instanceof Consumer<?>) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return switch (method.getName()) {
                case "headObject" -> {
                    var r = (HeadObjectRequest) args[0];
                    if (!r.key().equals(KEY)) {
                        throw S3Exception.builder()
                                .statusCode(404)
                                .awsErrorDetails(AwsErrorDetails.builder()
                                        .errorCode("NotFound")
                                        .build())
                                .build();
                    }
                    yield HeadObjectResponse.builder()
                            .eTag("\"0123456789abcdef0123456789abcdef-10000\"")
                            .versionId("v".repeat(32))
                            .build();
                }
                case "copyObject" ->
                    CopyObjectResponse.builder()
                            .copyObjectResult(CopyObjectResult.builder()
                                    .eTag("\"" + ((CopyObjectRequest) args[0]).copySourceIfMatch() + "\"")
                                    .build())
                            .build();
                case "putObject" -> PutObjectResponse.builder().build();
                case "deleteObject" -> DeleteObjectResponse.builder().build();
                case "serviceName" -> "s3";
                case "close" -> null;
                default -> throw new UnsupportedOperationException(method.getName());
            };
        };
        return (S3Client)
                Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, handler);
    }
}
