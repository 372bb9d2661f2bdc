package io.apsisimport.handler;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Optional;

/**
 * Why one part was not imported, as its execution's Fail state says it: the Cause of
 * "Part not imported" (and of "APSIS did not import the part"). Shaped like a Lambda error
 * ({@code errorMessage} first), which is what Step Functions users read in every Cause, plus what
 * the file's report needs: the step, the import id, APSIS's status and counts. The file's execution
 * keeps it as the part's result and FinishImport reads it back ({@link #parse}); one class writes
 * and reads it.
 *
 * <p>Bounded: {@code errorMessage} is cut to {@link #MESSAGE_CHARS} characters (a Lambda error's
 * Cause holds the whole stack trace; the details stay in the part's execution and the handler's
 * logs), so a file with {@link io.apsisimport.landing.Limits#MAX_PARTS} failed parts stays within
 * the 256 KB state limit (PayloadBudgetTest).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PartFailure(String errorMessage, String errorType, String failedStep, Integer part, Integer parts,
    String importId, String status, Long profilesFound, Long profilesProcessed, Long profilesFailed) {

  /** Longest errorMessage kept. */
  public static final int MESSAGE_CHARS = 500;
  /** What a Cause of this shape starts with (the parent's Choice "Did the part say why?" matches on it). */
  public static final String CAUSE_PREFIX = "{\"errorMessage\":";

  public PartFailure {
    errorMessage = trim(errorMessage);
  }

  /** The Cause string: compact JSON, {@code errorMessage} first. */
  public String toCause() {
    try {
      return JsonHandler.JSON.writeValueAsString(this);
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

  static String trim(String message) {
    if (message == null) {
      return "";
    }
    String oneLine = message.strip();
    return oneLine.length() <= MESSAGE_CHARS ? oneLine : oneLine.substring(0, MESSAGE_CHARS - 1) + "…";
  }
}
