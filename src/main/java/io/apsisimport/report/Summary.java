package io.apsisimport.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.apsisimport.contract.FeedState;
import io.apsisimport.contract.ImportEvent;
import io.apsisimport.source.CompressedFile;
import java.util.List;

/**
 * A file's report (under {@code reports/}) and FinishImport's output, built by {@link FileReport}.
 * {@code movedTo} is null when the drop could not be moved (replaced or deleted meanwhile: {@code note}
 * says which). {@code bytes}: of the CSV (decompressed); {@code compressed}: format and both sizes of a
 * compressed file, left out for a plain one. {@code feed}: for a file of an ordered route, its feed
 * (which earlier files failed), left out otherwise. {@code event}: only in FinishImport's output, the
 * file's EventBridge event for the state machine to send (its task then puts the event's id there
 * instead); not in the report.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Summary(
        String key,
        String status,
        String route,
        String section,
        Long rows,
        Long bytes,
        List<String> imports,
        long profilesFound,
        long profilesProcessed,
        long profilesFailed,
        List<PartReport> parts,
        String movedTo,
        String report,
        String dropId,
        String executionArn,
        String consoleUrl,
        String startedAt,
        String finishedAt,
        Double durationSeconds,
        String failedStep,
        String error,
        String cause,
        String note,
        @JsonInclude(JsonInclude.Include.NON_NULL) CompressedFile compressed,
        @JsonInclude(JsonInclude.Include.NON_NULL) FeedState feed,
        @JsonInclude(JsonInclude.Include.NON_NULL) ImportEvent event) {

    /** The report's word for a file whose every part was imported. */
    public static final String SUCCEEDED = "SUCCEEDED";
    /** The report's word for a file that failed, wholly or in part. */
    public static final String FAILED = "FAILED";

    /** This summary with the file's event (FinishImport's output). */
    public Summary withEvent(ImportEvent e) {
        return new Summary(
                key,
                status,
                route,
                section,
                rows,
                bytes,
                imports,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                parts,
                movedTo,
                report,
                dropId,
                executionArn,
                consoleUrl,
                startedAt,
                finishedAt,
                durationSeconds,
                failedStep,
                error,
                cause,
                note,
                compressed,
                feed,
                e);
    }

    /**
     * What the execution's output keeps: everything but each part's cause (the report in S3 has
     * them), so that a file of many failed parts stays within Step Functions' 256 KB.
     */
    public Summary withoutPartCauses() {
        return new Summary(
                key,
                status,
                route,
                section,
                rows,
                bytes,
                imports,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                parts.stream().map(PartReport::withoutCause).toList(),
                movedTo,
                report,
                dropId,
                executionArn,
                consoleUrl,
                startedAt,
                finishedAt,
                durationSeconds,
                failedStep,
                error,
                cause,
                note,
                compressed,
                feed,
                event);
    }
}
