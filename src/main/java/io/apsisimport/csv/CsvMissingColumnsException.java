package io.apsisimport.csv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The header lacks columns that the import specification's field selectors name. */
public final class CsvMissingColumnsException extends CsvRejectedException {

    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // unmodifiable JDK collections, serializable in practice
    private final Set<String> missing;

    @SuppressWarnings("serial")
    private final List<String> present;

    public CsvMissingColumnsException(Set<String> missing, List<String> present, char delimiter) {
        super(message(missing, present, delimiter));
        this.missing = Collections.unmodifiableSet(new LinkedHashSet<>(missing));
        this.present = List.copyOf(present);
    }

    /** Required column names not found in the header, in the order they were required. */
    public Set<String> missing() {
        return missing;
    }

    /** Column names of the header, in file order. */
    public List<String> present() {
        return present;
    }

    private static String message(Set<String> missing, List<String> present, char delimiter) {
        var sb = new StringBuilder();
        sb.append("CSV header lacks ")
                .append(missing.size() == 1 ? "column " : "columns ")
                .append(quoted(missing))
                .append(" required by the import mapping; columns present (delimiter ")
                .append(delimiterName(delimiter))
                .append("): ")
                .append(quoted(present))
                .append('.');
        List<String> hints = new ArrayList<>();
        for (String m : missing) {
            String key = normalise(m);
            for (String p : present) {
                if (normalise(p).equals(key)) {
                    hints.add("'" + m + "' vs '" + p + "'");
                }
            }
        }
        if (!hints.isEmpty()) {
            sb.append(" Names must match exactly; these differ only in case or surrounding spaces: ")
                    .append(String.join(", ", hints))
                    .append('.');
        }
        return sb.toString();
    }

    private static String normalise(String s) {
        return s.strip().toLowerCase(Locale.ROOT);
    }

    private static String quoted(Iterable<String> names) {
        var sb = new StringBuilder("[");
        for (String n : names) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('\'').append(n).append('\'');
        }
        return sb.append(']').toString();
    }

    static String delimiterName(char d) {
        return switch (d) {
            case '\t' -> "tab";
            default -> "'" + d + "'";
        };
    }
}
