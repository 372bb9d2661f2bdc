package io.apsisimport.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.contract.FeedState;
import io.apsisimport.contract.FinishImportInput;
import io.apsisimport.contract.PartFailure;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.PartResult;
import io.apsisimport.contract.StepError;
import io.apsisimport.landing.DropNames;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.LandingFiles.Copy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

// Unit tests of report building (a pure function: no S3, no clock): the verdict, the Cause a person
// reads in the console, each part's line, the totals, where the drop went and the console link.
class FileReportTest {
    private static final String KEY = "inbox/z.csv";
    private static final String EXEC = "arn:aws:states:eu-central-1:123456789012:execution:stack-import:z_csv-00";
    private static final DroppedFile FILE = new DroppedFile("landing", KEY, "etag", "v1", 100L, null);
    private static final String STARTED = "2026-11-28T10:00:00Z";
    private static final Instant NOW = Instant.parse("2026-11-28T10:01:30.500Z");
    private static final DropNames NAMES = DropNames.of(KEY, null, STARTED, EXEC);

    @Test
    void aFileWhosePartsWereAllImportedSucceedsWithTheirSumsAndMovesToArchive() {
        var draft = FileReport.draft(
                facts(plans(2), List.of(completed(0, "imp-1", 10), completed(1, "imp-2", 5)), null, null));
        assertTrue(draft.succeeded());
        Summary s = draft.summary(NAMES, Copy.COPIED, NOW);
        assertEquals(Summary.SUCCEEDED, s.status());
        assertEquals(List.of("imp-1", "imp-2"), s.imports());
        assertEquals(15, s.profilesFound());
        assertEquals(13, s.profilesProcessed());
        assertEquals(2, s.profilesFailed());
        assertEquals(NAMES.archived(), s.movedTo());
        assertEquals(NAMES.report(true), s.report());
        assertEquals(NAMES.dropId(), s.dropId());
        assertEquals(90.5, s.durationSeconds());
        assertEquals(NOW.toString(), s.finishedAt());
        assertNull(s.error());
        assertNull(s.cause());
        assertNull(s.note());
        var part = s.parts().get(1);
        assertEquals(2, part.part(), "parts are counted from 1 in the report");
        assertEquals("completed", part.status());
        assertEquals(11, part.firstRow());
        assertEquals(100, part.byteStart());
        assertEquals(200, part.byteEnd());
        assertEquals("z_csv-00-p002", part.execution());
    }

    @Test
    void aCaughtErrorFailsTheFileAndTheCauseNamesTheFile() {
        var draft = FileReport.draft(facts(
                null,
                null,
                new StepError("io.apsisimport.route.NoRouteForKeyException", "no route matches"),
                "Resolve route and check the file"));
        assertFalse(draft.succeeded());
        Summary s = draft.summary(NAMES, Copy.COPIED, NOW);
        assertEquals(Summary.FAILED, s.status());
        assertEquals("NoRouteForKey", s.error());
        assertEquals("Resolve route and check the file", s.failedStep());
        assertEquals(KEY + ": no route matches", s.cause());
        assertEquals(NAMES.failed(), s.movedTo());
        assertEquals(NAMES.report(false), s.report());
        assertEquals(List.of(), s.parts());
    }

    @Test
    void aFailedPartIsDescribedWithItsRowsAndBytesAndItsDetailsComeFromItsCause() {
        String cause = new PartFailure(
                        "S3 refused the upload: AccessDenied",
                        "io.apsisimport.upload.UploadRejectedException",
                        "Upload file",
                        2,
                        2,
                        "imp-2",
                        null,
                        null,
                        null,
                        null)
                .toCause();
        var failed =
                new PartResult(1, null, "FAILED", null, null, null, null, null, new StepError("UploadRejected", cause));
        var draft = FileReport.draft(facts(plans(2), List.of(completed(0, "imp-1", 1), failed), null, null));
        Summary s = draft.summary(NAMES, Copy.COPIED, NOW);
        assertEquals("UploadRejected", s.error());
        assertEquals("Upload file", s.failedStep());
        assertEquals(
                "1 of 2 parts of inbox/z.csv were not imported: part 2/2 (rows 11-20, bytes 100-200): "
                        + "S3 refused the upload: AccessDenied",
                s.cause());
        assertEquals(List.of("imp-1", "imp-2"), s.imports());
        assertEquals("S3 refused the upload: AccessDenied", s.parts().get(1).cause());
        assertNull(
                s.withoutPartCauses().parts().get(1).cause(), "the execution's output leaves the cause to the report");
        assertEquals("imp-2", draft.parts().get(1).importId(), "the metrics see the details too");
    }

    @Test
    void aPartThatEndedWithoutAnErrorIsAnImportFailedAtTheStatusCheck() {
        var pending = new PartResult(0, "imp-1", "FAILED", "error", null, null, null, null, null);
        Summary s =
                FileReport.draft(facts(plans(1), List.of(pending), null, null)).summary(NAMES, Copy.COPIED, NOW);
        assertEquals("ImportFailed", s.error());
        assertEquals("Check import status", s.failedStep());
        assertEquals(KEY + ": APSIS reported status \"error\"", s.cause());
        assertEquals("error", s.parts().get(0).status());
    }

    @Test
    void aReplacedFileNamesTheReplacementEvenAfterAnotherFailedPart() {
        var other = new PartResult(
                0,
                null,
                "FAILED",
                null,
                null,
                null,
                null,
                "Upload file",
                new StepError("io.apsisimport.upload.UploadRejectedException", "refused"));
        var replaced = new PartResult(
                1,
                null,
                "FAILED",
                null,
                null,
                null,
                null,
                "Upload file",
                new StepError("io.apsisimport.landing.FileReplacedException", "inbox/z.csv was replaced"));
        var imported = completed(2, "imp-3", 1);
        Summary s = FileReport.draft(facts(plans(3), List.of(other, replaced, imported), null, null))
                .summary(NAMES, Copy.COPIED, NOW);
        assertEquals("FileReplaced", s.error());
        assertEquals("inbox/z.csv was replaced (1 of 3 parts had been imported before)", s.cause());
    }

    @Test
    void theCauseListsFailedPartsUpToItsBoundAndCountsTheRest() {
        var parts = new ArrayList<PartResult>();
        for (int i = 0; i < 300; i++) {
            parts.add(new PartResult(
                    i,
                    null,
                    "FAILED",
                    null,
                    null,
                    null,
                    null,
                    "Request import",
                    new StepError("io.apsisimport.apsis.ApsisInvalidRequestException", "x".repeat(100))));
        }
        Summary s = FileReport.draft(facts(plans(300), parts, null, null)).summary(NAMES, Copy.COPIED, NOW);
        assertTrue(
                s.cause().length() < FileReport.CAUSE_CHARS + 400,
                () -> "length " + s.cause().length());
        assertTrue(s.cause().startsWith("300 of 300 parts of inbox/z.csv were not imported: part 1/300"), s.cause());
        assertTrue(s.cause().matches(".*; and \\d+ more \\(see the report\\)$"), s.cause());
        assertEquals(300, s.parts().size(), "the report lists every part");
    }

    @Test
    void aPartIsListedWhileTheCauseIsAtMostItsBound() {
        // Part 1's line takes the cause to exactly CAUSE_CHARS: part 2 is still listed, part 3 is counted.
        String where = "part 1/3 (rows 1-10, bytes 0-100)";
        var parts = new ArrayList<PartResult>();
        for (int i = 0; i < 3; i++) {
            String why = i == 0 ? "x".repeat(FileReport.CAUSE_CHARS - where.length() - 4) : "refused " + i;
            parts.add(new PartResult(
                    i,
                    null,
                    "FAILED",
                    null,
                    null,
                    null,
                    null,
                    "Request import",
                    new StepError("io.apsisimport.apsis.ApsisInvalidRequestException", why)));
        }
        Summary s = FileReport.draft(facts(plans(3), parts, null, null)).summary(NAMES, Copy.COPIED, NOW);
        assertTrue(s.cause().startsWith("3 of 3 parts of inbox/z.csv were not imported: " + where + ": xxx"));
        assertTrue(
                s.cause().endsWith("; part 2/3 (rows 11-20, bytes 100-200): refused 1; and 1 more (see the report)"),
                s.cause());
    }

    @Test
    void aDropReplacedOrDeletedBeforeItsMoveIsNotMovedAndTheNoteSaysWhy() {
        var draft = FileReport.draft(facts(plans(1), List.of(completed(0, "imp-1", 1)), null, null));
        Summary replaced = draft.summary(NAMES, Copy.REPLACED, NOW);
        assertNull(replaced.movedTo());
        assertEquals(Summary.SUCCEEDED, replaced.status(), "an imported file stays imported");
        assertEquals(
                KEY + " was replaced by a newer file before this drop could be moved to archive/; the newer file"
                        + " has its own execution",
                replaced.note());
        assertEquals(NAMES.report(true), replaced.report(), "the report is written all the same");
        assertEquals(
                KEY + " was replaced or deleted before this drop could be moved to failed/",
                FileReport.note(KEY, Copy.GONE, false));
    }

    @Test
    void theConsoleLinkOpensTheExecutionInItsRegion() {
        assertEquals(
                "https://eu-central-1.console.aws.amazon.com/states/home?region=eu-central-1#/v2/executions/details/"
                        + EXEC,
                FileReport.consoleUrl(EXEC));
        assertNull(FileReport.consoleUrl(null));
        assertEquals(
                "https://.console.aws.amazon.com/states/home?region=#/v2/executions/details/arn:aws:states",
                FileReport.consoleUrl("arn:aws:states"),
                "an ARN cut before its region");
        assertEquals(
                FileReport.consoleUrl(EXEC),
                FileReport.draft(facts(null, null, null, null))
                        .summary(NAMES, Copy.COPIED, NOW)
                        .consoleUrl());
    }

    @Test
    void onlyAnOrderedRoutesFeedIsReportedAndAFileWithoutAStartHasNoDuration() {
        var ordered = FeedState.entered("r", "stop", 0);
        var in = new FinishImportInput(FILE, EXEC, "r", null, null, null, null, null, null, null, null, null, ordered);
        Summary s = FileReport.draft(in).summary(NAMES, Copy.COPIED, NOW);
        assertSame(ordered, s.feed());
        assertNull(s.durationSeconds());
        var unordered = new FinishImportInput(
                FILE, EXEC, "r", null, null, null, null, null, null, null, null, null, FeedState.unordered("r"));
        assertNull(FileReport.draft(unordered).summary(NAMES, Copy.COPIED, NOW).feed());
    }

    private static FinishImportInput facts(
            List<PartPlan> plans, List<PartResult> parts, StepError error, String failedStep) {
        return new FinishImportInput(
                FILE, EXEC, "newsletter", "s", 20L, 200L, STARTED, plans, parts, error, failedStep, null, null);
    }

    /** Parts of 10 rows and 100 bytes each. */
    private static List<PartPlan> plans(int n) {
        var plans = new ArrayList<PartPlan>();
        for (int i = 0; i < n; i++) {
            plans.add(new PartPlan(i, 100L * i, 100L * (i + 1), 10L * i + 1, 10, 100, PartPlan.executionName(EXEC, i)));
        }
        return plans;
    }

    private static PartResult completed(int index, String importId, long found) {
        return new PartResult(index, importId, "COMPLETED", "completed", found, found - 1, 1L, null, null);
    }
}
