package io.apsisimport.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Streams the CSV out of a gzip file (RFC 1952), every member of it: {@code cat a.gz b.gz} and the
 * files parallel compressors write hold several members, which decompress to one stream.
 *
 * <p>The JDK inflates ({@link Inflater}, {@link CRC32}); this class reads the member framing itself
 * because {@link java.util.zip.GZIPInputStream} cannot be trusted with several members on Java 21,
 * the Lambda runtime: it looks for a next member only when {@code available()} is above zero, which
 * a network stream may well answer at a member boundary (JDK-7036144, fixed in Java 23), and it takes
 * anything after a member that is not a valid header for the end of the file. Both stop the CSV
 * early without an error: rows would silently not be imported. Here a member is followed by another
 * member or by the end of the object, nothing else, and every member's CRC-32 and length are checked.
 *
 * <p>Damaged or truncated data ends in {@link ArchiveCorruptException} with the exact compressed
 * offset where decompression stopped; an {@link IOException} is always the source's own (the
 * network), never the data's. Memory: one 64 KiB input buffer and the inflater's window.
 */
public final class GzipReader extends InputStream {
    private static final int FHCRC = 0x02, FEXTRA = 0x04, FNAME = 0x08, FCOMMENT = 0x10;
    private static final int RESERVED = 0xE0;

    private final InputStream source;
    private final byte[] buf;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] one = new byte[1];

    private int pos; // next unread byte of buf
    private int len; // valid bytes in buf
    private long base; // offset of buf[0] in the compressed object
    private boolean sourceEnded;
    private int members;
    private long memberStart;
    private long memberOut; // bytes inflated from the current member
    private long total; // bytes inflated from every member
    private boolean inMember;
    private boolean done;

    public GzipReader(InputStream source) {
        this(source, 1 << 16);
    }

    GzipReader(InputStream source, int bufferSize) {
        this.source = source;
        this.buf = new byte[bufferSize];
    }

    /** Offset in the compressed object of the next byte decompression would look at. */
    public long compressedOffset() {
        return base + (inMember ? len - inflater.getRemaining() : pos);
    }

    /** Members read so far (started ones included). */
    public int members() {
        return members;
    }

    /** Bytes decompressed so far. */
    public long decompressedBytes() {
        return total;
    }

    @Override
    public int read() throws IOException {
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
        if (n == 0) {
            return 0;
        }
        while (!done) {
            if (!inMember) {
                if (!startMember()) {
                    done = true;
                    inflater.end();
                    return -1;
                }
                continue;
            }
            if (inflater.needsInput()) {
                if (!fill()) {
                    throw corrupt(
                            "the file ends in the middle of member " + members + "'s compressed data: it is truncated");
                }
                inflater.setInput(buf, pos, len - pos);
            }
            int r;
            try {
                r = inflater.inflate(b, off, n);
            } catch (DataFormatException e) {
                throw corrupt("member " + members + "'s compressed data is damaged (" + e.getMessage() + ")");
            }
            if (r > 0) {
                crc.update(b, off, r);
                memberOut += r;
                total += r;
            }
            if (inflater.finished()) {
                pos = len - inflater.getRemaining();
                inMember = false;
                endMember();
            } else if (r == 0 && inflater.needsDictionary()) {
                throw corrupt(
                        "member " + members + "'s compressed data asks for a preset dictionary, which gzip never uses");
            }
            if (r > 0) {
                return r;
            }
        }
        return -1;
    }

    /** Reads a member header; false at the end of the object after at least one member. */
    private boolean startMember() throws IOException {
        memberStart = compressedOffset();
        int id1 = nextByte();
        if (id1 < 0) {
            if (members == 0) {
                throw new ArchiveFormatException("the file's name ends in .gz but it is empty");
            }
            return false;
        }
        int id2 = nextByte();
        if (id1 == 0x1f && id2 < 0) {
            throw corrupt("the file ends inside member " + (members + 1) + "'s header: it is truncated");
        }
        if (id1 != 0x1f || id2 != 0x8b) {
            if (members == 0) {
                byte[] head = new byte[4];
                int n = 0;
                for (int c : new int[] {id1, id2, id2 < 0 ? -1 : nextByte(), id2 < 0 ? -1 : nextByte()}) {
                    if (c < 0) {
                        break;
                    }
                    head[n++] = (byte) c;
                }
                SourceFormat.GZIP.requireMagic(head, n);
            }
            throw new ArchiveCorruptException(
                    "unexpected data after gzip member " + members + " at compressed byte "
                            + memberStart
                            + " (neither another gzip member nor the end of the file): the file is damaged, or something "
                            + "was appended to it",
                    memberStart);
        }
        members++;
        int method = required();
        if (method != 8) {
            throw corrupt("member " + members + " uses compression method " + method + "; gzip has only deflate (8)");
        }
        int flags = required();
        if ((flags & RESERVED) != 0) {
            throw corrupt("member " + members + "'s header sets reserved flags");
        }
        skip(6); // MTIME, XFL, OS
        if ((flags & FEXTRA) != 0) {
            int xlen = required() | required() << 8;
            skip(xlen);
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FHCRC) != 0) {
            skip(2);
        }
        inflater.reset();
        crc.reset();
        memberOut = 0;
        inMember = true;
        inflater.setInput(buf, pos, len - pos);
        return true;
    }

    /** Checks the trailer: CRC-32 and length modulo 2^32 of what this member inflated to. */
    private void endMember() throws IOException {
        long trailerAt = compressedOffset();
        long storedCrc = uint32();
        long storedSize = uint32();
        if (storedCrc != crc.getValue()) {
            throw new ArchiveCorruptException(
                    "member " + members + "'s CRC-32 does not match its data (trailer at compressed " + "byte "
                            + trailerAt + "): the data is damaged",
                    trailerAt);
        }
        if (storedSize != (memberOut & 0xffffffffL)) {
            throw new ArchiveCorruptException(
                    "member " + members + " inflated to " + memberOut + " bytes but its trailer "
                            + "(at compressed byte " + trailerAt + ") says " + storedSize
                            + " (mod 2^32): the data is damaged",
                    trailerAt);
        }
    }

    private long uint32() throws IOException {
        return required() | (long) required() << 8 | (long) required() << 16 | (long) required() << 24;
    }

    private void skip(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            required();
        }
    }

    private void skipZeroTerminated() throws IOException {
        while (required() != 0) {
            // a file name or comment: not needed
        }
    }

    /** A byte of a header or trailer: the end of the object here means the file was cut. */
    private int required() throws IOException {
        int c = nextByte();
        if (c < 0) {
            throw corrupt("the file ends inside member " + members + "'s " + (inMember ? "data" : "header or trailer")
                    + ": it is truncated");
        }
        return c;
    }

    private int nextByte() throws IOException {
        if (pos == len && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /** Reads the next chunk of the object into buf (everything before {@code pos} has been used). */
    private boolean fill() throws IOException {
        if (inMember) {
            pos = len; // the inflater has taken everything it was given
        }
        base += pos;
        len = 0;
        pos = 0;
        if (sourceEnded) {
            return false;
        }
        int r;
        do {
            r = source.read(buf, 0, buf.length);
        } while (r == 0);
        if (r < 0) {
            sourceEnded = true;
            return false;
        }
        len = r;
        return true;
    }

    private ArchiveCorruptException corrupt(String what) {
        long at = compressedOffset();
        return new ArchiveCorruptException(
                "not a complete gzip file: " + what + "; decompression stopped at compressed byte " + at
                        + ". Compress and drop the file again (an interrupted upload or a partial download gives this).",
                at);
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        source.close();
    }
}
