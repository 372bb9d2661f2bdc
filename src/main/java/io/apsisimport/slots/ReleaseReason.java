package io.apsisimport.slots;

/** Why a slot is released: decides whether APSIS may still count the import as pending. */
public enum ReleaseReason {
    /** APSIS reported a terminal status for the import: it no longer counts. */
    IMPORT_FINISHED,
    /** Failure path or aborted execution: an attached import may still count until its URL or lease expires. */
    ABANDONED
}
