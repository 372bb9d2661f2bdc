package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.contract.FeedState;
import io.apsisimport.contract.HeaderRef;
import io.apsisimport.contract.PartPlan;
import io.apsisimport.csv.CsvScanner;
import io.apsisimport.csv.EmptyFileException;
import io.apsisimport.csv.FieldSelectors;
import io.apsisimport.csv.ScanOptions;
import io.apsisimport.csv.ScanResult;
import io.apsisimport.lambda.JsonHandler;
import io.apsisimport.lambda.Log;
import io.apsisimport.lambda.Wiring;
import io.apsisimport.landing.DroppedFile;
import io.apsisimport.landing.FileReplacedException;
import io.apsisimport.landing.LandingFiles;
import io.apsisimport.landing.Limits;
import io.apsisimport.route.Route;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.source.CompressedFile;
import io.apsisimport.source.ExpansionLimits;
import io.apsisimport.source.SourceFormat;
import io.apsisimport.source.WorkCopy;
import io.apsisimport.source.WorkObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * "Resolve route and check the file": finds the route for the key, scans the file once (encoding,
 * delimiter, header against the mapping's field selectors, rows) and plans the parts, all before
 * any import is requested. Reads exactly the drop its S3 event announced ({@link LandingFiles}), and
 * refuses files larger than this stack imports ({@link Limits}). Only keys, offsets and counts
 * leave this function, never CSV content. A compressed file ({@code .gz}, {@code .zip}) is
 * decompressed once, into its work object, while it is scanned ({@link WorkCopy}); its parts are
 * then read from there ({@code readKey}).
 */
public final class PreflightFileHandler extends JsonHandler<PreflightFileHandler.Input, PreflightFileHandler.Output> {
    /**
     * APSIS takes at most "50 MB" per import file; read as 50,000,000 bytes, the smaller reading, so no
     * part can fail for real that passed here. template.yaml's MaxPartBytes has the same MaxValue.
     */
    public static final long APSIS_MAX_FILE_BYTES = ApsisApi.MAX_FILE_BYTES;

    private final S3Client s3;
    private final LandingFiles files;
    private final RoutesSource routes;
    private final long maxPartBytes;
    private final ExpansionLimits limits;

    public PreflightFileHandler() {
        this(Wiring.fromSystem());
    }

    public PreflightFileHandler(Wiring wiring) {
        this(
                wiring.s3(Wiring.S3Calls.READ, Wiring.S3Calls.WRITE, Wiring.S3Calls.MULTIPART),
                wiring.routes(),
                wiring.settings().maxPartBytes(),
                wiring.settings().expansionLimits());
        PrimingInputs.serveRoutesAndFile(wiring);
        primeInvocation(
                wiring, new Input(PrimingInputs.file(PrimingInputs.key(wiring)), PrimingInputs.EXECUTION, 3, null));
    }

    public PreflightFileHandler(S3Client s3, RoutesSource routes, long maxPartBytes) {
        this(s3, routes, maxPartBytes, ExpansionLimits.DEFAULTS);
    }

    public PreflightFileHandler(S3Client s3, RoutesSource routes, long maxPartBytes, ExpansionLimits limits) {
        super(Input.class);
        this.s3 = s3;
        this.files = new LandingFiles(s3);
        this.routes = routes;
        this.maxPartBytes = maxPartBytes;
        this.limits = limits;
    }

    /**
     * {@code file}: the execution's input (StartImport's, see {@link StartImportHandler.ExecutionInput});
     * {@code maxConcurrentImports} comes from the definition and is passed on to the Map over parts;
     * {@code feed} ("Find the file's route") is passed on as it is.
     */
    public record Input(DroppedFile file, String executionArn, Integer maxConcurrentImports, FeedState feed) {
        public Input(DroppedFile file, String executionArn, Integer maxConcurrentImports) {
            this(file, executionArn, maxConcurrentImports, null);
        }

        /** For callers that name only bucket and key (the sample event, tests). */
        public String key() {
            return file == null ? null : file.key();
        }
    }

    /**
     * {@code maxConcurrentImports}: no file runs more parts at once than there are import slots.
     * {@code readKey}: the object the parts are byte ranges of (the key itself, or a compressed file's
     * work object); {@code bytes}: its size. {@code compressed}: null for a plain CSV.
     */
    public record Output(
            String bucket,
            String key,
            String eTag,
            String versionId,
            String route,
            String section,
            ObjectNode importSpec,
            long bytes,
            long rows,
            String delimiter,
            HeaderRef header,
            List<PartPlan> parts,
            int maxConcurrentImports,
            String readKey,
            CompressedFile compressed,
            FeedState feed) {
        public Output(
                String bucket,
                String key,
                String eTag,
                String versionId,
                String route,
                String section,
                ObjectNode importSpec,
                long bytes,
                long rows,
                String delimiter,
                HeaderRef header,
                List<PartPlan> parts,
                int maxConcurrentImports,
                String readKey,
                CompressedFile compressed) {
            this(
                    bucket,
                    key,
                    eTag,
                    versionId,
                    route,
                    section,
                    importSpec,
                    bytes,
                    rows,
                    delimiter,
                    header,
                    parts,
                    maxConcurrentImports,
                    readKey,
                    compressed,
                    null);
        }
    }

    @Override
    public Output handle(Input in, Context context) {
        DroppedFile file = in.file();
        if (file == null || file.bucket() == null || file.key() == null) {
            throw new IllegalArgumentException("the execution's input names no bucket and key: " + file);
        }
        if (file.size() != null) {
            Limits.checkSize(file.key(), file.size());
        }
        Route route = routes.load(file.bucket()).require(file.key(), routes.key());
        var options = new ScanOptions(maxPartBytes, FieldSelectors.of(route.importSpec()));
        ScanResult scan;
        String readKey = file.key();
        CompressedFile compressed = null;
        if (SourceFormat.of(file.key()).compressed()) {
            readKey = WorkObjects.keyFor(in.executionArn(), file.key());
            files.requireUnchanged(file);
            try {
                var copy = WorkCopy.run(s3, file.bucket(), file.key(), file.quotedETag(), readKey, options, limits);
                scan = copy.scan();
                compressed = copy.file();
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    throw FileReplacedException.of(file.key(), false);
                }
                throw e;
            } catch (IOException e) {
                throw new UncheckedIOException("reading s3://" + file.bucket() + "/" + file.key(), e);
            }
        } else {
            try (ResponseInputStream<GetObjectResponse> body = files.open(file)) {
                long length = body.response().contentLength() == null
                        ? 0
                        : body.response().contentLength();
                Limits.checkSize(file.key(), length);
                Limits.checkParts(file.key(), Limits.minimumParts(length, maxPartBytes), maxPartBytes);
                scan = CsvScanner.scan(SourceFormat.requirePlain(body, file.key()), options);
            } catch (IOException e) {
                throw new UncheckedIOException("reading s3://" + file.bucket() + "/" + file.key(), e);
            }
        }
        Limits.checkParts(file.key(), scan.parts().size(), maxPartBytes);
        if (scan.dataRows() == 0 && route.onEmptyFile() == Route.EmptyFilePolicy.FAIL) {
            throw new EmptyFileException(file.key() + " has no data rows"
                    + (scan.header() == null ? " (empty file)" : " (header only)")
                    + " and route \"" + route.name() + "\" has onEmptyFile=fail");
        }
        var header = scan.header() == null
                ? null
                : new HeaderRef(scan.header().bomLength(), scan.header().line().length);
        List<PartPlan> parts = scan.parts().stream()
                .map(p -> new PartPlan(
                        p.index(),
                        p.start(),
                        p.end(),
                        p.firstRow(),
                        p.rows(),
                        p.size(scan.header()),
                        PartPlan.executionName(in.executionArn(), p.index())))
                .toList();
        Log.info(
                context,
                "file checked",
                "key",
                file.key(),
                "route",
                route.name(),
                "rows",
                scan.dataRows(),
                "bytes",
                scan.totalBytes(),
                "parts",
                parts.size(),
                "execution",
                in.executionArn(),
                "compressedBytes",
                compressed == null ? null : compressed.compressedBytes());
        return new Output(
                file.bucket(),
                file.key(),
                file.eTag(),
                file.versionId(),
                route.name(),
                route.section(),
                route.importSpec(),
                scan.totalBytes(),
                scan.dataRows(),
                scan.header() == null ? null : String.valueOf(scan.header().delimiter()),
                header,
                parts,
                in.maxConcurrentImports() == null ? 0 : in.maxConcurrentImports(),
                readKey,
                compressed,
                in.feed() != null ? in.feed() : FeedState.unordered(route.name()));
    }
}
