package io.apsisimport.dryrun;

import io.apsisimport.csv.CsvHeader;
import io.apsisimport.csv.CsvMissingColumnsException;
import io.apsisimport.csv.CsvRejectedException;
import io.apsisimport.csv.CsvScanner;
import io.apsisimport.csv.FieldSelectors;
import io.apsisimport.csv.Part;
import io.apsisimport.csv.ScanOptions;
import io.apsisimport.csv.ScanResult;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.FileReplacedException;
import io.apsisimport.landing.FileTooLargeException;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.landing.Limits;
import io.apsisimport.route.InvalidRoutesException;
import io.apsisimport.route.NoRouteForKeyException;
import io.apsisimport.route.Route;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.source.CompressedFile;
import io.apsisimport.source.ExpansionGuard;
import io.apsisimport.source.ExpansionLimits;
import io.apsisimport.source.S3ObjectChannel;
import io.apsisimport.source.SourceFormat;
import io.apsisimport.source.WorkCopy;
import io.apsisimport.source.ZipCsvEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A file checked without importing it: the route resolution and the one streaming scan of the
 * preflight ("Resolve route and check the file"), with every problem collected instead of the first
 * one thrown. The mapping's columns are checked after the scan, not before it, so a file that lacks
 * columns and is not UTF-8 further down reports both; a scan stops at its first encoding or format
 * problem, which is reported with its line, row and byte offset. Never calls APSIS, writes nothing
 * (a compressed file is decompressed as it streams, without a work object).
 */
public final class DryRun {
    private final S3Client s3;
    private final LandingFiles files;
    private final RoutesSource routes;
    private final long maxPartBytes;
    private final ExpansionLimits limits;

    public DryRun(S3Client s3, RoutesSource routes, long maxPartBytes, ExpansionLimits limits) {
        this.s3 = s3;
        this.files = new LandingFiles(s3);
        this.routes = routes;
        this.maxPartBytes = maxPartBytes;
        this.limits = limits;
    }

    /**
     * Checks the drop as its import would, routed as {@code routedAs}; {@code why}: why it is only
     * checked. The report's placement fields (where the file went) are left for the caller.
     *
     * @throws UncheckedIOException reading the file failed (not a property of the file: the step is retried)
     */
    public DryRunReport check(DroppedFile file, String routedAs, String why) {
        var problems = new ArrayList<Problem>();
        Route route = null;
        try {
            route = routes.load(file.bucket()).require(routedAs, routes.key());
        } catch (InvalidRoutesException | NoRouteForKeyException e) {
            problems.add(Problem.of(e));
        }
        Set<String> required = route == null ? Set.of() : FieldSelectors.of(route.importSpec());
        var header = new AtomicReference<CsvHeader>();
        ScanResult scan = null;
        CompressedFile compressed = null;
        String notUtf8 = null;
        try {
            if (file.size() != null) {
                Limits.checkSize(file.key(), file.size());
            }
            var options = new ScanOptions(maxPartBytes, Set.of()); // the mapping's columns: checked below
            if (SourceFormat.of(file.key()).compressed()) {
                var result = scanCompressed(file, options, header);
                scan = result.scan();
                compressed = result.file();
            } else {
                scan = scanPlain(file, options, header);
            }
            Limits.checkParts(file.key(), scan.parts().size(), maxPartBytes);
        } catch (CsvRejectedException | FileTooLargeException | FileReplacedException e) {
            if (e instanceof io.apsisimport.csv.CsvEncodingException) {
                notUtf8 = e.getMessage().contains("Latin-1")
                        ? "not UTF-8 (looks like Windows-1252/ISO-8859-1)"
                        : "not UTF-8";
            }
            problems.add(Problem.of(e));
        }
        CsvHeader h = header.get();
        List<String> missing = new ArrayList<>();
        List<String> found = new ArrayList<>();
        if (h != null) {
            for (String c : required) {
                (h.columns().contains(c) ? found : missing).add(c);
            }
            if (!missing.isEmpty()) {
                var e = new CsvMissingColumnsException(new LinkedHashSet<>(missing), h.columns(), h.delimiter());
                problems.add(0, new Problem("CsvMissingColumns", e.getMessage(), 1L, 0L, (long) h.bomLength(), null));
            }
        }
        if (scan != null
                && scan.dataRows() == 0
                && route != null
                && route.onEmptyFile() == Route.EmptyFilePolicy.FAIL) {
            problems.add(Problem.of(
                    "EmptyFile",
                    file.key() + " has no data rows"
                            + (scan.header() == null ? " (empty file)" : " (header only)") + " and route \""
                            + route.name()
                            + "\" has onEmptyFile=fail"));
        }
        String note = scan != null && scan.dataRows() == 0 && problems.isEmpty()
                ? "no data rows: an import would end successfully without importing anything (onEmptyFile=skip)"
                : null;

        var parts = new ArrayList<DryRunReport.PartView>();
        if (scan != null && h != null && scan.parts().size() <= Limits.MAX_PARTS) {
            for (Part p : scan.parts()) {
                parts.add(new DryRunReport.PartView(
                        p.index() + 1, p.firstRow(), p.lastRow(), p.rows(), p.start(), p.end(), p.size(scan.header())));
            }
        }
        var columns =
                h == null ? null : new DryRunReport.Columns(h.columns(), List.copyOf(required), found, missing, null);
        String encoding = notUtf8 != null ? notUtf8 : h == null ? null : h.bomLength() > 0 ? "UTF-8 with BOM" : "UTF-8";
        boolean ok = problems.isEmpty();
        Problem first = ok ? null : problems.get(0);
        String cause = ok
                ? null
                : file.key() + ": " + first.message()
                        + (problems.size() > 1
                                ? " (and " + (problems.size() - 1) + " more problem(s): see the report)"
                                : "");
        return new DryRunReport(
                file.key(),
                ok ? DryRunReport.VALIDATED : DryRunReport.FAILED,
                true,
                why,
                routedAs.equals(file.key()) ? null : routedAs,
                route == null ? null : route.name(),
                route == null ? null : route.section(),
                route == null ? null : route.importSpec(),
                columns,
                encoding,
                h == null ? null : delimiterName(h.delimiter()),
                scan == null ? null : scan.dataRows(),
                scan == null ? null : scan.totalBytes(),
                maxPartBytes,
                parts,
                compressed,
                List.copyOf(problems),
                List.of(),
                0,
                0,
                0,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                ok ? null : first.error(),
                cause,
                note);
    }

    private ScanResult scanPlain(DroppedFile file, ScanOptions options, AtomicReference<CsvHeader> header) {
        try (ResponseInputStream<GetObjectResponse> body = files.open(file)) {
            long length = body.response().contentLength() == null
                    ? 0
                    : body.response().contentLength();
            Limits.checkSize(file.key(), length);
            Limits.checkParts(file.key(), Limits.minimumParts(length, maxPartBytes), maxPartBytes);
            try {
                return CsvScanner.scan(SourceFormat.requirePlain(body, file.key()), options, header::set);
            } catch (RuntimeException e) {
                body.abort(); // a rejected file is not read to its end
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + file.bucket() + "/" + file.key(), e);
        }
    }

    /** As WorkCopy does for an import, without the work object: decompressed as it streams, scanned, dropped. */
    private WorkCopy.Result scanCompressed(DroppedFile file, ScanOptions options, AtomicReference<CsvHeader> header) {
        SourceFormat format = SourceFormat.of(file.key());
        files.requireUnchanged(file);
        try {
            if (format == SourceFormat.GZIP) {
                ResponseInputStream<GetObjectResponse> body = files.open(file);
                try (body) {
                    long size = body.response().contentLength();
                    ScanResult scan = CsvScanner.scan(WorkCopy.gunzip(body, size, limits), options, header::set);
                    return new WorkCopy.Result(scan, new CompressedFile(format.label(), size, scan.totalBytes(), null));
                } catch (IOException | RuntimeException e) {
                    body.abort();
                    throw e;
                }
            }
            long size = s3.headObject(
                            b -> b.bucket(file.bucket()).key(file.key()).ifMatch(file.quotedETag()))
                    .contentLength();
            try (var zip = ZipCsvEntry.open(
                            new S3ObjectChannel(s3, file.bucket(), file.key(), file.quotedETag(), size), limits);
                    InputStream data = zip.data()) {
                ScanResult scan = CsvScanner.scan(new ExpansionGuard(data, limits, size), options, header::set);
                return new WorkCopy.Result(
                        scan, new CompressedFile(format.label(), size, scan.totalBytes(), zip.name()));
            }
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw FileReplacedException.of(file.key(), false);
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + file.bucket() + "/" + file.key(), e);
        }
    }

    static String delimiterName(char d) {
        return d == '\t' ? "tab" : String.valueOf(d);
    }
}
