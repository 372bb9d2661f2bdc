package io.apsisimport.feed;

/**
 * A file of an ordered feed reached its queue after a file that S3 reported later had already
 * started its import: importing it now would write older data over newer, so it is not imported.
 */
public final class FeedOutOfOrderException extends RuntimeException {
    public FeedOutOfOrderException(String message) {
        super(message);
    }
}
