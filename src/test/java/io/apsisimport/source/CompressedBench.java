package io.apsisimport.source;

import io.apsisimport.csv.ScanOptions;
import io.apsisimport.csv.ScanResult;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Benchmark driver for bench/compressed/run (not a test).
 *
 * <pre>
 * CompressedBench run FILE.gz MAX_PART_BYTES OUT    decompresses, scans and copies FILE.gz to OUT, three times;
 *                                                   prints key=value lines
 * </pre>
 *
 * The path is PreflightFile's for a .csv.gz ({@link WorkCopy#gunzip}, {@link WorkCopy#scanWhileCopying}),
 * with a local file as the sink where Lambda has the S3 multipart upload.
 */
public final class CompressedBench {
    private CompressedBench() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 4 || !args[0].equals("run")) {
            System.err.println("usage: CompressedBench run FILE.gz MAX_PART_BYTES OUT");
            System.exit(2);
        }
        Path gz = Path.of(args[1]);
        long max = Long.parseLong(args[2]);
        Path out = Path.of(args[3]);
        long t0 = System.nanoTime();
        ScanResult r = once(gz, max, out);
        double cold = (System.nanoTime() - t0) / 1e9;
        double warm = Double.MAX_VALUE;
        for (int k = 0; k < 2; k++) {
            long t = System.nanoTime();
            once(gz, max, out);
            warm = Math.min(warm, (System.nanoTime() - t) / 1e9);
        }
        long t1 = System.nanoTime();
        try (InputStream in = new GzipReader(new BufferedInputStream(Files.newInputStream(gz), 1 << 16))) {
            byte[] buf = new byte[1 << 20];
            while (in.read(buf) >= 0) {
                // decompression alone
            }
        }
        double inflate = (System.nanoTime() - t1) / 1e9;
        System.out.printf(
                "bytes=%d%ncompressed=%d%nrows=%d%nparts=%d%nseconds=%.3f%nwarm_seconds=%.3f%ninflate_seconds=%.3f%n",
                r.totalBytes(), Files.size(gz), r.dataRows(), r.parts().size(), cold, warm, inflate);
    }

    private static ScanResult once(Path gz, long max, Path out) throws IOException {
        try (InputStream in = Files.newInputStream(gz);
                OutputStream sink = Files.newOutputStream(out)) {
            return WorkCopy.scanWhileCopying(
                    WorkCopy.gunzip(in, Files.size(gz), ExpansionLimits.DEFAULTS),
                    sink,
                    new ScanOptions(max, Set.of("email", "first_name")));
        }
    }
}
