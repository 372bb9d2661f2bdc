package io.apsisimport.source;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What the report says about a compressed file: its format ("gzip" or "zip"), its size as dropped,
 * the size of the CSV inside (what was imported, in parts) and, for a zip, the entry's name.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompressedFile(String format, long compressedBytes, long decompressedBytes, String entry) {}
