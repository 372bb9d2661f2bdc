package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

// Contract tests of template.yaml (read with TemplateModel): the functions, their
// handlers and environment, and what the state machine definition is given.
// Also the model's own reading of CloudFormation short tags.
class TemplateModelTest {

    private static final Path TEMPLATE = Path.of("template.yaml");
    private static final String STATE_MACHINE = "ImportStateMachine";
    private static final String PART_STATE_MACHINE = "ImportPartStateMachine";
    private static final Map<String, String> DEFINITIONS = Map.of(
            STATE_MACHINE, "statemachine/import.asl.json",
            PART_STATE_MACHINE, "statemachine/import-part.asl.json");

    /** What the shared Lambda configuration reads: every function must get all of it. */
    private static final Set<String> SHARED_ENVIRONMENT = Set.of(
            "SLOTS_TABLE",
            "APSIS_ACCOUNT_KEY",
            "MAX_CONCURRENT_IMPORTS",
            "SLOT_LEASE_SECONDS",
            "SLOT_MAX_WAIT_SECONDS",
            "POLL_INTERVAL_SECONDS",
            "APSIS_REGION",
            "APSIS_BASE_URL",
            "APSIS_SECRET_ARN",
            "LANDING_PREFIX",
            "ROUTES_KEY",
            "MAX_PART_BYTES",
            "IMPORT_TIMEOUT_SECONDS",
            "METRICS_NAMESPACE");

    private static TemplateModel model;

    @BeforeAll
    static void loadTemplate() {
        model = TemplateModel.load(TEMPLATE);
    }

    @Test
    void elevenFunctionsEachWithItsHandler() {
        assertEquals(
                Map.ofEntries(
                        Map.entry("StartImportFunction", "io.apsisimport.handler.StartImportHandler::handleRequest"),
                        Map.entry(
                                "PreflightFileFunction", "io.apsisimport.handler.PreflightFileHandler::handleRequest"),
                        Map.entry("AcquireSlotFunction", "io.apsisimport.handler.AcquireSlotHandler::handleRequest"),
                        Map.entry(
                                "RequestImportFunction", "io.apsisimport.handler.RequestImportHandler::handleRequest"),
                        Map.entry("UploadPartFunction", "io.apsisimport.handler.UploadPartHandler::handleRequest"),
                        Map.entry(
                                "CheckImportStatusFunction",
                                "io.apsisimport.handler.CheckImportStatusHandler::handleRequest"),
                        Map.entry("ReleaseSlotFunction", "io.apsisimport.handler.ReleaseSlotHandler::handleRequest"),
                        Map.entry("FinishImportFunction", "io.apsisimport.handler.FinishImportHandler::handleRequest"),
                        Map.entry("ReapSlotsFunction", "io.apsisimport.handler.ReapSlotsHandler::handleRequest"),
                        Map.entry("FeedQueueFunction", "io.apsisimport.handler.QueueFeedHandler::handleRequest"),
                        Map.entry("ValidateFileFunction", "io.apsisimport.handler.ValidateFileHandler::handleRequest")),
                model.functionHandlers());
    }

    @Test
    void everyFunctionGetsTheSharedConfiguration() {
        assertAll(model.functionHandlers().keySet().stream()
                .map(function -> () -> assertTrue(
                        model.environmentVariables(function).containsAll(SHARED_ENVIRONMENT),
                        function + " lacks " + missing(model.environmentVariables(function)))));
    }

    @Test
    void onlyStartImportAndTheFeedQueueGetTheStateMachineArn() {
        // StartImport starts its executions; the feed queue keys the stack's feeds by it.
        assertAll(model.functionHandlers().keySet().stream()
                .map(function -> () -> assertEquals(
                        function.equals("StartImportFunction") || function.equals("FeedQueueFunction"),
                        model.environmentVariables(function).contains("STATE_MACHINE_ARN"),
                        function)));
    }

    @Test
    void stateMachinesAreGivenTheirTaskFunctionsAndTunables() {
        assertEquals(
                Set.of(
                        "PreflightFileFunctionArn",
                        "FinishImportFunctionArn",
                        "ImportPartStateMachineArn",
                        "FeedQueueFunctionArn",
                        "ValidateFileFunctionArn",
                        "PollIntervalSeconds",
                        "MaxConcurrentImports",
                        "Partition",
                        "EventBusName"),
                model.definitionSubstitutionKeys(STATE_MACHINE));
        assertEquals(
                Set.of(
                        "AcquireSlotFunctionArn",
                        "RequestImportFunctionArn",
                        "UploadPartFunctionArn",
                        "CheckImportStatusFunctionArn",
                        "ReleaseSlotFunctionArn",
                        "Partition"),
                model.definitionSubstitutionKeys(PART_STATE_MACHINE));
        assertEquals(
                ref("ImportPartStateMachine"),
                model.resource(STATE_MACHINE).at("/Properties/DefinitionSubstitutions/ImportPartStateMachineArn"));
        for (String machine : DEFINITIONS.keySet()) {
            assertEquals(
                    ref("AWS::Partition"),
                    model.resource(machine).at("/Properties/DefinitionSubstitutions/Partition"),
                    machine);
        }
    }

    @Test
    void taskFunctionsAreInvokedThroughTheirAlias() {
        // SnapStart applies to published versions only: the definition must get the alias.
        for (String machine : DEFINITIONS.keySet()) {
            var substitutions = model.resource(machine).path("Properties").path("DefinitionSubstitutions");
            substitutions.properties().stream()
                    .filter(entry -> entry.getKey().endsWith("FunctionArn"))
                    .forEach(entry -> assertEquals(
                            entry.getKey().replaceFirst("Arn$", "") + ".Alias",
                            entry.getValue().path("Ref").asText(),
                            machine + ": " + entry.getKey()));
        }
    }

    @Test
    void definitionFilesExistAndUseOnlyGivenSubstitutions() throws IOException {
        for (var machine : DEFINITIONS.entrySet()) {
            var uri = model.definitionUri(machine.getKey());
            assertEquals(machine.getValue(), uri);
            var definition = Files.readString(Path.of(uri));
            new ObjectMapper().readTree(definition); // well-formed JSON

            var used = new TreeSet<String>();
            var matcher = Pattern.compile("\\$\\{([^}]+)}").matcher(definition);
            while (matcher.find()) {
                used.add(matcher.group(1));
            }
            assertEquals(
                    model.definitionSubstitutionKeys(machine.getKey()),
                    used,
                    machine.getKey() + ": substitutions the definition uses vs those the template gives");
        }
    }

    @Test
    void parameters() {
        assertEquals(
                Set.of(
                        "ApsisRegion",
                        "ApsisBaseUrl",
                        "ExistingApsisSecretArn",
                        "ExistingApsisSecretKmsKeyArn",
                        "ApsisAccountKey",
                        "LandingPrefix",
                        "ValidatePrefix",
                        "RoutesKey",
                        "MaxPartBytes",
                        "MaxDecompressedBytes",
                        "MaxCompressionRatio",
                        "MaxConcurrentImports",
                        "ExistingSlotsTableName",
                        "SlotLeaseSeconds",
                        "SlotMaxWaitSeconds",
                        "PollIntervalSeconds",
                        "ImportTimeoutSeconds",
                        "UploadArrivalWaitSeconds",
                        "LogRetentionDays",
                        "ApplicationLogLevel",
                        "SystemLogLevel",
                        "AlarmTopicArn",
                        "MetricsNamespace",
                        "EventBusName",
                        "NotificationEmail",
                        "FailedProfilesThreshold",
                        "SlotWaitAlarmSeconds"),
                model.parameterNames());
    }

    @Test
    void refTaggedValuesOfTheRealTemplateAreRead() {
        assertEquals(
                ref("LandingBucket"),
                model.resource("LandingBucketPolicy").path("Properties").path("Bucket"));
        assertEquals(
                ref("LandingPrefix"),
                model.resource("StartImportFunction")
                        .at("/Properties/Events/FileCreated/Properties/Filter/S3Key/Rules/0/Value"));
    }

    @Test
    void shortTagsAreReadInLongForm() {
        var parsed = TemplateModel.parse("""
                Resources:
                  R:
                    Type: X
                    Properties:
                      A: !Ref Bucket
                      B: !GetAtt Bucket.Arn
                      C: !If [HasIt, !Ref P, !Ref AWS::NoValue]
                      D: !Sub
                        - '${Name}-x'
                        - Name: !Select [0, !Split [',', !Ref List]]
                      E: !Equals [!Ref P, '']
                      F: plain
                      G: 3
                """).resource("R").path("Properties");
        assertAll(
                () -> assertEquals(ref("Bucket"), parsed.get("A")),
                () -> assertEquals(json("{\"Fn::GetAtt\":[\"Bucket\",\"Arn\"]}"), parsed.get("B")),
                () -> assertEquals(
                        json("{\"Fn::If\":[\"HasIt\",{\"Ref\":\"P\"},{\"Ref\":\"AWS::NoValue\"}]}"), parsed.get("C")),
                () -> assertEquals(
                        json("{\"Fn::Sub\":[\"${Name}-x\",{\"Name\":{\"Fn::Select\":[0,"
                                + "{\"Fn::Split\":[\",\",{\"Ref\":\"List\"}]}]}}]}"),
                        parsed.get("D")),
                () -> assertEquals(json("{\"Fn::Equals\":[{\"Ref\":\"P\"},\"\"]}"), parsed.get("E")),
                () -> assertEquals(json("\"plain\""), parsed.get("F")),
                () -> assertEquals(json("3"), parsed.get("G")));
    }

    @Test
    void unknownOrWrongLogicalIdsAreRejected() {
        assertAll(
                () -> assertThrows(IllegalArgumentException.class, () -> model.environmentVariables("NoSuchFunction")),
                () -> assertThrows(IllegalArgumentException.class, () -> model.environmentVariables("LandingBucket")),
                () -> assertThrows(
                        IllegalArgumentException.class, () -> model.definitionSubstitutionKeys("StartImportFunction")),
                () -> assertFalse(model.functionHandlers().containsKey(STATE_MACHINE)));
    }

    private static Set<String> missing(Set<String> present) {
        var missing = new TreeSet<>(SHARED_ENVIRONMENT);
        missing.removeAll(present);
        return missing;
    }

    private static JsonNode ref(String name) {
        return json("{\"Ref\":\"" + name + "\"}");
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
