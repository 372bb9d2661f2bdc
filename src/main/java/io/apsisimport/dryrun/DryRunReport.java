package io.apsisimport.dryrun;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apsisimport.source.CompressedFile;
import java.util.ArrayList;
import java.util.List;

/**
 * What a dry run found: everything an import of the file would have used (route, section, import
 * specification, the mapping's columns found and missing, encoding, delimiter, rows, the parts with
 * their byte ranges) and the problems that would have failed it. The report in S3 and the execution's
 * output; {@code imports} and the profile counts are there (empty, zero) so that a dry run's report
 * reads like an import's.
 *
 * @param status {@value #VALIDATED} or {@value #FAILED}
 * @param why why the file was only checked
 * @param routedAs the key the routes were matched against (a key under the validate prefix is checked
 *     as the same file under the landing prefix)
 * @param rows data rows; null when a problem stopped the scan before the end
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DryRunReport(
        String key,
        String status,
        boolean dryRun,
        String why,
        String routedAs,
        String route,
        String section,
        @JsonProperty("import") ObjectNode importSpec,
        Columns columns,
        String encoding,
        String delimiter,
        Long rows,
        Long bytes,
        Long maxPartBytes,
        List<PartView> parts,
        @JsonInclude(JsonInclude.Include.NON_NULL) CompressedFile compressed,
        List<Problem> problems,
        List<String> imports,
        long profilesFound,
        long profilesProcessed,
        long profilesFailed,
        String movedTo,
        String report,
        String dropId,
        String executionArn,
        String consoleUrl,
        String startedAt,
        String finishedAt,
        Double durationSeconds,
        String error,
        String cause,
        String note) {

    public static final String VALIDATED = "VALIDATED";
    public static final String FAILED = "FAILED";
    /** The execution's output lists at most this many header columns (the report in S3 has them all). */
    static final int OUTPUT_COLUMNS = 100;

    static final int OUTPUT_COLUMN_CHARS = 200;

    public boolean validated() {
        return VALIDATED.equals(status);
    }

    /**
     * The header's columns, the import specification's field selectors (required), which of them the
     * header has (found) and lacks (missing); {@code notListed}: header columns left out of this copy.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Columns(
            List<String> header, List<String> required, List<String> found, List<String> missing, Integer notListed) {}

    /** A part an import would cut: data rows {@code firstRow..lastRow}, source bytes [byteStart, byteEnd), header included in {@code bytes}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PartView(
            int part, long firstRow, long lastRow, long rows, long byteStart, long byteEnd, long bytes) {}

    /** With where the drop went and its report's name, once the handler has moved it. */
    public DryRunReport placed(
            String movedTo,
            String report,
            String dropId,
            String executionArn,
            String consoleUrl,
            String startedAt,
            String finishedAt,
            Double durationSeconds,
            String note) {
        return new DryRunReport(
                key,
                status,
                dryRun,
                why,
                routedAs,
                route,
                section,
                importSpec,
                columns,
                encoding,
                delimiter,
                rows,
                bytes,
                maxPartBytes,
                parts,
                compressed,
                problems,
                imports,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                movedTo,
                report,
                dropId,
                executionArn,
                consoleUrl,
                startedAt,
                finishedAt,
                durationSeconds,
                error,
                cause,
                note);
    }

    /**
     * What the execution's output keeps: the header's columns up to {@link #OUTPUT_COLUMNS} of at most
     * {@link #OUTPUT_COLUMN_CHARS} characters (a header line may be 1 MB; Step Functions keeps 256 KB of
     * state). The report in S3 is whole.
     */
    public DryRunReport forOutput() {
        if (columns == null || columns.header() == null) {
            return this;
        }
        var header = new ArrayList<String>();
        for (String c : columns.header()) {
            if (header.size() == OUTPUT_COLUMNS) {
                break;
            }
            header.add(c.length() > OUTPUT_COLUMN_CHARS ? c.substring(0, OUTPUT_COLUMN_CHARS - 1) + "…" : c);
        }
        int left = columns.header().size() - header.size();
        var lean = new Columns(header, columns.required(), columns.found(), columns.missing(), left > 0 ? left : null);
        return new DryRunReport(
                key,
                status,
                dryRun,
                why,
                routedAs,
                route,
                section,
                importSpec,
                lean,
                encoding,
                delimiter,
                rows,
                bytes,
                maxPartBytes,
                parts,
                compressed,
                problems,
                imports,
                profilesFound,
                profilesProcessed,
                profilesFailed,
                movedTo,
                report,
                dropId,
                executionArn,
                consoleUrl,
                startedAt,
                finishedAt,
                durationSeconds,
                error,
                cause,
                note);
    }
}
