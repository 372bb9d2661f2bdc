package io.apsisimport.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Test data: CSV text and its gzip members. */
final class Gz {
    private Gz() {}

    static byte[] gzip(byte[] data) {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Each chunk its own member, concatenated as {@code cat a.gz b.gz} does. */
    static byte[] members(byte[]... chunks) {
        var out = new ByteArrayOutputStream();
        for (byte[] c : chunks) {
            out.writeBytes(gzip(c));
        }
        return out.toByteArray();
    }

    static byte[] csv(int rows) {
        var sb = new StringBuilder("email,name,notes\n");
        for (int i = 0; i < rows; i++) {
            sb.append("user")
                    .append(i)
                    .append("@example.com,\"Åsa ")
                    .append(i % 13)
                    .append("\",\"line\nbreak ")
                    .append(i * 7919 % 1000)
                    .append("\"\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
