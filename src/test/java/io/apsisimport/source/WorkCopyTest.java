package io.apsisimport.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.csv.CsvEncodingException;
import io.apsisimport.csv.CsvScanner;
import io.apsisimport.csv.ScanOptions;
import io.apsisimport.csv.ScanResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

// Unit tests of the one-pass path without S3: what the scan of a decompressed stream finds is what
// the scan of the plain file finds, the copy is the plain file byte for byte, and a bomb stops the
// copy at the limit.
class WorkCopyTest {
    static final ScanOptions OPTIONS = new ScanOptions(100_000, Set.of("email"));

    @Test
    void aGzipIsScannedAndCopiedExactlyAsItsPlainCsv() throws IOException {
        byte[] csv = Gz.csv(5000);
        byte[] gz = Gz.members(java.util.Arrays.copyOf(csv, 1234), java.util.Arrays.copyOfRange(csv, 1234, csv.length));
        var sink = new ByteArrayOutputStream();
        ScanResult scan = WorkCopy.scanWhileCopying(
                WorkCopy.gunzip(new ByteArrayInputStream(gz), gz.length, ExpansionLimits.DEFAULTS), sink, OPTIONS);
        ScanResult plain = CsvScanner.scan(new ByteArrayInputStream(csv), OPTIONS);
        assertEquals(plain, scan);
        assertTrue(scan.parts().size() >= 3, "several parts: " + scan.parts().size());
        assertArrayEquals(csv, sink.toByteArray());
    }

    @Test
    void theCsvChecksApplyInside() {
        byte[] latin1 = "email,city\na@example.com,Malm\u00f6\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] gz = Gz.gzip(latin1);
        var e = assertThrows(
                CsvEncodingException.class,
                () -> WorkCopy.scanWhileCopying(
                        WorkCopy.gunzip(new ByteArrayInputStream(gz), gz.length, ExpansionLimits.DEFAULTS),
                        new ByteArrayOutputStream(),
                        OPTIONS));
        assertEquals(2, e.line());
    }

    @Test
    void aGzipBombStopsAtTheLimitWithoutBeingReadToItsEnd() throws IOException {
        byte[] header = "email\n".getBytes(StandardCharsets.UTF_8);
        byte[] row = "bomb@example.com\n".getBytes(StandardCharsets.UTF_8);
        var raw = new ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(raw)) {
            gz.write(header);
            byte[] block = new byte[row.length * 60_000];
            for (int i = 0; i < block.length; i += row.length) {
                System.arraycopy(row, 0, block, i, row.length);
            }
            for (int i = 0; i < 200; i++) { // about 200 MB of rows
                gz.write(block);
            }
        }
        byte[] bomb = raw.toByteArray();
        var sink = new ByteArrayOutputStream();
        var e = assertThrows(
                ArchiveTooLargeException.class,
                () -> WorkCopy.scanWhileCopying(
                        WorkCopy.gunzip(new ByteArrayInputStream(bomb), bomb.length, ExpansionLimits.DEFAULTS),
                        sink,
                        new ScanOptions(50_000_000, Set.of("email"))));
        assertTrue(e.getMessage().contains("MaxCompressionRatio"), e.getMessage());
        long limit = Math.max(ExpansionLimits.RATIO_FLOOR_BYTES, 100L * bomb.length);
        assertTrue(sink.size() <= limit + (1 << 20), "copied " + sink.size() + " bytes, limit " + limit);
    }
}
