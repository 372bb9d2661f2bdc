package io.apsisimport.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.junit.jupiter.api.Test;

// Unit tests of the zip reader on in-memory archives: exactly one CSV is taken (macOS metadata and
// folders aside), anything else is refused naming what the archive holds, before any data is read;
// damaged, truncated and mislabelled archives; the zip-bomb limits on the declared size.
class ZipCsvEntryTest {

    record Entry(String name, byte[] data, boolean stored) {
        static Entry of(String name, byte[] data) {
            return new Entry(name, data, false);
        }
    }

    static byte[] zip(Entry... entries) {
        var out = new ByteArrayOutputStream();
        try (var z = new ZipOutputStream(out)) {
            for (Entry e : entries) {
                var ze = new ZipEntry(e.name());
                if (e.stored()) {
                    var crc = new CRC32();
                    crc.update(e.data());
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.data().length);
                    ze.setCrc(crc.getValue());
                }
                z.putNextEntry(ze);
                z.write(e.data());
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An in-memory archive that counts the bytes read from it. */
    static final class Counted extends SeekableInMemoryByteChannel {
        long read;

        Counted(byte[] data) {
            super(data);
        }

        @Override
        public int read(ByteBuffer buf) throws IOException {
            int r = super.read(buf);
            read += Math.max(0, r);
            return r;
        }
    }

    static byte[] readEntry(byte[] zip) throws IOException {
        try (var entry = ZipCsvEntry.open(new SeekableInMemoryByteChannel(zip), ExpansionLimits.DEFAULTS);
                var data = entry.data()) {
            return data.readAllBytes();
        }
    }

    @Test
    void theOneCsvIsReadDeflatedOrStored() throws IOException {
        byte[] csv = Gz.csv(3000);
        assertArrayEquals(csv, readEntry(zip(Entry.of("profiles.csv", csv))));
        assertArrayEquals(csv, readEntry(zip(new Entry("export/Profiles.CSV", csv, true))));
        try (var entry = ZipCsvEntry.open(
                new SeekableInMemoryByteChannel(zip(Entry.of("p.csv", csv))), ExpansionLimits.DEFAULTS)) {
            assertEquals("p.csv", entry.name());
            assertEquals(csv.length, entry.declaredSize());
        }
    }

    @Test
    void foldersAndMacOsMetadataAreNotFiles() throws IOException {
        byte[] csv = Gz.csv(10);
        byte[] mac = zip(
                Entry.of("export/", new byte[0]),
                Entry.of("export/profiles.csv", csv),
                Entry.of("__MACOSX/export/._profiles.csv", new byte[] {0, 5, 22, 7}),
                Entry.of("export/.DS_Store", new byte[8]));
        assertArrayEquals(csv, readEntry(mac));
    }

    @Test
    void twoFilesAreRefusedBeforeAnythingIsDecompressedNamingBoth() {
        byte[] archive = zip(Entry.of("profiles.csv", Gz.csv(2000)), Entry.of("readme.txt", "hello".getBytes()));
        var channel = new Counted(archive);
        var e = assertThrows(ArchiveContentsException.class, () -> ZipCsvEntry.open(channel, ExpansionLimits.DEFAULTS));
        assertEquals(List.of("profiles.csv", "readme.txt"), e.entries());
        assertTrue(
                e.getMessage().contains("2 files: profiles.csv (")
                        && e.getMessage().contains("readme.txt (5 bytes)"),
                e.getMessage());
        assertTrue(channel.read < 1000, "only the directory was read: " + channel.read + " bytes of " + archive.length);
        assertTrue(!channel.isOpen(), "closed on failure");
    }

    @Test
    void anythingButOneCsvIsRefusedSayingWhatItIs() {
        var notCsv = assertThrows(
                ArchiveContentsException.class, () -> readEntry(zip(Entry.of("profiles.xlsx", new byte[10]))));
        assertTrue(
                notCsv.getMessage().contains("1 file: profiles.xlsx (10 bytes) (not named .csv)"), notCsv.getMessage());
        var none = assertThrows(ArchiveContentsException.class, () -> readEntry(zip(Entry.of("empty/", new byte[0]))));
        assertTrue(none.getMessage().contains("it holds no file"), none.getMessage());
        Entry[] many = new Entry[13];
        for (int i = 0; i < many.length; i++) {
            many[i] = Entry.of("part-" + i + ".csv", Gz.csv(1));
        }
        var e = assertThrows(ArchiveContentsException.class, () -> readEntry(zip(many)));
        assertTrue(
                e.getMessage().contains("13 files: part-0.csv")
                        && e.getMessage().contains("and 3 more"),
                e.getMessage());
        assertEquals(13, e.entries().size());
    }

    @Test
    void anArchiveOfThousandsOfEntriesIsRefusedWithoutHoldingItsDirectory() {
        Entry[] many = new Entry[20_000];
        for (int i = 0; i < many.length; i++) {
            many[i] = new Entry("f" + i + ".csv", new byte[0], true);
        }
        var e = assertThrows(ArchiveContentsException.class, () -> readEntry(zip(many)));
        assertTrue(e.getMessage().contains("thousands of files"), e.getMessage());
    }

    @Test
    void aTruncatedZipFailsAtItsEnd() {
        byte[] archive = zip(Entry.of("p.csv", Gz.csv(2000)));
        for (int cut : new int[] {archive.length - 1, archive.length - 30, archive.length / 2, 10}) {
            byte[] truncated = Arrays.copyOf(archive, cut);
            var e = assertThrows(ArchiveCorruptException.class, () -> readEntry(truncated), "cut at " + cut);
            assertEquals(cut, e.compressedOffset());
            assertTrue(
                    e.getMessage().contains("truncated") && e.getMessage().contains("compressed byte " + cut),
                    e.getMessage());
        }
    }

    @Test
    void damagedDataOrAWrongCrcIsFoundWhileReading() {
        byte[] csv = Gz.csv(3000);
        byte[] archive = zip(Entry.of("p.csv", csv));
        int dataStart = 30 + "p.csv".length();
        for (int at = dataStart + 5; at < archive.length - 200; at += 301) {
            byte[] damaged = archive.clone();
            damaged[at] ^= 0x33;
            int flipped = at;
            var e = assertThrows(ArchiveCorruptException.class, () -> readEntry(damaged), "flip at " + at);
            assertTrue(
                    e.compressedOffset() >= dataStart && e.compressedOffset() <= archive.length,
                    "flip at " + flipped + " reported at " + e.compressedOffset());
        }
        byte[] badCrc = archive.clone();
        int cd = centralDirectory(archive);
        badCrc[cd + 16] ^= 1;
        var e = assertThrows(ArchiveCorruptException.class, () -> readEntry(badCrc));
        assertTrue(e.getMessage().contains("CRC-32"), e.getMessage());
    }

    @Test
    void anEncryptedEntryIsRefusedAsAFormatWeDoNotRead() {
        byte[] archive = zip(Entry.of("p.csv", Gz.csv(10)));
        archive[6] |= 1; // local header: general purpose bit 0, encrypted
        archive[centralDirectory(archive) + 8] |= 1;
        var e = assertThrows(ArchiveFormatException.class, () -> readEntry(archive));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }

    @Test
    void aFileThatIsNoZipSaysWhatItIs() {
        var plain = assertThrows(ArchiveFormatException.class, () -> readEntry(Gz.csv(10)));
        assertTrue(plain.getMessage().contains("plain CSV"), plain.getMessage());
        var gz = assertThrows(ArchiveFormatException.class, () -> readEntry(Gz.gzip(Gz.csv(10))));
        assertTrue(gz.getMessage().contains("It is gzip"), gz.getMessage());
    }

    @Test
    void aZipBombIsRefusedByItsDeclaredSizeBeforeAnyDataIsRead() {
        byte[] row = "bomb@example.com,x\n".getBytes();
        byte[] big = new byte[50_000_000 - 50_000_000 % row.length];
        for (int i = 0; i < big.length; i += row.length) {
            System.arraycopy(row, 0, big, i, row.length);
        }
        byte[] archive = zip(Entry.of("bomb.csv", big));
        assertTrue(archive.length * 100L < big.length, "a bomb: " + archive.length + " bytes");
        var channel = new Counted(archive);
        var e = assertThrows(ArchiveTooLargeException.class, () -> ZipCsvEntry.open(channel, ExpansionLimits.DEFAULTS));
        assertTrue(
                e.getMessage().contains("says it expands to") && e.getMessage().contains("MaxCompressionRatio"),
                e.getMessage());
        assertTrue(channel.read < 1000, "no data read: " + channel.read);
        var tight = new ExpansionLimits(1_000_000, 1000);
        var size = assertThrows(
                ArchiveTooLargeException.class,
                () -> ZipCsvEntry.open(new SeekableInMemoryByteChannel(archive), tight));
        assertTrue(size.getMessage().contains("MaxDecompressedBytes"), size.getMessage());
    }

    /** Offset of the (single) central directory header ("PK\1\2") of a one-entry archive. */
    static int centralDirectory(byte[] zip) {
        for (int i = zip.length - 22; i >= 0; i--) {
            if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 1 && zip[i + 3] == 2) {
                return i;
            }
        }
        throw new IllegalArgumentException("no central directory");
    }
}
