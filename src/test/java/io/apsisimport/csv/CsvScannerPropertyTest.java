package io.apsisimport.csv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

// Property tests: seeded random CSV files (quotes, embedded CR/LF, every delimiter, multi-byte UTF-8,
// BOM, blank lines, CRLF/LF, missing final newline) scanned with random tiny part limits, buffer sizes
// and short reads; the plan is checked against an independent reference reader.
class CsvScannerPropertyTest {

    private static final long SEED = 0x5EED_C5FL;
    private static final int CASES = 3000;

    record Case(byte[] bytes, int bom, List<String> columns, char delimiter, List<List<String>> records) {}

    @Test
    void randomFilesArePlannedIntoSoundParts() throws IOException {
        var rnd = new Random(SEED);
        int planned = 0, rejected = 0, multiPart = 0;
        for (int n = 0; n < CASES; n++) {
            Case c = generate(rnd);
            String label = "case " + n + " (seed " + SEED + "): " + printable(c.bytes());
            assertEquals(
                    c.records(),
                    RefCsv.records(c.bytes(), dataStart(c), c.bytes().length, (byte) c.delimiter()),
                    "generator and reference reader disagree: " + label);
            int headerLen = dataStart(c) - c.bom();
            long budget = chooseBudget(rnd, c);
            long max = headerLen + budget;
            if (max < 1) {
                continue;
            }
            var options = new ScanOptions(max, Set.of());
            int bufferSize = rnd.nextBoolean() ? 4 + rnd.nextInt(60) : 64 + rnd.nextInt(300);
            ScanResult r;
            try {
                r = CsvScanner.scan(new Trickle(c.bytes(), rnd.nextLong()), options, bufferSize);
            } catch (CsvRecordTooLargeException e) {
                assertEquals(firstTooLargeRow(c, budget), e.row(), label + " budget " + budget);
                var whole = assertThrows(
                        CsvRecordTooLargeException.class,
                        () -> CsvScanner.scan(new ByteArrayInputStream(c.bytes()), options));
                assertEquals(e.row(), whole.row(), label);
                rejected++;
                continue;
            }
            assertEquals(-1, firstTooLargeRow(c, budget), "expected a rejection: " + label);
            assertEquals(
                    r,
                    CsvScanner.scan(new ByteArrayInputStream(c.bytes()), options),
                    "buffer/read sizes changed the plan: " + label);
            check(c, r, max, label);
            planned++;
            if (r.parts().size() > 1) {
                multiPart++;
            }
        }
        // the generator must actually exercise both outcomes and multi-part plans
        assertTrue(
                planned > CASES / 3 && rejected > CASES / 20 && multiPart > CASES / 4,
                "planned " + planned + ", rejected " + rejected + ", multi-part " + multiPart);
    }

    @Test
    void corruptedFilesGetTheSameVerdictWhateverTheBufferAndReadSizes() throws IOException {
        // differential: tiny buffers and short reads (byte loop) vs one big read (64-byte block loop)
        var rnd = new Random(SEED + 1);
        byte[][] poison = {
            {(byte) 0xE9},
            {0},
            {'\r'},
            {'"'},
            {(byte) 0xC3},
            {(byte) 0xE6, (byte) 0x97},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}
        };
        int rejectedCount = 0;
        for (int n = 0; n < CASES; n++) {
            Case c = generate(rnd);
            byte[] bytes = c.bytes().clone();
            for (int k = rnd.nextInt(3); k > 0 && bytes.length > 0; k--) {
                byte[] p = poison[rnd.nextInt(poison.length)];
                int at = rnd.nextInt(bytes.length);
                System.arraycopy(p, 0, bytes, at, Math.min(p.length, bytes.length - at));
            }
            var options = new ScanOptions(1 + rnd.nextInt(bytes.length + 10) + 200, Set.of());
            Object small = outcome(new Trickle(bytes, rnd.nextLong()), options, 4 + rnd.nextInt(60));
            Object whole = outcome(new ByteArrayInputStream(bytes), options, CsvScanner.DEFAULT_BUFFER_SIZE);
            assertEquals(whole, small, "case " + n + ": " + printable(bytes));
            if (whole instanceof String) {
                rejectedCount++;
            }
        }
        assertTrue(rejectedCount > CASES / 4, "rejected " + rejectedCount);
    }

    /** The scan's result, or its rejection as "class row offset" (messages may say "at least"). */
    private static Object outcome(InputStream in, ScanOptions options, int bufferSize) throws IOException {
        try {
            return CsvScanner.scan(in, options, bufferSize);
        } catch (CsvEncodingException e) {
            return "encoding row " + e.row() + " line " + e.line() + " offset " + e.byteOffset() + ": "
                    + e.getMessage();
        } catch (CsvMalformedException e) {
            return "malformed row " + e.row() + " line " + e.line() + " offset " + e.byteOffset() + ": "
                    + e.getMessage();
        } catch (CsvRecordTooLargeException e) {
            return "too large row " + e.row() + " line " + e.line();
        }
    }

    private static void check(Case c, ScanResult r, long max, String label) {
        byte[] src = c.bytes();
        CsvHeader h = r.header();
        assertEquals(c.columns(), h.columns(), label);
        assertEquals(c.delimiter(), h.delimiter(), label);
        assertEquals(c.bom(), h.bomLength(), label);
        assertEquals(src.length, r.totalBytes(), label);
        assertEquals(c.records().size(), r.dataRows(), label);
        int dataStart = dataStart(c);
        var units = RefCsv.units(src, dataStart, src.length, (byte) c.delimiter());
        var boundaries = new java.util.HashSet<Long>();
        boundaries.add((long) dataStart);
        units.forEach(u -> boundaries.add((long) u.end()));

        long expectFirstRow = 1, prevEnd = dataStart;
        var reparsed = new ArrayList<List<String>>();
        for (int k = 0; k < r.parts().size(); k++) {
            Part p = r.parts().get(k);
            assertEquals(k, p.index(), label);
            assertTrue(p.size(h) <= max, "part over the limit: " + p + " " + label);
            assertEquals(expectFirstRow, p.firstRow(), label);
            assertTrue(
                    boundaries.contains(p.start()) && boundaries.contains(p.end()),
                    "cut inside a record: " + p + " " + label);
            assertOnlyBlankLines(src, prevEnd, p.start(), label);
            byte[] file = CsvScannerTest.concat(h.line(), Arrays.copyOfRange(src, (int) p.start(), (int) p.end()));
            var recs = RefCsv.records(file, 0, file.length, (byte) c.delimiter());
            assertEquals(c.columns(), recs.get(0), "header line does not re-parse: " + label);
            assertEquals(p.rows(), recs.size() - 1, label);
            reparsed.addAll(recs.subList(1, recs.size()));
            if (k + 1 < r.parts().size()) {
                // greedy: the next record would not have fitted
                var next = units.stream()
                        .filter(u -> !u.blank() && u.start() >= p.end())
                        .findFirst()
                        .orElseThrow();
                assertTrue(h.lineLength() + (next.end() - p.start()) > max, "not greedy: " + p + " " + label);
            }
            expectFirstRow += p.rows();
            prevEnd = p.end();
        }
        assertOnlyBlankLines(src, prevEnd, src.length, label);
        assertEquals(c.records(), reparsed, "parts do not re-parse to the source records: " + label);
    }

    private static void assertOnlyBlankLines(byte[] src, long from, long to, String label) {
        assertTrue(from <= to, "parts overlap or go backwards: " + label);
        for (long i = from; i < to; i++) {
            byte b = src[(int) i];
            if (b != '\n' && b != '\r') {
                fail("data bytes " + from + ".." + to + " left out of every part: " + label);
            }
        }
    }

    private static long firstTooLargeRow(Case c, long budget) {
        long row = 0;
        for (var u : RefCsv.units(c.bytes(), dataStart(c), c.bytes().length, (byte) c.delimiter())) {
            if (u.blank()) {
                continue;
            }
            row++;
            if (budget <= 0) {
                return 0; // the header alone fills the limit
            }
            if (u.end() - u.start() > budget) {
                return row;
            }
        }
        return -1;
    }

    private static long chooseBudget(Random rnd, Case c) {
        int maxRecord = 0, data = c.bytes().length - dataStart(c);
        for (var u : RefCsv.units(c.bytes(), dataStart(c), c.bytes().length, (byte) c.delimiter())) {
            maxRecord = Math.max(maxRecord, u.end() - u.start());
        }
        return switch (rnd.nextInt(10)) {
            case 0 -> rnd.nextInt(3) - 1; // header fills (almost) all
            case 1, 2, 3 -> maxRecord - 2 + rnd.nextInt(5); // right at the largest record
            default -> 1 + rnd.nextInt(Math.max(1, data + 5));
        };
    }

    private static int dataStart(Case c) {
        // the generator writes no blank lines before the header
        var units = RefCsv.units(c.bytes(), c.bom(), c.bytes().length, (byte) c.delimiter());
        return units.get(0).end();
    }

    // ------------------------------------------------------------------ generator

    private static final String[] PIECES = {"a", "Z", "0", " ", "-", "@", "é", "日", "😀", "Å"};

    static Case generate(Random rnd) {
        int ncols = 1 + rnd.nextInt(4);
        // a single column has no delimiter to detect: the scanner then assumes a comma
        char d = ncols == 1 ? ',' : ",;\t|".charAt(rnd.nextInt(4));
        var out = new ByteArrayOutputStream();
        int bom = rnd.nextInt(4) == 0 ? 3 : 0;
        if (bom == 3) {
            out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        }
        int eolMode = rnd.nextInt(3);
        var columns = new ArrayList<String>();
        var headerFields = new ArrayList<String>();
        for (int k = 0; k < ncols; k++) {
            String name = switch (rnd.nextInt(4)) {
                case 0 -> "col" + k + d + "x";
                case 1 -> "namn é " + k;
                case 2 -> "say \"" + k + "\"";
                default -> "c" + k;
            };
            columns.add(name);
            headerFields.add(quoteIfNeeded(name, d, rnd, false));
        }
        write(out, String.join(String.valueOf(d), headerFields) + eol(rnd, eolMode));
        var records = new ArrayList<List<String>>();
        int nrec = rnd.nextInt(25);
        boolean finalNewline = rnd.nextInt(3) != 0;
        for (int r = 0; r < nrec; r++) {
            while (rnd.nextInt(8) == 0) {
                write(out, eol(rnd, eolMode));
            }
            var fields = new ArrayList<String>();
            var written = new ArrayList<String>();
            for (int k = 0; k < ncols; k++) {
                String v = field(rnd, d);
                fields.add(v);
                written.add(quoteIfNeeded(v, d, rnd, ncols == 1));
            }
            records.add(fields);
            write(out, String.join(String.valueOf(d), written));
            if (r < nrec - 1 || finalNewline) {
                write(out, eol(rnd, eolMode));
            }
        }
        if (finalNewline) {
            while (rnd.nextInt(4) == 0) {
                write(out, eol(rnd, eolMode));
            }
        }
        return new Case(out.toByteArray(), bom, columns, d, records);
    }

    private static String field(Random rnd, char d) {
        int len = rnd.nextInt(10) == 0 ? rnd.nextInt(40) : rnd.nextInt(6);
        var sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            switch (rnd.nextInt(14)) {
                case 0 -> sb.append(d);
                case 1 -> sb.append('"');
                case 2 -> sb.append('\n');
                case 3 -> sb.append("\r\n");
                case 4 -> sb.append('\r');
                default -> sb.append(PIECES[rnd.nextInt(PIECES.length)]);
            }
        }
        return sb.toString();
    }

    private static String quoteIfNeeded(String v, char d, Random rnd, boolean quoteEmpty) {
        boolean needs = v.indexOf(d) >= 0
                || v.indexOf('"') >= 0
                || v.indexOf('\n') >= 0
                || v.indexOf('\r') >= 0
                || (quoteEmpty && v.isEmpty());
        if (!needs && rnd.nextInt(5) != 0) {
            return v;
        }
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    private static String eol(Random rnd, int mode) {
        return switch (mode) {
            case 0 -> "\n";
            case 1 -> "\r\n";
            default -> rnd.nextBoolean() ? "\n" : "\r\n";
        };
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(UTF_8));
    }

    private static String printable(byte[] b) {
        String s =
                new String(b, UTF_8).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    /** Hands out the bytes in random short reads, as network streams do. */
    static final class Trickle extends InputStream {
        private final byte[] data;
        private final Random rnd;
        private int pos;

        Trickle(byte[] data, long seed) {
            this.data = data;
            this.rnd = new Random(seed);
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) {
                return -1;
            }
            int k = Math.min(Math.min(len, data.length - pos), 1 + rnd.nextInt(rnd.nextBoolean() ? 9 : 400));
            System.arraycopy(data, pos, b, off, k);
            pos += k;
            return k;
        }
    }
}
