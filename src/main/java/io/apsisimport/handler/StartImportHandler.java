package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;

/**
 * S3 ObjectCreated event → one state machine execution per new object under the landing prefix.
 * The execution name is derived from bucket, key and the event's sequencer, so a duplicate delivery
 * of the same event finds {@code ExecutionAlreadyExists} and counts as already handled.
 */
public final class StartImportHandler extends JsonHandler<StartImportHandler.S3Event, StartImportHandler.Result> {
    private static final int MAX_NAME = 80;

    private final SfnClient sfn;
    private final String stateMachineArn;
    private final String landingPrefix;
    /** Keys under it are only checked, never imported (a dry run); empty: none. */
    private final String validatePrefix;

    public StartImportHandler() {
        this(Wiring.fromSystem());
    }

    public StartImportHandler(Wiring wiring) {
        this(
                wiring.sfn(),
                wiring.env().required("STATE_MACHINE_ARN"),
                wiring.settings().landingPrefix(),
                wiring.settings().validatePrefix());
        var file = PrimingInputs.executionInput(PrimingInputs.key(wiring));
        primeInvocation(
                wiring,
                new S3Event(List.of(new S3Record(
                        "ObjectCreated:Put",
                        file.eventTime(),
                        new S3Entity(
                                new Bucket(file.bucket()),
                                new S3Object(file.key(), file.size(), file.eTag(), null, file.sequencer()))))));
    }

    public StartImportHandler(SfnClient sfn, String stateMachineArn, String landingPrefix) {
        this(sfn, stateMachineArn, landingPrefix, "");
    }

    public StartImportHandler(SfnClient sfn, String stateMachineArn, String landingPrefix, String validatePrefix) {
        super(S3Event.class);
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
        this.landingPrefix = landingPrefix;
        this.validatePrefix = validatePrefix == null ? "" : validatePrefix;
    }

    /** The parts of an S3 event notification this function reads. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record S3Event(@JsonProperty("Records") List<S3Record> records) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record S3Record(String eventName, String eventTime, S3Entity s3) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record S3Entity(Bucket bucket, S3Object object) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Bucket(String name) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record S3Object(String key, Long size, String eTag, String versionId, String sequencer) {}

    /** The execution input: what the first state needs to find the file again. */
    public record ExecutionInput(
            String bucket, String key, Long size, String eTag, String versionId, String sequencer, String eventTime) {}

    public record Result(List<String> started, List<String> alreadyHandled, List<String> ignored) {}

    @Override
    public Result handle(S3Event event, Context context) {
        var started = new ArrayList<String>();
        var duplicates = new ArrayList<String>();
        var ignored = new ArrayList<String>();
        for (S3Record r : event.records() == null ? List.<S3Record>of() : event.records()) {
            if (r.s3() == null || r.s3().object() == null || r.s3().bucket() == null) {
                continue;
            }
            String bucket = r.s3().bucket().name();
            // S3 URL-encodes keys in events ("+" for a space).
            String key = URLDecoder.decode(r.s3().object().key(), StandardCharsets.UTF_8);
            if (r.eventName() != null && !r.eventName().startsWith("ObjectCreated")) {
                ignored.add(key);
                continue;
            }
            boolean validate = !validatePrefix.isEmpty() && key.startsWith(validatePrefix);
            if (!(key.startsWith(landingPrefix) || validate) || key.endsWith("/")) {
                Log.info(context, "ignored: outside the landing prefix", "key", key, "landingPrefix", landingPrefix);
                ignored.add(key);
                continue;
            }
            var o = r.s3().object();
            String name = executionName(bucket, key, o.sequencer() != null ? o.sequencer() : String.valueOf(o.eTag()));
            var input =
                    new ExecutionInput(bucket, key, o.size(), o.eTag(), o.versionId(), o.sequencer(), r.eventTime());
            try {
                String arn = sfn.startExecution(b ->
                                b.stateMachineArn(stateMachineArn).name(name).input(json(input)))
                        .executionArn();
                Log.info(context, "import started", "key", key, "execution", arn);
                started.add(arn);
            } catch (ExecutionAlreadyExistsException e) {
                Log.info(context, "already handled: duplicate S3 event", "key", key, "executionName", name);
                duplicates.add(key);
            }
        }
        return new Result(started, duplicates, ignored);
    }

    /**
     * ≤ 80 characters of {@code [A-Za-z0-9-_]}: a readable tail of the key (what the console shows)
     * plus a hash of bucket, key and sequencer (what makes it unique per object version and event).
     */
    static String executionName(String bucket, String key, String sequencer) {
        String hash = sha256(bucket + "\n" + key + "\n" + sequencer).substring(0, 16);
        String base = key.substring(key.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9_-]", "_");
        int room = MAX_NAME - hash.length() - 1;
        if (base.length() > room) {
            base = base.substring(base.length() - room);
        }
        return base.isEmpty() ? hash : base + "-" + hash;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
