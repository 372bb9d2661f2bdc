package io.apsisimport.handler;

/**
 * What became of one part, as the Map state collects it: the import id (null when no import was
 * requested), the final APSIS status and counts, or the error that stopped it and in which step.
 */
public record PartResult(
    PartPlan part,
    String importId,
    String outcome,
    String status,
    Long profilesFound,
    Long profilesProcessed,
    Long profilesFailed,
    String failedStep,
    StepError error) {

  public boolean completed() {
    return "COMPLETED".equals(outcome);
  }
}
