package io.apsisimport.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "No secret anywhere": finds credentials (by what they are, never printing them) in text that
 * people and tools read: function log lines, execution histories.
 */
final class SecretScan {
    /** Shorter strings match by chance (and are not secrets worth the name). */
    static final int MIN_LENGTH = 8;

    private SecretScan() {}

    /**
     * Where each secret occurs: "what it is, where" per finding, at most one per secret and place.
     *
     * @param secrets what it is → its value
     * @param texts where → the text found there
     */
    static List<String> findings(Map<String, String> secrets, Map<String, String> texts) {
        List<String> found = new ArrayList<>();
        for (var secret : secrets.entrySet()) {
            String value = secret.getValue();
            if (value == null || value.length() < MIN_LENGTH) {
                continue;
            }
            for (var text : texts.entrySet()) {
                if (text.getValue().contains(value)) {
                    found.add(secret.getKey() + " in " + text.getKey());
                }
            }
        }
        return found;
    }
}
