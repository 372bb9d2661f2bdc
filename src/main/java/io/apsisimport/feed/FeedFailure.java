package io.apsisimport.feed;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An earlier file of a feed that was not imported and left the queue (a route with
 * {@code onFailure: continue}, a stopped feed released by an operator, a file replaced by a newer
 * drop): the next file to start says so in its report.
 *
 * @param error the short error name (CsvMissingColumns, FileReplaced, ABORTED…)
 * @param message why, at most {@link #MESSAGE_CHARS} characters
 * @param positionMillis with {@code positionSequencer}: where the file stood in the feed, so that
 *     only a later file reports it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeedFailure(
        String key,
        String execution,
        String error,
        String message,
        String failedAt,
        long positionMillis,
        String positionSequencer) {
    static final int MESSAGE_CHARS = 300;
    /** Step Functions' own limit on an error name. */
    static final int ERROR_CHARS = 256;

    public FeedFailure {
        if (error != null && error.length() > ERROR_CHARS) {
            error = error.substring(0, ERROR_CHARS);
        }
        if (message != null && message.length() > MESSAGE_CHARS) {
            message = message.substring(0, MESSAGE_CHARS - 1) + "…";
        }
    }

    @JsonIgnore
    ArrivalOrder position() {
        return new ArrivalOrder(positionMillis, positionSequencer, key);
    }
}
