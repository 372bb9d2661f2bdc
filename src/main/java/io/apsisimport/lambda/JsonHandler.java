package io.apsisimport.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.apsisimport.apsis.Deadline;
import io.apsisimport.contract.PartPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of every handler: JSON in, typed record, JSON out, with our own Jackson mapper (the Lambda
 * runtime's built-in serializer ignores Jackson annotations and knows nothing of records' naming).
 *
 * <p>Each invocation's log lines carry the input's S3 key, execution, part, import id and route
 * ({@link Log}); a failure is logged once at ERROR with those fields before it propagates. With
 * SnapStart, the JSON mapping of the handler's input and output records is primed before the
 * snapshot ({@link SnapStartHooks}), so the first invocation after a restore does not pay for it.
 */
public abstract class JsonHandler<I, O> implements RequestStreamHandler {
    /** The functions' one mapper: handlers, the contract records and the reports read and write with it. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    /**
     * Kept free at the end of an invocation when calling APSIS: the work after the call (recording the
     * import on its slot, one DynamoDB write, and the answer) must still fit before Lambda's timeout.
     */
    static final Duration APSIS_MARGIN = Duration.ofSeconds(10);

    /** Input record components logged with every line of an invocation, and the field name they get. */
    private static final Map<String, String> LOGGED_INPUT =
            Map.of("key", "key", "executionArn", "execution", "part", "part", "importId", "importId", "route", "route");

    private final Class<I> inputType;
    private final List<RecordComponent> logged;
    /** Held here: the CRaC context keeps its resources only weakly. */
    private final SnapStartHooks snapStart;

    protected JsonHandler(Class<I> inputType) {
        this.inputType = inputType;
        this.logged = loggedComponents(inputType);
        this.snapStart = SnapStartHooks.register().prime(this::primeJson);
    }

    /** The work of one invocation. Exceptions propagate: their class names drive Retry/Catch. */
    public abstract O handle(I input, Context context);

    @Override
    public final void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        long started = System.nanoTime();
        I input = JSON.readValue(in, inputType);
        try (var invocation = Log.begin(context, logFields(input))) {
            O output;
            try {
                output = handle(input, context);
            } catch (RuntimeException | Error e) {
                Log.error(
                        context,
                        "invocation failed",
                        "errorType",
                        e.getClass().getName(),
                        "errorMessage",
                        e.getMessage());
                throw e;
            }
            JSON.writeValue(out, output);
            Log.debug(context, "invocation done", "millis", (System.nanoTime() - started) / 1_000_000);
        }
    }

    /**
     * The deadline of calls to APSIS in this invocation: Lambda's remaining time minus
     * {@link #APSIS_MARGIN}.
     */
    protected static Deadline apsisDeadline(Context context) {
        return Deadline.ofRemaining(context.getRemainingTimeInMillis(), APSIS_MARGIN);
    }

    /** The input's key, execution, part, import id and route, for every log line of the invocation. */
    Map<String, Object> logFields(I input) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (RecordComponent c : logged) {
            try {
                Object value = c.getAccessor().invoke(input);
                if (value instanceof PartPlan p) {
                    value = p.index();
                }
                if (value != null) {
                    fields.put(LOGGED_INPUT.get(c.getName()), value);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // A field we cannot read is a field we do not log.
            }
        }
        return fields;
    }

    private static List<RecordComponent> loggedComponents(Class<?> type) {
        List<RecordComponent> components = new ArrayList<>();
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                if (LOGGED_INPUT.containsKey(c.getName())) {
                    components.add(c);
                }
            }
        }
        return components;
    }

    /**
     * Jackson builds its (de)serializers for a record type at first use: tens of milliseconds per
     * type with C1 only. Round-tripping an empty input and output before the snapshot moves that cost
     * out of the first invocation.
     */
    void primeJson() throws IOException {
        I input = JSON.readValue("{}", inputType);
        JSON.writeValueAsBytes(input);
        logFields(input);
        Type output = outputType();
        if (output != null) {
            Object empty = JSON.readValue("{}", JSON.constructType(output));
            JSON.writeValueAsBytes(empty);
        }
    }

    /**
     * Invoke priming (SnapStart): before the snapshot, {@code wiring}'s priming runs this handler's
     * whole invocation path (JSON in, {@link #handle}, JSON out) once per made-up input, while every
     * SDK client's requests go to the offline priming endpoint, which answers as AWS would
     * ({@link PrimingAnswers}). Each input is written as JSON with {@link #JSON}, the mapper that reads
     * a real invocation's input, so a made-up input is a record the compiler checks against the
     * contract. What a first invocation loads, links and compiles of the handler's own code is then in
     * the snapshot. Log lines of these invocations are dropped ({@link PrimingContext}).
     * Inputs must name nothing real: made-up buckets, keys and executions, answered by the endpoint.
     */
    @SafeVarargs
    protected final void primeInvocation(Wiring wiring, I... inputs) {
        String functionName = wiring.env().optional("AWS_LAMBDA_FUNCTION_NAME", "priming");
        List<I> made = List.of(inputs);
        wiring.primeAlso(endpoint -> {
            for (I input : made) {
                primeInvocation(functionName, JSON.writeValueAsBytes(input));
                primedInvocations++;
            }
        });
    }

    /** Priming invocations run to their end so far (for the tests). */
    int primedInvocations;

    /** One priming invocation of {@code input} (JSON); its output. Throws what the handler throws. */
    byte[] primeInvocation(String functionName, byte[] input) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        var context = new PrimingContext(functionName);
        handleRequest(new java.io.ByteArrayInputStream(input), out, context);
        return out.toByteArray();
    }

    private Type outputType() {
        for (Class<?> c = getClass(); c != null && c != JsonHandler.class; c = c.getSuperclass()) {
            if (c.getGenericSuperclass() instanceof ParameterizedType p && p.getRawType() == JsonHandler.class) {
                return p.getActualTypeArguments()[1];
            }
        }
        return null;
    }
}
