package io.apsisimport.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

// Unit tests: PartPlanner on record boundaries alone, without CSV bytes (the scanner's tests cover
// the same rules through files; these name each rule of the greedy plan on its own).
class PartPlannerTest {

    /** Data starts at offset 10 (after a 10-byte header line); a part may take 20 bytes of data. */
    private final PartPlanner planner = new PartPlanner(10, 20);

    @Test
    void noRecordsNoParts() {
        planner.blankLine(11);
        assertEquals(List.of(), planner.finish());
        assertEquals(0, planner.rows());
    }

    @Test
    void recordsGoIntoOnePartWhileItFits() {
        planner.record(10, 15);
        planner.record(15, 30); // ends exactly at the budget: 20 bytes
        assertEquals(List.of(new Part(0, 10, 30, 1, 2)), planner.finish());
        assertEquals(2, planner.rows());
    }

    @Test
    void aRecordThatDoesNotFitStartsTheNextPart() {
        planner.record(10, 20);
        planner.record(20, 31); // 21 bytes from the part's start
        planner.record(31, 35);
        assertEquals(List.of(new Part(0, 10, 20, 1, 1), new Part(1, 20, 35, 2, 2)), planner.finish());
    }

    @Test
    void aRecordAsLargeAsTheBudgetIsAPartOfItsOwn() {
        planner.record(10, 12);
        planner.record(12, 32);
        planner.record(32, 33);
        assertEquals(
                List.of(new Part(0, 10, 12, 1, 1), new Part(1, 12, 32, 2, 1), new Part(2, 32, 33, 3, 1)),
                planner.finish());
    }

    @Test
    void leadingBlankLinesBelongToTheFirstPart() {
        planner.blankLine(11);
        planner.blankLine(12);
        planner.record(12, 15);
        assertEquals(List.of(new Part(0, 10, 15, 1, 1)), planner.finish());
    }

    @Test
    void blankLinesInsideAPartStayInIt() {
        planner.record(10, 13);
        planner.blankLine(14);
        planner.record(14, 17);
        assertEquals(List.of(new Part(0, 10, 17, 1, 2)), planner.finish());
        assertEquals(2, planner.rows(), "blank lines are not rows");
    }

    @Test
    void blankLinesAfterAFullPartGoWithTheNextRecordWhenTheyFit() {
        planner.record(10, 28);
        planner.blankLine(31); // 21 bytes from the part's start: not in the first part
        planner.record(31, 35);
        assertEquals(List.of(new Part(0, 10, 28, 1, 1), new Part(1, 28, 35, 2, 1)), planner.finish());
    }

    @Test
    void blankLinesThatFitNeitherNeighbourAreLeftOut() {
        planner.record(10, 28);
        planner.blankLine(31);
        planner.record(31, 49); // with the blank lines 21 bytes: they are left out
        assertEquals(List.of(new Part(0, 10, 28, 1, 1), new Part(1, 31, 49, 2, 1)), planner.finish());
    }

    @Test
    void trailingBlankLinesThatFitStayInTheLastPart() {
        planner.record(10, 15);
        planner.blankLine(16);
        assertEquals(List.of(new Part(0, 10, 16, 1, 1)), planner.finish());
    }

    @Test
    void partsAreNumberedAndTheirRowsCountedAcrossTheFile() {
        for (long start = 10; start < 10 + 7 * 8; start += 8) {
            planner.record(start, start + 8); // two 8-byte records fit in 20 bytes, three do not
        }
        List<Part> parts = planner.finish();
        assertEquals(
                List.of(
                        new Part(0, 10, 26, 1, 2),
                        new Part(1, 26, 42, 3, 2),
                        new Part(2, 42, 58, 5, 2),
                        new Part(3, 58, 66, 7, 1)),
                parts);
        assertEquals(7, planner.rows());
    }
}
