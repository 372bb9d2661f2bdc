package io.apsisimport.contract;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.apsisimport.lambda.JsonHandler;
import java.util.Optional;

/**
 * Why one part was not imported, as its execution's Fail state says it: the Cause of
 * "Part not imported" (and of "APSIS did not import the part"). Shaped like a Lambda error
 * ({@code errorMessage} first), which is what Step Functions users read in every Cause, plus what
 * the file's report needs: the step, the import id, APSIS's status and counts. The file's execution
 * keeps it as the part's result and FinishImport reads it back ({@link #parse}); one class writes
 * and reads it.
 *
 * <p>Bounded: {@code errorMessage} is one line of at most {@link #MESSAGE_CHARS} characters, and the
 * whole Cause, written as a JSON string into the file's state, takes at most {@link #CAUSE_BYTES}
 * bytes (a Lambda error's Cause holds the whole stack trace; the details stay in the part's
 * execution and the handler's logs), so a file with {@link io.apsisimport.landing.Limits#MAX_PARTS}
 * failed parts stays within the 256 KB state limit (PayloadBudgetTest).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PartFailure(
        String errorMessage,
        String errorType,
        String failedStep,
        Integer part,
        Integer parts,
        String importId,
        String status,
        Long profilesFound,
        Long profilesProcessed,
        Long profilesFailed) {

    /** Longest errorMessage kept. */
    public static final int MESSAGE_CHARS = 500;
    /** The most bytes the Cause takes as a JSON string value in the file's state (quotes and escapes included). */
    public static final int CAUSE_BYTES = 1_000;
    /** What a Cause of this shape starts with (the parent's Choice "Did the part say why?" matches on it). */
    public static final String CAUSE_PREFIX = "{\"errorMessage\":";

    public PartFailure {
        errorMessage = trim(errorMessage);
        errorType = errorType == null ? null : cut(errorType, 256);
        importId = importId == null ? null : cut(importId, 128);
        status = status == null ? null : cut(trim(status), 64);
    }

    /** The Cause string: compact JSON, {@code errorMessage} first, within {@link #CAUSE_BYTES}. */
    public String toCause() {
        try {
            String cause = JsonHandler.JSON.writeValueAsString(this);
            int keep = errorMessage.length();
            while (embeddedBytes(cause) > CAUSE_BYTES && keep > 0) {
                keep = Math.max(0, keep - Math.max(8, (embeddedBytes(cause) - CAUSE_BYTES) / 4));
                var shorter = new PartFailure(
                        cut(errorMessage, keep),
                        errorType,
                        failedStep,
                        part,
                        parts,
                        importId,
                        status,
                        profilesFound,
                        profilesProcessed,
                        profilesFailed);
                cause = JsonHandler.JSON.writeValueAsString(shorter);
            }
            return cause;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes of {@code s} written as a JSON string value (as the file's state holds the Cause). */
    public static int embeddedBytes(String s) {
        try {
            return JsonHandler.JSON.writeValueAsBytes(s).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Cause written by {@link #toCause}, or empty for any other text. */
    public static Optional<PartFailure> parse(String cause) {
        if (cause == null || !cause.startsWith(CAUSE_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JsonHandler.JSON.readValue(cause, PartFailure.class));
        } catch (java.io.IOException notOurs) {
            return Optional.empty();
        }
    }

    /** One line (control characters become spaces), at most {@link #MESSAGE_CHARS} characters. */
    static String trim(String message) {
        if (message == null) {
            return "";
        }
        String oneLine = message.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        return cut(oneLine, MESSAGE_CHARS);
    }

    private static String cut(String s, int chars) {
        if (s.length() <= chars) {
            return s;
        }
        int end = Math.max(0, chars - 1);
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "…";
    }
}
