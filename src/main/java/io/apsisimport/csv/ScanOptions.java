package io.apsisimport.csv;

import io.apsisimport.apsis.ApsisApi;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What a scan checks and how it cuts parts.
 *
 * @param maxPartBytes    maximum size of one part sent to APSIS, header line included
 * @param requiredColumns column names the header must contain (usually {@link FieldSelectors#of});
 *                        kept in the given order for messages
 */
public record ScanOptions(long maxPartBytes, Set<String> requiredColumns) {

    /** APSIS One's maximum import file size. */
    public static final long DEFAULT_MAX_PART_BYTES = ApsisApi.MAX_FILE_BYTES;

    public ScanOptions {
        if (maxPartBytes <= 0) {
            throw new IllegalArgumentException("maxPartBytes must be positive: " + maxPartBytes);
        }
        Objects.requireNonNull(requiredColumns, "requiredColumns");
        requiredColumns = Collections.unmodifiableSet(new LinkedHashSet<>(requiredColumns));
    }

    /** The APSIS limit and the given required columns. */
    public static ScanOptions of(Set<String> requiredColumns) {
        return new ScanOptions(DEFAULT_MAX_PART_BYTES, requiredColumns);
    }
}
