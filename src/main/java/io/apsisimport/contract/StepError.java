package io.apsisimport.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.lambda.JsonHandler;

/**
 * An error as a Step Functions {@code Catch} hands it over: {@code Error} is the exception's class
 * name (or a {@code States.*} name), {@code Cause} the Lambda error JSON or plain text.
 */
public record StepError(
        @JsonProperty("Error") String error,
        @JsonProperty("Cause") String cause) {

    /** A short name for the console and the report: the class's simple name without "Exception". */
    public String name() {
        if (error == null || error.isBlank()) {
            return "ImportFailed";
        }
        return shortName(error);
    }

    /**
     * {@code io.apsisimport.upload.UploadRejectedException} → {@code UploadRejected}; Step Functions'
     * own names ({@code States.Timeout}, {@code Lambda.ServiceException}) stay as they are.
     */
    public static String shortName(String error) {
        if (error.startsWith("States.") || error.startsWith("Lambda.") || error.startsWith("StepFunctions.")) {
            return error;
        }
        String simple = error.substring(error.lastIndexOf('.') + 1);
        return simple.endsWith("Exception") && simple.length() > "Exception".length()
                ? simple.substring(0, simple.length() - "Exception".length())
                : simple;
    }

    /** The human message: the Lambda error's errorMessage when the cause is its JSON. */
    public String message() {
        if (cause == null) {
            return name();
        }
        String trimmed = cause.trim();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode node = JsonHandler.JSON.readTree(trimmed);
                if (node.hasNonNull("errorMessage")) {
                    return node.get("errorMessage").asText();
                }
            } catch (java.io.IOException notJson) {
                // fall through to the raw cause
            }
        }
        return trimmed;
    }
}
