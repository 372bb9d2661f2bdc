package io.apsisimport.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.apsis.UploadArrival;
import io.apsisimport.lambda.Env;
import io.apsisimport.lambda.Settings;
import io.apsisimport.source.ExpansionLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

// Contract tests: the handlers' defaults and bounds (lambda/Settings) are template.yaml's: a
// parameter's Default is what a function assumes when its variable is unset, and its bounds let no
// value through that the function refuses at start-up.
class SettingsContractTest {
    private static final TemplateModel TEMPLATE = TemplateModel.load(Path.of("template.yaml"));

    @Test
    void everyParameterOfASettingHasTheSettingsDefaultAndBounds() {
        var problems = new ArrayList<String>();
        expect(problems, "MaxPartBytes", "Default", Settings.MAX_PART_BYTES);
        expect(problems, "MaxPartBytes", "MaxValue", Settings.MAX_PART_BYTES);
        atLeast(problems, "MaxPartBytes", "MinValue", Settings.MIN_PART_BYTES);
        expect(problems, "MaxDecompressedBytes", "Default", ExpansionLimits.DEFAULTS.maxBytes());
        expect(problems, "MaxDecompressedBytes", "MaxValue", Settings.MAX_DECOMPRESSED_BYTES);
        expect(problems, "MaxCompressionRatio", "Default", ExpansionLimits.DEFAULTS.maxRatio());
        expect(problems, "MaxCompressionRatio", "MaxValue", Settings.MAX_COMPRESSION_RATIO);
        expect(problems, "PollIntervalSeconds", "Default", Settings.POLL_INTERVAL_SECONDS);
        expect(problems, "PollIntervalSeconds", "MaxValue", Settings.MAX_POLL_INTERVAL_SECONDS);
        expect(problems, "ImportTimeoutSeconds", "Default", Settings.IMPORT_TIMEOUT_SECONDS);
        expect(problems, "ImportTimeoutSeconds", "MinValue", Settings.MIN_IMPORT_TIMEOUT_SECONDS);
        expect(problems, "ImportTimeoutSeconds", "MaxValue", Settings.MAX_IMPORT_TIMEOUT_SECONDS);
        expect(problems, "UploadArrivalWaitSeconds", "Default", Settings.UPLOAD_ARRIVAL_WAIT_SECONDS);
        expect(problems, "UploadArrivalWaitSeconds", "MinValue", UploadArrival.MIN_WAIT_SECONDS);
        expect(problems, "UploadArrivalWaitSeconds", "MaxValue", UploadArrival.MAX_WAIT_SECONDS);
        text(problems, "RoutesKey", Settings.ROUTES_KEY);
        text(problems, "LandingPrefix", Settings.LANDING_PREFIX);
        text(problems, "ValidatePrefix", Settings.VALIDATE_PREFIX);
        assertEquals(List.of(), problems);
    }

    @Test
    void anUnsetVariableGivesTheDefaultAndOneOutOfBoundsIsRefusedByName() {
        var unset = new Settings(new Env(Map.of()));
        assertEquals(Settings.MAX_PART_BYTES, unset.maxPartBytes());
        assertEquals(Duration.ofSeconds(Settings.POLL_INTERVAL_SECONDS), unset.pollInterval());
        assertEquals(Duration.ofSeconds(Settings.IMPORT_TIMEOUT_SECONDS), unset.importTimeout());
        assertEquals(Duration.ofSeconds(Settings.UPLOAD_ARRIVAL_WAIT_SECONDS), unset.uploadArrivalWait());
        assertEquals(ExpansionLimits.DEFAULTS, unset.expansionLimits());
        assertEquals(Settings.ROUTES_KEY, unset.routesKey());
        var tooBig = new Settings(new Env(Map.of("MAX_PART_BYTES", String.valueOf(Settings.MAX_PART_BYTES + 1))));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, tooBig::maxPartBytes);
        assertEquals("environment variable MAX_PART_BYTES=50000001 is outside 1024..50000000", e.getMessage());
    }

    private static JsonNode parameter(String name) {
        return TEMPLATE.root().path("Parameters").path(name);
    }

    private static void expect(List<String> problems, String name, String field, long value) {
        JsonNode p = parameter(name);
        if (!p.has(field) || p.get(field).asLong() != value) {
            problems.add(name + "." + field + " is " + p.path(field) + ", the code's is " + value);
        }
    }

    private static void atLeast(List<String> problems, String name, String field, long value) {
        JsonNode p = parameter(name);
        if (!p.has(field) || p.get(field).asLong() < value) {
            problems.add(name + "." + field + " is " + p.path(field) + ", below the code's " + value);
        }
    }

    private static void text(List<String> problems, String name, String value) {
        if (!parameter(name).path("Default").asText().equals(value)) {
            problems.add(name + ".Default is " + parameter(name).path("Default") + ", the code's is " + value);
        }
    }
}
