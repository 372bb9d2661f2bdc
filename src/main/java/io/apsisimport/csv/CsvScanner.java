package io.apsisimport.csv;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Preflight and part planning in one streaming pass over the bytes of a CSV file.
 *
 * <p>Checks that the file is UTF-8 (BOM optional), reads the header (delimiter, column names),
 * checks the required columns, then runs an RFC 4180 state machine over the data bytes, validating
 * UTF-8 on the fly and cutting greedy parts at record boundaries. Memory is one buffer, whatever
 * the file size; the bytes are never decoded to characters except for the header line.
 *
 * <p>The pieces, each a class of this package: {@link ScanInput} (the buffer over the stream),
 * {@link HeaderReader} (byte order mark, header line, required columns), {@link RecordScanner}
 * (the record loop, the hot path), {@link Utf8Validator}, {@link PartPlanner} (where parts are
 * cut) and {@link ScanErrors} (the rejection messages).
 *
 * <p>See docs/csv-preflight.md for the policies (blank lines, lone CR, encodings).
 */
public final class CsvScanner {

    static final int DEFAULT_BUFFER_SIZE = 1 << 20;
    /** A header line longer than this is not a CSV header (likely a binary or a CR-only file). */
    static final int MAX_HEADER_BYTES = 1 << 20;

    private CsvScanner() {}

    /**
     * Reads {@code in} to its end once. The stream is not closed.
     *
     * @throws CsvRejectedException when the file cannot be imported as it is
     * @throws IOException          when reading fails
     */
    public static ScanResult scan(InputStream in, ScanOptions options) throws IOException {
        return scan(in, options, DEFAULT_BUFFER_SIZE);
    }

    /**
     * As {@link #scan(InputStream, ScanOptions)}, telling {@code headerRead} the header as soon as it
     * is read (before the required columns are checked): a dry run reports the columns also of a file
     * whose data fails a check later.
     */
    public static ScanResult scan(InputStream in, ScanOptions options, Consumer<CsvHeader> headerRead)
            throws IOException {
        Objects.requireNonNull(headerRead, "headerRead");
        return scan(in, options, DEFAULT_BUFFER_SIZE, headerRead);
    }

    /** As {@link #scan(InputStream, ScanOptions)} with a given buffer size (tests use tiny ones). */
    static ScanResult scan(InputStream in, ScanOptions options, int bufferSize) throws IOException {
        return scan(in, options, bufferSize, h -> {});
    }

    private static ScanResult scan(InputStream in, ScanOptions options, int bufferSize, Consumer<CsvHeader> headerRead)
            throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(options, "options");
        if (bufferSize < 4) {
            throw new IllegalArgumentException("bufferSize must be at least 4: " + bufferSize);
        }
        return run(new ScanInput(in, new byte[bufferSize]), options, headerRead);
    }

    /** One scan: the header, then the record loop over the same buffer. */
    private static ScanResult run(ScanInput input, ScanOptions options, Consumer<CsvHeader> headerRead)
            throws IOException {
        input.fill(4);
        int bom = HeaderReader.bomLength(input.buf, input.n);
        input.pos = bom;
        var headerReader = new HeaderReader(input);
        CsvHeader header = headerReader.read(bom);
        if (header == null) {
            return new ScanResult(null, 0, input.end(), List.of());
        }
        headerRead.accept(header);
        HeaderReader.checkRequired(header, options.requiredColumns());
        var records = new RecordScanner(input, headerReader.line(), header, options.maxPartBytes());
        List<Part> parts = records.scan();
        return new ScanResult(header, records.rows(), input.end(), parts);
    }
}
