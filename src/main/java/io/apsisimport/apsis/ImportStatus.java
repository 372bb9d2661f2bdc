package io.apsisimport.apsis;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The status of one APSIS One import. {@code status} is APSIS's raw value
 * ("unknown" when the answer had none); counts are {@code null} when APSIS did not send them.
 */
public record ImportStatus(String importId, String status, Outcome outcome,
                           Long profilesFound, Long profilesProcessed, Long profilesFailed) {

    public ImportStatus {
        if (status == null) {
            status = "unknown";
        }
        if (outcome == null) {
            outcome = Outcome.fromStatus(status);
        }
    }

    /** Builds a status whose outcome is derived from the raw status value. */
    public static ImportStatus of(String importId, String status,
                                  Long profilesFound, Long profilesProcessed, Long profilesFailed) {
        return new ImportStatus(importId, status, Outcome.fromStatus(status),
                profilesFound, profilesProcessed, profilesFailed);
    }

    @JsonIgnore // derived: keeps the JSON form round-trippable with a plain ObjectMapper
    public boolean isTerminal() {
        return outcome != Outcome.PENDING;
    }
}
