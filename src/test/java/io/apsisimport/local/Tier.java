package io.apsisimport.local;

/**
 * Which test tier runs: the system property {@code apsisimport.tier} that the pom sets ("fast" in
 * Surefire's `mvn test`, "local-cloud" in Failsafe, "named" for `-Dtest=...`; unset in an IDE).
 * What the fast tier must not start calls {@link #requireLocalCloud} first.
 */
public final class Tier {
    public static final String PROPERTY = "apsisimport.tier";
    public static final String FAST = "fast";

    private Tier() {}

    /** Fails at once in the fast tier: {@code what} (moto, the Lambda runtime, …) belongs to the local-cloud tier. */
    public static void requireLocalCloud(String what) {
        if (FAST.equals(System.getProperty(PROPERTY))) {
            throw new IllegalStateException(what + " started in the fast tier (mvn test), which runs without it:"
                    + " mark the test class @LocalCloudTest (io.apsisimport.local), so that it runs in the local-cloud"
                    + " tier (mvn verify, bin/test)");
        }
    }
}
