package io.apsisimport.apsis;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The two APSIS One calls the import pipeline needs. Each ends by its {@link Deadline}: it returns
 * APSIS's answer, or throws a typed {@link ApsisException}; retries, back-offs and
 * {@code Retry-After} waits that would not fit are not started (see docs/apsis-client.md).
 */
public interface ApsisApi {

    /**
     * The largest file APSIS One takes in one import (its documented upload limit): the largest part
     * this stack sends, and the default and bound of MaxPartBytes.
     */
    long MAX_FILE_BYTES = 50_000_000L;

    /**
     * Requests a profile import ({@code POST /v2/audience/sections/{section}/imports}). The
     * specification is sent as given. Repeated after 429, 5xx, timeouts and dropped connections: a
     * request only reserves an upload, so a repeat cannot import data twice; at worst it leaves an
     * import that was never answered to us and expires unused.
     */
    ImportTicket requestImport(String section, JsonNode importSpec, Deadline deadline);

    /** Reads an import's status ({@code GET /audience/sections/{section}/imports/{id}}). */
    ImportStatus importStatus(String section, String importId, Deadline deadline);
}
