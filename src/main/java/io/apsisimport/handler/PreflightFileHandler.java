package io.apsisimport.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.csv.CsvScanner;
import io.apsisimport.csv.FieldSelectors;
import io.apsisimport.csv.ScanOptions;
import io.apsisimport.csv.ScanResult;
import io.apsisimport.route.Route;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.source.CompressedFile;
import io.apsisimport.source.ExpansionLimits;
import io.apsisimport.source.SourceFormat;
import io.apsisimport.source.WorkCopy;
import io.apsisimport.source.WorkObjects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * "Resolve route and check the file": finds the route for the key, scans the file once (encoding,
 * delimiter, header against the mapping's field selectors, rows) and plans the parts, all before
 * any import is requested. Only keys, offsets and counts leave this function, never CSV content.
 * A compressed file ({@code .gz}, {@code .zip}) is decompressed once, into its work object, while it
 * is scanned ({@link WorkCopy}); its parts are then read from there ({@code readKey}).
 */
public final class PreflightFileHandler extends JsonHandler<PreflightFileHandler.Input, PreflightFileHandler.Output> {
  /**
   * APSIS takes at most "50 MB" per import file; read as 50,000,000 bytes, the smaller reading, so no
   * part can fail for real that passed here. template.yaml's MaxPartBytes has the same MaxValue.
   */
  public static final long APSIS_MAX_FILE_BYTES = 50_000_000L;

  private final S3Client s3;
  private final RoutesSource routes;
  private final long maxPartBytes;
  private final ExpansionLimits limits;

  public PreflightFileHandler() {
    this(Wiring.fromSystem());
  }

  public PreflightFileHandler(Wiring wiring) {
    this(wiring.s3(), wiring.routes(),
        wiring.env().longValue("MAX_PART_BYTES", APSIS_MAX_FILE_BYTES, 1024, APSIS_MAX_FILE_BYTES),
        new ExpansionLimits(
            wiring.env().longValue("MAX_DECOMPRESSED_BYTES", ExpansionLimits.DEFAULTS.maxBytes(), 1, 5_000_000_000L),
            wiring.env().longValue("MAX_COMPRESSION_RATIO", ExpansionLimits.DEFAULTS.maxRatio(), 2, 100_000)));
  }

  public PreflightFileHandler(S3Client s3, RoutesSource routes, long maxPartBytes) {
    this(s3, routes, maxPartBytes, ExpansionLimits.DEFAULTS);
  }

  public PreflightFileHandler(S3Client s3, RoutesSource routes, long maxPartBytes, ExpansionLimits limits) {
    super(Input.class);
    this.s3 = s3;
    this.routes = routes;
    this.maxPartBytes = maxPartBytes;
    this.limits = limits;
  }

  /** {@code maxConcurrentImports} comes from the definition and is passed on to the Map over parts. */
  public record Input(String bucket, String key, String executionArn, Integer maxConcurrentImports) {}

  /**
   * {@code maxConcurrentImports}: no file runs more parts at once than there are import slots.
   * {@code readKey}: the object the parts are byte ranges of (the key itself, or a compressed file's
   * work object); {@code bytes}: its size. {@code compressed}: null for a plain CSV.
   */
  public record Output(String bucket, String key, String executionArn, String route, String section,
      ObjectNode importSpec, long bytes, long rows, String delimiter, List<String> columns, HeaderRef header,
      List<PartPlan> parts, int maxConcurrentImports, String readKey, CompressedFile compressed) {}

  @Override
  public Output handle(Input in, Context context) {
    Route route = routes.load(in.bucket()).require(in.key(), routes.key());
    var options = new ScanOptions(maxPartBytes, FieldSelectors.of(route.importSpec()));
    ScanResult scan;
    String readKey = in.key();
    CompressedFile compressed = null;
    if (SourceFormat.of(in.key()).compressed()) {
      readKey = WorkObjects.keyFor(in.executionArn(), in.key());
      try {
        var copy = WorkCopy.run(s3, in.bucket(), in.key(), null, readKey, options, limits);
        scan = copy.scan();
        compressed = copy.file();
      } catch (IOException e) {
        throw new UncheckedIOException("reading s3://" + in.bucket() + "/" + in.key(), e);
      }
    } else try (InputStream body = s3.getObject(b -> b.bucket(in.bucket()).key(in.key()))) {
      scan = CsvScanner.scan(SourceFormat.requirePlain(body, in.key()), options);
    } catch (IOException e) {
      throw new UncheckedIOException("reading s3://" + in.bucket() + "/" + in.key(), e);
    }
    if (scan.dataRows() == 0 && route.onEmptyFile() == Route.EmptyFilePolicy.FAIL) {
      throw new EmptyFileException(in.key() + " has no data rows"
          + (scan.header() == null ? " (empty file)" : " (header only)")
          + " and route \"" + route.name() + "\" has onEmptyFile=fail");
    }
    var header = scan.header() == null ? null : new HeaderRef(scan.header().bomLength(), scan.header().line().length);
    List<PartPlan> parts = scan.parts().stream()
        .map(p -> new PartPlan(p.index(), p.start(), p.end(), p.firstRow(), p.rows(), p.size(scan.header())))
        .toList();
    Log.info(context, "file checked", "key", in.key(), "route", route.name(), "rows", scan.dataRows(),
        "bytes", scan.totalBytes(), "parts", parts.size(), "execution", in.executionArn(),
        "compressedBytes", compressed == null ? null : compressed.compressedBytes());
    return new Output(in.bucket(), in.key(), in.executionArn(), route.name(), route.section(), route.importSpec(),
        scan.totalBytes(), scan.dataRows(),
        scan.header() == null ? null : String.valueOf(scan.header().delimiter()),
        scan.header() == null ? List.of() : scan.header().columns(), header, parts,
        in.maxConcurrentImports() == null ? 0 : in.maxConcurrentImports(), readKey, compressed);
  }
}
