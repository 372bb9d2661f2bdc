package io.apsisimport.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.contract.PartFailure;
import io.apsisimport.contract.StepError;
import io.apsisimport.lambda.JsonHandler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

// Unit tests: the Cause a failed part's execution ends with: a Lambda-shaped JSON (errorMessage
// first), short whatever the error, read back by the file's execution and FinishImport.
class PartFailureTest {
    @Test
    void aCauseIsReadBackAsWritten() {
        var f = new PartFailure(
                "S3 refused the upload",
                "io.apsisimport.upload.UploadRejectedException",
                "Upload file",
                3,
                5,
                "imp-1",
                null,
                null,
                null,
                null);
        String cause = f.toCause();
        assertTrue(cause.startsWith(PartFailure.CAUSE_PREFIX + "\"S3 refused the upload\""), cause);
        assertEquals(f, PartFailure.parse(cause).orElseThrow());
        assertEquals(
                "S3 refused the upload",
                new StepError("UploadRejected", cause).message(),
                "StepError reads the message as it reads a Lambda error");
        assertTrue(PartFailure.parse("the part's execution ended ABORTED").isEmpty());
        assertTrue(PartFailure.parse(null).isEmpty());
    }

    @Test
    void theWholeStackTraceOfALambdaErrorShrinksToABoundedOneLineCause() throws Exception {
        String message = ("a \"quoted\"\n\u0001 message with é and € " + "x".repeat(50)).repeat(50);
        String lambdaError = JsonHandler.JSON.writeValueAsString(Map.of(
                "errorMessage",
                message,
                "errorType",
                "io.apsisimport.apsis.ApsisTransientException",
                "stackTrace",
                List.of("io.apsisimport.X.y(X.java:1)".repeat(500))));
        var out = ReleaseSlotHandler.outcome(new ReleaseSlotHandler.Input(
                "arn:exec",
                "inbox/x.csv",
                0,
                "ABANDONED",
                "Request import",
                new StepError("io.apsisimport.apsis.ApsisTransientException", lambdaError),
                null,
                1));
        assertEquals("ApsisTransient", out.error());
        assertTrue(PartFailure.embeddedBytes(out.cause()) <= PartFailure.CAUSE_BYTES, out.cause());
        var read = PartFailure.parse(out.cause()).orElseThrow();
        assertEquals("Request import", read.failedStep());
        assertFalse(read.errorMessage().contains("\n") || read.errorMessage().contains("\u0001"), read.errorMessage());
        assertTrue(read.errorMessage().startsWith("a \"quoted\" message with é"), read.errorMessage());
        assertFalse(out.cause().contains("X.java"), "no stack trace");
    }

    @Test
    void aReleaseAfterAFinishedImportSaysNothingMore() {
        var out = ReleaseSlotHandler.outcome(
                new ReleaseSlotHandler.Input("arn:exec", "inbox/x.csv", 0, "IMPORT_FINISHED"));
        assertTrue(out.released());
        assertEquals(null, out.error());
        assertEquals(null, out.cause());
    }
}
