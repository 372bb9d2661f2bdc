package io.apsisimport.source;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What the report says about a compressed file: its format ("gzip" or "zip"), its size as dropped,
 * the size of the CSV inside (what was imported, in parts) and, for a zip, the entry's name. It
 * travels through the state machine, so the entry's name is cut to {@link #MAX_ENTRY_CHARS} (a zip
 * allows 65,535 bytes; Step Functions' state, 256 KB in all).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompressedFile(String format, long compressedBytes, long decompressedBytes, String entry) {
    public static final int MAX_ENTRY_CHARS = 1024;

    public CompressedFile {
        if (entry != null && entry.length() > MAX_ENTRY_CHARS) {
            entry = entry.substring(0, MAX_ENTRY_CHARS - 1) + "…";
        }
    }
}
