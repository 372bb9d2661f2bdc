package io.apsisimport.csv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

// Unit tests: CsvScanner on hand-made edge cases, each run with several buffer sizes (down to 4 bytes)
// so that every byte boundary case (CRLF, quotes, multi-byte UTF-8) also falls across a refill.
class CsvScannerTest {

    static final int[] BUFFERS = {4, 5, 7, 13, 64, CsvScanner.DEFAULT_BUFFER_SIZE};
    static final long BIG = ScanOptions.DEFAULT_MAX_PART_BYTES;

    // ------------------------------------------------------------------ basics

    @Test
    void lfFileIsOnePart() {
        var r = scan("a,b\n1,2\n3,4\n", BIG);
        assertEquals(List.of("a", "b"), r.header().columns());
        assertEquals(',', r.header().delimiter());
        assertEquals(0, r.header().bomLength());
        assertArrayEquals(bytes("a,b\n"), r.header().line());
        assertEquals(2, r.dataRows());
        assertEquals(12, r.totalBytes());
        assertEquals(List.of(new Part(0, 4, 12, 1, 2)), r.parts());
        assertEquals(12, r.parts().get(0).size(r.header()));
    }

    @Test
    void theHeaderIsToldBeforeTheChecksThatMayFailTheFile() throws IOException {
        var told = new java.util.ArrayList<CsvHeader>();
        var options = new ScanOptions(BIG, Set.of("email"));
        assertThrows(
                CsvMissingColumnsException.class,
                () -> CsvScanner.scan(new ByteArrayInputStream(bytes("a,b\n1,2\n")), options, told::add));
        assertEquals(List.of("a", "b"), told.get(0).columns());
        told.clear();
        byte[] latin1 = "a;b\n1;caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThrows(
                CsvEncodingException.class,
                () -> CsvScanner.scan(new ByteArrayInputStream(latin1), new ScanOptions(BIG, Set.of()), told::add));
        assertEquals(';', told.get(0).delimiter(), "the header was read before the data failed");
        told.clear();
        var r = CsvScanner.scan(new ByteArrayInputStream(bytes("a\n1\n")), new ScanOptions(BIG, Set.of()), told::add);
        assertEquals(r.header(), told.get(0));
    }

    @Test
    void crlfFileKeepsItsTerminators() {
        var r = scan("a,b\r\n1,2\r\n3,4\r\n", BIG);
        assertArrayEquals(bytes("a,b\r\n"), r.header().line());
        assertEquals(List.of(new Part(0, 5, 15, 1, 2)), r.parts());
    }

    @Test
    void finalRecordWithoutNewlineIsARecord() {
        var r = scan("a,b\n1,2\n3,4", BIG);
        assertEquals(2, r.dataRows());
        assertEquals(List.of(new Part(0, 4, 11, 1, 2)), r.parts());
    }

    @Test
    void mixedLineEndingsAreAllowed() {
        var r = scan("a\r\n1\n2\r\n3", BIG);
        assertEquals(3, r.dataRows());
        assertEquals(List.of(new Part(0, 3, 9, 1, 3)), r.parts());
    }

    @Test
    void utf8BomIsNeitherInTheHeaderLineNorInAnyPart() {
        byte[] csv = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes("email;name\nx@y.se;Åsa\n"));
        var r = scan(csv, BIG, "email");
        assertEquals(3, r.header().bomLength());
        assertEquals(List.of("email", "name"), r.header().columns());
        assertArrayEquals(bytes("email;name\n"), r.header().line());
        assertEquals(List.of(new Part(0, 14, csv.length, 1, 1)), r.parts());
    }

    @ParameterizedTest
    @ValueSource(strings = {",", ";", "\t", "|"})
    void detectsEveryDelimiter(String d) {
        String csv = String.join(d, "email", "first name", "\"a" + d + "b\"") + "\n" + String.join(d, "x@y", "Ann", "1")
                + "\n";
        var r = scan(csv, BIG, "a" + d + "b");
        assertEquals(d.charAt(0), r.header().delimiter());
        assertEquals(List.of("email", "first name", "a" + d + "b"), r.header().columns());
        assertEquals(1, r.dataRows());
    }

    @Test
    void delimiterIsTheMostFrequentOutsideQuotesAndTiesGoToComma() {
        assertEquals(';', scan("\"a,b,c\";d;e\n", BIG).header().delimiter());
        assertEquals(',', scan("a;b,c\n", BIG).header().delimiter());
        assertEquals(',', scan("a;b|c\n", BIG).header().delimiter());
        assertEquals(',', scan("email\n", BIG).header().delimiter());
        assertEquals('|', scan("a|b|c;d\n", BIG).header().delimiter());
    }

    @Test
    void headerColumnsAreUnquotedPerRfc4180AndSpacesKept() {
        var r = scan("\"e-mail\",\"say \"\"hi\"\"\", name ,\"multi\nline\"\n1,2,3,4\n", BIG);
        assertEquals(
                List.of("e-mail", "say \"hi\"", " name ", "multi\nline"),
                r.header().columns());
        assertEquals(1, r.dataRows());
        assertEquals(1, r.parts().size());
    }

    // ------------------------------------------------------------------ empty and header-only

    @Test
    void emptyFilesHaveNoHeader() {
        for (byte[] csv : List.of(
                new byte[0],
                new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                bytes(" \n\r\n\t \n\n"),
                bytes("  "))) {
            var r = scan(csv, BIG, "email");
            assertNull(r.header());
            assertTrue(r.isEmptyFile());
            assertEquals(0, r.dataRows());
            assertEquals(csv.length, r.totalBytes());
            assertEquals(List.of(), r.parts());
        }
    }

    @Test
    void headerOnlyFilesHaveNoParts() {
        var withNewline = scan("email,name\n", BIG, "email");
        assertEquals(List.of("email", "name"), withNewline.header().columns());
        assertEquals(0, withNewline.dataRows());
        assertEquals(List.of(), withNewline.parts());

        var without = scan("email,name", BIG);
        assertArrayEquals(bytes("email,name"), without.header().line(), "kept as in the file, no newline added");
        assertEquals(List.of(), without.parts());

        var blankLinesOnly = scan("email\n\n\r\n\n", BIG);
        assertEquals(0, blankLinesOnly.dataRows());
        assertEquals(List.of(), blankLinesOnly.parts());
    }

    @Test
    void blankLinesBeforeTheHeaderAreSkipped() {
        var r = scan("\n  \r\nemail\nx\n", BIG);
        assertArrayEquals(bytes("email\n"), r.header().line());
        assertEquals(List.of(new Part(0, 11, 13, 1, 1)), r.parts());
    }

    // ------------------------------------------------------------------ blank lines and quotes in data

    @Test
    void blankLinesAreNotRowsButStayInsideTheParts() {
        var r = scan("a\n\n1\n\r\n\n2\n\n", BIG);
        assertEquals(2, r.dataRows());
        assertEquals(List.of(new Part(0, 2, 11, 1, 2)), r.parts());
    }

    @Test
    void whitespaceOnlyLinesAndEmptyQuotedFieldsAreRecords() {
        var r = scan("a\n \n\"\"\n", BIG);
        assertEquals(2, r.dataRows());
    }

    @Test
    void quotedFieldsMayHoldDelimitersQuotesCrAndLf() {
        var r = scan("a,b\n\"x,\"\"y\"\"\r\nz\",\"\r\"\n2,\"\"\"\"\n", BIG);
        assertEquals(2, r.dataRows());
    }

    @Test
    void aQuoteInsideAnUnquotedFieldIsData() {
        var r = scan("a,b\n1,5\" screen\n2,3\n", BIG);
        assertEquals(2, r.dataRows());
    }

    @Test
    void textAfterAClosingQuoteContinuesTheField() {
        var r = scan("a,b\n\"x\"y,2\n3,4\n", BIG);
        assertEquals(2, r.dataRows());
    }

    // ------------------------------------------------------------------ part cutting

    @Test
    void partsAreGreedyAndEndExactlyAtTheLimit() {
        // header 2 bytes, records 4 bytes each: limit 10 leaves 8 bytes = 2 records per part
        var r = scan("h\n111\n222\n333\n444\n555\n", 10);
        assertEquals(
                List.of(new Part(0, 2, 10, 1, 2), new Part(1, 10, 18, 3, 2), new Part(2, 18, 22, 5, 1)), r.parts());
        for (Part p : r.parts()) {
            assertTrue(p.size(r.header()) <= 10);
        }
        assertEquals(10, r.parts().get(0).size(r.header()));
    }

    @Test
    void aQuotedFieldWithNewlinesIsNeverCutWhereALineBasedSplitWould() {
        // a line-based split at 12 bytes would cut inside row 2's quoted note
        String csv = "id,note\n1,a\n2,\"x\ny\nz\"\n3,b\n";
        var r = scan(csv, 8 + 10);
        assertEquals(
                List.of(new Part(0, 8, 12, 1, 1), new Part(1, 12, 22, 2, 1), new Part(2, 22, 26, 3, 1)), r.parts());
        assertPartsReparse(bytes(csv), r);
    }

    @Test
    void cutsRightAfterAClosingQuoteAndBeforeAnOpeningOne() {
        String csv = "a,b\n\"1\",\"x\"\n\"2\",\"y\"\n\"3\",\"z\"\n";
        var r = scan(csv, 4 + 8);
        assertEquals(3, r.parts().size());
        assertEquals(
                List.of(new Part(0, 4, 12, 1, 1), new Part(1, 12, 20, 2, 1), new Part(2, 20, 28, 3, 1)), r.parts());
        assertPartsReparse(bytes(csv), r);
    }

    @Test
    void crlfIsNeverSplitBetweenParts() {
        String csv = "h\r\n12\r\n34\r\n56\r\n";
        var r = scan(csv, 3 + 4 + 4);
        assertEquals(List.of(new Part(0, 3, 11, 1, 2), new Part(1, 11, 15, 3, 1)), r.parts());
    }

    @Test
    void blankLinesThatFitNeitherNeighbourAreLeftOut() {
        // header 2 + budget 4: "aaa\n" fills part 0; "\n" does not fit it; "\n" + "bbb\n" is 5 > 4
        var r = scan("h\naaa\n\nbbb\n\n", 6);
        assertEquals(List.of(new Part(0, 2, 6, 1, 1), new Part(1, 7, 11, 2, 1)), r.parts());
        // with room, the blank line travels with the next record
        var roomy = scan("h\naaa\n\nbb\n\n", 6);
        assertEquals(List.of(new Part(0, 2, 6, 1, 1), new Part(1, 6, 10, 2, 1)), roomy.parts());
    }

    @Test
    void multiByteUtf8AcrossEveryBufferBoundary() throws IOException {
        String csv = "name\n" + "é日😀x\n".repeat(5) + "\"😀\n日\"\n";
        var r = scan(csv, BIG);
        assertEquals(6, r.dataRows());
        for (int b = 4; b <= 20; b++) {
            assertEquals(r, CsvScanner.scan(new ByteArrayInputStream(bytes(csv)), new ScanOptions(BIG, Set.of()), b));
        }
    }

    // ------------------------------------------------------------------ encodings

    @Test
    void latin1IsRejectedNamingRowLineAndOffset() {
        byte[] csv = concat(
                bytes("email,city\na@b,Malm"),
                new byte[] {(byte) 0xF6},
                bytes("\nc@d,G"),
                new byte[] {(byte) 0xE9},
                bytes("vle\n"));
        var e = rejects(CsvEncodingException.class, csv);
        assertEquals(1, e.row());
        assertEquals(2, e.line());
        assertEquals(19, e.byteOffset());
        assertContains(e.getMessage(), "row 1 (line 2, byte offset 19)", "0xF6", "Windows-1252", "UTF-8");
    }

    @Test
    void latin1InTheHeaderIsRejected() {
        byte[] csv = concat(bytes("email,f"), new byte[] {(byte) 0xF6}, bytes("delsedag\nx,y\n"));
        var e = rejects(CsvEncodingException.class, csv);
        assertEquals(0, e.row());
        assertEquals(1, e.line());
        assertContains(e.getMessage(), "in the header (line 1, byte offset 7)", "Latin-1");
    }

    @Test
    void windows1252SmartQuoteIsRejected() {
        byte[] csv = concat(bytes("a\nok\nit"), new byte[] {(byte) 0x92}, bytes("s\n"));
        var e = rejects(CsvEncodingException.class, csv);
        assertEquals(2, e.row());
        assertContains(e.getMessage(), "0x92", "Windows-1252");
    }

    @Test
    void invalidUtf8InsideAQuotedFieldIsRejected() {
        byte[] csv = concat(bytes("a\n\"x\ny"), new byte[] {(byte) 0xE6, (byte) 0x97}, bytes("\"\n"));
        var e = rejects(CsvEncodingException.class, csv);
        assertEquals(1, e.row());
        assertEquals(3, e.line());
        assertEquals(6, e.byteOffset());
    }

    @Test
    void overlongAndSurrogateEncodingsAreRejected() {
        for (byte[] bad : List.of(
                new byte[] {(byte) 0xC0, (byte) 0xAF},
                new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80})) {
            var e = rejects(CsvEncodingException.class, concat(bytes("a\n"), bad, bytes("\n")));
            assertEquals(2, e.byteOffset(), Arrays.toString(bad));
        }
        var surrogate = rejects(
                CsvEncodingException.class, concat(bytes("a\n"), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
        assertContains(surrogate.getMessage(), "surrogate");
    }

    @Test
    void truncatedSequenceAtEndOfFileIsRejected() {
        var e = rejects(
                CsvEncodingException.class, concat(bytes("a\nx"), new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}));
        assertEquals(3, e.byteOffset());
        assertContains(e.getMessage(), "cut off");
    }

    @Test
    void utf16And32ByteOrderMarksAreRejected() {
        assertContains(
                rejects(CsvEncodingException.class, new byte[] {(byte) 0xFF, (byte) 0xFE, 'a', 0, '\n', 0})
                        .getMessage(),
                "UTF-16 LE",
                "line 1",
                "byte offset 0",
                "Re-export");
        assertContains(
                rejects(CsvEncodingException.class, new byte[] {(byte) 0xFE, (byte) 0xFF, 0, 'a'})
                        .getMessage(),
                "UTF-16 BE");
        assertContains(
                rejects(CsvEncodingException.class, new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0, 'a', 0, 0, 0})
                        .getMessage(),
                "UTF-32 LE");
        assertContains(
                rejects(CsvEncodingException.class, new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF})
                        .getMessage(),
                "UTF-32 BE");
    }

    @Test
    void utf16WithoutBomIsRejectedByItsNulBytes() {
        var header = rejects(CsvEncodingException.class, "a,b\n".getBytes(java.nio.charset.StandardCharsets.UTF_16LE));
        assertContains(header.getMessage(), "NUL", "UTF-16");
        var data = rejects(CsvEncodingException.class, concat(bytes("a\n1\n"), new byte[] {'2', 0, '\n'}));
        assertEquals(2, data.row());
        assertEquals(5, data.byteOffset());
    }

    // ------------------------------------------------------------------ header and columns

    @Test
    void missingColumnsNameWhatIsMissingAndWhatIsThere() {
        var e = rejects(
                CsvMissingColumnsException.class,
                bytes("Email;first name;address\nx;y;z\n"),
                BIG,
                "email",
                "address",
                "mens-clothing-shoes");
        assertEquals(List.of("email", "mens-clothing-shoes"), List.copyOf(e.missing()));
        assertEquals(List.of("Email", "first name", "address"), e.present());
        assertContains(
                e.getMessage(),
                "'email'",
                "'mens-clothing-shoes'",
                "['Email', 'first name', 'address']",
                "delimiter ';'",
                "differ only in case");
    }

    @Test
    void requiredColumnsAreCheckedBeforeReadingTheData() {
        // an invalid byte in the data does not hide the header problem
        byte[] csv = concat(bytes("a,b\n"), new byte[] {(byte) 0xFF}, bytes("\n"));
        rejects(CsvMissingColumnsException.class, csv, BIG, "c");
    }

    @Test
    void duplicateAndEmptyColumnNamesAreRejected() {
        assertContains(
                rejects(CsvMalformedException.class, bytes("email,name,email\n1,2,3\n"))
                        .getMessage(),
                "'email' appears twice",
                "columns 1 and 3");
        assertContains(
                rejects(CsvMalformedException.class, bytes("email,,name\n")).getMessage(), "Column 2 of 3");
        assertContains(
                rejects(CsvMalformedException.class, bytes("email,name,\n")).getMessage(), "delimiter at the end");
    }

    @Test
    void unterminatedQuoteInTheHeaderIsRejected() {
        var e = rejects(CsvMalformedException.class, bytes("\"email,name\nx,y\n"));
        assertEquals(0, e.row());
        assertContains(e.getMessage(), "header");
    }

    // ------------------------------------------------------------------ malformed data

    @Test
    void unterminatedQuotedFieldNamesTheRowWhereItOpened() {
        var e = rejects(CsvMalformedException.class, bytes("a,b\n1,2\n3,\"open\n4,5\n6,7\n"));
        assertEquals(2, e.row());
        assertEquals(3, e.line());
        assertEquals(10, e.byteOffset());
        assertContains(e.getMessage(), "row 2 (line 3, byte offset 10)");
    }

    @Test
    void loneCarriageReturnsAreRejected() {
        var header = rejects(CsvMalformedException.class, bytes("a,b\r1,2\r"));
        assertEquals(0, header.row());
        assertContains(header.getMessage(), "carriage return", "LF or CRLF");
        var data = rejects(CsvMalformedException.class, bytes("a\n1\n2\r3\n"));
        assertEquals(2, data.row());
        assertEquals(5, data.byteOffset());
        var atEnd = rejects(CsvMalformedException.class, bytes("a\n1\r"));
        assertEquals(1, atEnd.row());
    }

    @Test
    void aRecordLargerThanThePartLimitNamesItsRowAndSize() {
        // the default buffer sees the whole record; small buffers stop early ("at least …")
        var e = assertThrows(
                CsvRecordTooLargeException.class,
                () -> CsvScanner.scan(new ByteArrayInputStream(bytes("id\n1\n22222222\n3\n")), options(3 + 6)));
        for (int b : BUFFERS) {
            var small = assertThrows(
                    CsvRecordTooLargeException.class,
                    () -> CsvScanner.scan(new ByteArrayInputStream(bytes("id\n1\n22222222\n3\n")), options(3 + 6), b));
            assertEquals(2, small.row());
        }
        assertEquals(2, e.row());
        assertEquals(3, e.line());
        assertEquals(3 + 9, e.size());
        assertEquals(9, e.maxPartBytes());
        assertContains(e.getMessage(), "Row 2 (line 3)", "12 bytes", "limit of 9 bytes");
    }

    @Test
    void aHugeRecordIsRejectedWithoutReadingTheRestOfTheFile() throws IOException {
        var reads = new int[1];
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (++reads[0] > 1000) {
                    throw new AssertionError("kept reading");
                }
                byte[] h = bytes("id\n\"");
                int k = 0;
                for (; k < len; k++) {
                    b[off + k] = reads[0] == 1 && k < h.length ? h[k] : (byte) 'x';
                }
                return len;
            }
        };
        var e = assertThrows(
                CsvRecordTooLargeException.class, () -> CsvScanner.scan(endless, new ScanOptions(1000, Set.of()), 64));
        assertEquals(1, e.row());
        assertContains(e.getMessage(), "at least", "still open");
    }

    @Test
    void aHeaderThatFillsThePartLimitIsRejectedWithRowZero() {
        var e = rejects(CsvRecordTooLargeException.class, bytes("email,name\nx,y\n"), 11);
        assertEquals(0, e.row());
        assertContains(e.getMessage(), "header line alone");
    }

    @Test
    void aHeaderLineWithoutEndIsNotACsvFile() {
        byte[] csv = new byte[CsvScanner.MAX_HEADER_BYTES + 10];
        Arrays.fill(csv, (byte) 'a');
        assertContains(rejects(CsvMalformedException.class, csv).getMessage(), "does not look like a CSV");
    }

    // ------------------------------------------------------------------ records

    @Test
    void headerEqualityIsByContent() {
        var a = new CsvHeader(List.of("x"), ',', 0, bytes("x\n"));
        var b = new CsvHeader(List.of("x"), ',', 0, bytes("x\n"));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertTrue(a.toString().contains("2 bytes"));
        byte[] line = a.line();
        line[0] = 'y';
        assertEquals(b, a, "line() hands out a copy");
    }

    @Test
    void optionsKeepTheRequiredColumnsInOrderAndRejectNonsense() {
        var o = ScanOptions.of(new LinkedHashSet<>(List.of("z", "a", "m")));
        assertEquals(ScanOptions.DEFAULT_MAX_PART_BYTES, o.maxPartBytes());
        assertEquals(List.of("z", "a", "m"), List.copyOf(o.requiredColumns()));
        assertThrows(IllegalArgumentException.class, () -> new ScanOptions(0, Set.of()));
        assertThrows(NullPointerException.class, () -> new ScanOptions(10, null));
        assertThrows(IllegalArgumentException.class, () -> new Part(0, 5, 5, 1, 1));
    }

    @Test
    void theStreamIsReadToItsEndAndLeftOpen() throws IOException {
        var closed = new boolean[1];
        var in = new ByteArrayInputStream(bytes("a\n1\n")) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        CsvScanner.scan(in, options(BIG));
        assertEquals(-1, in.read());
        assertTrue(!closed[0]);
    }

    // ------------------------------------------------------------------ helpers

    static ScanResult scan(String csv, long max, String... required) {
        return scan(bytes(csv), max, required);
    }

    static ScanResult scan(byte[] csv, long max, String... required) {
        ScanResult first = null;
        for (int b : BUFFERS) {
            ScanResult r;
            try {
                r = CsvScanner.scan(new ByteArrayInputStream(csv), options(max, required), b);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            if (first == null) {
                first = r;
            } else {
                assertEquals(first, r, "buffer size " + b);
            }
        }
        return first;
    }

    static <T extends CsvRejectedException> T rejects(Class<T> type, byte[] csv) {
        return rejects(type, csv, BIG);
    }

    static <T extends CsvRejectedException> T rejects(Class<T> type, byte[] csv, long max, String... required) {
        T first = null;
        for (int b : BUFFERS) {
            T e = assertThrows(
                    type,
                    () -> CsvScanner.scan(new ByteArrayInputStream(csv), options(max, required), b),
                    "buffer size " + b);
            if (first == null) {
                first = e;
            } else {
                assertEquals(first.getMessage(), e.getMessage(), "buffer size " + b);
            }
        }
        return first;
    }

    static ScanOptions options(long max, String... required) {
        return new ScanOptions(max, new LinkedHashSet<>(List.of(required)));
    }

    /** Each part, prefixed with the header line, parses to the header and exactly its records. */
    static void assertPartsReparse(byte[] src, ScanResult r) {
        byte d = (byte) r.header().delimiter();
        int dataStart = r.header().bomLength() + r.header().lineLength();
        var expected = RefCsv.records(src, dataStart, src.length, d);
        var got = new java.util.ArrayList<List<String>>();
        for (Part p : r.parts()) {
            byte[] file = concat(r.header().line(), Arrays.copyOfRange(src, (int) p.start(), (int) p.end()));
            var recs = RefCsv.records(file, 0, file.length, d);
            assertEquals(r.header().columns(), recs.get(0));
            assertEquals(p.rows(), recs.size() - 1);
            got.addAll(recs.subList(1, recs.size()));
        }
        assertEquals(expected, got);
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "'" + p + "' not in: " + message);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    static byte[] concat(byte[]... arrays) {
        var out = new ByteArrayOutputStream();
        for (byte[] a : arrays) {
            out.writeBytes(a);
        }
        return out.toByteArray();
    }
}
