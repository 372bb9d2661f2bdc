package io.apsisimport.upload;

import io.apsisimport.apsis.ImportTicket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

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
 *
 * <p>This class sends; apart from it are the form's framing ({@link MultipartForm}), what the
 * ticket allows ({@link PostPolicy}) and the failures' types and messages ({@link UploadFailures}).
 * About 300 lines because what is left is one request: its {@link Options} (public tunables with
 * their withers), the send, its watchdog and the exact-length copy share the one connection that a
 * failure at any point must cut and classify.
 */
public final class PresignedPostUploader {

    /**
     * @param connectTimeout connecting to the upload host
     * @param readTimeout    waiting for S3's answer once the body is sent (and between reads)
     * @param uploadTimeout  the whole upload, body included; the connection is cut when it passes
     * @param expiryMargin   a ticket expiring sooner than this is not used
     */
    public record Options(
            Duration connectTimeout, Duration readTimeout, Duration uploadTimeout, Duration expiryMargin, Clock clock) {

        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(uploadTimeout, "uploadTimeout");
            Objects.requireNonNull(expiryMargin, "expiryMargin");
            Objects.requireNonNull(clock, "clock");
        }

        public static Options defaults() {
            return new Options(
                    Duration.ofSeconds(10),
                    Duration.ofMinutes(2),
                    Duration.ofMinutes(12),
                    Duration.ofSeconds(30),
                    Clock.systemUTC());
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
    public record UploadResult(int httpStatus, long bytesSent, Duration elapsed) {}

    private static final int COPY_BUFFER = 256 * 1024;
    private static final int MAX_ERROR_BODY = 16 * 1024;

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
        PostPolicy.checkUrl(ticket.uploadUrl());
        Instant now = options.clock().instant();
        if (ticket.expiresBefore(now.plus(options.expiryMargin()))) {
            throw new UploadUrlExpiredException(
                    "upload URL of import " + ticket.importId() + " expired at " + ticket.expiresAt() + " (now " + now
                            + ", margin " + options.expiryMargin() + "); request a new import",
                    -1,
                    null,
                    null);
        }
        long[] range = PostPolicy.contentLengthRange(ticket);
        if (range != null && contentLength > range[1]) {
            throw new UploadTooLargeException(
                    "file " + name + " of import " + ticket.importId() + " has " + contentLength
                            + " bytes; the upload policy allows at most " + range[1],
                    -1,
                    contentLength,
                    range[1]);
        }
        if (range != null && contentLength < range[0]) {
            throw new IllegalArgumentException("file " + name + " of import " + ticket.importId() + " has "
                    + contentLength + " bytes; the upload policy needs at least " + range[0]);
        }

        MultipartForm form = MultipartForm.of(ticket, name);
        long total = form.length(contentLength);
        String success = ticket.field("success_action_status").orElse("204").trim();

        long started = System.nanoTime();
        HttpURLConnection connection = open(ticket, form.boundary(), total);
        Thread watchdog = watchdog(connection);
        try {
            try (OutputStream out = connection.getOutputStream()) {
                out.write(form.head());
                copyExactly(content, out, contentLength, ticket, connection);
                out.write(form.tail());
            } catch (ContentMismatch e) {
                throw e;
            } catch (IOException e) {
                // The request never became complete (the stream closes, and flushes its last bytes, only
                // after the whole Content-Length was written): S3 acts on no incomplete request, so the file
                // is not there. S3 may answer (and close) before it has read everything: prefer its answer.
                UploadException answered = answerAfterWriteFailure(connection, ticket, contentLength, e);
                throw answered != null
                        ? answered
                        : UploadFailures.transientFailure(
                                ticket, "sending the upload failed before the whole request was sent", e);
            }
            // From here on S3 has been handed the whole request: whatever happens next, it may have stored the file.
            int status;
            try {
                status = connection.getResponseCode();
            } catch (IOException e) {
                throw UploadFailures.unknownOutcome(ticket, "the whole file was sent, then no answer came", e);
            }
            if (status >= 200 && status < 300) {
                drainQuietly(connection);
                return new UploadResult(status, contentLength, Duration.ofNanos(System.nanoTime() - started));
            }
            if (status < 100) {
                throw new UploadOutcomeUnknownException(
                        "upload of import " + ticket.importId() + " to "
                                + ticket.uploadUrl().getHost()
                                + ": the whole file was sent, then the answer was not HTTP;"
                                + " the file may have arrived",
                        status,
                        null,
                        null);
            }
            throw UploadFailures.failure(ticket, status, readErrorBody(connection), contentLength, success, true);
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
        long[] range = PostPolicy.contentLengthRange(ticket);
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
            throw UploadFailures.transientFailure(ticket, "opening the upload connection failed", e);
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

    /** Copies exactly {@code length} bytes; a source that ends early or runs long aborts the upload. */
    private static void copyExactly(
            InputStream in, OutputStream out, long length, ImportTicket ticket, HttpURLConnection connection)
            throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        long left = length;
        while (left > 0) {
            int n;
            try {
                n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            } catch (IOException e) {
                connection.disconnect();
                throw UploadFailures.transientFailure(
                        ticket, "reading the file content failed after " + (length - left) + " bytes", e);
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
            throw UploadFailures.transientFailure(ticket, "reading the file content failed at its end", e);
        }
        if (extra >= 0) {
            throw new ContentMismatch("file content of import " + ticket.importId() + " is longer than the " + length
                    + " bytes declared; upload aborted");
        }
    }

    /** Internal marker so a short/long source never completes a request. */
    private static final class ContentMismatch extends IOException {
        ContentMismatch(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- answers

    private UploadException answerAfterWriteFailure(
            HttpURLConnection connection, ImportTicket ticket, long contentLength, IOException writeFailure) {
        try {
            int status = connection.getResponseCode();
            if (status >= 400) {
                UploadException e =
                        UploadFailures.failure(ticket, status, readErrorBody(connection), contentLength, null, false);
                e.addSuppressed(writeFailure);
                return e;
            }
        } catch (IOException | RuntimeException ignored) {
            // no answer to read: the write failure stands
        }
        return null;
    }

    private static String readErrorBody(HttpURLConnection connection) {
        try (InputStream in =
                connection.getErrorStream() != null ? connection.getErrorStream() : connection.getInputStream()) {
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

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
