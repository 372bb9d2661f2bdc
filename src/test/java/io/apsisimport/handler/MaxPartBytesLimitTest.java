package io.apsisimport.handler;

// Contract test: no part can be larger than APSIS's 50,000,000 bytes per import file, whichever way
// MaxPartBytes is set (template parameter bound, and the code's own bound on MAX_PART_BYTES).

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.lambda.Env;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.sim.ApsisSimulator;
import io.apsisimport.template.TemplateModel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MaxPartBytesLimitTest {

    @Test
    void theLimitIsTheSimulatorsDefaultTheApsisFileLimit() {
        assertEquals(50_000_000L, PreflightFileHandler.APSIS_MAX_FILE_BYTES);
        assertEquals(
                PreflightFileHandler.APSIS_MAX_FILE_BYTES,
                ApsisSimulator.Config.defaults().maxUploadBytes());
    }

    @Test
    void theTemplateParameterCannotExceedTheLimit() {
        var parameter = TemplateModel.load(Path.of("template.yaml"))
                .root()
                .path("Parameters")
                .path("MaxPartBytes");
        assertEquals(
                PreflightFileHandler.APSIS_MAX_FILE_BYTES,
                parameter.path("MaxValue").asLong(),
                parameter.toString());
        assertTrue(
                parameter.path("Default").asLong() <= PreflightFileHandler.APSIS_MAX_FILE_BYTES, parameter.toString());
    }

    @Test
    void theFunctionRefusesAMaxPartBytesAboveTheLimitAtStartUp() {
        new PreflightFileHandler(wiring("50000000"));
        var e = assertThrows(IllegalStateException.class, () -> new PreflightFileHandler(wiring("50000001")));
        assertTrue(e.getMessage().contains("MAX_PART_BYTES=50000001 is outside 1024..50000000"), e.getMessage());
    }

    private static Wiring wiring(String maxPartBytes) {
        return new Wiring(new Env(Map.of("AWS_REGION", "eu-west-1", "MAX_PART_BYTES", maxPartBytes)));
    }
}
