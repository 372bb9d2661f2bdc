package io.apsisimport.contract;

import io.apsisimport.apsis.Outcome;

/**
 * What became of one part, as the file's Map state collects it: the part's execution output
 * ("Part imported": import id, APSIS's final status and counts, and its {@link PartTiming} for the
 * file's metrics), or, when the part's execution
 * failed, the Error and Cause it ended with ({@link PartFailure} holds the step, the import id and
 * the counts; {@link #withFailureDetails} reads them back). Only the part's index travels: its
 * plan (rows, bytes, execution) is in the file's state once already, which keeps the state of a
 * file of many failed parts within 256 KB (PayloadBudgetTest).
 */
public record PartResult(
        int index,
        String importId,
        String outcome,
        String status,
        Long profilesFound,
        Long profilesProcessed,
        Long profilesFailed,
        String failedStep,
        StepError error,
        PartTiming timing) {

    public PartResult(
            int index,
            String importId,
            String outcome,
            String status,
            Long profilesFound,
            Long profilesProcessed,
            Long profilesFailed,
            String failedStep,
            StepError error) {
        this(
                index,
                importId,
                outcome,
                status,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                failedStep,
                error,
                null);
    }

    public boolean completed() {
        return Outcome.COMPLETED.name().equals(outcome);
    }

    /** This result with the details its failure Cause carries filled in where the result has none. */
    public PartResult withFailureDetails() {
        if (error == null) {
            return this;
        }
        return PartFailure.parse(error.cause())
                .map(f -> new PartResult(
                        index,
                        importId != null ? importId : f.importId(),
                        outcome,
                        status != null ? status : f.status(),
                        first(profilesFound, f.profilesFound()),
                        first(profilesProcessed, f.profilesProcessed()),
                        first(profilesFailed, f.profilesFailed()),
                        failedStep != null ? failedStep : f.failedStep(),
                        error,
                        timing))
                .orElse(this);
    }

    private static Long first(Long a, Long b) {
        return a != null ? a : b;
    }
}
