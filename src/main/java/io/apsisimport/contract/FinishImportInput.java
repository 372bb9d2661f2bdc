package io.apsisimport.contract;

import io.apsisimport.landing.DroppedFile;
import io.apsisimport.source.CompressedFile;
import java.util.List;

/**
 * What "Finish import" (FinishImportHandler) is given, and what a file's report is made from
 * ({@code report/FileReport}): one record for both, so a field is added in one place.
 * {@code file}: the execution's input (the drop); {@code plans}: the parts as preflight planned
 * them; {@code parts}: the Map's results, by part index (both absent when the file failed before
 * any import); {@code error}/{@code failedStep}: set by a Catch on the way to the failure path;
 * {@code compressed}: preflight's word on a compressed file (absent on the failure path);
 * {@code feed}: the file's place in its route's feed.
 */
public record FinishImportInput(
        DroppedFile file,
        String executionArn,
        String route,
        String section,
        Long rows,
        Long bytes,
        String startedAt,
        List<PartPlan> plans,
        List<PartResult> parts,
        StepError error,
        String failedStep,
        CompressedFile compressed,
        FeedState feed) {
    public FinishImportInput(
            DroppedFile file,
            String executionArn,
            String route,
            String section,
            Long rows,
            Long bytes,
            String startedAt,
            List<PartPlan> plans,
            List<PartResult> parts,
            StepError error,
            String failedStep) {
        this(file, executionArn, route, section, rows, bytes, startedAt, plans, parts, error, failedStep, null);
    }

    public FinishImportInput(
            DroppedFile file,
            String executionArn,
            String route,
            String section,
            Long rows,
            Long bytes,
            String startedAt,
            List<PartPlan> plans,
            List<PartResult> parts,
            StepError error,
            String failedStep,
            CompressedFile compressed) {
        this(
                file,
                executionArn,
                route,
                section,
                rows,
                bytes,
                startedAt,
                plans,
                parts,
                error,
                failedStep,
                compressed,
                null);
    }
}
