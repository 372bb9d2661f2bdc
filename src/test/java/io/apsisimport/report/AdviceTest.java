package io.apsisimport.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

// The advice sentence of a failed file, without a pipeline: a known error's own advice, the general
// one for any other error or none, and the one for refused profiles; each points to its entry.
class AdviceTest {
    @Test
    void aKnownErrorGetsItsOwnAdviceAndItsTroubleshootingEntry() {
        assertEquals(
                "The file has no data rows and its route says onEmptyFile=fail: check the export."
                        + " (README, Troubleshooting: EmptyFile)",
                Advice.forError("EmptyFile"));
        assertTrue(Advice.errors().contains("EmptyFile"));
        assertTrue(Advice.errors().contains("NoRouteForKey"));
    }

    @Test
    void anyOtherErrorOrNoneGetsTheGeneralAdvice() {
        assertEquals(
                "Open the execution: the failed step's Error and Cause say what happened"
                        + " (README, Troubleshooting: SomethingNew).",
                Advice.forError("SomethingNew"));
        assertEquals(
                "Open the execution: the failed step's Error and Cause say what happened (README, Troubleshooting).",
                Advice.forError(null));
    }

    @Test
    void refusedProfilesPointToApsisImportLog() {
        assertEquals(
                Advice.PROFILES_FAILED_ADVICE + " (README, Troubleshooting: ProfilesFailed)",
                Advice.forFailedProfiles());
    }
}
