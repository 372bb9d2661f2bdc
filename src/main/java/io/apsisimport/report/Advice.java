package io.apsisimport.report;

import java.util.Map;

/**
 * What to do about a failed file, in one or two sentences for the person who gets the notification:
 * the gist of the README's Troubleshooting entry for the error (each key here names an entry there:
 * ImportEventContractTest checks it), which the sentence points to.
 */
public final class Advice {
    /** The event's word for a file that succeeded with profiles APSIS refused (not an error). */
    public static final String PROFILES_FAILED = "ProfilesFailed";
    /** The event's error when moving the file or writing its report kept failing ("Report not written"). */
    public static final String REPORT_NOT_WRITTEN = "ReportNotWritten";

    static final Map<String, String> BY_ERROR = Map.ofEntries(
            Map.entry(
                    "NoRouteForKey",
                    "Add a route whose match covers this key to the routes file (RoutesKey), then drop the file again."),
            Map.entry(
                    "InvalidRoutes",
                    "Fix the routes file (the message names the route and the field), then drop the file again."),
            Map.entry(
                    "CsvMissingColumns",
                    "The header lacks a column the route's mapping selects: export the file with that column, or fix the mapping, then drop it again."),
            Map.entry("CsvEncoding", "Export the file as UTF-8 (with or without BOM) and drop it again."),
            Map.entry(
                    "CsvMalformed",
                    "The CSV is malformed where the message says (an unclosed quote, a stray quote): fix the export and drop it again."),
            Map.entry(
                    "CsvRecordTooLarge",
                    "One record is larger than a part may be: check the export for an unclosed quote, then drop it again."),
            Map.entry("EmptyFile", "The file has no data rows and its route says onEmptyFile=fail: check the export."),
            Map.entry("ArchiveCorrupt", "The .gz or .zip is damaged or cut short: compress and drop the file again."),
            Map.entry(
                    "ArchiveContents",
                    "A .zip must hold exactly one .csv: zip the CSV alone, or drop it as .csv or .csv.gz."),
            Map.entry(
                    "ArchiveTooLarge",
                    "The file expands beyond MaxDecompressedBytes or MaxCompressionRatio: split a genuine export, or raise the parameter."),
            Map.entry(
                    "ArchiveFormat",
                    "The name and the content disagree (the message says which name to use): rename the file and drop it again."),
            Map.entry(
                    "FileTooLarge", "Split the file (at most 5 GB and 128 parts of MaxPartBytes) and drop the pieces."),
            Map.entry(
                    "FileReplaced",
                    "A newer file was dropped under the same key while this one was imported: look at the newer drop's execution and report."),
            Map.entry(
                    "ApsisNotAllowed",
                    "APSIS refused the import (403): give the keyspace manage_subscriptions, or make the mapped attributes and tags writable through it."),
            Map.entry(
                    "ApsisInvalidRequest",
                    "APSIS refused the route's import specification: fix the route's import in the routes file, then drop the file again."),
            Map.entry(
                    "ApsisNotFound",
                    "APSIS does not know the route's section or keyspace: fix the route, then drop the file again."),
            Map.entry(
                    "ApsisTransient",
                    "APSIS kept failing through every retry: check APSIS One's status and the account's pending imports, then drop the file again."),
            Map.entry(
                    "ApsisRateLimited",
                    "APSIS kept answering 429 through every retry: check the account's pending imports, then drop the file again."),
            Map.entry(
                    "ApsisCredentials",
                    "Put the APSIS client id and secret into the stack's secret (ApsisSecretArn), then drop the file again; no redeploy needed."),
            Map.entry(
                    "ApsisAuthentication",
                    "APSIS rejected the client id and secret: put valid credentials into the secret, then drop the file again."),
            Map.entry(
                    "UploadRejected",
                    "APSIS's upload endpoint refused the part: look at the part's execution for the answer, then drop the file again."),
            Map.entry(
                    "UploadTooLarge",
                    "A part was larger than APSIS takes: lower MaxPartBytes, then drop the file again."),
            Map.entry(
                    "UploadUrlExpired",
                    "The upload URL expired before the part was sent: drop the file again (a busy account leaves parts waiting long)."),
            Map.entry(
                    "ImportFailed",
                    "APSIS ended the import without completing it: its status and counts are in the report; check the import in APSIS One."),
            Map.entry(
                    "ImportTimedOut",
                    "APSIS kept the import pending beyond ImportTimeoutSeconds: check the import in APSIS One."),
            Map.entry(
                    "SlotWaitTimeout",
                    "The account's import slots stayed busy for SlotMaxWaitSeconds: check imports started elsewhere (the APSIS web app, other stacks)."),
            Map.entry("SlotLost", "The part's import slot was taken over before its upload: drop the file again."),
            Map.entry(
                    "PartExecutionEnded",
                    "A part's execution was stopped or timed out: open it from the file's execution, then drop the file again."),
            Map.entry(
                    REPORT_NOT_WRITTEN,
                    "Moving the file or writing its report kept failing: the file stays where it is; the parts' imports are in the execution's step Import each part. Check FinishImport's log."));

    static final String PROFILES_FAILED_ADVICE =
            "APSIS refused some profiles (for example invalid e-mail addresses, or values an attribute does not take): "
                    + "APSIS One's import log lists them; the report has the counts per part.";

    private Advice() {}

    /** What to do about {@code error} (a short error name), pointing to its Troubleshooting entry. */
    public static String forError(String error) {
        String known = error == null ? null : BY_ERROR.get(error);
        if (known != null) {
            return known + " (README, Troubleshooting: " + error + ")";
        }
        return "Open the execution: the failed step's Error and Cause say what happened (README, Troubleshooting"
                + (error == null ? "" : ": " + error) + ").";
    }

    /** What to do about a file imported with profiles APSIS refused. */
    public static String forFailedProfiles() {
        return PROFILES_FAILED_ADVICE + " (README, Troubleshooting: " + PROFILES_FAILED + ")";
    }

    /** The error names that have advice of their own (and so a Troubleshooting entry). */
    public static java.util.Set<String> errors() {
        return BY_ERROR.keySet();
    }
}
