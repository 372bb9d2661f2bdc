package io.apsisimport.source;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.utils.InputStreamStatistics;

/**
 * The one CSV file of a zip, read from its central directory (the zip's own table of contents, at
 * its end) so that an archive holding anything else is refused before a byte is decompressed, with
 * the list of what it holds. Directories and macOS metadata ({@code __MACOSX/…}, {@code .DS_Store})
 * do not count as files: a folder zipped in the Finder holds them besides the CSV.
 *
 * <p>Reading is Apache Commons Compress's {@link ZipFile} (STORED, DEFLATED, Deflate64, bzip2, Zip64)
 * over any {@link SeekableByteChannel}; in the pipeline an {@link S3ObjectChannel}. The entry's
 * CRC-32 and size are checked at its end (ZipFile does not); damaged data ends in
 * {@link ArchiveCorruptException} with the compressed offset reached.
 */
public final class ZipCsvEntry implements Closeable {
    /**
     * The most directory bytes read while opening: ZipFile keeps every entry in memory, and a real
     * export holds one. 1 MiB is some 10,000 entries.
     */
    static final long MAX_DIRECTORY_BYTES = 1 << 20;

    private static final int LISTED = 10;

    private final ZipFile zip;
    private final ZipArchiveEntry entry;
    private final SeekableByteChannel archive;
    private final long archiveSize;

    private ZipCsvEntry(ZipFile zip, ZipArchiveEntry entry, SeekableByteChannel archive, long archiveSize) {
        this.zip = zip;
        this.entry = entry;
        this.archive = archive;
        this.archiveSize = archiveSize;
    }

    /**
     * Opens the archive and picks its CSV entry, refusing anything but exactly one CSV file, an entry
     * it cannot read, or one whose declared size crosses {@code limits}. The channel is closed with
     * the returned object (or at once on failure).
     */
    public static ZipCsvEntry open(SeekableByteChannel archive, ExpansionLimits limits) throws IOException {
        long size = archive.size();
        var budgeted = new BudgetChannel(archive, MAX_DIRECTORY_BYTES);
        ZipFile zip;
        try {
            zip = ZipFile.builder()
                    .setSeekableByteChannel(budgeted)
                    .setIgnoreLocalFileHeader(true)
                    .get();
        } catch (IOException | RuntimeException e) {
            try {
                if (isSourceFailure(e)) {
                    throw e;
                }
                if (budgeted.exceeded()) {
                    throw new ArchiveContentsException(
                            "the zip must hold exactly one CSV file, but its directory alone is over "
                                    + MAX_DIRECTORY_BYTES + " bytes: it holds thousands of files",
                            List.of());
                }
                throw notAZip(archive, size, e);
            } finally {
                archive.close();
            }
        }
        try {
            budgeted.lift();
            ZipArchiveEntry csv = pick(zip);
            if (csv.getGeneralPurposeBit().usesEncryption()) {
                throw new ArchiveFormatException("the zip's " + csv.getName()
                        + " is encrypted (password-protected): zip it " + "again without a password");
            }
            if (!zip.canReadEntryData(csv)) {
                throw new ArchiveFormatException(
                        "the zip's " + csv.getName() + " is compressed with method " + csv.getMethod()
                                + ", which this importer does not read: zip it again with the usual (deflate) compression");
            }
            if (csv.getSize() >= 0) {
                limits.check(csv.getSize(), size, true);
            }
            return new ZipCsvEntry(zip, csv, archive, size);
        } catch (RuntimeException e) {
            try {
                zip.close();
            } finally {
                archive.close();
            }
            throw e;
        }
    }

    /** The entry's name in the archive. */
    public String name() {
        return entry.getName();
    }

    /** The size the directory declares for the entry, or -1 when it does not. */
    public long declaredSize() {
        return entry.getSize();
    }

    /**
     * The entry's bytes, decompressed. Damaged data ends in {@link ArchiveCorruptException}; failures
     * of the source come out as the {@link SourceReadException} they are.
     */
    public InputStream data() throws IOException {
        InputStream raw;
        try {
            raw = zip.getInputStream(entry);
        } catch (IOException | RuntimeException e) {
            if (isSourceFailure(e)) {
                throw e;
            }
            long at = entry.getLocalHeaderOffset();
            throw new ArchiveCorruptException(
                    "not a complete zip file: the local header of " + entry.getName()
                            + " at byte " + at + " cannot be read (" + e.getMessage()
                            + "); decompression stopped at compressed byte "
                            + at + ". Zip the file again and drop it again.",
                    at);
        }
        return new CheckedEntry(raw);
    }

    @Override
    public void close() throws IOException {
        try {
            zip.close();
        } finally {
            archive.close();
        }
    }

    private static ZipArchiveEntry pick(ZipFile zip) {
        List<ZipArchiveEntry> files = new ArrayList<>();
        for (ZipArchiveEntry e : Collections.list(zip.getEntriesInPhysicalOrder())) {
            String name = e.getName();
            String base = name.substring(name.lastIndexOf('/') + 1);
            if (!e.isDirectory() && !name.startsWith("__MACOSX/") && !base.equals(".DS_Store")) {
                files.add(e);
            }
        }
        if (files.size() == 1 && files.get(0).getName().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return files.get(0);
        }
        List<String> names = files.stream().map(ZipArchiveEntry::getName).toList();
        String listing = files.stream()
                .limit(LISTED)
                .map(e -> e.getName() + (e.getSize() >= 0 ? " (" + ExpansionLimits.bytes(e.getSize()) + ")" : ""))
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
        String holds = files.isEmpty()
                ? "it holds no file"
                : "it holds " + files.size() + (files.size() == 1 ? " file: " : " files: ") + listing
                        + (files.size() > LISTED ? " and " + (files.size() - LISTED) + " more" : "");
        String fix = files.size() == 1 ? " (not named .csv)" : "";
        throw new ArchiveContentsException(
                "the zip must hold exactly one CSV file (a name ending in .csv); " + holds + fix
                        + ". Zip the CSV file alone, or drop it as .csv or .csv.gz.",
                names);
    }

    private static ArchiveRejectedException notAZip(SeekableByteChannel archive, long size, Exception why)
            throws IOException {
        byte[] head = new byte[4];
        var b = ByteBuffer.wrap(head);
        archive.position(0);
        while (b.hasRemaining() && archive.read(b) > 0) {
            // the first bytes say what the file is
        }
        if (SourceFormat.sniff(head, b.position()) != SourceFormat.ZIP) {
            SourceFormat.ZIP.requireMagic(head, b.position());
        }
        return new ArchiveCorruptException(
                "not a complete zip file: its directory (at the end of a zip) cannot be read ("
                        + why.getMessage() + "); decompression stopped at compressed byte " + size
                        + ", the end of the file. It is "
                        + "truncated or damaged: zip the file again and drop it again.",
                size);
    }

    static boolean isSourceFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SourceReadException) {
                return true;
            }
        }
        return false;
    }

    /** Checks CRC-32 and size at the end of the entry; turns the data's failures into ArchiveCorrupt. */
    private final class CheckedEntry extends InputStream {
        private final InputStream in;
        private final CRC32 crc = new CRC32();
        private long count;
        private boolean ended;

        CheckedEntry(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            int r;
            try {
                r = in.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                if (isSourceFailure(e)) {
                    throw e;
                }
                throw corrupt("the data of " + entry.getName() + " is damaged (" + e.getMessage() + ")");
            }
            if (r > 0) {
                crc.update(b, off, r);
                count += r;
            } else if (r < 0) {
                ended = true;
                if (entry.getCrc() >= 0 && crc.getValue() != entry.getCrc()) {
                    throw corrupt("the CRC-32 of " + entry.getName() + " does not match its data");
                }
                if (entry.getSize() >= 0 && count != entry.getSize()) {
                    throw corrupt(entry.getName() + " decompressed to " + count + " bytes but the zip says "
                            + entry.getSize());
                }
            }
            return r;
        }

        private ArchiveCorruptException corrupt(String what) {
            long consumed = in instanceof InputStreamStatistics s ? s.getCompressedCount() : 0;
            long at = Math.min(archiveSize, Math.max(0, entry.getDataOffset()) + consumed);
            return new ArchiveCorruptException(
                    "not a complete zip file: " + what + "; decompression stopped at compressed " + "byte " + at
                            + ". Zip the file again and drop it again.",
                    at);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
