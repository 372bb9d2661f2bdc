package io.apsisimport.upload;

import io.apsisimport.apsis.FormField;
import io.apsisimport.apsis.ImportTicket;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an upload that went wrong becomes the typed exception it ends with, and whether the file
 * can have arrived: S3's XML error answer read ({@code Code}, {@code Message},
 * {@code MaxSizeAllowed}), messages on one line without the ticket's policy, signature or
 * credential values.
 */
final class UploadFailures {

    private static final int MAX_MESSAGE = 300;
    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    private static final Pattern MAX_SIZE = Pattern.compile("<MaxSizeAllowed>(\\d+)</MaxSizeAllowed>");

    private UploadFailures() {}

    /**
     * S3's error answer as a typed failure. {@code wholeRequestSent}: S3 answered after it had the
     * whole request, so a 5xx that does not say the request was refused unread (503 / SlowDown, 408 /
     * RequestTimeout) does not rule out that the file was stored: an unknown outcome, not a failure
     * to repeat. An answer S3 gave before the whole request was sent is about a request it never had.
     *
     * @param expectedSuccess the status the ticket asked S3 to answer on success, or null
     */
    static UploadException failure(
            ImportTicket ticket,
            int status,
            String body,
            long contentLength,
            String expectedSuccess,
            boolean wholeRequestSent) {
        String code = first(CODE, body);
        String message = unescape(first(MESSAGE, body));
        String what = "upload of import " + ticket.importId() + " to "
                + ticket.uploadUrl().getHost()
                + " answered HTTP " + status + (code == null ? "" : " " + code)
                + (message == null ? "" : ": " + scrub(message, ticket));
        if (code == null && message == null && body != null && !body.isBlank()) {
            what += ": " + scrub(body, ticket);
        }
        if (expectedSuccess != null && status < 400) {
            what += " (expected " + expectedSuccess + ")";
        }
        boolean refusedUnread =
                status == 503 || status == 408 || "RequestTimeout".equals(code) || "SlowDown".equals(code);
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
        if ("AccessDenied".equals(code)
                && message != null
                && message.toLowerCase(Locale.ROOT).contains("expired")) {
            return new UploadUrlExpiredException(what, status, code, null);
        }
        return new UploadRejectedException(what, status, code, null);
    }

    /** The whole request was sent and {@code what} happened next: the file may have arrived. */
    static UploadOutcomeUnknownException unknownOutcome(ImportTicket ticket, String what, IOException e) {
        return new UploadOutcomeUnknownException(
                "upload of import " + ticket.importId() + " to "
                        + ticket.uploadUrl().getHost() + ": " + what + " ("
                        + e.getClass().getSimpleName() + ": "
                        + scrub(String.valueOf(e.getMessage()), ticket) + "); the file may have arrived",
                -1,
                null,
                e);
    }

    /** {@code what} went wrong before the request was complete: S3 stored nothing. */
    static UploadTransientException transientFailure(ImportTicket ticket, String what, IOException e) {
        return new UploadTransientException(
                "upload of import " + ticket.importId() + " to "
                        + ticket.uploadUrl().getHost() + ": " + what + " ("
                        + e.getClass().getSimpleName() + ": "
                        + scrub(String.valueOf(e.getMessage()), ticket) + ")",
                -1,
                null,
                e);
    }

    /** One line, ≤ 300 chars, without the ticket's policy, signature or credential values. */
    static String scrub(String text, ImportTicket ticket) {
        String s = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        for (FormField f : ticket.uploadFields()) {
            String n = f.name().toLowerCase(Locale.ROOT);
            if ((n.equals("policy") || n.contains("signature") || n.contains("credential"))
                    && f.value().length() >= 6) {
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
        return s == null
                ? null
                : s.replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&apos;", "'")
                        .replace("&amp;", "&");
    }
}
