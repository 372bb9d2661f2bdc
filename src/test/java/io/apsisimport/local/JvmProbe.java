package io.apsisimport.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a function's JVM has done so far, read from outside without touching it: its CPU time
 * ({@code /proc/PID/stat}: all threads, JIT and GC included, in clock ticks) and HotSpot's own
 * counters (the {@code hsperfdata} file every HotSpot JVM keeps under /tmp unless
 * {@code -XX:-UsePerfData}: classes loaded, time spent loading them, JIT compile time).
 *
 * <p>Why: on two cores shared with other work, wall-clock durations move by tens of percent between
 * runs; CPU time and class counts barely move, so they show what an optimisation changed.
 * {@link LambdaRuntime} samples each environment's JVM whenever its runtime asks the Runtime API for
 * the next event (init done, or an invocation done) and when a SnapStart runtime asks to be
 * restored (its beforeCheckpoint hooks done). Linux only; elsewhere nothing is sampled.
 */
public final class JvmProbe {
    /** USER_HZ: the unit of utime/stime in /proc/PID/stat on Linux. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private JvmProbe() {}

    /**
     * One reading.
     *
     * @param cpuMillis CPU time of all the JVM's threads so far (10 ms resolution)
     * @param loadedClasses classes loaded so far (from the CDS archive or not)
     * @param sharedClasses of which from the CDS archive (cheap to load)
     * @param classLoadMillis time HotSpot counts as class loading (parse, link, verify, initialise)
     * @param jitMillis time spent by the JIT compilers
     */
    public record Sample(
            long cpuMillis, long loadedClasses, long sharedClasses, double classLoadMillis, double jitMillis) {

        /** What happened between {@code earlier} and this reading. */
        public Sample minus(Sample earlier) {
            return new Sample(
                    cpuMillis - earlier.cpuMillis,
                    loadedClasses - earlier.loadedClasses,
                    sharedClasses - earlier.sharedClasses,
                    classLoadMillis - earlier.classLoadMillis,
                    jitMillis - earlier.jitMillis);
        }

        public static final Sample ZERO = new Sample(0, 0, 0, 0, 0);
    }

    /** The JVM among the descendants of {@code process} (the environment's emulator runs it). */
    static Optional<ProcessHandle> jvmOf(Process process) {
        return process.descendants()
                .filter(p -> p.isAlive()
                        && p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst();
    }

    /** A reading of the JVM {@code pid}, or empty when /proc or its hsperfdata file cannot be read. */
    static Optional<Sample> sample(long pid) {
        try {
            long cpu = cpuMillis(pid);
            Map<String, Long> counters =
                    counters(Path.of("/tmp", "hsperfdata_" + System.getProperty("user.name"), Long.toString(pid)));
            double frequency = counters.getOrDefault("sun.os.hrt.frequency", 1_000_000_000L);
            return Optional.of(new Sample(
                    cpu,
                    counters.getOrDefault("java.cls.loadedClasses", 0L),
                    counters.getOrDefault("java.cls.sharedLoadedClasses", 0L),
                    counters.getOrDefault("sun.cls.time", 0L) * 1000.0 / frequency,
                    counters.getOrDefault("java.ci.totalTime", 0L) * 1000.0 / frequency));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
        return ticks * 1000 / CLOCK_TICKS_PER_SECOND;
    }

    /**
     * The long counters of an hsperfdata file (the format sun.jvmstat's PerfDataBuffer v2 reads: a
     * prologue, then entries of name, type and value).
     */
    static Map<String, Long> counters(Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
        if (buffer.getInt(0) != 0xcafec0c0) {
            throw new IOException(file + " is not an hsperfdata file");
        }
        buffer.order(buffer.get(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int offset = buffer.getInt(24);
        int entries = buffer.getInt(28);
        Map<String, Long> counters = new HashMap<>();
        for (int i = 0; i < entries && offset + 20 <= buffer.limit(); i++) {
            int length = buffer.getInt(offset);
            int nameOffset = buffer.getInt(offset + 4);
            int vectorLength = buffer.getInt(offset + 8);
            byte type = buffer.get(offset + 12);
            int dataOffset = buffer.getInt(offset + 16);
            if (length <= 0) {
                break;
            }
            if (type == 'J' && vectorLength == 0) {
                int end = offset + nameOffset;
                while (buffer.get(end) != 0) {
                    end++;
                }
                String name = new String(
                        buffer.array(), offset + nameOffset, end - offset - nameOffset, StandardCharsets.US_ASCII);
                counters.put(name, buffer.getLong(offset + dataOffset));
            }
            offset += length;
        }
        return counters;
    }
}
