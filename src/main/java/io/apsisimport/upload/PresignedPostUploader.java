package io.apsisimport.upload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams a file to an APSIS One presigned POST (S3): every ticket field in order, then
 * the file as the last part. The multipart length is computed up front and sent as a fixed
 * Content-Length (S3 refuses chunked uploads); the content is copied through a 64 KiB
 * buffer, so memory stays constant whatever the size.
 *
 * <p>A failure says whether the file can have arrived: {@link UploadTransientException} when the
 * request never became complete (S3 stored nothing: send it again), {@link UploadOutcomeUnknownException}
 * when the whole request was sent and no answer (or an answer that does not rule it out) came back:
 * S3 may have stored the file, and sending it again would give the import a second one.
 */
public final class PresignedPostUploader {

    /**
     * @param connectTimeout connecting to the upload host
     * @param readTimeout    waiting for S3's answer once the body is sent (and between reads)
     * @param uploadTimeout  the whole upload, body included; the connection is cut when it passes
     * @param expiryMargin   a ticket expiring sooner than this is not used
     */
    public record Options(Duration connectTimeout, Duration readTimeout, Duration uploadTimeout,
                          Duration expiryMargin, Clock clock) {

        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(uploadTimeout, "uploadTimeout");
            Objects.requireNonNull(expiryMargin, "expiryMargin");
            Objects.requireNonNull(clock, "clock");
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofMinutes(12),
                    Duration.ofSeconds(30), Clock.systemUTC());
        }

        public Options withConnectTimeout(Duration d) {
            return new Options(d, readTimeout, uploadTimeout, expiryMargin, clock);
        }

        public Options withReadTimeout(Duration d) {
            return new Options(connectTimeout, d, uploadTimeout, expiryMargin, clock);
        }

        public Options withUploadTimeout(Duration d) {
            return new Options(connectTimeout, readTimeout, d, expiryMargin, clock);
        }

        public Options withExpiryMargin(Duration d) {
            return new Options(connectTimeout, readTimeout, uploadTimeout, d, clock);
        }

        public Options withClock(Clock c) {
            return new Options(connectTimeout, readTimeout, uploadTimeout, expiryMargin, c);
        }
    }

    /** {@code bytesSent} counts the file's bytes (not the multipart framing). */
    public record UploadResult(int httpStatus, long bytesSent, Duration elapsed) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COPY_BUFFER = 256 * 1024;
    private static final int MAX_ERROR_BODY = 16 * 1024;
    private static final int MAX_MESSAGE = 300;
    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    private static final Pattern MAX_SIZE = Pattern.compile("<MaxSizeAllowed>(\\d+)</MaxSizeAllowed>");
    private static final byte[] CRLF = {'\r', '\n'};

    private final Options options;

    public PresignedPostUploader(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public UploadResult upload(ImportTicket ticket, String fileName, long contentLength, InputStream content) {
        Objects.requireNonNull(ticket, "ticket");
        Objects.requireNonNull(content, "content");
        if (contentLength < 0) {
            throw new IllegalArgumentException("contentLength must be >= 0, was " + contentLength);
        }
        String name = fileName == null || fileName.isBlank() ? "import.csv" : fileName;
        checkUrl(ticket.uploadUrl());
        Instant now = options.clock().instant();
        if (ticket.expiresBefore(now.plus(options.expiryMargin()))) {
            throw new UploadUrlExpiredException("upload URL of import " + ticket.importId() + " expired at "
                    + ticket.expiresAt() + " (now " + now + ", margin " + options.expiryMargin() + "); request a new import",
                    -1, null, null);
        }
        long[] range = contentLengthRange(ticket);
        if (range != null && contentLength > range[1]) {
            throw new UploadTooLargeException("file " + name + " of import " + ticket.importId() + " has " + contentLength
                    + " bytes; the upload policy allows at most " + range[1], -1, contentLength, range[1]);
        }
        if (range != null && contentLength < range[0]) {
            throw new IllegalArgumentException("file " + name + " of import " + ticket.importId() + " has " + contentLength
                    + " bytes; the upload policy needs at least " + range[0]);
        }

        String boundary = "----apsisimport" + HexFormat.of().formatHex(randomBytes(16));
        byte[] head = head(ticket, boundary, name);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        long total = head.length + contentLength + tail.length;
        String success = ticket.field("success_action_status").orElse("204").trim();

        long started = System.nanoTime();
        HttpURLConnection connection = open(ticket, boundary, total);
        Thread watchdog = watchdog(connection);
        try {
            try (OutputStream out = connection.getOutputStream()) {
                out.write(head);
                copyExactly(content, out, contentLength, ticket, connection);
                out.write(tail);
            } catch (ContentMismatch e) {
                throw e;
            } catch (IOException e) {
                // The request never became complete (the stream closes, and flushes its last bytes, only
                // after the whole Content-Length was written): S3 acts on no incomplete request, so the file
                // is not there. S3 may answer (and close) before it has read everything: prefer its answer.
                UploadException answered = answerAfterWriteFailure(connection, ticket, contentLength, e);
                throw answered != null ? answered : transientFailure(ticket, "sending the upload failed before the "
                        + "whole request was sent", e);
            }
            // From here on S3 has been handed the whole request: whatever happens next, it may have stored the file.
            int status;
            try {
                status = connection.getResponseCode();
            } catch (IOException e) {
                throw unknownOutcome(ticket, "the whole file was sent, then no answer came", e);
            }
            if (status >= 200 && status < 300) {
                drainQuietly(connection);
                return new UploadResult(status, contentLength, Duration.ofNanos(System.nanoTime() - started));
            }
            if (status < 100) {
                throw new UploadOutcomeUnknownException("upload of import " + ticket.importId() + " to "
                        + ticket.uploadUrl().getHost() + ": the whole file was sent, then the answer was not HTTP;"
                        + " the file may have arrived", status, null, null);
            }
            throw failure(ticket, status, readErrorBody(connection), contentLength, success, true);
        } catch (ContentMismatch e) {
            connection.disconnect();
            throw new IllegalStateException(e.getMessage());
        } finally {
            watchdog.interrupt();
            connection.disconnect();
        }
    }

    /**
     * The largest file the ticket's policy accepts ({@code ["content-length-range", min, max]}),
     * or empty when the policy is absent, unreadable or has no such condition.
     */
    public static OptionalLong maxContentLength(ImportTicket ticket) {
        long[] range = contentLengthRange(ticket);
        return range == null ? OptionalLong.empty() : OptionalLong.of(range[1]);
    }

    // ---------------------------------------------------------------- request

    private HttpURLConnection open(ImportTicket ticket, String boundary, long total) {
        try {
            HttpURLConnection c = (HttpURLConnection) ticket.uploadUrl().toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setUseCaches(false);
            c.setInstanceFollowRedirects(false);
            c.setConnectTimeout(millis(options.connectTimeout()));
            c.setReadTimeout(millis(options.readTimeout()));
            c.setRequestProperty("Content-Type", "multipart/form-data; boundary=" + boundary);
            c.setRequestProperty("Accept", "*/*");
            c.setFixedLengthStreamingMode(total);
            return c;
        } catch (IOException e) {
            throw transientFailure(ticket, "opening the upload connection failed", e);
        }
    }

    /** Cuts the connection when the whole upload takes longer than {@code uploadTimeout}. */
    private Thread watchdog(HttpURLConnection connection) {
        long deadline = System.nanoTime() + options.uploadTimeout().toNanos();
        return Thread.ofVirtual().name("upload-watchdog").start(() -> {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    return;
                }
            }
            connection.disconnect();
        });
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

    /** Copies exactly {@code length} bytes; a source that ends early or runs long aborts the upload. */
    private static void copyExactly(InputStream in, OutputStream out, long length, ImportTicket ticket,
                                    HttpURLConnection connection) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        long left = length;
        while (left > 0) {
            int n;
            try {
                n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            } catch (IOException e) {
                connection.disconnect();
                throw transientFailure(ticket, "reading the file content failed after " + (length - left) + " bytes", e);
            }
            if (n < 0) {
                throw new ContentMismatch("file content of import " + ticket.importId() + " ended after "
                        + (length - left) + " bytes; " + length + " were declared; upload aborted");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
        int extra;
        try {
            extra = in.read();
        } catch (IOException e) {
            connection.disconnect();
            throw transientFailure(ticket, "reading the file content failed at its end", e);
        }
        if (extra >= 0) {
            throw new ContentMismatch("file content of import " + ticket.importId() + " is longer than the "
                    + length + " bytes declared; upload aborted");
        }
    }

    /** Internal marker so a short/long source never completes a request. */
    private static final class ContentMismatch extends IOException {
        ContentMismatch(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- answers

    private UploadException answerAfterWriteFailure(HttpURLConnection connection, ImportTicket ticket,
                                                    long contentLength, IOException writeFailure) {
        try {
            int status = connection.getResponseCode();
            if (status >= 400) {
                UploadException e = failure(ticket, status, readErrorBody(connection), contentLength, null, false);
                e.addSuppressed(writeFailure);
                return e;
            }
        } catch (IOException | RuntimeException ignored) {
            // no answer to read: the write failure stands
        }
        return null;
    }

    /**
     * S3's error answer as a typed failure. {@code wholeRequestSent}: S3 answered after it had the
     * whole request, so a 5xx that does not say the request was refused unread (503 / SlowDown, 408 /
     * RequestTimeout) does not rule out that the file was stored: an unknown outcome, not a failure
     * to repeat. An answer S3 gave before the whole request was sent is about a request it never had.
     */
    private static UploadException failure(ImportTicket ticket, int status, String body, long contentLength,
                                           String expectedSuccess, boolean wholeRequestSent) {
        String code = first(CODE, body);
        String message = unescape(first(MESSAGE, body));
        String what = "upload of import " + ticket.importId() + " to " + ticket.uploadUrl().getHost()
                + " answered HTTP " + status + (code == null ? "" : " " + code)
                + (message == null ? "" : ": " + scrub(message, ticket));
        if (code == null && message == null && body != null && !body.isBlank()) {
            what += ": " + scrub(body, ticket);
        }
        if (expectedSuccess != null && status < 400) {
            what += " (expected " + expectedSuccess + ")";
        }
        boolean refusedUnread = status == 503 || status == 408 || "RequestTimeout".equals(code) || "SlowDown".equals(code);
        if (status >= 500 && wholeRequestSent && !refusedUnread) {
            return new UploadOutcomeUnknownException(what + "; the file may have arrived", status, code, null);
        }
        if (status >= 500 || refusedUnread) {
            return new UploadTransientException(what, status, code, null);
        }
        if ("EntityTooLarge".equals(code)) {
            String max = first(MAX_SIZE, body);
            return new UploadTooLargeException(what, status, contentLength, max == null ? -1 : Long.parseLong(max));
        }
        if ("AccessDenied".equals(code) && message != null && message.toLowerCase(Locale.ROOT).contains("expired")) {
            return new UploadUrlExpiredException(what, status, code, null);
        }
        return new UploadRejectedException(what, status, code, null);
    }

    private static UploadOutcomeUnknownException unknownOutcome(ImportTicket ticket, String what, IOException e) {
        return new UploadOutcomeUnknownException("upload of import " + ticket.importId() + " to "
                + ticket.uploadUrl().getHost() + ": " + what + " (" + e.getClass().getSimpleName() + ": "
                + scrub(String.valueOf(e.getMessage()), ticket) + "); the file may have arrived", -1, null, e);
    }

    private static UploadTransientException transientFailure(ImportTicket ticket, String what, IOException e) {
        return new UploadTransientException("upload of import " + ticket.importId() + " to "
                + ticket.uploadUrl().getHost() + ": " + what + " (" + e.getClass().getSimpleName() + ": "
                + scrub(String.valueOf(e.getMessage()), ticket) + ")", -1, null, e);
    }

    private static String readErrorBody(HttpURLConnection connection) {
        try (InputStream in = connection.getErrorStream() != null ? connection.getErrorStream() : connection.getInputStream()) {
            return in == null ? "" : new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void drainQuietly(HttpURLConnection connection) {
        try (InputStream in = connection.getInputStream()) {
            in.readNBytes(MAX_ERROR_BODY);
        } catch (IOException ignored) {
            // the status is what counts
        }
    }

    /** One line, ≤ 300 chars, without the ticket's policy, signature or credential values. */
    private static String scrub(String text, ImportTicket ticket) {
        String s = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        for (FormField f : ticket.uploadFields()) {
            String n = f.name().toLowerCase(Locale.ROOT);
            if ((n.equals("policy") || n.contains("signature") || n.contains("credential")) && f.value().length() >= 6) {
                s = s.replace(f.value(), "***");
            }
        }
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE - 1) + "…";
    }

    private static String first(Pattern p, String body) {
        if (body == null) {
            return null;
        }
        Matcher m = p.matcher(body);
        return m.find() ? m.group(1).trim() : null;
    }

    private static String unescape(String s) {
        return s == null ? null : s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&apos;", "'").replace("&amp;", "&");
    }

    // ---------------------------------------------------------------- checks

    /** https, or http to a loopback host (the simulator); anything else is refused. */
    static void checkUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return;
        }
        if (scheme.equals("http") && isLoopback(url.getHost())) {
            return;
        }
        throw new IllegalArgumentException("upload URL must be https (plain http only to loopback hosts): "
                + scheme + "://" + url.getHost());
    }

    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        String[] octets = h.split("\\.");
        if (octets.length != 4 || !octets[0].equals("127")) {
            return false;
        }
        for (String o : octets) {
            if (!o.matches("\\d{1,3}") || Integer.parseInt(o) > 255) {
                return false;
            }
        }
        return true;
    }

    /** [min, max] of the policy's content-length-range, or null. */
    private static long[] contentLengthRange(ImportTicket ticket) {
        String policy = ticket.uploadFields().stream()
                .filter(f -> f.name().equalsIgnoreCase("policy"))
                .map(FormField::value).findFirst().orElse(null);
        if (policy == null || policy.isBlank()) {
            return null;
        }
        JsonNode doc = decodePolicy(policy);
        if (doc == null) {
            return null;
        }
        for (JsonNode condition : doc.path("conditions")) {
            if (condition.isArray() && condition.size() == 3
                    && "content-length-range".equalsIgnoreCase(condition.get(0).asText())
                    && condition.get(1).canConvertToLong() && condition.get(2).canConvertToLong()) {
                return new long[]{condition.get(1).asLong(), condition.get(2).asLong()};
            }
        }
        return null;
    }

    private static JsonNode decodePolicy(String policy) {
        String compact = policy.replaceAll("\\s", "");
        for (Base64.Decoder decoder : new Base64.Decoder[]{Base64.getDecoder(), Base64.getUrlDecoder()}) {
            try {
                JsonNode doc = JSON.readTree(decoder.decode(compact));
                if (doc != null && doc.isObject()) {
                    return doc;
                }
            } catch (IllegalArgumentException | IOException e) {
                // try the next alphabet
            }
        }
        return null;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
