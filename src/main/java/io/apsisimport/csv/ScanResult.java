package io.apsisimport.csv;

import java.util.List;

/**
 * Outcome of one scan.
 *
 * @param header     the header, or {@code null} when the file is empty (no bytes, only a BOM, or only
 *                   whitespace)
 * @param dataRows   records after the header, blank lines not counted
 * @param totalBytes size of the source object, BOM included
 * @param parts      byte ranges to import, in order; empty when there are no data rows
 */
public record ScanResult(CsvHeader header, long dataRows, long totalBytes, List<Part> parts) {

    public ScanResult {
        parts = List.copyOf(parts);
    }

    /** Whether the file is empty: no header (no bytes, only a BOM, or only whitespace). */
    public boolean isEmptyFile() {
        return header == null;
    }
}
