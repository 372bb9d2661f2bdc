package io.apsisimport.metrics;

/** The CloudWatch units this project's metrics use, spelled as CloudWatch (and EMF's schema) spell them. */
public enum Unit {
    COUNT("Count"),
    SECONDS("Seconds"),
    BYTES_PER_SECOND("Bytes/Second");

    private final String cloudWatch;

    Unit(String cloudWatch) {
        this.cloudWatch = cloudWatch;
    }

    /** The unit's name in CloudWatch, e.g. {@code Bytes/Second}. */
    public String cloudWatch() {
        return cloudWatch;
    }
}
