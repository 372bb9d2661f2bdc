package io.apsisimport.lambda;

import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.ApsisClient;
import io.apsisimport.apsis.ApsisCredentials;
import io.apsisimport.apsis.ApsisCredentialsException;
import io.apsisimport.apsis.ApsisCredentialsSource;
import io.apsisimport.apsis.CachedCredentials;
import io.apsisimport.apsis.Jitter;
import io.apsisimport.feed.FeedConfig;
import io.apsisimport.feed.FeedQueue;
import io.apsisimport.feed.SfnFeedProbe;
import io.apsisimport.handler.PollSchedule;
import io.apsisimport.route.RoutesSource;
import io.apsisimport.slots.ImportSlots;
import io.apsisimport.slots.SfnExecutionProbe;
import io.apsisimport.slots.SlotsConfig;
import io.apsisimport.upload.PresignedPostUploader;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Builds the real collaborators once per container from the environment (template.yaml sets it;
 * the local cloud passes its own map). Each client is created on first use, so a function builds
 * only what its handler needs; handlers call the getters in their constructors (init phase,
 * captured by SnapStart), never inside handleRequest.
 *
 * <p>Init makes no network call and reads no secret: with SnapStart it runs when a version is
 * published, before the user has put the APSIS credentials into the secret, and whatever it read
 * would be frozen into the snapshot. The credentials are read at the first APSIS call, kept for
 * {@link CachedCredentials#DEFAULT_LIFETIME}, and read again when APSIS rejects them. The jitter of
 * the slots' and the APSIS client's back-offs is re-seeded after every restore
 * ({@link SnapStartHooks}).
 *
 * <p>Here: the settings, the secret and the project's own collaborators (APSIS client, slots, feeds)
 * and the SnapStart priming; the AWS SDK clients themselves are built in {@link SdkClients}, the
 * priming's answers in {@link PrimingAnswers} and its redirection in {@link SdkPriming}. Over 300
 * lines because it is the one composition root: every getter a handler's constructor calls, and the
 * priming run that must see all of them (its endpoint, the made-up objects and items handlers
 * register, the APSIS client's priming copy).
 */
public final class Wiring {
    private final Env env;
    private final Settings settings;
    private final Jitter jitter;
    /** Held here: the CRaC context keeps its resources only weakly. */
    private final SnapStartHooks snapStart;
    /** Priming of what the handler adds to the clients built here (the upload relay's copy path). */
    private final List<Primer> primers = new CopyOnWriteArrayList<>();
    /** The AWS SDK clients, built on first use. */
    private final SdkClients aws;

    private final Memo<ApsisClient> apsis = new Memo<>(this::newApsis);
    private final Memo<ImportSlots> slots = new Memo<>(this::newSlots);
    private final Memo<FeedQueue> feeds = new Memo<>(this::newFeeds);

    public Wiring(Env env) {
        this(env, Core.getGlobalContext(), new Jitter());
    }

    /** {@code crac}: where the SnapStart hooks are registered; both given by tests. */
    Wiring(Env env, org.crac.Context<Resource> crac, Jitter jitter) {
        this.env = env;
        this.settings = new Settings(env);
        this.jitter = jitter;
        this.aws = new SdkClients(env);
        this.snapStart = SnapStartHooks.register(crac).onRestore(jitter::reseed).prime(this::prime);
    }

    public static Wiring fromSystem() {
        return new Wiring(Env.system());
    }

    public Env env() {
        return env;
    }

    /** The handlers' tunables, read from {@link #env()}. */
    public Settings settings() {
        return settings;
    }

    /**
     * The S3 client; {@code primed}: the kinds of call the handler makes with it, run by the SnapStart
     * priming ({@link #prime}). Each kind loads its own share of the S3 model (over a thousand classes
     * for all of them), so a handler names only what it calls.
     */
    public S3Client s3(S3Calls... primed) {
        return aws.s3(primed);
    }

    /** Kinds of S3 call, for the priming: see {@link #s3(S3Calls...)}. */
    public enum S3Calls {
        /** HEAD and GET (ranges, small objects), and a failed precondition (a file replaced meanwhile). */
        READ,
        /** PUT of a small object. */
        WRITE,
        /** Server-side copy, and a failed precondition. */
        COPY,
        DELETE,
        /** A multipart upload: create, upload a part, complete, abort. */
        MULTIPART
    }

    public SfnClient sfn() {
        return aws.sfn();
    }

    /**
     * The APSIS client; while the SnapStart priming runs, its priming copy (made-up credentials, its
     * own token cache, the priming endpoint), so that a handler's invoke priming never reaches APSIS
     * nor reads the secret.
     */
    public ApsisApi apsis() {
        apsis.get();
        return apsisOrPriming;
    }

    private final PrimableApsis apsisOrPriming = new PrimableApsis();

    /** {@link #apsis()}: the real client, or {@link #priming} while it is set. */
    private final class PrimableApsis implements ApsisApi {
        volatile ApsisApi priming;

        private ApsisApi target() {
            ApsisApi p = priming;
            return p != null ? p : apsis.get();
        }

        @Override
        public io.apsisimport.apsis.ImportTicket requestImport(
                String section,
                com.fasterxml.jackson.databind.JsonNode importSpec,
                io.apsisimport.apsis.Deadline deadline) {
            return target().requestImport(section, importSpec, deadline);
        }

        @Override
        public io.apsisimport.apsis.ImportStatus importStatus(
                String section, String importId, io.apsisimport.apsis.Deadline deadline) {
            return target().importStatus(section, importId, deadline);
        }
    }

    public ImportSlots slots() {
        return slots.get();
    }

    /** The feed queues of ordered routes (in the slots table). */
    public FeedQueue feeds() {
        return feeds.get();
    }

    public RoutesSource routes() {
        return new RoutesSource(s3(S3Calls.READ), settings.routesKey());
    }

    public PresignedPostUploader uploader() {
        return new PresignedPostUploader(PresignedPostUploader.Options.defaults());
    }

    public Clock clock() {
        return Clock.systemUTC();
    }

    /** When to check an import's status (POLL_INTERVAL_SECONDS: the interval when nothing better is known). */
    public PollSchedule pollSchedule() {
        return new PollSchedule(settings.pollInterval());
    }

    /** The random source of every back-off this wiring builds; re-seeded after a SnapStart restore. */
    Jitter jitter() {
        return jitter;
    }

    /**
     * Only acquiring a slot asks whether its holder still runs: the Step Functions client behind the
     * probe is built when a probe is first needed, so handlers that never acquire a slot (request,
     * upload, status) do not build one at init.
     */
    private ImportSlots newSlots() {
        Memo<SfnExecutionProbe> probe = new Memo<>(() -> new SfnExecutionProbe(
                sfn(),
                (execution, e) -> Log.warn(
                        null,
                        "could not tell whether the execution holding an import slot still runs: the slot is kept",
                        "execution",
                        execution,
                        "error",
                        AwsErrors.describe(e, null))));
        return new ImportSlots(
                aws.dynamo(),
                execution -> probe.get().isRunning(execution),
                SlotsConfig.fromEnvironment(env.asMap()),
                Clock.systemUTC(),
                jitter);
    }

    private FeedQueue newFeeds() {
        var probe = new SfnFeedProbe(
                sfn(),
                (execution, e) -> Log.warn(
                        null,
                        "could not tell whether the execution before this file in its feed still runs: it keeps its place",
                        "execution",
                        execution,
                        "error",
                        AwsErrors.describe(e, null)));
        return new FeedQueue(aws.dynamo(), probe, FeedConfig.fromEnvironment(env.asMap()), Clock.systemUTC(), jitter);
    }

    private ApsisClient newApsis() {
        URI base = ApsisClient.baseUrlFrom(env.asMap());
        return new ApsisClient(
                base, credentials(), ApsisClient.Options.defaults().withRandom(jitter));
    }

    /**
     * From the Secrets Manager secret named by APSIS_SECRET_ARN, else APSIS_CLIENT_ID/APSIS_CLIENT_SECRET
     * (local runs). Decides where from, reads nothing yet.
     */
    private ApsisCredentialsSource credentials() {
        String secretArn = env.optional("APSIS_SECRET_ARN", null);
        if (secretArn != null) {
            // Built now (no connection is opened) so that restored environments do not each build it.
            SecretsManagerClient client = aws.secretsManager();
            return new CachedCredentials(
                    () -> ApsisSecret.read(client, secretArn),
                    "the secret " + secretArn,
                    CachedCredentials.DEFAULT_LIFETIME,
                    Clock.systemUTC());
        }
        String id = env.optional("APSIS_CLIENT_ID", null);
        String secret = env.optional("APSIS_CLIENT_SECRET", null);
        if (id == null || secret == null) {
            return () -> {
                throw new ApsisCredentialsException("no APSIS credentials: set APSIS_SECRET_ARN (Secrets Manager) "
                        + "or APSIS_CLIENT_ID and APSIS_CLIENT_SECRET");
            };
        }
        return ApsisCredentialsSource.of(new ApsisCredentials(id, secret));
    }

    /**
     * Work a handler adds to the priming of this wiring's clients, run with the priming endpoint's
     * address while the clients' requests go there.
     */
    @FunctionalInterface
    public interface Primer {
        void prime(URI endpoint) throws Exception;
    }

    /** Adds {@code primer} to this wiring's SnapStart priming (after the clients' own). */
    public void primeAlso(Primer primer) {
        primers.add(primer);
    }

    /**
     * Objects the priming endpoint serves to S3 GET and HEAD requests whose path ends with their key
     * (a handler's made-up routes.json and CSV file for its invoke priming); others get filler bytes.
     */
    private final Map<String, String> primingObjects = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Serves {@code content} as the S3 object {@code key} while priming (see {@link #primingObjects});
     * {@link PrimingAnswers#ABSENT}: S3's 404 for it (an object the code expects not to exist yet).
     */
    public void primeObject(String key, String content) {
        primingObjects.put(key, content);
    }

    /** DynamoDB items the priming endpoint adds to its Query and Scan answers. */
    private final List<Map<String, AttributeValue>> primingItems = new CopyOnWriteArrayList<>();

    /**
     * Adds {@code item} (as the code writes it to DynamoDB) to the priming's Query and Scan answers
     * (a handler's own slot, say).
     */
    public void primeItem(Map<String, AttributeValue> item) {
        if (!primingItems.contains(item)) {
            primingItems.add(Map.copyOf(item));
        }
    }

    /** The failures of the last priming's steps (logged, then left to the first invocation), for the tests. */
    final List<String> lastPrimingFailures = new CopyOnWriteArrayList<>();

    /** The port the last priming's endpoint listened on (0: none yet), for the tests that check nothing stays connected. */
    volatile int lastPrimingPort;

    /**
     * Before the snapshot: what the first invocation would load, build and compile. Every client the
     * handler asked for runs the calls this project makes with it against a {@link PrimingEndpoint} of
     * our own on loopback, answers and typed errors included ({@link SdkPriming}, {@link PrimingAnswers}),
     * then the handler's own primers run (the upload relay). Nothing is sent anywhere else, no
     * credential is read, and the endpoint is closed before the snapshot.
     */
    void prime() throws Exception {
        long started = System.nanoTime();
        long cpuStarted = processCpuMillis();
        int requests;
        var answers = new java.util.concurrent.atomic.AtomicReference<PrimingAnswers>();
        try (PrimingEndpoint endpoint = PrimingEndpoint.start(uri -> {
                    answers.set(new PrimingAnswers(uri, Map.copyOf(primingObjects), List.copyOf(primingItems)));
                    return answers.get();
                });
                SdkPriming.Scope redirected = aws.redirect(endpoint.uri())) {
            lastPrimingPort = endpoint.port();
            aws.prime(answers.get());
            apsis.ifBuilt(c -> c.prime(endpoint.uri()));
            apsis.ifBuilt(c -> apsisOrPriming.priming = c.primingCopy(endpoint.uri()));
            lastPrimingFailures.clear();
            for (Primer p : primers) {
                // One step failing (an answer the code did not expect) leaves the others to run.
                try {
                    p.prime(endpoint.uri());
                } catch (Exception | LinkageError e) {
                    lastPrimingFailures.add(e.toString());
                    Log.warn(
                            null,
                            "a SnapStart priming step failed; the first invocation will do that work",
                            "errorType",
                            e.getClass().getName(),
                            "errorMessage",
                            e.getMessage());
                }
            }
            requests = endpoint.served();
        } finally {
            apsisOrPriming.priming = null;
        }
        Log.line(
                com.amazonaws.services.lambda.runtime.logging.LogLevel.INFO,
                null,
                Map.of("key", "priming"),
                "priming",
                "part",
                0);
        long cpu = processCpuMillis();
        Log.info(
                null,
                "SnapStart priming done",
                "millis",
                (System.nanoTime() - started) / 1_000_000,
                "requests",
                requests,
                "failedSteps",
                lastPrimingFailures.size(),
                "cpuMillis",
                cpu < 0 || cpuStarted < 0 ? null : cpu - cpuStarted);
    }

    /** The JVM's CPU time so far (all its threads, the JIT's included), or -1 where the system does not tell. */
    private static long processCpuMillis() {
        return ProcessHandle.current()
                .info()
                .totalCpuDuration()
                .map(Duration::toMillis)
                .orElse(-1L);
    }
}
