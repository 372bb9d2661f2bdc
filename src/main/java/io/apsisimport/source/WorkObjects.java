package io.apsisimport.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where the decompressed CSV of a compressed file lives while its execution runs:
 * {@code work/<execution name>.csv} in the landing bucket. A compressed object cannot be read by
 * byte range, so preflight writes the CSV there once, and the parts are read from it as from a
 * plain file. The name depends on the execution only (unique per drop, as StartImport names
 * executions after key and event), so FinishImport can remove it on every path, also when
 * preflight failed and the state never carried it, and ReapSlots after an execution that never
 * reached FinishImport. template.yaml keeps LandingPrefix off this prefix (no import starts from a
 * work object) and expires anything left here.
 */
public final class WorkObjects {
    public static final String PREFIX = "work/";

    private WorkObjects() {}

    /** The work object of the execution (its ARN's last segment is its name); a hash of the key without one. */
    public static String keyFor(String executionArn, String key) {
        String name = executionArn != null && !executionArn.isBlank()
                ? executionArn.substring(executionArn.lastIndexOf(':') + 1)
                : "no-execution-" + sha256(key).substring(0, 16);
        return PREFIX + name + ".csv";
    }

    /** Removes the work object; a missing one is no error (S3 answers a delete of a missing key with success). */
    public static void delete(S3Client s3, String bucket, String workKey) {
        s3.deleteObject(b -> b.bucket(bucket).key(workKey));
    }

    /**
     * After a file's execution ended without reaching FinishImport (stopped by hand, timed out),
     * removes its work object: {@code executionInput} is the execution's input as the status-change
     * event carries it ({@code {"bucket":…,"key":…}}, StartImport's). Returns the key removed, or null
     * when the input names no compressed file (a plain CSV, or an execution of another shape).
     *
     * <p>A part's execution removes nothing: its input names the file (and its file's work object as
     * {@code readKey}), but the work object belongs to the file's execution, which reads it for the
     * other parts after a part failed and removes it itself, or on its own end event.
     */
    public static String deleteAfter(S3Client s3, String executionArn, String executionInput) {
        if (executionInput == null || executionInput.isBlank()) {
            return null;
        }
        JsonNode input;
        try {
            input = JSON.readTree(executionInput);
        } catch (IOException e) {
            return null; // not StartImport's input: nothing of ours to remove
        }
        if (!input.isObject() || input.has("part") || input.has("readKey")) {
            return null; // not a file's execution: a part's, or another shape
        }
        String bucket = input.path("bucket").asText(null);
        String key = input.path("key").asText(null);
        if (bucket == null || key == null || !SourceFormat.of(key).compressed()) {
            return null;
        }
        String workKey = keyFor(executionArn, key);
        delete(s3, bucket, workKey);
        return workKey;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
