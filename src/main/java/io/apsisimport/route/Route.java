package io.apsisimport.route;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;

/**
 * One entry of routes.json: files whose key matches {@code match} are imported into APSIS One
 * section {@code section} with the v2 import request body {@code importSpec}, sent as given.
 *
 * @param order {@link Order#ARRIVAL}: the route is a feed, its files are imported one at a time in
 *     the order S3 reported them (docs/feeds.md)
 * @param onFailure what a failed file of an ordered route does to the files behind it
 * @param dryRun the route's files are only checked, never imported (as a key under the validate
 *     prefix)
 */
public record Route(
        String name,
        String match,
        String section,
        ObjectNode importSpec,
        EmptyFilePolicy onEmptyFile,
        Pattern pattern,
        Order order,
        FailurePolicy onFailure,
        boolean dryRun) {

    /** A route as routes.json had it before feeds and dry runs: unordered, imported. */
    public Route(
            String name,
            String match,
            String section,
            ObjectNode importSpec,
            EmptyFilePolicy onEmptyFile,
            Pattern pattern) {
        this(name, match, section, importSpec, onEmptyFile, pattern, Order.NONE, FailurePolicy.CONTINUE, false);
    }

    /** In which order the route's files are imported. */
    public enum Order {
        /** As they come: every file takes a free import slot (the default). */
        NONE,
        /** One at a time, in the order S3 reported their creation. */
        ARRIVAL
    }

    /** What a failed file of an ordered route does to the next ones. */
    public enum FailurePolicy {
        /** The next file goes on; its report names the earlier file that failed (the default). */
        CONTINUE,
        /** The next files wait until the failed file is dropped again and imported, or the feed is released. */
        STOP
    }

    public boolean ordered() {
        return order == Order.ARRIVAL;
    }

    /** What to do with a file that has no data rows. */
    public enum EmptyFilePolicy {
        /** End successfully with 0 profiles and no import (the default). */
        SKIP,
        /** Fail the execution; the file moves to failed/. */
        FAIL
    }

    public boolean matches(String key) {
        return pattern.matcher(key).matches();
    }

    /**
     * Compiles a glob on object keys: {@code *} matches within one path segment, {@code **} across
     * segments (also none: {@code inbox/**}{@code /*.csv} matches {@code inbox/a.csv}), {@code ?} one
     * character of a segment; everything else is literal.
     */
    public static Pattern glob(String glob) {
        var re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                boolean slashFollows = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                re.append(slashFollows ? "(?:.*/)?" : ".*");
                i += slashFollows ? 2 : 1;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
