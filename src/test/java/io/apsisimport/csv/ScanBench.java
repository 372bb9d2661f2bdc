package io.apsisimport.csv;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import java.util.Set;

/**
 * Benchmark driver for bench/csv/run (not a test).
 *
 * <pre>
 * ScanBench generate FILE BYTES        writes a profile CSV of about BYTES bytes (quoted notes with newlines)
 * ScanBench scan FILE [MAX_PART_BYTES] plans FILE and prints key=value lines
 * </pre>
 */
public final class ScanBench {

    private ScanBench() {}

    public static void main(String[] args) throws IOException {
        switch (args.length > 0 ? args[0] : "") {
            case "generate" -> generate(Path.of(args[1]), Long.parseLong(args[2]));
            case "scan" ->
                scan(Path.of(args[1]), args.length > 2 ? Long.parseLong(args[2]) : ScanOptions.DEFAULT_MAX_PART_BYTES);
            default -> {
                System.err.println("usage: ScanBench generate FILE BYTES | scan FILE [MAX_PART_BYTES]");
                System.exit(2);
            }
        }
    }

    /**
     * Times the first scan (cold JIT, what a fresh Lambda container does), then the best of two
     * more (compiled code), then a plain read of the file (the floor set by reading alone).
     */
    private static void scan(Path file, long max) throws IOException {
        // CPU time of this thread besides the wall time: on a shared machine it leaves out the time
        // spent waiting for a core, so two versions can be compared under load (JIT threads not counted)
        var cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        long c0 = cpu.getCurrentThreadCpuTime();
        ScanResult r = scanOnce(file, max);
        double coldCpu = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;
        double cold = (System.nanoTime() - t0) / 1e9;
        double warm = Double.MAX_VALUE;
        double warmCpu = Double.MAX_VALUE;
        for (int k = 0; k < 2; k++) {
            long t = System.nanoTime();
            long c = cpu.getCurrentThreadCpuTime();
            scanOnce(file, max);
            warmCpu = Math.min(warmCpu, (cpu.getCurrentThreadCpuTime() - c) / 1e9);
            warm = Math.min(warm, (System.nanoTime() - t) / 1e9);
        }
        long t1 = System.nanoTime();
        byte[] buf = new byte[CsvScanner.DEFAULT_BUFFER_SIZE];
        try (InputStream in = Files.newInputStream(file)) {
            while (in.read(buf) >= 0) {
                // reading only
            }
        }
        double read = (System.nanoTime() - t1) / 1e9;
        long largest =
                r.parts().stream().mapToLong(p -> p.size(r.header())).max().orElse(0);
        System.out.printf(
                "bytes=%d%nrows=%d%nparts=%d%nlargest_part=%d%nseconds=%.3f%nwarm_seconds=%.3f%nread_seconds=%.3f%n"
                        + "cpu_seconds=%.3f%nwarm_cpu_seconds=%.3f%n",
                r.totalBytes(), r.dataRows(), r.parts().size(), largest, cold, warm, read, coldCpu, warmCpu);
    }

    private static ScanResult scanOnce(Path file, long max) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return CsvScanner.scan(in, new ScanOptions(max, Set.of("email", "first_name")));
        }
    }

    private static final String[] FIRST = {
        "Anna", "Åsa", "Björn", "Zoë", "José", "Li", "Mårten", "Chloé", "Ólafur", "Sam"
    };
    private static final String[] LAST = {
        "Andersson", "Nilsson", "Søren", "Müller", "O'Brien", "García", "Jensen", "Kowalski"
    };
    private static final String[] CITY = {
        "Malmö", "Copenhagen", "Stockholm", "Göteborg", "Zürich", "Kraków", "Oslo", "Łódź"
    };
    private static final String[] NOTE = {
        "\"Prefers e-mail, not SMS\"",
        "\"Line one\nline two, with a comma\"",
        "\"Said \"\"call me back\"\"\r\nafter 5 pm\"",
        "VIP customer since 2019",
        "",
        "\"Address:\nStorgatan 1\n211 34 Malmö\"",
    };

    private static void generate(Path file, long bytes) throws IOException {
        var rnd = new Random(42);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long written = 0, row = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            byte[] header = "email,first_name,last_name,city,mens-clothing-shoes,address,note\n"
                    .getBytes(StandardCharsets.UTF_8);
            out.write(header);
            written += header.length;
            var sb = new StringBuilder(256);
            while (written < bytes) {
                sb.setLength(0);
                row++;
                sb.append("user")
                        .append(row)
                        .append('.')
                        .append(Long.toString(rnd.nextLong() >>> 20, 36))
                        .append("@example.com,")
                        .append(FIRST[rnd.nextInt(FIRST.length)])
                        .append(',')
                        .append(LAST[rnd.nextInt(LAST.length)])
                        .append(',')
                        .append(CITY[rnd.nextInt(CITY.length)])
                        .append(',')
                        .append(rnd.nextInt(2))
                        .append(",\"")
                        .append(rnd.nextInt(200))
                        .append(" Main Street, apt ")
                        .append(rnd.nextInt(50))
                        .append("\",")
                        .append(NOTE[rnd.nextInt(NOTE.length)])
                        .append('\n');
                byte[] line = sb.toString().getBytes(StandardCharsets.UTF_8);
                out.write(line);
                written += line.length;
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("generated=%s%nbytes=%d%nrows=%d%n", file, written, row);
    }
}
