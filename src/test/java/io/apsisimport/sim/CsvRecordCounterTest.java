package io.apsisimport.sim;

// Unit tests of the simulator's streaming RFC 4180 record counter.

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvRecordCounterTest {

    static CsvRecordCounter.Result count(String csv, String key, int chunk) {
        byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
        CsvRecordCounter counter = new CsvRecordCounter(key);
        for (int i = 0; i < bytes.length; i += chunk) {
            counter.update(bytes, i, Math.min(chunk, bytes.length - i));
        }
        return counter.finish();
    }

    @Test
    void countsRecordsWhateverTheChunking() {
        String csv =
                "\uFEFF\"e-mail\",name\r\na@x,\"Ann\r\n\"\"the\"\" Ander,son\"\r\n\r\nb@x,Bob\n ,blank key\r\nc@x,no newline at end";
        for (int chunk : new int[] {1, 2, 3, 7, 1024}) {
            var r = count(csv, "e-mail", chunk);
            assertEquals(List.of("e-mail", "name"), r.header(), "chunk " + chunk);
            assertEquals(4, r.records(), "chunk " + chunk);
            assertEquals(1, r.blankKeyRecords(), "chunk " + chunk);
        }
    }

    @Test
    void detectsTheDelimiterFromTheHeader() {
        var r = count("email;name;\"a;b\"\nx@y;Z;1\n", "email", 4);
        assertEquals(';', r.delimiter());
        assertEquals(List.of("email", "name", "a;b"), r.header());
        assertEquals(1, r.records());
        assertEquals(0, r.blankKeyRecords());
        assertEquals('\t', count("a\tb\n1\t2\n", null, 3).delimiter());
        assertEquals('|', count("a|b|c\n", null, 3).delimiter());
    }

    @Test
    void headerOnlyAndEmptyFiles() {
        assertEquals(0, count("email\n", "email", 5).records());
        assertEquals(0, count("email", "email", 5).records());
        assertEquals(0, count("", "email", 5).records());
        assertEquals(0, count("\uFEFF", "email", 1).records());
        assertEquals(List.of("ab"), count("ab", null, 1).header());
    }
}
