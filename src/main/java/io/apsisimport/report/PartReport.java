package io.apsisimport.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A part in the report: what was imported, or exactly which rows and bytes were not. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PartReport(
        int part,
        long firstRow,
        long lastRow,
        long rows,
        long byteStart,
        long byteEnd,
        String importId,
        String status,
        Long profilesFound,
        Long profilesProcessed,
        Long profilesFailed,
        String failedStep,
        String error,
        String cause,
        String execution) {

    /** This part without its cause (the report in S3 keeps it). */
    PartReport withoutCause() {
        return new PartReport(
                part,
                firstRow,
                lastRow,
                rows,
                byteStart,
                byteEnd,
                importId,
                status,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                failedStep,
                error,
                null,
                execution);
    }
}
