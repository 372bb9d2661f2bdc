package io.apsisimport.feed;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Where a file stands in its feed: the order S3 reported the creation of the files, read from the
 * S3 event StartImport put into the execution's input, never from when executions happen to start.
 * The event time first, then the event's sequencer (S3: "the event with the greater sequencer
 * happened later", comparable for events on the same key: the shorter one right-padded with zeros,
 * then compared as text), then the key.
 *
 * @param eventMillis the S3 event's time, epoch milliseconds
 * @param sequencer the S3 event's sequencer (hex), or "" when the event had none
 * @param key the object key
 */
public record ArrivalOrder(long eventMillis, String sequencer, String key) implements Comparable<ArrivalOrder> {

    public ArrivalOrder {
        sequencer = sequencer == null ? "" : sequencer.toUpperCase(Locale.ROOT);
        key = key == null ? "" : key;
    }

    /**
     * The order of an S3 event: its time ({@code eventTime}, ISO-8601 as S3 writes it), sequencer and
     * key; {@code fallback} stands in for an execution started by hand, without an event time.
     */
    public static ArrivalOrder of(String eventTime, String sequencer, String key, Instant fallback) {
        Instant when = parse(eventTime);
        return new ArrivalOrder((when != null ? when : fallback).toEpochMilli(), sequencer, key);
    }

    @Override
    public int compareTo(ArrivalOrder o) {
        int c = Long.compare(eventMillis, o.eventMillis);
        if (c == 0) {
            c = compareSequencers(sequencer, o.sequencer);
        }
        return c != 0 ? c : key.compareTo(o.key);
    }

    public boolean before(ArrivalOrder o) {
        return compareTo(o) < 0;
    }

    /** S3's rule: right-pad the shorter sequencer with zeros, then compare the strings. */
    static int compareSequencers(String a, String b) {
        int n = Math.max(a.length(), b.length());
        return pad(a, n).compareTo(pad(b, n));
    }

    private static String pad(String s, int n) {
        return s.length() >= n ? s : s + "0".repeat(n - s.length());
    }

    /** The event time as the report shows it. */
    public Instant eventTime() {
        return Instant.ofEpochMilli(eventMillis);
    }

    static Instant parse(String time) {
        if (time == null || time.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(time);
            } catch (DateTimeParseException notATime) {
                return null;
            }
        }
    }
}
