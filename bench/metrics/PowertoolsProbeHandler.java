package bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * bench/metrics/run: the metrics FinishImport writes for an imported file, written with Powertools
 * for AWS Lambda (Java) v2 metrics (its functional API, as its documentation shows it without the
 * AspectJ annotation). Compiled by the bench script against the Powertools jars it resolves; never
 * part of the project's build or artifact.
 */
public final class PowertoolsProbeHandler implements RequestStreamHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  // As Powertools documents it: one instance, obtained at init (its CRaC hook primes it for SnapStart).
  private static final Metrics METRICS = MetricsFactory.getMetricsInstance();
  // The probe's own work primed before the snapshot as the other probes do (reading the input);
  // Powertools primes itself (MetricsFactory's CRaC hook preloads its classes).
  private final org.crac.Resource priming = new org.crac.Resource() {
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends org.crac.Resource> context) throws Exception {
      JSON.readTree("{\"route\":\"priming\",\"rows\":1,\"parts\":1,\"key\":\"priming\"}");
    }

    @Override
    public void afterRestore(org.crac.Context<? extends org.crac.Resource> context) {}
  };

  public PowertoolsProbeHandler() {
    org.crac.Core.getGlobalContext().register(priming);
  }

  @Override
  public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
    JsonNode input = JSON.readTree(in);
    int parts = input.path("parts").asInt(3);
    METRICS.setNamespace("ApsisOneImport/bench");
    // Without this, aws-embedded-metrics adds LogGroup, ServiceName and ServiceType to every dimension set.
    METRICS.clearDefaultDimensions();
    METRICS.addDimension(DimensionSet.of("Route", input.path("route").asText("bench")));
    METRICS.addMetadata("key", input.path("key").asText("inbox/bench.csv"));
    METRICS.addMetadata("execution", "arn:aws:states:eu-west-1:123456789012:execution:bench-import:x");
    METRICS.addMetric("FilesImported", 1, MetricUnit.COUNT);
    METRICS.addMetric("Rows", input.path("rows").asLong(300), MetricUnit.COUNT);
    METRICS.addMetric("Parts", parts, MetricUnit.COUNT);
    METRICS.addMetric("ProfilesFound", 100.0 * parts, MetricUnit.COUNT);
    METRICS.addMetric("ProfilesProcessed", 99.0 * parts, MetricUnit.COUNT);
    METRICS.addMetric("ProfilesFailed", parts, MetricUnit.COUNT);
    for (int i = 0; i < parts; i++) {
      METRICS.addMetric("ImportSeconds", 160 + i, MetricUnit.SECONDS);
      METRICS.addMetric("SlotWaitSeconds", 10, MetricUnit.SECONDS);
      METRICS.addMetric("UploadBytesPerSecond", 4_000_000_000.0 / (800 + i), MetricUnit.BYTES_SECOND);
    }
    METRICS.flush();
    out.write("{\"metrics\":\"powertools\"}".getBytes(StandardCharsets.UTF_8));
  }
}
