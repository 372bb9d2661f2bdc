package io.apsisimport.apsis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Credentials read from a store (the Secrets Manager secret) at first use and kept for a bounded
 * time, so that a rotated secret takes effect within {@code lifetime} even if APSIS keeps accepting
 * the old one, and at once when APSIS rejects the old one ({@link #invalidate()}). A failed read is
 * not cached: the next call reads again (the first deploy runs with a placeholder secret until the
 * user puts the real one).
 */
public final class CachedCredentials implements ApsisCredentialsSource {

    /** Long enough to spare Secrets Manager a call per invocation, short enough for a rotation. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);

    private record Entry(ApsisCredentials credentials, Instant readAt) {}

    private final Supplier<ApsisCredentials> loader;
    private final String origin;
    private final Duration lifetime;
    private final Clock clock;
    private Entry entry;

    /** {@code origin}: where {@code loader} reads from, for messages (see {@link #origin()}). */
    public CachedCredentials(Supplier<ApsisCredentials> loader, String origin, Duration lifetime, Clock clock) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized ApsisCredentials get() {
        Instant now = clock.instant();
        if (entry == null || !now.isBefore(entry.readAt().plus(lifetime))) {
            entry = new Entry(Objects.requireNonNull(loader.get(), "credentials"), now);
        }
        return entry.credentials();
    }

    @Override
    public synchronized void invalidate() {
        entry = null;
    }

    @Override
    public String origin() {
        return origin;
    }
}
