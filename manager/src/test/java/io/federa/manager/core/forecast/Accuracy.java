package io.federa.manager.core.forecast;

import java.util.Arrays;

/**
 * The forecaster and the baselines replayed over one trace, from the same origins: at each origin
 * the history is the trace before it, and each method forecasts the values after it. For each
 * horizon asked for: the mean absolute percentage error (MAPE) of each method at exactly that many
 * steps ahead, and how often the actual value fell inside the forecaster's 80 % and 95 % intervals;
 * and the coverage pooled over every step from 1 to the longest horizon.
 */
final class Accuracy {
    /** predict_linear's windows: one hour and six hours of 5-minute steps. */
    static final int LINEAR_1H = 12;
    static final int LINEAR_6H = 72;

    /** Scores per horizon (same order as asked), in percent. */
    record Scores(int[] horizons, double[] forecaster, double[] seasonalNaive, double[] linear1h, double[] linear6h, double[] floor,
                  double[] cover80, double[] cover95, double pooled80, double pooled95, long fitNanos, int origins) {
    }

    private Accuracy() {
    }

    /**
     * Replays {@code y} from {@code origins} origins, the first after {@code firstOrigin} values and
     * each {@code stride} steps after the one before; every target must be within the trace. The
     * floor is the MAPE of {@code mean}, the trace without its noise: what no forecast can beat
     * but by luck.
     */
    static Scores replay(double[] y, double[] mean, int firstOrigin, int origins, int stride, int... horizons) {
        int longest = Arrays.stream(horizons).max().orElseThrow();
        int k = horizons.length;
        double[] hw = new double[k];
        double[] naive = new double[k];
        double[] lin1 = new double[k];
        double[] lin6 = new double[k];
        double[] floor = new double[k];
        double[] in80 = new double[k];
        double[] in95 = new double[k];
        long pooled = 0;
        long pooled80 = 0;
        long pooled95 = 0;
        long fitNanos = 0;
        double stepSeconds = Traces.STEP.toSeconds();
        for (int o = 0; o < origins; o++) {
            int length = firstOrigin + o * stride;
            long started = System.nanoTime();
            Forecast f = HoltWinters.fit(Series.of(Traces.STEP, Arrays.copyOf(y, length))).forecast(longest);
            fitNanos += System.nanoTime() - started;
            for (int i = 0; i < k; i++) {
                int h = horizons[i];
                double actual = y[length - 1 + h];
                hw[i] += ape(actual, f.point(h));
                naive[i] += ape(actual, Baselines.seasonalNaive(y, length, h, Traces.PER_DAY, Traces.PER_WEEK));
                lin1[i] += ape(actual, Baselines.predictLinear(y, length, h, LINEAR_1H, stepSeconds));
                lin6[i] += ape(actual, Baselines.predictLinear(y, length, h, LINEAR_6H, stepSeconds));
                floor[i] += ape(actual, mean[length - 1 + h]);
                in80[i] += inside(actual, f, 0.8, h);
                in95[i] += inside(actual, f, 0.95, h);
            }
            for (int h = 1; h <= longest; h++) {
                double actual = y[length - 1 + h];
                pooled++;
                pooled80 += inside(actual, f, 0.8, h);
                pooled95 += inside(actual, f, 0.95, h);
            }
        }
        for (int i = 0; i < k; i++) {
            hw[i] *= 100.0 / origins;
            naive[i] *= 100.0 / origins;
            lin1[i] *= 100.0 / origins;
            lin6[i] *= 100.0 / origins;
            floor[i] *= 100.0 / origins;
            in80[i] *= 100.0 / origins;
            in95[i] *= 100.0 / origins;
        }
        return new Scores(horizons.clone(), hw, naive, lin1, lin6, floor, in80, in95,
                100.0 * pooled80 / pooled, 100.0 * pooled95 / pooled, fitNanos / origins, origins);
    }

    /** The MAPE, in percent, of the {@code horizon} points after a history of {@code length} values of the trace. */
    static double mape(Forecast f, double[] trace, int length, int horizon) {
        double sum = 0;
        for (int h = 1; h <= horizon; h++) {
            sum += ape(trace[length - 1 + h], f.point(h));
        }
        return 100 * sum / horizon;
    }

    private static double ape(double actual, double forecast) {
        return Math.abs(actual - forecast) / Math.abs(actual);
    }

    private static int inside(double actual, Forecast f, double level, int h) {
        return actual >= f.lower(level, h) && actual <= f.upper(level, h) ? 1 : 0;
    }
}
