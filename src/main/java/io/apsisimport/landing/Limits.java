package io.apsisimport.landing;

import io.apsisimport.apsis.ApsisApi;
import java.text.NumberFormat;
import java.util.Locale;

/**
 * The largest file a stack imports, and why (docs/state-machine.md has the budget behind each
 * number; the tests in {@code io.apsisimport.template} hold the definitions to them).
 */
public final class Limits {
    /**
     * 5 GB: moving a file to {@code archive/} or {@code failed/} is one S3 CopyObject, which copies
     * at most 5 GB. Written in decimal bytes, below the 5 GiB of S3's limit on purpose.
     */
    public static final long MAX_FILE_BYTES = 5_000_000_000L;

    /**
     * Parts per file: the file's execution keeps every part's plan and result in its state, which
     * Step Functions limits to 256 KB (PayloadBudgetTest), and spends about 20 history events per
     * part (HistoryBudgetTest). 128 parts of the default 50 MB hold a 5 GB file with room for
     * parts that records do not fill.
     */
    public static final int MAX_PARTS = 128;

    private Limits() {}

    /** Whether a file of {@code bytes} may be imported at all, before it is read. */
    public static void checkSize(String key, long bytes) {
        if (bytes > MAX_FILE_BYTES) {
            throw new FileTooLargeException(key + " is " + grouped(bytes)
                    + " bytes; the largest file this stack imports is " + grouped(MAX_FILE_BYTES)
                    + " bytes (5 GB: moving it to archive/ is one S3 copy). Split it and drop the pieces.");
        }
    }

    /** Whether the file, cut into parts of at most {@code maxPartBytes}, needs no more than {@link #MAX_PARTS}. */
    public static void checkParts(String key, long parts, long maxPartBytes) {
        if (parts > MAX_PARTS) {
            throw new FileTooLargeException(key + " needs "
                    + (parts == Long.MAX_VALUE ? "more than " + MAX_PARTS : parts)
                    + " parts of at most " + grouped(maxPartBytes) + " bytes (MaxPartBytes); a file may have at most "
                    + MAX_PARTS + " parts, i.e. about " + grouped(MAX_PARTS * maxPartBytes)
                    + " bytes at this MaxPartBytes. Raise MaxPartBytes (up to " + ApsisApi.MAX_FILE_BYTES
                    + ") or split the file.");
        }
    }

    /** At least this many parts: each part holds the header plus at most maxPartBytes minus the header. */
    public static long minimumParts(long bytes, long maxPartBytes) {
        return maxPartBytes <= 0 ? Long.MAX_VALUE : (bytes + maxPartBytes - 1) / maxPartBytes;
    }

    static String grouped(long n) {
        return NumberFormat.getIntegerInstance(Locale.ROOT).format(n);
    }
}
