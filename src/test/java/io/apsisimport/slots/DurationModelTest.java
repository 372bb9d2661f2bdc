package io.apsisimport.slots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apsisimport.slots.DurationModel.Estimate;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

// Unit tests of the import-duration model: what it estimates from finished imports (rows, bytes,
// recent throughput, how far off it has been) and what a bracketed end says about a duration.
class DurationModelTest {
    private static final int BYTES_PER_ROW = 80;

    /** APSIS as the tests see it: 20 s for any import plus 10 ms per row. */
    private static double apsis(long rows) {
        return 20 + 0.01 * rows;
    }

    @Test
    void nothingLearnedMeansNoEstimate() {
        var empty = DurationModel.empty();
        assertTrue(empty.estimate(1000, 80_000).isEmpty());
        assertTrue(empty.meanSeconds().isEmpty());
        assertEquals(0.5, empty.spread(), 1e-12, "the prior spread");
    }

    @Test
    void oneImportIsTakenAsTheDurationOfAnyImport() {
        var model = DurationModel.empty().learn(1000, 80_000, 30);
        assertEquals(30, model.estimate(1000, 80_000).orElseThrow().seconds(), 1e-9);
        assertEquals(
                30, model.estimate(50, 4_000).orElseThrow().seconds(), 1e-9, "one size tells nothing about another");
        assertEquals(30, model.meanSeconds().orElseThrow(), 1e-9);
        assertEquals(0.5, model.spread(), 1e-12, "no estimate was checked against an import yet");
    }

    @Test
    void importsOfSeveralSizesTeachTheCostPerRowAndTheFixedCost() {
        var model = DurationModel.empty();
        for (long rows : new long[] {200, 5_000, 1_000, 20_000, 3_000, 500}) {
            model = model.learn(rows, rows * BYTES_PER_ROW, apsis(rows));
        }
        for (long rows : new long[] {100, 2_500, 50_000}) {
            assertEquals(
                    apsis(rows),
                    model.estimate(rows, rows * BYTES_PER_ROW).orElseThrow().seconds(),
                    1e-6 * apsis(rows),
                    rows + " rows");
        }
        // Rows and bytes in proportion cannot be told apart: the fit uses one of them, never a negative mix.
        double[] beta = model.fit();
        assertTrue(beta[0] > 19.99 && beta[1] >= 0 && beta[2] >= 0, java.util.Arrays.toString(beta));
    }

    @Test
    void wideRowsTakeLongerWhenApsisIsBoundByBytes() {
        // 5 s plus 1 s per megabyte, whatever the rows: the model finds the byte term.
        var model = DurationModel.empty();
        long[][] parts = {
            {1000, 4_000_000}, {1000, 40_000_000}, {20_000, 8_000_000}, {5_000, 20_000_000}, {300, 1_000_000}
        };
        for (long[] p : parts) {
            model = model.learn(p[0], p[1], 5 + p[1] / 1e6);
        }
        assertEquals(35, model.estimate(2_000, 30_000_000).orElseThrow().seconds(), 1e-6);
        assertEquals(0, model.fit()[1], 1e-9, "no cost per row");
    }

    @Test
    void noCoefficientIsNegativeEvenWhenTheDataPullsThatWay() {
        // Bigger files finished sooner (APSIS got faster meanwhile): a line through them would have a
        // negative slope; the model keeps a duration that never falls with size.
        var model = DurationModel.empty()
                .learn(100, 8_000, 60)
                .learn(10_000, 800_000, 30)
                .learn(5_000, 400_000, 45);
        double[] beta = model.fit();
        for (double b : beta) {
            assertTrue(b >= 0, java.util.Arrays.toString(beta));
        }
        double small = model.estimate(100, 8_000).orElseThrow().seconds();
        double big = model.estimate(10_000, 800_000).orElseThrow().seconds();
        assertTrue(big >= small - 1e-9, small + " vs " + big);
    }

    @Test
    void recentImportsCountMoreThanOldOnes() {
        var model = DurationModel.empty();
        for (int i = 0; i < 30; i++) {
            model = model.learn(1000, 80_000, 30);
        }
        // APSIS becomes twice as slow: within ten imports the estimate has moved most of the way.
        for (int i = 0; i < 10; i++) {
            model = model.learn(1000, 80_000, 60);
        }
        double estimate = model.estimate(1000, 80_000).orElseThrow().seconds();
        assertTrue(estimate > 48 && estimate < 60, "estimate " + estimate);
    }

    @Test
    void theSpreadFollowsHowFarEstimatesWereOff() {
        var random = new SplittableRandom(3);
        var exact = DurationModel.empty();
        var noisy = DurationModel.empty();
        for (int i = 0; i < 100; i++) {
            long rows = random.nextLong(200, 20_000);
            exact = exact.learn(rows, rows * BYTES_PER_ROW, apsis(rows));
            noisy = noisy.learn(rows, rows * BYTES_PER_ROW, apsis(rows) * (1 + random.nextDouble(-0.3, 0.3)));
        }
        assertEquals(DurationModel.MIN_SPREAD, exact.spread(), 1e-12, "never trusted closer than the minimum");
        assertTrue(noisy.spread() > 0.1 && noisy.spread() < 0.3, "spread " + noisy.spread());
        var wild = DurationModel.empty()
                .learn(100, 8_000, 1)
                .learn(100, 8_000, 1_000)
                .learn(100, 8_000, 1);
        assertEquals(DurationModel.MAX_SPREAD, wild.spread(), 1e-12, "never looser than the maximum");
    }

    @Test
    void learningKeepsTheModelImmutableAndRefusesNonsense() {
        var empty = DurationModel.empty();
        var learned = empty.learn(10, 800, 5);
        assertTrue(empty.estimate(10, 800).isEmpty());
        assertEquals(1, learned.samples());
        double[] gram = learned.gram();
        gram[0] = 99;
        assertEquals(1, learned.gram()[0], 1e-12, "a returned array is a copy");
        assertEquals(
                learned,
                new DurationModel(
                        learned.samples(),
                        learned.gram(),
                        learned.xy(),
                        learned.yy(),
                        learned.errorSum(),
                        learned.errorWeight()));
        assertThrows(IllegalArgumentException.class, () -> empty.learn(10, 800, 0));
        assertThrows(IllegalArgumentException.class, () -> empty.learn(-1, 800, 5));
        assertThrows(IllegalArgumentException.class, () -> new DurationModel(0, new double[5], new double[3], 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Estimate(0, 0.1));
    }

    @Test
    void aTinyEstimateIsStillASecond() {
        var model = DurationModel.empty().learn(10, 800, 0.01);
        assertEquals(1, model.estimate(10, 800).orElseThrow().seconds(), 1e-12);
    }

    @Test
    void aNarrowBracketSaysTheMiddle() {
        var planned = new Estimate(60, 0.1);
        assertEquals(61, DurationModel.observed(60, 62, planned), 0.05);
        assertEquals(45, DurationModel.observed(40, 50, null), 1e-12, "without an estimate, the middle");
    }

    @Test
    void aFirstCheckThatFindsTheImportEndedSaysShorterThanPlannedButNotHowMuch() {
        // Planned 60 s ± 6 s, first check at 54 s finds it done: it ended some time before 54 s, most
        // likely not long before (the estimate's distribution), not at 27 s (the middle of (0, 54]).
        double seen = DurationModel.observed(0, 54, new Estimate(60, 0.1));
        assertTrue(seen > 48 && seen < 54, "seen " + seen);
        // A bracket far in a tail of the estimate: its end nearest the estimate.
        assertEquals(10, DurationModel.observed(0, 10, new Estimate(600, 0.05)), 1e-9);
        assertEquals(900, DurationModel.observed(900, 1_000, new Estimate(60, 0.05)), 1e-9);
        // Within the bracket whatever happens; never zero.
        assertTrue(DurationModel.observed(0, 0, new Estimate(60, 0.1)) > 0);
        assertEquals(70, DurationModel.observed(70, 70, new Estimate(60, 0.1)), 1e-9);
    }

    @Test
    void theNormalDistributionFunctionIsAccurate() {
        assertEquals(0.5, DurationModel.cdf(0), 1e-7);
        assertEquals(0.841344746, DurationModel.cdf(1), 1e-7);
        assertEquals(0.022750132, DurationModel.cdf(-2), 1e-7);
        assertEquals(0, DurationModel.cdf(-11), 0);
        assertEquals(1, DurationModel.cdf(11), 0);
        assertFalse(DurationModel.cdf(-9) < 0);
    }
}
