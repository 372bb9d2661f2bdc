package io.apsisimport.sim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Streaming multipart/form-data reader (RFC 7578) with a fixed buffer: a part's body is
 * read as a stream, so an upload of any size needs constant memory.
 */
final class MultipartStream {

    /** A part's headers; {@code name} and {@code filename} come from Content-Disposition. */
    record PartHeaders(Map<String, String> headers, String name, String filename) {}

    private static final int BUFFER = 64 * 1024;
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final InputStream in;
    private final byte[] delimiter; // CRLF "--" boundary
    private final byte[] buf;
    private int pos;
    private int lim;
    private boolean eof;
    private boolean finished;
    private boolean inPart;
    private boolean partDone;

    MultipartStream(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = new byte[BUFFER + delimiter.length];
        // The first boundary has no CRLF before it: pretend it had one.
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
    }

    /** The boundary parameter of a multipart/form-data Content-Type, or null. */
    static String boundaryOf(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        String b = parameters(contentType).get("boundary");
        return b == null || b.isEmpty() || b.length() > 200 ? null : b;
    }

    /** Moves to the next part, skipping the rest of the current one; null after the closing boundary. */
    PartHeaders nextPart() throws IOException {
        if (finished) {
            return null;
        }
        if (!inPart) {
            // Skip the preamble: the first delimiter.
            skipToDelimiter();
        } else if (!partDone) {
            skipToDelimiter();
        }
        inPart = false;
        // After a delimiter: "--" closes, CRLF opens a part (whitespace padding tolerated).
        if (!ensure(2)) {
            throw new IOException("multipart body ends after a boundary");
        }
        if (buf[pos] == '-' && buf[pos + 1] == '-') {
            finished = true;
            pos += 2;
            return null;
        }
        while (ensure(1) && (buf[pos] == ' ' || buf[pos] == '\t')) {
            pos++;
        }
        if (!ensure(2) || buf[pos] != '\r' || buf[pos + 1] != '\n') {
            throw new IOException("malformed multipart boundary line");
        }
        pos += 2;
        Map<String, String> headers = new LinkedHashMap<>();
        int headerBytes = 0;
        while (true) {
            String line = readLine();
            headerBytes += line.length() + 2;
            if (headerBytes > MAX_HEADER_BYTES) {
                throw new IOException("multipart part headers too long");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed multipart part header");
            }
            headers.put(
                    line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        String disposition = headers.get("content-disposition");
        if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
            throw new IOException("multipart part without Content-Disposition: form-data");
        }
        Map<String, String> params = parameters(disposition);
        inPart = true;
        partDone = false;
        return new PartHeaders(headers, params.get("name"), params.get("filename"));
    }

    /** The current part's body; ends at the next boundary. */
    InputStream body() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return readPart(b, off, len);
            }
        };
    }

    /** Reads the current part's body into a string, failing beyond {@code max} bytes. */
    String readText(int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        int n;
        while ((n = readPart(chunk, 0, chunk.length)) > 0) {
            out.write(chunk, 0, n);
            if (out.size() > max) {
                throw new IOException("form field longer than " + max + " bytes");
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Reads and discards everything left in the request body. */
    void drain() throws IOException {
        pos = lim;
        byte[] sink = new byte[BUFFER];
        while (in.read(sink) >= 0) {
            // discard
        }
        eof = true;
        finished = true;
    }

    private int readPart(byte[] b, int off, int len) throws IOException {
        if (!inPart || partDone) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        ensure(delimiter.length);
        int found = indexOfDelimiter();
        if (found == pos) {
            pos += delimiter.length;
            partDone = true;
            return -1;
        }
        int available;
        if (found >= 0) {
            available = found - pos;
        } else {
            // Bytes that cannot be the start of a delimiter split across the buffer end.
            available = lim - pos - (delimiter.length - 1);
            if (available <= 0) {
                if (eof) {
                    throw new IOException("multipart body ends inside a part (no closing boundary)");
                }
                available = 0;
            }
        }
        if (available == 0) {
            // Cannot happen after ensure() unless at EOF, handled above.
            throw new IOException("multipart parser stalled");
        }
        int n = Math.min(len, available);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    private void skipToDelimiter() throws IOException {
        inPart = true;
        partDone = false;
        byte[] sink = new byte[BUFFER];
        while (readPart(sink, 0, sink.length) >= 0) {
            // discard
        }
    }

    private int indexOfDelimiter() {
        int last = lim - delimiter.length;
        outer:
        for (int i = pos; i <= last; i++) {
            if (buf[i] != '\r') {
                continue;
            }
            for (int j = 1; j < delimiter.length; j++) {
                if (buf[i + j] != delimiter[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            if (!ensure(1)) {
                throw new IOException("multipart body ends inside part headers");
            }
            byte c = buf[pos++];
            if (c == '\r') {
                if (!ensure(1) || buf[pos] != '\n') {
                    throw new IOException("bare CR in multipart part headers");
                }
                pos++;
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(c);
            if (line.size() > MAX_HEADER_BYTES) {
                throw new IOException("multipart part header line too long");
            }
        }
    }

    /** Makes at least {@code n} bytes available from {@code pos}, unless the stream ends. */
    private boolean ensure(int n) throws IOException {
        while (lim - pos < n && !eof) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
            } else {
                lim += r;
            }
        }
        return lim - pos >= n;
    }

    /** {@code type; a=b; c="d"} → {a=b, c=d} (names lower-cased). */
    static Map<String, String> parameters(String header) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = header.indexOf(';');
        while (i >= 0 && i < header.length()) {
            i++;
            while (i < header.length() && header.charAt(i) == ' ') {
                i++;
            }
            int eq = header.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = header.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            int j = eq + 1;
            StringBuilder value = new StringBuilder();
            if (j < header.length() && header.charAt(j) == '"') {
                j++;
                while (j < header.length() && header.charAt(j) != '"') {
                    if (header.charAt(j) == '\\' && j + 1 < header.length()) {
                        j++;
                    }
                    value.append(header.charAt(j++));
                }
                j++;
                int semi = header.indexOf(';', j);
                i = semi < 0 ? header.length() : semi;
            } else {
                int semi = header.indexOf(';', j);
                int end = semi < 0 ? header.length() : semi;
                value.append(header, j, end);
                i = end;
            }
            out.putIfAbsent(name, value.toString().trim());
            if (i >= header.length()) {
                break;
            }
        }
        return out;
    }
}
