package io.apsisimport.lambda;

import io.apsisimport.apsis.ApsisApi;
import io.apsisimport.apsis.UploadArrival;
import io.apsisimport.slots.SlotsConfig;
import io.apsisimport.source.ExpansionLimits;
import java.time.Duration;

/**
 * The handlers' tunables: each environment variable's name, default and bounds, written once here
 * (template.yaml's parameters carry the same defaults and bounds: SettingsContractTest holds the two
 * together). A function reads only the settings its handler asks for, in its constructor (init), so
 * the template contract test still sees which variables each function needs. The slots table's and
 * the feeds' settings are read by {@link SlotsConfig} and {@code FeedConfig}.
 */
public final class Settings {
    /** MaxPartBytes: default and upper bound (APSIS's limit), lower bound. */
    public static final long MAX_PART_BYTES = ApsisApi.MAX_FILE_BYTES;

    public static final long MIN_PART_BYTES = 1024;
    /** MaxDecompressedBytes: upper bound (the largest file the stack moves with one S3 copy). */
    public static final long MAX_DECOMPRESSED_BYTES = 5_000_000_000L;

    public static final long MAX_COMPRESSION_RATIO = 100_000;
    /** PollIntervalSeconds: the interval of status checks when nothing better is known. */
    public static final long POLL_INTERVAL_SECONDS = SlotsConfig.DEFAULT_POLL_INTERVAL.toSeconds();

    public static final long MAX_POLL_INTERVAL_SECONDS = 3_600;
    /** ImportTimeoutSeconds: how long an import may stay pending (default 6 hours, at most 48). */
    public static final long IMPORT_TIMEOUT_SECONDS = 21_600;

    public static final long MIN_IMPORT_TIMEOUT_SECONDS = 60;
    public static final long MAX_IMPORT_TIMEOUT_SECONDS = 172_800;
    /** UploadArrivalWaitSeconds: see {@link UploadArrival}. */
    public static final long UPLOAD_ARRIVAL_WAIT_SECONDS = 300;

    public static final String ROUTES_KEY = "config/routes.json";
    public static final String LANDING_PREFIX = "inbox/";
    public static final String VALIDATE_PREFIX = "validate/";

    private final Env env;

    public Settings(Env env) {
        this.env = env;
    }

    /** MAX_PART_BYTES: the largest part sent to APSIS. */
    public long maxPartBytes() {
        return env.longValue("MAX_PART_BYTES", MAX_PART_BYTES, MIN_PART_BYTES, MAX_PART_BYTES);
    }

    /** MAX_DECOMPRESSED_BYTES and MAX_COMPRESSION_RATIO: what a compressed file may expand to. */
    public ExpansionLimits expansionLimits() {
        return new ExpansionLimits(
                env.longValue("MAX_DECOMPRESSED_BYTES", ExpansionLimits.DEFAULTS.maxBytes(), 1, MAX_DECOMPRESSED_BYTES),
                env.longValue("MAX_COMPRESSION_RATIO", ExpansionLimits.DEFAULTS.maxRatio(), 2, MAX_COMPRESSION_RATIO));
    }

    /** POLL_INTERVAL_SECONDS. */
    public Duration pollInterval() {
        return Duration.ofSeconds(
                env.longValue("POLL_INTERVAL_SECONDS", POLL_INTERVAL_SECONDS, 1, MAX_POLL_INTERVAL_SECONDS));
    }

    /** IMPORT_TIMEOUT_SECONDS. */
    public Duration importTimeout() {
        return Duration.ofSeconds(env.longValue(
                "IMPORT_TIMEOUT_SECONDS",
                IMPORT_TIMEOUT_SECONDS,
                MIN_IMPORT_TIMEOUT_SECONDS,
                MAX_IMPORT_TIMEOUT_SECONDS));
    }

    /** UPLOAD_ARRIVAL_WAIT_SECONDS. */
    public Duration uploadArrivalWait() {
        return Duration.ofSeconds(env.longValue(
                "UPLOAD_ARRIVAL_WAIT_SECONDS",
                UPLOAD_ARRIVAL_WAIT_SECONDS,
                UploadArrival.MIN_WAIT_SECONDS,
                UploadArrival.MAX_WAIT_SECONDS));
    }

    /** ROUTES_KEY: the routes file in the landing bucket. */
    public String routesKey() {
        return env.optional("ROUTES_KEY", ROUTES_KEY);
    }

    /** LANDING_PREFIX. */
    public String landingPrefix() {
        return env.optional("LANDING_PREFIX", LANDING_PREFIX);
    }

    /** VALIDATE_PREFIX. */
    public String validatePrefix() {
        return env.optional("VALIDATE_PREFIX", VALIDATE_PREFIX);
    }
}
