package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.lambda.Env;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.local.MotoServer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The code held to template.yaml: what Lambda will load and what each function will find in its
 * environment once deployed. (TemplateModelTest pins the template's own shape; this class checks
 * the code against it.)
 *
 * <ul>
 *   <li>Every handler the template names is a public, concrete Lambda entry point with a public
 *       no-arg constructor and the named method.
 *   <li>Every environment variable a handler reads while it is wired is set for its function by the
 *       template (Globals + its own), or provided by the Lambda runtime. Each handler is built with
 *       its {@code XHandler(Wiring)} constructor (the one the no-arg constructor uses) from an
 *       {@link Env} holding exactly the template's variable names for that function, with plausible
 *       values, and {@link Env#namesRead()} (which also records reads through {@code env.asMap()})
 *       must stay inside that set. Reads with a fallback count too: a variable the template does not
 *       set silently takes its fallback in production, which is exactly the drift to catch.
 *   <li>Every Task of statemachine/import.asl.json and import-part.asl.json invokes a {@code ${…}}
 *       substitution whose value is the alias of a function of the template (SnapStart applies to
 *       published versions only), or starts an execution of a state machine of the template.
 * </ul>
 *
 * <p><b>Variables the template does not set.</b> Only two kinds are accepted:
 * <ul>
 *   <li>set by the Lambda runtime itself: {@link #RUNTIME_PROVIDED} ({@code AWS_REGION} and the
 *       other reserved variables);
 *   <li>{@code AWS_ENDPOINT_URL}: never set on AWS (the SDK then uses the real endpoints); only the
 *       local cloud and LocalStack set it. The test sets it to point the Secrets Manager call at
 *       moto.
 * </ul>
 * {@code APSIS_CLIENT_ID}/{@code APSIS_CLIENT_SECRET} are a local-only alternative to
 * {@code APSIS_SECRET_ARN} (bin/local-import, the local cloud). They are deliberately <em>not</em>
 * accepted here: the template always sets {@code APSIS_SECRET_ARN}, and with it set the code must not
 * consult them at all (Wiring reads them only when the secret ARN is absent). If the code ever read
 * them on the deployed path, this test fails; a new optional alternative has to be added to
 * {@link #LOCAL_ONLY} with its reason, on purpose.
 *
 * <p>Building the APSIS-backed handlers reads the secret named by {@code APSIS_SECRET_ARN} from
 * Secrets Manager, so this runs against a moto server holding such a secret. No other AWS call is
 * made while wiring (the SDK clients connect lazily).
 */
@io.apsisimport.local.LocalCloudTest
class TemplateContractTest {

    private static final Path TEMPLATE = Path.of("template.yaml");
    private static final List<String> STATE_MACHINES = List.of("ImportStateMachine", "ImportPartStateMachine");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Set by the Lambda runtime, not by the template (AWS Lambda "reserved environment variables"). */
    static final Set<String> RUNTIME_PROVIDED = Set.of(
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_LAMBDA_LOG_FORMAT",
            "AWS_LAMBDA_LOG_LEVEL",
            "AWS_LAMBDA_RUNTIME_API",
            "AWS_XRAY_CONTEXT_MISSING",
            "AWS_XRAY_DAEMON_ADDRESS",
            "_X_AMZN_TRACE_ID",
            "_HANDLER",
            "_AWS_XRAY_DAEMON_ADDRESS",
            "_AWS_XRAY_DAEMON_PORT",
            "LAMBDA_TASK_ROOT",
            "LAMBDA_RUNTIME_DIR",
            "TZ",
            "LANG",
            "PATH",
            "LD_LIBRARY_PATH");

    /** Read by the code, never set on AWS: local runs only (see the class comment). */
    static final Set<String> LOCAL_ONLY = Set.of("AWS_ENDPOINT_URL");

    /** Values for variables whose template value is not a plain !Ref to a parameter with a default. */
    private static final Map<String, String> PLAUSIBLE = Map.of(
            "SLOTS_TABLE", "apsis-import-SlotsTable-1ABC",
            "APSIS_BASE_URL", "https://api.apsis.one",
            "STATE_MACHINE_ARN", "arn:aws:states:eu-west-1:123456789012:stateMachine:apsis-import-import",
            "JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");

    private static TemplateModel model;
    private static MotoServer moto;
    private static String secretArn;

    @BeforeAll
    static void start() {
        model = TemplateModel.load(TEMPLATE);
        // The SDK's default chain reads these; moto accepts any credentials.
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "test"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "test"));
        moto = MotoServer.start(0);
        try (var sm = SecretsManagerClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build()) {
            secretArn = sm.createSecret(b -> b.name("apsis-import/apsis-api-client")
                            .secretString("{\"client_id\":\"contract-test\",\"client_secret\":\"not-a-secret\"}"))
                    .arn();
        }
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    // ---------------------------------------------------------------- (a) handlers

    @Test
    void everyHandlerIsAPublicLambdaEntryPointWithANoArgConstructor() {
        assertFalse(model.functionHandlers().isEmpty());
        assertAll(model.functionHandlers().entrySet().stream().map(e -> (Executable) () -> {
            String function = e.getKey();
            String[] handler = e.getValue().split("::", 2);
            Class<?> type = assertDoesNotThrow(
                    () -> Class.forName(handler[0]), function + ": handler class " + handler[0] + " does not exist");
            assertTrue(Modifier.isPublic(type.getModifiers()), function + ": " + type + " is not public");
            assertFalse(
                    Modifier.isAbstract(type.getModifiers()) || type.isInterface(),
                    function + ": " + type + " cannot be instantiated");
            assertTrue(
                    type.getEnclosingClass() == null || Modifier.isStatic(type.getModifiers()),
                    function + ": " + type + " is an inner class");
            var noArg = assertDoesNotThrow(
                    () -> type.getConstructor(), function + ": " + type + " has no public no-arg constructor");
            assertTrue(Modifier.isPublic(noArg.getModifiers()));
            assertTrue(
                    RequestStreamHandler.class.isAssignableFrom(type) || RequestHandler.class.isAssignableFrom(type),
                    function + ": " + type + " implements neither RequestStreamHandler nor RequestHandler");
            String method = handler.length == 2 ? handler[1] : "handleRequest";
            assertTrue(
                    Arrays.stream(type.getMethods()).anyMatch(m -> m.getName().equals(method)),
                    function + ": " + type + " has no public method " + method);
        }));
    }

    // ---------------------------------------------------------------- (b) environment

    @Test
    void everyVariableAHandlerReadsIsSetForItsFunction() {
        assertAll(model.functionHandlers().entrySet().stream().map(e -> (Executable) () -> {
            String function = e.getKey();
            Set<String> templateVars = model.environmentVariables(function);
            Map<String, String> vars = new LinkedHashMap<>();
            for (String name : templateVars) {
                vars.put(name, plausibleValue(function, name));
            }
            vars.put("AWS_REGION", "eu-west-1"); // set by Lambda
            vars.put("AWS_ENDPOINT_URL", moto.endpoint().toString()); // local only: the secret lives in moto

            Env env = new Env(vars);
            Class<?> type = Class.forName(e.getValue().split("::", 2)[0]);
            try {
                type.getConstructor(Wiring.class).newInstance(new Wiring(env));
            } catch (InvocationTargetException failed) {
                throw new AssertionError(
                        function + ": " + type.getSimpleName()
                                + " cannot be wired from the template's environment " + templateVars + " (read: "
                                + env.namesRead() + ")",
                        failed.getCause());
            }

            Set<String> notSet = new TreeSet<>(env.namesRead());
            notSet.removeAll(templateVars);
            notSet.removeAll(RUNTIME_PROVIDED);
            notSet.removeAll(LOCAL_ONLY);
            assertEquals(
                    Set.of(),
                    notSet,
                    function + " (" + type.getSimpleName()
                            + ") reads environment variables template.yaml does not set for it; it sets "
                            + templateVars);
        }));
    }

    /** A plausible deployed value: the parameter's default for {@code !Ref Param}, else {@link #PLAUSIBLE}. */
    private static String plausibleValue(String function, String name) {
        if (name.equals("APSIS_SECRET_ARN")) {
            return secretArn;
        }
        JsonNode value = model.resource(function).at("/Properties/Environment/Variables/" + name);
        if (value.isMissingNode()) {
            value = model.root().at("/Globals/Function/Environment/Variables/" + name);
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        String ref = value.path("Ref").asText("");
        JsonNode parameter = model.root().path("Parameters").path(ref);
        if (parameter.has("Default") && !parameter.get("Default").asText().isEmpty()) {
            return parameter.get("Default").asText();
        }
        return PLAUSIBLE.getOrDefault(name, "contract-test-" + name.toLowerCase());
    }

    // ---------------------------------------------------------------- (c) state machine tasks

    /**
     * TemplateModelTest checks that every {@code ${…}} of the definitions is given and that the
     * {@code *FunctionArn} substitutions are {@code !Ref X.Alias}; this adds that every Task (also
     * those inside Map and Parallel states) of both state machines invokes exactly such a
     * substitution, and that X is a function of the template that publishes an alias; a Task that
     * starts a state machine's execution names a state machine of the template.
     */
    @Test
    void everyTaskInvokesAFunctionAliasOfTheTemplate() throws IOException {
        for (String machine : STATE_MACHINES) {
            JsonNode definition = JSON.readTree(Files.readString(Path.of(model.definitionUri(machine))));
            JsonNode substitutions = model.resource(machine).path("Properties").path("DefinitionSubstitutions");
            List<String> tasks = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            Set<String> invoked = new TreeSet<>();
            Pattern whole = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");
            forEachState(definition, (name, state) -> {
                if (!state.path("Type").asText().equals("Task")) {
                    return;
                }
                tasks.add(name);
                String resource = state.path("Resource").asText();
                if (resource.startsWith("arn:${Partition}:states:::states:startExecution")) {
                    Matcher m = whole.matcher(
                            state.at("/Parameters/StateMachineArn").asText());
                    String ref = m.matches()
                            ? substitutions.path(m.group(1)).path("Ref").asText("")
                            : "";
                    if (!model.resource(ref).path("Type").asText().equals("AWS::Serverless::StateMachine")) {
                        problems.add(name + ": starts " + state.at("/Parameters/StateMachineArn")
                                + ", not a state machine of the template");
                    }
                    return;
                }
                if (resource.equals("arn:${Partition}:states:::events:putEvents")) {
                    // Each file's event: to the bus the template names, nothing else.
                    state.at("/Parameters/Entries").forEach(entry -> {
                        if (!entry.path("EventBusName").asText().equals("${EventBusName}")
                                || !substitutions
                                        .path("EventBusName")
                                        .path("Ref")
                                        .asText()
                                        .equals("EventBusName")) {
                            problems.add(
                                    name + ": sends to " + entry.path("EventBusName") + ", not the bus EventBusName");
                        }
                    });
                    return;
                }
                if (resource.startsWith("arn:${Partition}:states:::lambda:invoke")) {
                    // The Lambda service integration (here: a callback wait) names the function in its Parameters.
                    resource = state.at("/Parameters/FunctionName").asText();
                }
                Matcher m = whole.matcher(resource);
                if (!m.matches()) {
                    problems.add(name + ": Resource " + resource + " is not a ${…} substitution");
                    return;
                }
                invoked.add(m.group(1));
                JsonNode value = substitutions.get(m.group(1));
                if (value == null) {
                    problems.add(name + ": no DefinitionSubstitution " + m.group(1));
                    return;
                }
                String ref = value.path("Ref").asText("");
                if (!ref.endsWith(".Alias")) {
                    problems.add(name + ": " + m.group(1) + " is " + value + ", not !Ref <Function>.Alias");
                    return;
                }
                String function = ref.substring(0, ref.length() - ".Alias".length());
                if (!model.functionHandlers().containsKey(function)) {
                    problems.add(name + ": " + function + " is not a function of the template");
                    return;
                }
                JsonNode alias = model.resource(function).at("/Properties/AutoPublishAlias");
                if (alias.isMissingNode()) {
                    alias = model.root().at("/Globals/Function/AutoPublishAlias");
                }
                if (alias.asText("").isEmpty()) {
                    problems.add(name + ": " + function + " publishes no alias (AutoPublishAlias)");
                }
            });
            assertFalse(tasks.isEmpty(), machine + ": no Task state found");
            assertEquals(List.of(), problems, machine);
            // and no function substitution is given without a Task invoking it
            Set<String> functionArns = new TreeSet<>();
            substitutions.fieldNames().forEachRemaining(k -> {
                if (k.endsWith("FunctionArn")) {
                    functionArns.add(k);
                }
            });
            assertEquals(
                    functionArns,
                    invoked,
                    machine + ": function substitutions vs those the Tasks " + tasks + " invoke");
        }
    }

    /** Every state of a definition, including those of Map (ItemProcessor/Iterator) and Parallel branches. */
    private static void forEachState(JsonNode machine, java.util.function.BiConsumer<String, JsonNode> visit) {
        machine.path("States").properties().forEach(entry -> {
            JsonNode state = entry.getValue();
            visit.accept(entry.getKey(), state);
            Consumer<JsonNode> nested = sub -> {
                if (!sub.isMissingNode()) {
                    forEachState(sub, visit);
                }
            };
            nested.accept(state.path("ItemProcessor"));
            nested.accept(state.path("Iterator"));
            state.path("Branches").forEach(nested);
        });
    }
}
