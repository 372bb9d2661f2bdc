package io.apsisimport.local.fn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apsisimport.contract.PartResult;
import io.apsisimport.contract.PartTiming;
import io.apsisimport.report.PartReport;
import io.apsisimport.report.Summary;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What bench/metrics/run's probe functions share: the input they read (a file's outcome, as
 * FinishImport knows it) and the summary and part results FinishImport's metrics are made from.
 * The Powertools probe (bench/metrics/PowertoolsProbeHandler.java) reads the same input.
 */
public final class MetricsProbe implements org.crac.Resource {
    static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] SAMPLE = "{\"route\":\"priming\",\"rows\":1,\"parts\":1,\"key\":\"priming\"}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final Runnable work;

    private MetricsProbe(Runnable work) {
        this.work = work;
    }

    /**
     * As the project's handlers do under SnapStart (JsonHandler, SnapStartHooks): the probe's own
     * work once before the snapshot, offline, so that each way's first invocation shows what is left.
     * The CRaC context holds resources weakly: the probe keeps the returned object.
     */
    static Object primeBeforeSnapshot(Runnable work) {
        var resource = new MetricsProbe(work);
        org.crac.Core.getGlobalContext().register(resource);
        return resource;
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends org.crac.Resource> context) {
        work.run();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends org.crac.Resource> context) {}

    /** The input: {"route", "rows", "parts", "key"}; a missing field takes a sample value. */
    static JsonNode read(InputStream in) throws IOException {
        return JSON.readTree(in);
    }

    static Summary summary(JsonNode in) {
        int parts = in.path("parts").asInt(3);
        var reports = new ArrayList<PartReport>();
        var imports = new ArrayList<String>();
        for (int i = 0; i < parts; i++) {
            reports.add(new PartReport(
                    i + 1, 1, 100, 100, 0, 1000, "imp-" + i, "completed", 100L, 99L, 1L, null, null, null, "p" + i));
            imports.add("imp-" + i);
        }
        String key = in.path("key").asText("inbox/bench.csv");
        return new Summary(
                key,
                "SUCCEEDED",
                in.path("route").asText("bench"),
                "section",
                in.path("rows").asLong(300),
                3000L,
                imports,
                100L * parts,
                99L * parts,
                parts,
                reports,
                "archive/" + key,
                "reports/" + key + ".json",
                "drop",
                "arn:aws:states:eu-west-1:123456789012:execution:bench-import:x",
                "https://console",
                "2026-11-29T10:00:00Z",
                "2026-11-29T10:05:00Z",
                300.0,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    static List<PartResult> parts(JsonNode in) {
        int parts = in.path("parts").asInt(3);
        var results = new ArrayList<PartResult>();
        for (int i = 0; i < parts; i++) {
            results.add(new PartResult(
                    i,
                    "imp-" + i,
                    "COMPLETED",
                    null,
                    100L,
                    99L,
                    1L,
                    null,
                    null,
                    new PartTiming(
                            "2026-11-29T10:00:0" + i + "Z",
                            "2026-11-29T10:00:1" + i + "Z",
                            "2026-11-29T10:00:2" + i + "Z",
                            "2026-11-29T10:03:0" + i + "Z",
                            4_000_000L,
                            800L + i)));
        }
        return results;
    }
}
