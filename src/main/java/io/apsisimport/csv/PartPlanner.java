package io.apsisimport.csv;

import java.util.ArrayList;
import java.util.List;

/**
 * Greedy part planning, told the record boundaries in file order: a record goes into the current
 * part while the part's bytes stay within the budget (the part limit minus the header line, which
 * every part repeats); a record that does not fit starts the next part. Blank lines are not rows:
 * they go with the part they fit in, those between two parts go with the next record if they fit
 * with it, and a blank line that fits nowhere is left out of every part.
 *
 * <p>A pure function of the boundaries, apart from the byte loop so that it can be tested on its
 * own. The loop calls it once per record, so it is small and does no checks of its own: the loop
 * rejects a record longer than {@link #budget()} first, with its position. Not thread-safe.
 */
final class PartPlanner {

    private final long budget;
    private final List<Part> parts = new ArrayList<>();
    private long partStart, partEnd, partFirstRow, partRows;
    private long rows;

    /**
     * @param dataStart offset of the first byte after the header line
     * @param budget    the most bytes of records (and blank lines) one part may take
     */
    PartPlanner(long dataStart, long budget) {
        this.budget = budget;
        partStart = partEnd = dataStart;
    }

    long budget() {
        return budget;
    }

    /** Records so far. */
    long rows() {
        return rows;
    }

    /** A blank line ended at {@code end} (exclusive): the current part takes it if it fits. */
    void blankLine(long end) {
        if (end - partStart <= budget) {
            partEnd = end;
        } // else: left out unless the next record's part can take it
    }

    /**
     * The record {@code [start, end)} ended; {@code start} is where the previous record or blank
     * line ended. Its length must be at most {@link #budget()}.
     */
    void record(long start, long end) {
        long row = rows + 1;
        if (end - partStart <= budget) {
            if (partRows == 0) {
                partFirstRow = row;
            }
            partRows++;
        } else {
            if (partRows > 0) {
                parts.add(new Part(parts.size(), partStart, partEnd, partFirstRow, partRows));
            }
            // blank lines between the previous part and this record go with the record if they fit
            partStart = end - partEnd <= budget ? partEnd : start;
            partFirstRow = row;
            partRows = 1;
        }
        partEnd = end;
        rows = row;
    }

    /** After the last record: the parts, in order (none when there was no record). */
    List<Part> finish() {
        if (partRows > 0) {
            parts.add(new Part(parts.size(), partStart, partEnd, partFirstRow, partRows));
            partRows = 0;
        }
        return parts;
    }
}
