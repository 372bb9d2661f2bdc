package io.apsisimport.apsis;

import java.util.Locale;
import java.util.Set;

/** What an APSIS One import status means for the pipeline. */
public enum Outcome {
    PENDING,
    COMPLETED,
    FAILED;

    // APSIS does not publish its failure values: any word meaning "it will not finish" counts.
    private static final Set<String> FAILURE_WORDS = Set.of(
            "fail",
            "failed",
            "failure",
            "error",
            "errors",
            "errored",
            "expired",
            "cancelled",
            "canceled",
            "aborted",
            "rejected");

    /**
     * Maps a raw APSIS status: {@code completed} is success, values meaning
     * failed/error/expired/cancelled are failure, anything else (including
     * unknown values and {@code null}) is still pending.
     */
    public static Outcome fromStatus(String status) {
        if (status == null) {
            return PENDING;
        }
        String normalised = status.trim()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[\\s_\\-]+", " ")
                .trim();
        if (normalised.equals("completed")) {
            return COMPLETED;
        }
        for (String word : normalised.split(" ")) {
            if (FAILURE_WORDS.contains(word)) {
                return FAILED;
            }
        }
        return PENDING;
    }
}
