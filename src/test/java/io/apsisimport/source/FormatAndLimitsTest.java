package io.apsisimport.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

// Unit tests: what a key and its first bytes say, the work object's name, and the expansion limits
// as a table of (decompressed, compressed) → refused or not.
class FormatAndLimitsTest {

    @Test
    void theKeySaysTheFormatCaseInsensitively() {
        assertEquals(SourceFormat.GZIP, SourceFormat.of("inbox/crm/a.csv.gz"));
        assertEquals(SourceFormat.GZIP, SourceFormat.of("inbox/crm/A.CSV.GZ"));
        assertEquals(SourceFormat.GZIP, SourceFormat.of("inbox/a.gz"));
        assertEquals(SourceFormat.ZIP, SourceFormat.of("inbox/a.Zip"));
        assertEquals(SourceFormat.CSV, SourceFormat.of("inbox/a.csv"));
        assertEquals(SourceFormat.CSV, SourceFormat.of("inbox/a.gzip"));
        assertEquals(SourceFormat.CSV, SourceFormat.of("inbox/gz"));
        assertFalse(SourceFormat.CSV.compressed());
        assertTrue(SourceFormat.ZIP.compressed());
    }

    @Test
    void theCsvInsideIsNamedAfterTheKey() {
        assertEquals("inbox/a.csv", SourceFormat.csvKey("inbox/a.csv.gz"));
        assertEquals("inbox/a.CSV", SourceFormat.csvKey("inbox/a.CSV.GZ"));
        assertEquals("inbox/a.csv", SourceFormat.csvKey("inbox/a.zip"));
        assertEquals("inbox/a.tsv.csv", SourceFormat.csvKey("inbox/a.tsv.gz"));
        assertEquals("inbox/a.csv", SourceFormat.csvKey("inbox/a.csv"));
        assertEquals("inbox/a.txt", SourceFormat.csvKey("inbox/a.txt"));
    }

    @Test
    void aPlainKeyWhoseContentIsCompressedIsRefusedAndOtherwisePassedOnIntact() throws IOException {
        var gz = assertThrows(
                ArchiveFormatException.class,
                () -> SourceFormat.requirePlain(new ByteArrayInputStream(Gz.gzip(Gz.csv(1))), "inbox/a.csv"));
        assertTrue(gz.getMessage().contains("drop it as a.csv.gz"), gz.getMessage());
        var zip = assertThrows(
                ArchiveFormatException.class,
                () -> SourceFormat.requirePlain(new ByteArrayInputStream(new byte[] {'P', 'K', 3, 4, 20, 0}), "a.csv"));
        assertTrue(zip.getMessage().contains(".csv.zip"), zip.getMessage());
        for (String text : new String[] {"", "e", "em", "email\na@example.com\n", "PK,x\n"}) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            InputStream in = SourceFormat.requirePlain(new ByteArrayInputStream(bytes), "a.csv");
            assertArrayEquals(bytes, in.readAllBytes(), text);
        }
    }

    @Test
    void theWorkObjectIsNamedAfterTheExecution() {
        assertEquals(
                "work/profiles_csv_gz-0a9cc3740289f760.csv",
                WorkObjects.keyFor(
                        "arn:aws:states:eu-west-1:123456789012:execution:apsis-import:profiles_csv_gz-0a9cc3740289f760",
                        "inbox/x.csv.gz"));
        String noExecution = WorkObjects.keyFor(null, "inbox/x.csv.gz");
        assertTrue(noExecution.matches("work/no-execution-[0-9a-f]{16}\\.csv"), noExecution);
        assertEquals(noExecution, WorkObjects.keyFor("", "inbox/x.csv.gz"));
    }

    @Test
    void limitsRefuseAtTheFirstByteOverThemAndNeverASmallFile() {
        var limits = new ExpansionLimits(1_000_000_000L, 100);
        long floor = ExpansionLimits.RATIO_FLOOR_BYTES;
        // decompressed, compressed, refused?
        Object[][] table = {
            {floor, 1L, false}, // any ratio below the floor
            {floor + 1, 1L, true},
            {100 * 200_000L, 200_000L, false}, // exactly the ratio
            {100 * 200_000L + 1, 200_000L, true},
            {1_000_000_000L, 10_000_000L, false}, // exactly the size
            {1_000_000_001L, 1_000_000_000L, true},
            {floor + 1, 0L, true}, // nothing compressed cannot expand
        };
        for (Object[] row : table) {
            long d = (long) row[0];
            long c = (long) row[1];
            if ((boolean) row[2]) {
                var e = assertThrows(ArchiveTooLargeException.class, () -> limits.check(d, c, false), d + " from " + c);
                assertTrue(
                        e.getMessage().contains(d > 1_000_000_000L ? "MaxDecompressedBytes" : "MaxCompressionRatio"),
                        e.getMessage());
            } else {
                assertDoesNotThrow(() -> limits.check(d, c, false), d + " from " + c);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ExpansionLimits(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new ExpansionLimits(10, 0));
    }

    @Test
    void theGuardStopsAStreamAtTheLimitNotAtItsEnd() throws IOException {
        byte[] zeros = new byte[4096];
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = Math.min(len, zeros.length);
                System.arraycopy(zeros, 0, b, off, n);
                return n;
            }
        };
        var guard = new ExpansionGuard(endless, new ExpansionLimits(1_000_000, 1000), 1);
        byte[] buf = new byte[1000];
        var e = assertThrows(ArchiveTooLargeException.class, () -> {
            while (true) {
                guard.read(buf);
            }
        });
        assertTrue(guard.count() > 1_000_000 && guard.count() <= 1_001_000, "stopped at " + guard.count());
        assertTrue(e.getMessage().contains("1,000,000 bytes"), e.getMessage());
        var single = new ExpansionGuard(new ByteArrayInputStream(new byte[] {1, 2}), ExpansionLimits.DEFAULTS, 2);
        assertEquals(1, single.read());
        assertEquals(1, single.skip(1));
        assertEquals(-1, single.read());
        assertEquals(2, single.count());
    }
}
