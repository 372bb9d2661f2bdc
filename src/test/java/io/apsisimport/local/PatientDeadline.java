package io.apsisimport.local;

import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * A deadline for waiting on the local cloud that does not count the time the machine was too busy
 * to make progress: each stretch of wall time counts divided by the load per core (between 1 and
 * {@link #MAX_STRETCH}). On an idle machine it is the plain deadline; on a 2-core machine at load 8
 * a 2-minute deadline lasts up to 8 minutes. End-to-end deadlines exist to turn a hang into a
 * failure, not to measure speed (benchmarks under bench/ do that), and the functions' JVMs, moto
 * and the emulator all share the cores with whatever else runs.
 */
public final class PatientDeadline {
    static final double MAX_STRETCH = 4.0;

    private final Duration timeout;
    private long last = System.nanoTime();
    private double counted; // nanos, already divided by the load factor

    public PatientDeadline(Duration timeout) {
        this.timeout = timeout;
    }

    /** Whether the deadline has passed; call it at each round of a polling loop. */
    public boolean passed() {
        long now = System.nanoTime();
        counted += (now - last) / stretch();
        last = now;
        return counted > timeout.toNanos();
    }

    static double stretch() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        double perCore = os.getSystemLoadAverage() / os.getAvailableProcessors();
        return Double.isNaN(perCore) || perCore < 1 ? 1 : Math.min(MAX_STRETCH, perCore);
    }

    @Override
    public String toString() {
        return timeout + " (not counting the time the machine was overloaded)";
    }
}
