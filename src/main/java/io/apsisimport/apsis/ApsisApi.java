package io.apsisimport.apsis;

import com.fasterxml.jackson.databind.JsonNode;

/** The two APSIS One calls the import pipeline needs. */
public interface ApsisApi {

    /**
     * Requests a profile import ({@code POST /v2/audience/sections/{section}/imports}).
     * The specification is sent as given. Never repeated blindly: see {@link ApsisOutcomeUnknownException}.
     */
    ImportTicket requestImport(String section, JsonNode importSpec);

    /** Reads an import's status ({@code GET /audience/sections/{section}/imports/{id}}). */
    ImportStatus importStatus(String section, String importId);
}
