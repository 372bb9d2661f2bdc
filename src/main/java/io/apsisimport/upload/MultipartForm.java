package io.apsisimport.upload;

import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The multipart/form-data framing of a presigned POST, apart from the file's bytes: every ticket
 * field in order, then the file as the last part (S3 ignores fields after the file). Its length is
 * known before sending, so the request has a fixed Content-Length (S3 refuses chunked uploads).
 *
 * @param boundary the parts' separator
 * @param head     the fields and the file part's headers, sent before the file
 * @param tail     the closing boundary, sent after the file
 */
record MultipartForm(String boundary, byte[] head, byte[] tail) {

    private static final byte[] CRLF = {'\r', '\n'};

    /** The form of {@code ticket} for a file named {@code fileName}, with a random boundary. */
    static MultipartForm of(ImportTicket ticket, String fileName) {
        String boundary = "----apsisimport" + HexFormat.of().formatHex(randomBytes(16));
        return new MultipartForm(
                boundary,
                head(ticket, boundary, fileName),
                ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** The request's length with a file of {@code contentLength} bytes. */
    long length(long contentLength) {
        return head.length + contentLength + tail.length;
    }

    private static byte[] head(ImportTicket ticket, String boundary, String fileName) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (FormField field : ticket.uploadFields()) {
            write(head, "--" + boundary + "\r\n");
            write(head, "Content-Disposition: form-data; name=\"" + quoted(field.name()) + "\"\r\n\r\n");
            write(head, field.value());
            head.writeBytes(CRLF);
        }
        write(head, "--" + boundary + "\r\n");
        write(head, "Content-Disposition: form-data; name=\"file\"; filename=\"" + quoted(fileName) + "\"\r\n");
        write(head, "Content-Type: text/csv\r\n\r\n");
        return head.toByteArray();
    }

    /** HTML's multipart/form-data escaping of names: quotes and line breaks percent-encoded. */
    private static String quoted(String s) {
        return s.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
