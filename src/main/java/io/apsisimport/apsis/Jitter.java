package io.apsisimport.apsis;

import java.security.SecureRandom;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * The random source of back-off jitter, re-seedable. With SnapStart every execution environment of
 * a version is restored from one snapshot: a generator seeded during init would hand all of them
 * the same "random" waits, so that retries of many files stay in lock step. {@link #reseed()} runs
 * after each restore (a CRaC {@code afterRestore} hook, see {@code SnapStartHooks}) and takes its
 * seed from {@link SecureRandom}, which reads the kernel's entropy at that moment.
 *
 * <p>Thread-safe.
 */
public final class Jitter implements RandomGenerator {

    private volatile Random random;

    public Jitter() {
        this(new Random(freshSeed()));
    }

    /**
     * A generator in a known state until its first {@link #reseed()} (tests: environments restored
     * from one snapshot start with the same state).
     */
    public Jitter(long seed) {
        this(new Random(seed));
    }

    Jitter(Random state) {
        this.random = state;
    }

    /** Starts a new random sequence, independent of the state captured before a snapshot. */
    public void reseed() {
        random = new Random(freshSeed());
    }

    @Override
    public long nextLong() {
        return random.nextLong();
    }

    private static long freshSeed() {
        return new SecureRandom().nextLong() ^ System.nanoTime();
    }
}
