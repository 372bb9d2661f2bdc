package io.apsisimport.local.fn;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import io.apsisimport.metrics.EmfLog;
import io.apsisimport.metrics.ImportMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * bench/metrics/run: a file's metrics the way FinishImport writes them (ImportMetrics, Emf,
 * EmfLog), and nothing else. Compared with {@link NoMetricsProbeHandler} (the same without
 * metrics) and Powertools' metrics (bench/metrics/PowertoolsProbeHandler.java).
 */
public final class EmfProbeHandler implements RequestStreamHandler {
    // Primes the summary and the EMF lines (rendered, not written: a metric at init would be counted).
    private final Object priming = MetricsProbe.primeBeforeSnapshot(() -> {
        try {
            JsonNode input = MetricsProbe.read(new java.io.ByteArrayInputStream(MetricsProbe.SAMPLE));
            ImportMetrics.file(
                            "ApsisOneImport/bench",
                            MetricsProbe.summary(input),
                            MetricsProbe.parts(input),
                            Instant.now())
                    .lines();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    });

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        JsonNode input = MetricsProbe.read(in);
        EmfLog.write(
                context,
                ImportMetrics.file(
                        "ApsisOneImport/bench", MetricsProbe.summary(input), MetricsProbe.parts(input), Instant.now()));
        out.write("{\"metrics\":\"emf\"}".getBytes(StandardCharsets.UTF_8));
    }
}
