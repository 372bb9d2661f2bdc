package io.apsisimport.sim;

// Unit tests of the simulator's streaming multipart reader, with reads split at every size.

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartStreamTest {

    static final String BODY = "preamble\r\n--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk1\r\n"
            + "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".csv\"\r\nContent-Type: text/csv\r\n\r\n"
            + "x\r\n--xy\r\n-xyz not yet\r\n\r\n--xyz--\r\nepilogue";

    /** Serves at most {@code max} bytes per read, to cross every buffer edge. */
    static InputStream trickle(byte[] bytes, int max) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, max));
            }
        };
    }

    @Test
    void readsPartsAcrossArbitraryReadSizes() throws Exception {
        for (int max : new int[] {1, 2, 5, 13, 4096}) {
            MultipartStream m = new MultipartStream(trickle(BODY.getBytes(StandardCharsets.UTF_8), max), "xyz");
            var key = m.nextPart();
            assertEquals("key", key.name());
            assertEquals("k1", m.readText(100));
            var file = m.nextPart();
            assertEquals("file", file.name());
            assertEquals("a \"b\".csv", file.filename());
            assertEquals("text/csv", file.headers().get("content-type"));
            assertEquals(
                    "x\r\n--xy\r\n-xyz not yet\r\n",
                    new String(m.body().readAllBytes(), StandardCharsets.UTF_8),
                    "read size " + max);
            assertNull(m.nextPart());
        }
    }

    @Test
    void skipsUnreadPartsAndRejectsTruncatedBodies() throws Exception {
        MultipartStream m = new MultipartStream(trickle(BODY.getBytes(StandardCharsets.UTF_8), 3), "xyz");
        List<String> names = new ArrayList<>();
        MultipartStream.PartHeaders p;
        while ((p = m.nextPart()) != null) {
            names.add(p.name());
        }
        assertEquals(List.of("key", "file"), names);

        String truncated = BODY.substring(0, BODY.indexOf("--xyz--"));
        MultipartStream t =
                new MultipartStream(new ByteArrayInputStream(truncated.getBytes(StandardCharsets.UTF_8)), "xyz");
        t.nextPart();
        t.nextPart();
        assertThrows(IOException.class, () -> t.body().readAllBytes());
    }

    @Test
    void boundaryComesFromTheContentType() {
        assertEquals("abc", MultipartStream.boundaryOf("multipart/form-data; boundary=abc"));
        assertEquals("a b", MultipartStream.boundaryOf("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""));
        assertNull(MultipartStream.boundaryOf("application/json"));
        assertNull(MultipartStream.boundaryOf(null));
    }
}
