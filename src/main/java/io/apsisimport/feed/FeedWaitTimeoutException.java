package io.apsisimport.feed;

/** A file waited longer than a feed lets it for the earlier files of its feed. */
public final class FeedWaitTimeoutException extends RuntimeException {
    public FeedWaitTimeoutException(String message) {
        super(message);
    }
}
