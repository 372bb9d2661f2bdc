package io.apsisimport.local.fn;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** bench/metrics/run's baseline: the probes' work (read the input, build the summary) without metrics. */
public final class NoMetricsProbeHandler implements RequestStreamHandler {
    private final Object priming = MetricsProbe.primeBeforeSnapshot(() -> {
        try {
            JsonNode input = MetricsProbe.read(new java.io.ByteArrayInputStream(MetricsProbe.SAMPLE));
            MetricsProbe.summary(input);
            MetricsProbe.parts(input);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    });

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        JsonNode input = MetricsProbe.read(in);
        var summary = MetricsProbe.summary(input);
        var parts = MetricsProbe.parts(input);
        out.write(("{\"metrics\":\"none\",\"parts\":" + parts.size() + ",\"rows\":" + summary.rows() + "}")
                .getBytes(StandardCharsets.UTF_8));
    }
}
