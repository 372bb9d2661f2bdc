package io.apsisimport.handler;

// "Check import status"'s decision without APSIS, slots or moto: what one answer means.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.apsis.ImportStatus;
import io.apsisimport.apsis.ImportTimedOutException;
import io.apsisimport.contract.PartFailure;
import io.apsisimport.contract.StatusCheckInput;
import io.apsisimport.contract.StatusCheckState;
import io.apsisimport.contract.UploadPartOutput;
import io.apsisimport.lambda.JsonHandler;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatusCheckTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final StatusCheck CHECK =
            new StatusCheck(Duration.ofHours(6), new PollSchedule(Duration.ofSeconds(30)));

    private static StatusCheckInput input(StatusCheckState previous) {
        return new StatusCheckInput("arn:exec", "inbox/f.csv", 0, 1, "s", "import-1", T0.toString(), null, previous);
    }

    private static ImportStatus status(String status) {
        boolean done = status.equals("completed") || status.equals("failed");
        return ImportStatus.of("import-1", status, done ? 10L : null, done ? 10L : null, done ? 0L : null);
    }

    private static StatusCheckState uploaded(Double estimate, Double spread) {
        var up = new UploadPartOutput(80_000, 1_000, T0.plusSeconds(5).toString(), 1_000, 0, 162, 1, estimate, spread);
        return JsonHandler.JSON.convertValue(up, StatusCheckState.class);
    }

    @Test
    void aPendingImportNearItsEstimateIsCheckedAgainSoonAndTeachesNothingYet() {
        var d = CHECK.decide(input(uploaded(180.0, 0.1)), status("in progress"), T0.plusSeconds(5 + 162));
        assertEquals("PENDING", d.output().outcome());
        assertEquals(1, d.output().checks());
        assertEquals(9, d.output().nextCheckSeconds(), "half a deviation while the end is likely");
        assertEquals(2, d.output().earlyChecks());
        assertEquals(162.0, d.output().pendingAt(), 1e-9);
        assertEquals(80_000L, d.output().bytes());
        assertNull(d.learnedSeconds());
        assertNull(d.output().failure());
    }

    @Test
    void aCompletedImportIsLearnedWithinTheBracketOfTheLastTwoChecks() {
        var pending = CHECK.decide(input(uploaded(180.0, 0.1)), status("in progress"), T0.plusSeconds(5 + 162));
        var carried = JsonHandler.JSON.convertValue(pending.output(), StatusCheckState.class);
        var done = CHECK.decide(input(carried), status("completed"), T0.plusSeconds(5 + 168));
        assertEquals("COMPLETED", done.output().outcome());
        assertEquals(2, done.output().checks());
        assertEquals(165, done.learnedSeconds(), 0.5);
        assertEquals(180.0, done.estimate().seconds(), 1e-9);
    }

    @Test
    void withoutTheUploadsFiguresNothingIsLearned() {
        var done = CHECK.decide(
                input(new StatusCheckState(0, 30L, null, null, null, null, null, null, null, null)),
                status("completed"),
                T0.plusSeconds(30));
        assertNull(done.learnedSeconds());
        assertNull(done.output().bytes());
    }

    @Test
    void aFailedImportComesBackWithTheFailStatesErrorAndTeachesNothing() {
        var failed = CHECK.decide(input(uploaded(null, null)), status("failed"), T0.plusSeconds(30));
        assertEquals("FAILED", failed.output().outcome());
        assertNotNull(failed.output().failure());
        assertEquals("ImportFailed", failed.output().failure().error());
        assertTrue(
                failed.output().failure().cause().contains("ended \\\"failed\\\""),
                failed.output().failure().cause());
        assertNull(failed.learnedSeconds());
    }

    @Test
    void theFailureNamesThePartCountingFromOneAndTheFiguresWhenApsisGaveThem() {
        var in = new StatusCheckInput(
                "arn:exec", "inbox/f.csv", 2, 5, "s", "import-1", T0.toString(), null, (StatusCheckState) null);
        var withFigures = PartFailure.parse(StatusCheck.failure(in, ImportStatus.of("import-1", "failed", 10L, 7L, 3L))
                        .cause())
                .orElseThrow();
        assertEquals(3, withFigures.part());
        assertEquals(5, withFigures.parts());
        assertEquals(
                "APSIS import import-1 for inbox/f.csv ended \"failed\" (10 profiles found, 7 processed, 3 failed)",
                withFigures.errorMessage());
        var without = PartFailure.parse(StatusCheck.failure(in, ImportStatus.of("import-1", "failed", null, null, null))
                        .cause())
                .orElseThrow();
        assertEquals("APSIS import import-1 for inbox/f.csv ended \"failed\"", without.errorMessage());
    }

    @Test
    void anEstimateOfZeroSecondsOrZeroSpreadIsNoEstimate() {
        assertNull(CHECK.decide(input(uploaded(0.0, 0.2)), status("in progress"), T0.plusSeconds(30))
                .estimate());
        assertNull(CHECK.decide(input(uploaded(60.0, 0.0)), status("in progress"), T0.plusSeconds(30))
                .estimate());
        assertNotNull(CHECK.decide(input(uploaded(60.0, 0.2)), status("in progress"), T0.plusSeconds(30))
                .estimate());
    }

    @Test
    void anImportPendingForExactlyTheTimeoutIsCheckedOnceMore() {
        var d = CHECK.decide(input(null), status("in progress"), T0.plus(Duration.ofHours(6)));
        assertEquals("PENDING", d.output().outcome());
    }

    @Test
    void aCheckWithoutPreviousStateCountsFromTheGivenChecks() {
        var old = CHECK.decide(
                new StatusCheckInput("arn:exec", "inbox/f.csv", 0, 1, "s", "import-1", T0.toString(), 4),
                status("in progress"),
                T0.plusSeconds(600));
        assertEquals(5, old.output().checks());
        assertEquals(60, old.output().nextCheckSeconds(), "a tenth of its age");
    }

    @Test
    void anImportPendingPastTheTimeoutOrTheMostChecksFails() {
        var late = assertThrows(
                ImportTimedOutException.class,
                () -> CHECK.decide(
                        input(null),
                        status("in progress"),
                        T0.plus(Duration.ofHours(6)).plusSeconds(1)));
        assertTrue(late.getMessage().contains("after 360 minutes (IMPORT_TIMEOUT_SECONDS)"), late.getMessage());
        var many = assertThrows(
                ImportTimedOutException.class,
                () -> CHECK.decide(
                        new StatusCheckInput(
                                "arn:exec",
                                "inbox/f.csv",
                                0,
                                1,
                                "s",
                                "import-1",
                                T0.toString(),
                                PollSchedule.MAX_CHECKS - 1),
                        status("queued"),
                        T0.plusSeconds(60)));
        assertTrue(many.getMessage().contains("status checks"), many.getMessage());
    }

    @Test
    void statusesThatMeanNotStartedYet() {
        assertTrue(StatusCheck.queued("queued"));
        assertTrue(StatusCheck.queued("Queued"));
        assertTrue(StatusCheck.queued("waiting for a file"));
        assertTrue(!StatusCheck.queued("in progress"));
        assertTrue(!StatusCheck.queued(null));
    }
}
