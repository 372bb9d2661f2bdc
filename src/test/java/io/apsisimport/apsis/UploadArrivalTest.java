package io.apsisimport.apsis;

// Unit test of "Did the file arrive?"'s decision (UploadArrival) and of which APSIS statuses say the
// import still waits for its file: tables, no I/O.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.UploadArrival.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UploadArrivalTest {
    private final UploadArrival fiveMinutes = new UploadArrival(Duration.ofMinutes(5));

    @Test
    void onlyAStatusThatSaysSoInSoManyWordsWaitsForTheFile() {
        for (String waiting : List.of(
                "waiting for a file",
                "waiting for file",
                "waiting_for_file",
                "WAITING_FOR_FILE",
                "WaitingForFile",
                "waiting-for-file",
                "Waiting for the file",
                "awaiting file",
                "Awaiting file upload",
                " waiting for uploaded file ")) {
            assertTrue(ImportStatus.waitingForFile(waiting), waiting);
        }
        // Anything else means APSIS has moved on, or cannot be read: never a reason to send the file again.
        for (String moved : new String[] {
            "queued",
            "in progress",
            "completed",
            "failed",
            "expired",
            "processing",
            "waiting for processing",
            "file received",
            "file received, waiting",
            "pending",
            "unknown",
            "",
            null
        }) {
            assertFalse(ImportStatus.waitingForFile(moved), String.valueOf(moved));
        }
    }

    @Test
    void theVerdictTakesAnythingButWaitingAsArrivedAndWaitingForTheWholeWaitAsNotArrived() {
        assertEquals(Verdict.ARRIVED, fiveMinutes.verdict("queued", Duration.ZERO, 1));
        assertEquals(Verdict.ARRIVED, fiveMinutes.verdict("completed", Duration.ofHours(1), 30));
        assertEquals(Verdict.ARRIVED, fiveMinutes.verdict("unknown", Duration.ofHours(1), 30));
        assertEquals(Verdict.NOT_YET, fiveMinutes.verdict("waiting for file", Duration.ZERO, 1));
        assertEquals(Verdict.NOT_YET, fiveMinutes.verdict("waiting for file", Duration.ofSeconds(299), 19));
        assertEquals(Verdict.NOT_ARRIVED, fiveMinutes.verdict("waiting for file", Duration.ofSeconds(300), 2));
        assertEquals(
                Verdict.NOT_ARRIVED,
                fiveMinutes.verdict("waiting for file", Duration.ofSeconds(10), UploadArrival.MAX_CHECKS));
    }

    @Test
    void checksComeAtTwoFourEightSecondsAtMostAnEighthOfTheWaitAndEndWithIt() {
        var waits = new ArrayList<Long>();
        long waited = 0;
        for (int checks = 1; waited < 300; checks++) {
            long next = fiveMinutes.nextCheckSeconds(checks, Duration.ofSeconds(waited));
            waits.add(next);
            waited += next;
        }
        assertEquals(List.of(2L, 4L, 8L, 16L, 32L, 38L, 38L, 38L, 38L, 38L, 38L, 10L), waits);
        assertEquals(13, fiveMinutes.checksUntilGivenUp());
        assertEquals(2, new UploadArrival(Duration.ofSeconds(5)).nextCheckSeconds(3, Duration.ZERO));
        assertEquals(1, new UploadArrival(Duration.ofSeconds(5)).nextCheckSeconds(1, Duration.ofSeconds(4)));
        assertEquals(1, fiveMinutes.nextCheckSeconds(1, Duration.ofMinutes(10)), "at least a second");
        assertTrue(new UploadArrival(Duration.ofSeconds(UploadArrival.MAX_WAIT_SECONDS)).checksUntilGivenUp()
                < UploadArrival.MAX_CHECKS);
        assertThrows(IllegalArgumentException.class, () -> new UploadArrival(Duration.ZERO));
    }
}
