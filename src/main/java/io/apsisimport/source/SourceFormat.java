package io.apsisimport.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.Locale;

/**
 * How a dropped object is stored, told by its key (as dropped, the one routes match) and checked
 * against its first bytes: plain CSV, gzip ({@code .gz}, also {@code .csv.gz}) or zip
 * ({@code .zip}).
 */
public enum SourceFormat {
    CSV("", "csv"),
    GZIP(".gz", "gzip"),
    ZIP(".zip", "zip");

    private final String suffix;
    private final String label;

    SourceFormat(String suffix, String label) {
        this.suffix = suffix;
        this.label = label;
    }

    /** The format a key says, by its ending (case-insensitive). */
    public static SourceFormat of(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith(GZIP.suffix)) {
            return GZIP;
        }
        if (k.endsWith(ZIP.suffix)) {
            return ZIP;
        }
        return CSV;
    }

    public boolean compressed() {
        return this != CSV;
    }

    /** "csv", "gzip" or "zip": the word the report uses. */
    public String label() {
        return label;
    }

    /**
     * The key of the CSV inside: the compression suffix dropped, and {@code .csv} added when what is
     * left does not end in it ({@code a.csv.gz} → {@code a.csv}, {@code a.zip} → {@code a.csv}). A
     * plain key is returned as is. Gives the name APSIS shows for the upload.
     */
    public static String csvKey(String key) {
        SourceFormat format = of(key);
        if (!format.compressed()) {
            return key;
        }
        String stem = key.substring(0, key.length() - format.suffix.length());
        return stem.toLowerCase(Locale.ROOT).endsWith(".csv") ? stem : stem + ".csv";
    }

    /** What the first bytes say: GZIP (1f 8b), ZIP ("PK" 03 04, or 05 06 for an empty archive), else CSV. */
    static SourceFormat sniff(byte[] head, int n) {
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (n >= 4
                && head[0] == 'P'
                && head[1] == 'K'
                && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
            return ZIP;
        }
        return CSV;
    }

    /**
     * {@code in} as it was, after checking that the plain object at {@code key} is not compressed: a
     * gzip or zip file under a {@code .csv} name would otherwise fail the CSV checks with a puzzling
     * encoding error. Costs one 4-byte look-ahead.
     */
    public static InputStream requirePlain(InputStream in, String key) throws IOException {
        var pushback = new PushbackInputStream(in, 4);
        byte[] head = new byte[4];
        int n = 0;
        while (n < head.length) {
            int r = pushback.read(head, n, head.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        SourceFormat actual = sniff(head, n);
        if (actual.compressed()) {
            String base = key.substring(key.lastIndexOf('/') + 1);
            throw new ArchiveFormatException("the file is " + actual.label + "-compressed but its name does not end in "
                    + actual.suffix + ": drop it as " + base + actual.suffix
                    + " (and let a route match that name) to have it "
                    + "decompressed, or decompress it before dropping it");
        }
        if (n > 0) {
            pushback.unread(head, 0, n);
        }
        return pushback;
    }

    /** Refuses a compressed key whose first bytes are not of its format (offset 0). */
    void requireMagic(byte[] head, int n) {
        if (sniff(head, n) == this) {
            return;
        }
        String expected = this == GZIP ? "gzip's 1f 8b" : "a zip's PK 03 04";
        SourceFormat actual = sniff(head, n);
        String hint = n == 0
                ? ""
                : actual == CSV
                        ? " If it is a plain CSV, drop it under a name ending in .csv."
                        : " It is " + actual.label + ": drop it under a name ending in " + actual.suffix + ".";
        throw new ArchiveFormatException("the file's name ends in " + suffix + " but it is not " + label
                + (n == 0 ? " (it is empty)." : " (it does not start with " + expected + ").") + hint);
    }
}
