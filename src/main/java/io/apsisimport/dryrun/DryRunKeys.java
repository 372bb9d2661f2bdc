package io.apsisimport.dryrun;

import java.util.Objects;

/**
 * Which keys are only checked: those under the validate prefix (a template parameter, default
 * {@code validate/}). Such a key is routed as the same file dropped under the landing prefix would be:
 * {@code validate/newsletter/profiles.csv} is checked against the route of
 * {@code inbox/newsletter/profiles.csv}.
 */
public record DryRunKeys(String validatePrefix, String landingPrefix) {
    public DryRunKeys {
        Objects.requireNonNull(validatePrefix, "validatePrefix");
        Objects.requireNonNull(landingPrefix, "landingPrefix");
    }

    public boolean underValidatePrefix(String key) {
        return !validatePrefix.isEmpty() && key.startsWith(validatePrefix);
    }

    /** The key the routes are matched against. */
    public String routedAs(String key) {
        return underValidatePrefix(key) ? landingPrefix + key.substring(validatePrefix.length()) : key;
    }

    /** Why a file under the validate prefix is only checked, in the report's words. */
    public String reason(String key) {
        return "the key is under " + validatePrefix + " (checked as " + routedAs(key) + ")";
    }
}
