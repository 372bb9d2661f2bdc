package io.apsisimport.lambda;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The function's configuration: environment variables set by template.yaml, read once per
 * container. Remembers which names were read, so a contract test can hold the code to the template.
 */
public final class Env {
    private final Map<String, String> vars;
    private final Set<String> read = new TreeSet<>();

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** The raw map, for packages that read their own variables (they are recorded as read by name). */
    public Map<String, String> asMap() {
        return new RecordingMap();
    }

    public synchronized String required(String name) {
        read.add(name);
        String v = vars.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set (template.yaml sets it)");
        }
        return v;
    }

    public synchronized String optional(String name, String fallback) {
        read.add(name);
        String v = vars.get(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    public long longValue(String name, long fallback, long min, long max) {
        String v = optional(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                throw new IllegalStateException(
                        "environment variable " + name + "=" + v + " is outside " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("environment variable " + name + "=" + v + " is not a whole number");
        }
    }

    /** Names read so far (for the template contract test). */
    public synchronized Set<String> namesRead() {
        return Set.copyOf(read);
    }

    private final class RecordingMap extends java.util.AbstractMap<String, String> {
        @Override
        public String get(Object key) {
            synchronized (Env.this) {
                read.add(String.valueOf(key));
            }
            return vars.get(key);
        }

        @Override
        public String getOrDefault(Object key, String fallback) {
            String v = get(key);
            return v == null ? fallback : v;
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return vars.entrySet();
        }
    }
}
