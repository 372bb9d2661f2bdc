package io.apsisimport.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;

// Unit tests of the gzip reader: every member, every buffer boundary, and each way a file can be
// damaged, with the compressed offset where decompression stopped.
class GzipReaderTest {

    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    @Test
    void aSingleMemberDecompressesToItsDataWhateverTheBufferSize() throws IOException {
        byte[] csv = Gz.csv(2000);
        byte[] gz = Gz.gzip(csv);
        for (int size : new int[] {1, 2, 3, 7, 10, 11, 64, 4096, 1 << 16}) {
            var reader = new GzipReader(new ByteArrayInputStream(gz), size);
            assertArrayEquals(csv, readAll(reader), "buffer " + size);
            assertEquals(1, reader.members());
            assertEquals(gz.length, reader.compressedOffset());
            assertEquals(csv.length, reader.decompressedBytes());
        }
    }

    @Test
    void everyMemberOfAMultiMemberFileIsRead() throws IOException {
        byte[] a = Gz.csv(500);
        byte[] b = "user@example.com,tail,\"x\"\n".getBytes(StandardCharsets.UTF_8);
        byte[] c = new byte[0]; // an empty member, as some writers leave at the end
        byte[] gz = Gz.members(a, b, c, b);
        var reader = new GzipReader(new ByteArrayInputStream(gz), 7);
        assertArrayEquals(Gz.concat(a, b, b), readAll(reader));
        assertEquals(4, reader.members());
    }

    @Test
    void membersAreFoundOnAStreamThatDeliversOneByteAtATimeAndSaysNothingIsAvailable() throws IOException {
        // Java 21's GZIPInputStream ends the file at a member boundary where available() is 0.
        byte[] a = Gz.csv(50);
        byte[] b = Gz.csv(60);
        InputStream trickle = new InputStream() {
            final ByteArrayInputStream in = new ByteArrayInputStream(Gz.members(a, b));

            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                return in.read(buf, off, Math.min(1, len));
            }

            @Override
            public int available() {
                return 0;
            }
        };
        assertArrayEquals(Gz.concat(a, b), readAll(new GzipReader(trickle)));
    }

    @Test
    void headerFieldsAreSkipped() throws IOException {
        byte[] data = "email\na@example.com\n".getBytes(StandardCharsets.UTF_8);
        var raw = new ByteArrayOutputStream();
        try (var d = new DeflaterOutputStream(raw, new Deflater(Deflater.DEFAULT_COMPRESSION, true))) {
            d.write(data);
        }
        var gz = new ByteArrayOutputStream();
        gz.write(new byte[] {0x1f, (byte) 0x8b, 8, 0x1e | 0x01, 0, 0, 0, 0, 0, 3}); // FTEXT FHCRC FEXTRA FNAME FCOMMENT
        gz.write(new byte[] {4, 0, 'a', 'b', 'c', 'd'});
        gz.writeBytes("profiles.csv\0".getBytes(StandardCharsets.ISO_8859_1));
        gz.writeBytes("exported\0".getBytes(StandardCharsets.ISO_8859_1));
        gz.write(new byte[] {0x12, 0x34});
        gz.writeBytes(raw.toByteArray());
        var crc = new CRC32();
        crc.update(data);
        gz.writeBytes(le32(crc.getValue()));
        gz.writeBytes(le32(data.length));
        assertArrayEquals(data, readAll(new GzipReader(new ByteArrayInputStream(gz.toByteArray()), 5)));
    }

    static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    @Test
    void aTruncatedFileFailsAtItsEndWhereverItWasCut() {
        byte[] gz = Gz.members(Gz.csv(3000), Gz.csv(10));
        int first = Gz.gzip(Gz.csv(3000)).length;
        for (int cut : new int[] {1, 5, 12, gz.length / 3, first - 8, first - 3, first + 4, gz.length - 1}) {
            byte[] truncated = Arrays.copyOf(gz, cut);
            var e = assertThrows(
                    ArchiveRejectedException.class,
                    () -> readAll(new GzipReader(new ByteArrayInputStream(truncated), 1000)),
                    "cut at " + cut);
            var corrupt = assertInstanceOfCorrupt(e, "cut at " + cut);
            assertEquals(cut, corrupt.compressedOffset(), "cut at " + cut + ": " + e.getMessage());
            assertTrue(
                    e.getMessage().contains("truncated") && e.getMessage().contains("compressed byte " + cut),
                    e.getMessage());
        }
    }

    static ArchiveCorruptException assertInstanceOfCorrupt(Exception e, String what) {
        assertTrue(e instanceof ArchiveCorruptException, what + ": " + e);
        return (ArchiveCorruptException) e;
    }

    @Test
    void damagedDataFailsAtOrAfterTheDamageAndNeverPassesUnnoticed() {
        byte[] gz = Gz.gzip(Gz.csv(3000));
        for (int at = 10; at < gz.length - 8; at += 97) {
            byte[] damaged = gz.clone();
            damaged[at] ^= 0x5a;
            var e = assertThrows(
                    ArchiveCorruptException.class,
                    () -> readAll(new GzipReader(new ByteArrayInputStream(damaged), 512)),
                    "flip at " + at);
            assertTrue(
                    e.compressedOffset() >= at && e.compressedOffset() <= gz.length,
                    "flip at " + at + " reported at " + e.compressedOffset());
        }
    }

    @Test
    void aWrongCrcOrLengthInTheTrailerIsDamage() {
        byte[] gz = Gz.gzip(Gz.csv(10));
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        var e = assertThrows(
                ArchiveCorruptException.class, () -> readAll(new GzipReader(new ByteArrayInputStream(badCrc))));
        assertEquals(gz.length - 8, e.compressedOffset());
        assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
        byte[] badSize = gz.clone();
        badSize[gz.length - 4] ^= 1;
        e = assertThrows(
                ArchiveCorruptException.class, () -> readAll(new GzipReader(new ByteArrayInputStream(badSize))));
        assertTrue(e.getMessage().contains("trailer"), e.getMessage());
    }

    @Test
    void dataAfterAMemberThatIsNotAMemberIsDamageNotTheEnd() {
        byte[] first = Gz.gzip(Gz.csv(10));
        for (byte[] tail : new byte[][] {{0}, {'x', 'y', 'z'}, {0x1f}, {0x1f, (byte) 0x8b, 7}}) {
            byte[] gz = Gz.concat(first, tail);
            var e = assertThrows(
                    ArchiveCorruptException.class,
                    () -> readAll(new GzipReader(new ByteArrayInputStream(gz))),
                    Arrays.toString(tail));
            assertTrue(e.compressedOffset() >= first.length, e.getMessage());
        }
    }

    @Test
    void aPlainCsvOrAnEmptyObjectNamedGzIsRefusedAsTheWrongFormat() {
        var plain = assertThrows(
                ArchiveFormatException.class,
                () -> readAll(new GzipReader(
                        new ByteArrayInputStream("email\na@example.com\n".getBytes(StandardCharsets.UTF_8)))));
        assertTrue(plain.getMessage().contains("plain CSV"), plain.getMessage());
        var zip = assertThrows(
                ArchiveFormatException.class,
                () -> readAll(new GzipReader(new ByteArrayInputStream(new byte[] {'P', 'K', 3, 4, 0, 0}))));
        assertTrue(zip.getMessage().contains(".zip"), zip.getMessage());
        var empty = assertThrows(
                ArchiveFormatException.class, () -> readAll(new GzipReader(InputStream.nullInputStream())));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    @Test
    void aFailureOfTheSourceIsTheSourcesNotDamage() {
        byte[] gz = Gz.gzip(Gz.csv(3000));
        var failure = new IOException("connection reset");
        InputStream failing = new InputStream() {
            int left = gz.length / 2;
            int at;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw failure;
                }
                return gz[at++] & 0xff;
            }
        };
        var e = assertThrows(IOException.class, () -> readAll(new GzipReader(failing, 100)));
        assertSame(failure, e);
    }
}
