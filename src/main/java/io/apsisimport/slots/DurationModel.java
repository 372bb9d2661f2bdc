package io.apsisimport.slots;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How long APSIS takes to import a part, learned from the imports it finished for this account:
 * {@code seconds ≈ a + b × rows + c × bytes} (a: what every import costs, e.g. APSIS's queue; b, c:
 * per row and per byte, all ≥ 0), fitted by least squares over the finished imports, each older
 * one weighing {@link #FORGET} times less than the next (about the last ten count): APSIS's
 * <em>recent</em> throughput. Plus how far the estimates have been off lately ({@link
 * Estimate#spread}), which tells the status checks how early to start and how close to look.
 *
 * <p>Only sums are kept (the weighted Gram matrix of (1, rows, bytes), its products with the
 * durations, and the weighted squared errors), so the model is a handful of numbers in the slots
 * table whatever the number of imports. Pure logic: {@link DurationStore} stores it.
 *
 * <p>About 300 lines, one idea: learning with forgetting, the fit over subsets of terms, the
 * estimate and its spread all work on the same sums and their layout, and are tested together
 * ({@code DurationModelTest}); split, each piece would have to know the others' layout. The one
 * static helper, {@link #observed} (the mean of an end cut to the bracket the checks saw, about 40
 * lines with its normal distribution), is what {@link #learn} is fed with.
 *
 * @param samples finished imports learned from (capped; only "is there any" and "how many" matter)
 * @param gram the weighted sums of x_i x_j for x = (1, rows/1000, bytes/1e6): [00, 01, 02, 11, 12, 22]
 * @param xy the weighted sums of x_i × seconds: [0, 1, 2]
 * @param yy the weighted sum of seconds²
 * @param errorSum the weighted sum of squared relative errors of past estimates (with a prior)
 * @param errorWeight the weight of {@code errorSum}
 */
public record DurationModel(int samples, double[] gram, double[] xy, double yy, double errorSum, double errorWeight) {
    /** Each finished import weighs this much less than the next one learned: about ten count. */
    public static final double FORGET = 0.9;
    /** Before anything is learned, estimates are assumed this far off (relative standard deviation)... */
    static final double PRIOR_SPREAD = 0.5;
    /** ...with the weight of this many imports. */
    static final double PRIOR_WEIGHT = 0.5;
    /** Estimates are never trusted closer than this (relative), nor looser than {@link #MAX_SPREAD}. */
    public static final double MIN_SPREAD = 0.05;

    public static final double MAX_SPREAD = 1.0;
    /** An estimate is at least this long: Step Functions waits whole seconds. */
    static final double MIN_SECONDS = 1;

    private static final int MAX_SAMPLES = 1_000_000;
    private static final double ROWS_UNIT = 1_000;
    private static final double BYTES_UNIT = 1_000_000;
    /** The subsets of (1, rows, bytes) a fit may use, fewest terms first (ties go to the simpler one). */
    private static final List<int[]> TERMS = List.of(
            new int[] {0},
            new int[] {1},
            new int[] {2},
            new int[] {0, 1},
            new int[] {0, 2},
            new int[] {1, 2},
            new int[] {0, 1, 2});

    public DurationModel {
        if (gram == null || gram.length != 6 || xy == null || xy.length != 3) {
            throw new IllegalArgumentException("a duration model has 6 Gram sums and 3 products");
        }
        gram = gram.clone();
        xy = xy.clone();
    }

    /** Nothing learned yet. */
    public static DurationModel empty() {
        return new DurationModel(
                0, new double[6], new double[3], 0, PRIOR_SPREAD * PRIOR_SPREAD * PRIOR_WEIGHT, PRIOR_WEIGHT);
    }

    /**
     * An estimate of an import's duration at APSIS (from the upload to its end), and how far such
     * estimates have been off lately, relative to the estimate (a standard deviation: 0.1 = ±10 %).
     */
    public record Estimate(double seconds, double spread) {
        public Estimate {
            if (!(seconds > 0) || !(spread > 0)) {
                throw new IllegalArgumentException(
                        "an estimate needs positive seconds and spread: " + seconds + ", " + spread);
            }
        }

        /** One standard deviation, in seconds. */
        public double deviation() {
            return seconds * spread;
        }
    }

    /** How long an import of {@code rows} rows and {@code bytes} bytes should take; empty before any was learned. */
    public Optional<Estimate> estimate(long rows, long bytes) {
        if (samples == 0) {
            return Optional.empty();
        }
        double[] beta = fit();
        double[] x = features(rows, bytes);
        double seconds = Math.max(MIN_SECONDS, beta[0] * x[0] + beta[1] * x[1] + beta[2] * x[2]);
        return Optional.of(new Estimate(seconds, spread()));
    }

    /** The weighted mean duration of the imports learned from (seconds), or empty. */
    public Optional<Double> meanSeconds() {
        return gram[0] > 0 ? Optional.of(xy[0] / gram[0]) : Optional.empty();
    }

    /** How far estimates have been off lately (relative standard deviation, within the bounds). */
    public double spread() {
        double s = Math.sqrt(errorSum / errorWeight);
        return Math.min(MAX_SPREAD, Math.max(MIN_SPREAD, s));
    }

    /** The model after learning that an import of {@code rows} and {@code bytes} took {@code seconds}. */
    public DurationModel learn(long rows, long bytes, double seconds) {
        if (!(seconds > 0) || rows < 0 || bytes < 0) {
            throw new IllegalArgumentException(
                    "cannot learn " + seconds + " s for " + rows + " rows, " + bytes + " bytes");
        }
        double errSum = errorSum;
        double errWeight = errorWeight;
        Optional<Estimate> before = estimate(rows, bytes);
        if (before.isPresent()) {
            // The error of the estimate made without this import: what the next estimates will be off by.
            double relative = (seconds - before.get().seconds()) / before.get().seconds();
            errSum = FORGET * errSum + relative * relative;
            errWeight = FORGET * errWeight + 1;
        }
        double[] x = features(rows, bytes);
        double[] g = new double[6];
        double[] p = new double[3];
        int k = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = i; j < 3; j++) {
                g[k] = FORGET * gram[k] + x[i] * x[j];
                k++;
            }
            p[i] = FORGET * xy[i] + x[i] * seconds;
        }
        return new DurationModel(
                Math.min(MAX_SAMPLES, samples + 1), g, p, FORGET * yy + seconds * seconds, errSum, errWeight);
    }

    /**
     * The least-squares coefficients (a, b, c) with none negative: the best fit over the subsets of
     * terms whose unconstrained fit has no negative coefficient (for three terms this is the exact
     * non-negative least squares). A subset whose terms the imports learned from cannot tell apart
     * (all of one size, rows proportional to bytes) is skipped; ties go to the fewest terms.
     */
    double[] fit() {
        double[] best = new double[3];
        double bestError = Double.POSITIVE_INFINITY;
        double tolerance = 1e-9 * (yy + 1);
        for (int[] terms : TERMS) {
            double[] coefficients = solve(terms);
            if (coefficients == null) {
                continue;
            }
            double error = squaredError(coefficients);
            if (error < bestError - tolerance) {
                best = coefficients;
                bestError = error;
            }
        }
        return best;
    }

    private double[] solve(int[] terms) {
        int n = terms.length;
        double[][] a = new double[n][n + 1];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                a[r][c] = g(terms[r], terms[c]);
            }
            a[r][n] = xy[terms[r]];
        }
        double scale = 1;
        for (int r = 0; r < n; r++) {
            scale = Math.max(scale, Math.abs(a[r][r]));
        }
        // Gaussian elimination with partial pivoting; a pivot that vanishes means the terms are not independent.
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(a[pivot][col]) <= 1e-9 * scale) {
                return null;
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int c = col; c <= n; c++) {
                        a[r][c] -= f * a[col][c];
                    }
                }
            }
        }
        double[] beta = new double[3];
        for (int r = 0; r < n; r++) {
            double v = a[r][n] / a[r][r];
            if (v < 0) {
                return null;
            }
            beta[terms[r]] = v;
        }
        return beta;
    }

    /** Σ w (seconds - β·x)² from the sums alone. */
    private double squaredError(double[] beta) {
        double e = yy;
        for (int i = 0; i < 3; i++) {
            e -= 2 * beta[i] * xy[i];
            for (int j = 0; j < 3; j++) {
                e += beta[i] * beta[j] * g(i, j);
            }
        }
        return e;
    }

    private double g(int i, int j) {
        int lo = Math.min(i, j);
        int hi = Math.max(i, j);
        return gram[
                switch (lo) {
                    case 0 -> hi;
                    case 1 -> 2 + hi;
                    default -> 5;
                }];
    }

    private static double[] features(long rows, long bytes) {
        return new double[] {1, rows / ROWS_UNIT, bytes / BYTES_UNIT};
    }

    /**
     * What a finished import tells about its duration when the checks only bracket its end: it was
     * still pending {@code after} seconds after its upload and had ended {@code by} seconds after it.
     * With the estimate the checks were planned on, the expected duration within the bracket (the
     * mean of the estimate's normal distribution cut to the bracket): a first check that already
     * finds the import ended says "shorter than planned" without saying by how much, and the middle
     * of a wide bracket would pull every next estimate towards the first check. Without an estimate
     * (the checks were at the configured interval), the middle.
     */
    public static double observed(double after, double by, Estimate planned) {
        double lo = Math.max(0, after);
        double hi = Math.max(lo, by);
        if (planned == null || hi - lo < 1e-9) {
            return Math.max(MIN_SECONDS / 10, (lo + hi) / 2);
        }
        double mu = planned.seconds();
        double sd = Math.max(planned.deviation(), 1e-3);
        double alpha = (lo - mu) / sd;
        double beta = (hi - mu) / sd;
        double mass = cdf(beta) - cdf(alpha);
        double mean;
        if (mass < 1e-12) {
            // The bracket lies far out in a tail: its end nearest the estimate is the likeliest.
            mean = beta < 0 ? hi : lo;
        } else {
            mean = mu + sd * (pdf(alpha) - pdf(beta)) / mass;
        }
        return Math.max(Math.max(MIN_SECONDS / 10, lo), Math.min(hi, mean));
    }

    private static double pdf(double z) {
        return Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    }

    /** The standard normal distribution function (Zelen and Severo's approximation, error below 1e-7). */
    static double cdf(double z) {
        if (z < -10) {
            return 0;
        }
        if (z > 10) {
            return 1;
        }
        double t = 1 / (1 + 0.2316419 * Math.abs(z));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        double upper = pdf(z) * poly;
        return z >= 0 ? 1 - upper : upper;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DurationModel m
                && samples == m.samples
                && Arrays.equals(gram, m.gram)
                && Arrays.equals(xy, m.xy)
                && yy == m.yy
                && errorSum == m.errorSum
                && errorWeight == m.errorWeight;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(gram) * 31 + Arrays.hashCode(xy) + samples;
    }

    @Override
    public String toString() {
        return "DurationModel[samples=" + samples + ", gram=" + Arrays.toString(gram) + ", xy=" + Arrays.toString(xy)
                + ", yy=" + yy + ", errorSum=" + errorSum + ", errorWeight=" + errorWeight + "]";
    }

    /** gram and xy as returned copies: the record must stay immutable. */
    @Override
    public double[] gram() {
        return gram.clone();
    }

    @Override
    public double[] xy() {
        return xy.clone();
    }
}
