package io.apsisimport.landing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;

/**
 * Where a drop ends up. Every drop of a key gets names of its own, so archived files and reports of
 * earlier drops of the same key are kept and never contradicted:
 * {@code archive/inbox/profiles.20250611T101502Z-0a9cc374.csv} and
 * {@code reports/inbox/profiles.20250611T101502Z-0a9cc374.csv.json} (or {@code failed/…} and
 * {@code ….csv.error.json}). The drop id is the S3 event's time (readable, sorts by time) and a
 * hash of the execution (unique per drop: one execution per S3 event).
 */
public final class DropNames {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final String key;
    private final String dropId;

    private DropNames(String key, String dropId) {
        this.key = key;
        this.dropId = dropId;
    }

    /**
     * @param eventTime the S3 event's time; when absent (an execution started by hand), {@code startedAt}
     * @param startedAt the execution's start time (ISO-8601)
     */
    public static DropNames of(String key, String eventTime, String startedAt, String executionArn) {
        Instant when = parse(eventTime);
        if (when == null) {
            when = parse(startedAt);
        }
        String stamp = when == null ? "00000000T000000Z" : STAMP.format(when);
        return new DropNames(
                key, stamp + "-" + sha256(String.valueOf(executionArn)).substring(0, 8));
    }

    public String dropId() {
        return dropId;
    }

    /** {@code archive/<key with the drop id before its extension>}. */
    public String archived() {
        return "archive/" + withDropId();
    }

    /** {@code failed/<key with the drop id before its extension>}. */
    public String failed() {
        return "failed/" + withDropId();
    }

    /** The report: the moved file's name under {@code reports/}, plus {@code .json} or {@code .error.json}. */
    public String report(boolean succeeded) {
        return "reports/" + withDropId() + (succeeded ? ".json" : ".error.json");
    }

    /**
     * {@code inbox/profiles.csv} → {@code inbox/profiles.<dropId>.csv}; a compressed file keeps its
     * double extension ({@code profiles.csv.gz} → {@code profiles.<dropId>.csv.gz}); no extension →
     * appended.
     */
    String withDropId() {
        int slash = key.lastIndexOf('/');
        int dot = key.lastIndexOf('.');
        if (dot > slash + 1 && key.regionMatches(true, dot, ".gz", 0, 3) && dot + 3 == key.length()) {
            int inner = key.lastIndexOf('.', dot - 1);
            if (inner > slash + 1) {
                dot = inner;
            }
        }
        if (dot > slash + 1) {
            return key.substring(0, dot) + "." + dropId + key.substring(dot);
        }
        return key + "." + dropId;
    }

    private static Instant parse(String time) {
        if (time == null || time.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(time);
            } catch (DateTimeParseException notATime) {
                return null;
            }
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
