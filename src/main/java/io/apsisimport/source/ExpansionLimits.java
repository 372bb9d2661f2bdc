package io.apsisimport.source;

import java.util.Locale;

/**
 * How far a compressed file may expand before it is refused as a zip bomb: at most
 * {@code maxBytes} of CSV, and at most {@code maxRatio} times its compressed size once it has
 * expanded past {@link #RATIO_FLOOR_BYTES} (a small file with repetitive rows costs nothing, whatever
 * its ratio). Ordinary CSV exports compress 3-15 times; deflate's own maximum is about 1032.
 *
 * <p>The ratio is measured against the whole compressed object, so it only grows while the file is
 * read: the file is refused at the first byte that puts it over a limit, never after a legitimate
 * file was read to its end. A limit trips in preflight, before any import is requested.
 */
public record ExpansionLimits(long maxBytes, long maxRatio) {
    /** Below this many decompressed bytes no ratio is suspicious. */
    public static final long RATIO_FLOOR_BYTES = 10_000_000L;
    /** The template's defaults (MaxDecompressedBytes, MaxCompressionRatio). */
    public static final ExpansionLimits DEFAULTS = new ExpansionLimits(5_000_000_000L, 100);

    public ExpansionLimits {
        if (maxBytes < 1 || maxRatio < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxBytes + ", " + maxRatio);
        }
    }

    /** Refuses a file whose {@code decompressed} bytes (so far, or as declared) cross a limit. */
    public void check(long decompressed, long compressedBytes, boolean declared) {
        String size =
                declared ? "says it expands to " + bytes(decompressed) : "expands to more than " + bytes(decompressed);
        if (decompressed > maxBytes) {
            throw new ArchiveTooLargeException("the file " + size + " of CSV, over MaxDecompressedBytes ("
                    + bytes(maxBytes)
                    + "): refused before anything was imported. Split the export into smaller files, or raise "
                    + "MaxDecompressedBytes");
        }
        long compressed = Math.max(1, compressedBytes);
        if (decompressed > RATIO_FLOOR_BYTES && decompressed > maxRatio * compressed) {
            throw new ArchiveTooLargeException("the file " + size + " of CSV from " + bytes(compressedBytes)
                    + " compressed (" + decompressed / compressed + " times), over MaxCompressionRatio (" + maxRatio
                    + "): refused as a likely zip bomb before anything was imported. If the file is genuine, raise "
                    + "MaxCompressionRatio");
        }
    }

    static String bytes(long n) {
        return String.format(Locale.ROOT, "%,d bytes", n);
    }
}
