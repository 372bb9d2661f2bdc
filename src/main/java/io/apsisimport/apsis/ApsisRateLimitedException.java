package io.apsisimport.apsis;

import java.time.Duration;

/** 429 that persisted through the in-client retries; {@link #retryAfter()} is APSIS's hint (or the last back-off). */
public final class ApsisRateLimitedException extends ApsisException {

    private final Duration retryAfter;

    public ApsisRateLimitedException(String message, Duration retryAfter, Throwable cause) {
        super(message, 429, cause);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
