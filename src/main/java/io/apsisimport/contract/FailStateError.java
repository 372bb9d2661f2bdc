package io.apsisimport.contract;

/** What the Fail state "APSIS did not import the part" says: Error and Cause ({@link PartFailure}). */
public record FailStateError(String error, String cause) {}
