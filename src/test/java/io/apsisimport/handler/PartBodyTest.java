package io.apsisimport.handler;

// What "Upload file" sends for a part, without S3: its source object, length and name.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.apsisimport.contract.HeaderRef;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.contract.UploadPartInput;
import org.junit.jupiter.api.Test;

class PartBodyTest {
    private static UploadPartInput input(String readKey) {
        return new UploadPartInput(
                "b",
                "inbox/f.csv",
                "etag",
                "v1",
                "arn:exec",
                new PartPlan(1, 100, 250, 10, 5, 150, "f-p002"),
                2,
                new HeaderRef(0, 12),
                "import-1",
                readKey);
    }

    @Test
    void thePartIsReadFromTheDropPinnedToItsVersionOrFromTheWorkObject() {
        var drop = PartBody.source(input(null));
        assertEquals("inbox/f.csv", drop.key());
        assertEquals("etag", drop.eTag());
        assertEquals("v1", drop.versionId());
        assertEquals(drop, PartBody.source(input("inbox/f.csv")));
        var work = PartBody.source(input("work/f.csv"));
        assertEquals("work/f.csv", work.key());
        assertNull(work.eTag());
        assertNull(work.versionId());
    }

    @Test
    void thePartSendsItsHeaderLineAndItsRecords() {
        assertEquals(12 + 150, PartBody.length(input(null)));
    }

    @Test
    void apsisShowsTheBaseNameWithThePartNumberWhenSplit() {
        assertEquals("f.csv", PartBody.fileName("inbox/f.csv", 0, 1));
        assertEquals("f.part-2-of-3.csv", PartBody.fileName("inbox/f.csv", 1, 3));
        assertEquals("noext.part-1-of-2.csv", PartBody.fileName("noext", 0, 2));
        assertEquals(".csv.part-1-of-2.csv", PartBody.fileName("inbox/.csv", 0, 2), "a leading dot is no extension");
    }
}
