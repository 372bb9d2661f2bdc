package io.apsisimport.landing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

// Unit tests: the largest file a stack imports, and the messages that name the file and the limit.
class LimitsTest {
    @Test
    void aFileOver5GbIsRefusedNamingTheFileAndTheLimit() {
        assertDoesNotThrow(() -> Limits.checkSize("inbox/a.csv", Limits.MAX_FILE_BYTES));
        var e = assertThrows(FileTooLargeException.class, () -> Limits.checkSize("inbox/big.csv", 6_200_000_000L));
        assertEquals(
                "inbox/big.csv is 6,200,000,000 bytes; the largest file this stack imports is 5,000,000,000 bytes"
                        + " (5 GB: moving it to archive/ is one S3 copy). Split it and drop the pieces.",
                e.getMessage());
    }

    @Test
    void aFileOfTooManyPartsIsRefusedSayingWhatToChange() {
        assertDoesNotThrow(() -> Limits.checkParts("inbox/a.csv", Limits.MAX_PARTS, 50_000_000L));
        var e = assertThrows(FileTooLargeException.class, () -> Limits.checkParts("inbox/a.csv", 129, 1_048_576L));
        assertTrue(
                e.getMessage()
                        .startsWith("inbox/a.csv needs 129 parts of at most 1,048,576 bytes (MaxPartBytes);"
                                + " a file may have at most 128 parts"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Raise MaxPartBytes"), e.getMessage());
    }

    @Test
    void aFileOf5GbFitsInTheAllowedPartsAtTheDefaultPartSize() {
        assertTrue(
                Limits.minimumParts(Limits.MAX_FILE_BYTES, 50_000_000L) <= Limits.MAX_PARTS * 0.8,
                "room for parts that records do not fill");
        assertEquals(1, Limits.minimumParts(10, 50_000_000L));
    }
}
