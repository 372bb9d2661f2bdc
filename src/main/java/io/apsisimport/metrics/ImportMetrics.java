package io.apsisimport.metrics;

import io.apsisimport.contract.PartResult;
import io.apsisimport.contract.PartTiming;
import io.apsisimport.lambda.Env;
import io.apsisimport.report.Summary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The pipeline's CloudWatch metrics (embedded metric format, {@link Emf}), one namespace per stack
 * (template parameter {@code MetricsNamespace}, variable {@code METRICS_NAMESPACE}). What each metric
 * means, its unit and dimensions are decided here and nowhere else; the template's dashboard and
 * alarms use these names (TemplateObservabilityTest holds the two together).
 *
 * <p>Per file, from FinishImport ({@link #file}): one of {@link #FILES_IMPORTED},
 * {@link #FILES_FAILED}, {@link #FILES_SKIPPED}; {@link #ROWS} of an imported file; {@link #PARTS};
 * APSIS's profile counts; and, per imported part, {@link #IMPORT_SECONDS} (request to terminal
 * status), {@link #SLOT_WAIT_SECONDS} and {@link #UPLOAD_BYTES_PER_SECOND}. Dimensions: {@code Route}
 * (and none: the stack's total), and for {@link #FILES_FAILED} also {@code Route} with
 * {@code ErrorType}.
 *
 * <p>Per ask for an import slot, from AcquireSlot ({@link #slotWait}): {@link #SLOT_WAITING_SECONDS},
 * how long the part has waited so far, without dimensions. It is what the slot-wait alarm watches
 * while a file waits (FinishImport's {@link #SLOT_WAIT_SECONDS} comes only once the file is done).
 */
public final class ImportMetrics {
    public static final String NAMESPACE_VARIABLE = "METRICS_NAMESPACE";
    public static final String DEFAULT_NAMESPACE = "ApsisOneImport";

    public static final String FILES_IMPORTED = "FilesImported";
    public static final String FILES_FAILED = "FilesFailed";
    public static final String FILES_SKIPPED = "FilesSkipped";
    public static final String ROWS = "Rows";
    public static final String PARTS = "Parts";
    public static final String PROFILES_FOUND = "ProfilesFound";
    public static final String PROFILES_PROCESSED = "ProfilesProcessed";
    public static final String PROFILES_FAILED = "ProfilesFailed";
    public static final String IMPORT_SECONDS = "ImportSeconds";
    public static final String SLOT_WAIT_SECONDS = "SlotWaitSeconds";
    public static final String UPLOAD_BYTES_PER_SECOND = "UploadBytesPerSecond";
    public static final String SLOT_WAITING_SECONDS = "SlotWaitingSeconds";

    public static final String ROUTE = "Route";
    public static final String ERROR_TYPE = "ErrorType";

    private ImportMetrics() {}

    /** The namespace of this stack's metrics, from {@link #NAMESPACE_VARIABLE}; refused at start-up when CloudWatch would refuse it. */
    public static String namespace(Env env) {
        String ns = env.optional(NAMESPACE_VARIABLE, DEFAULT_NAMESPACE);
        if (ns == null || ns.isBlank()) {
            return DEFAULT_NAMESPACE;
        }
        if (ns.length() > Emf.MAX_NAME_CHARS || !Emf.NAMESPACE.matcher(ns).matches()) {
            throw new IllegalStateException(
                    NAMESPACE_VARIABLE + " is not a CloudWatch namespace (letters, digits, . - _ / # : "
                            + "and spaces, at most 255, not starting with AWS/): " + ns);
        }
        return ns;
    }

    /** Which of the three a finished file is. */
    public enum Outcome {
        IMPORTED,
        FAILED,
        SKIPPED
    }

    /**
     * The file's outcome: FAILED with an error; SKIPPED when it succeeded without a part to import
     * (an empty or header-only file whose route says onEmptyFile=skip); IMPORTED otherwise.
     */
    public static Outcome outcome(Summary summary) {
        if (summary.error() != null || !Summary.SUCCEEDED.equals(summary.status())) {
            return Outcome.FAILED;
        }
        return summary.parts() == null || summary.parts().isEmpty() ? Outcome.SKIPPED : Outcome.IMPORTED;
    }

    /** A finished file's metrics; {@code parts}: its parts' results (with their timings). */
    public static Emf file(String namespace, Summary summary, List<PartResult> parts, Instant now) {
        Outcome outcome = outcome(summary);
        var emf = Emf.document(namespace, now).dimension(ROUTE, summary.route());
        if (outcome == Outcome.FAILED) {
            emf.dimension(ERROR_TYPE, summary.error() == null ? "ImportFailed" : summary.error());
            emf.group(List.of(List.of(ROUTE, ERROR_TYPE), List.of(ROUTE), List.of()))
                    .add(FILES_FAILED, Unit.COUNT, 1);
        }
        emf.property("message", "import metrics")
                .property("key", summary.key())
                .property("execution", summary.executionArn())
                .property("outcome", outcome.name());
        var group = emf.group(List.of(List.of(ROUTE), List.of()));
        switch (outcome) {
            case IMPORTED -> group.add(FILES_IMPORTED, Unit.COUNT, 1).add(ROWS, Unit.COUNT, nz(summary.rows()));
            case SKIPPED -> group.add(FILES_SKIPPED, Unit.COUNT, 1);
            case FAILED -> {}
        }
        if (!summary.parts().isEmpty()) {
            group.add(PARTS, Unit.COUNT, summary.parts().size())
                    .add(PROFILES_FOUND, Unit.COUNT, summary.profilesFound())
                    .add(PROFILES_PROCESSED, Unit.COUNT, summary.profilesProcessed())
                    .add(PROFILES_FAILED, Unit.COUNT, summary.profilesFailed());
        }
        List<PartTiming> timings = parts.stream()
                .filter(PartResult::completed)
                .map(PartResult::timing)
                .filter(java.util.Objects::nonNull)
                .toList();
        group.add(IMPORT_SECONDS, Unit.SECONDS, seconds(timings, PartTiming::importDuration))
                .add(SLOT_WAIT_SECONDS, Unit.SECONDS, seconds(timings, PartTiming::slotWait))
                .add(
                        UPLOAD_BYTES_PER_SECOND,
                        Unit.BYTES_PER_SECOND,
                        timings.stream()
                                .map(PartTiming::uploadBytesPerSecond)
                                .flatMap(Optional::stream)
                                .toList());
        return emf;
    }

    /** How long a part has waited for an import slot so far, at one of its asks. */
    public static Emf slotWait(String namespace, Duration waited, Instant now, String key, String executionArn) {
        var emf = Emf.document(namespace, now)
                .property("message", "slot wait metrics")
                .property("key", key)
                .property("execution", executionArn);
        emf.group(List.of(List.of())).add(SLOT_WAITING_SECONDS, Unit.SECONDS, Math.max(0, waited.toMillis()) / 1000.0);
        return emf;
    }

    private static List<Double> seconds(List<PartTiming> timings, Function<PartTiming, Optional<Duration>> what) {
        return timings.stream()
                .map(what)
                .flatMap(Optional::stream)
                .map(d -> d.toMillis() / 1000.0)
                .toList();
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
