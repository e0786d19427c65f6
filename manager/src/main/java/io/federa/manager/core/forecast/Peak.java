package io.federa.manager.core.forecast;

import java.time.Duration;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * The highest a series may go within a horizon: the largest upper bound of the forecast's
 * interval at {@code level} over the steps up to {@code within}, and the end of that step.
 *
 * @param value    the upper bound
 * @param atMillis the end of the step it is for (ms since the epoch)
 */
public record Peak(double value, long atMillis) {
    /**
     * From a history keyed by each step's start (ms since the epoch; missing steps are gaps),
     * ending with the step that starts at {@code lastStepMillis}; empty with fewer than
     * {@link Outlook#MIN_OBSERVED} steps observed.
     */
    public static Optional<Peak> within(NavigableMap<Long, Double> history, long lastStepMillis, Duration step, Duration within,
                                        double level) {
        long stepMillis = step.toMillis();
        if (stepMillis <= 0 || within.isNegative() || within.isZero()) {
            throw new IllegalArgumentException("the step and the horizon must be positive, were " + step + " and " + within);
        }
        if (history.isEmpty() || history.firstKey() > lastStepMillis) {
            return Optional.empty();
        }
        long first = history.firstKey();
        int n = (int) ((lastStepMillis - first) / stepMillis) + 1;
        double[] values = new double[n];
        java.util.Arrays.fill(values, Double.NaN);
        for (Map.Entry<Long, Double> e : history.headMap(lastStepMillis, true).entrySet()) {
            values[(int) ((e.getKey() - first) / stepMillis)] = e.getValue();
        }
        Series series = Series.of(step, values);
        if (series.observed() < Outlook.MIN_OBSERVED) {
            return Optional.empty();
        }
        int steps = (int) Math.max(1, (within.toMillis() + stepMillis - 1) / stepMillis);
        Forecast f = HoltWinters.fit(series).forecast(steps, level);
        int best = 1;
        for (int h = 2; h <= steps; h++) {
            if (f.upper(level, h) > f.upper(level, best)) {
                best = h;
            }
        }
        return Optional.of(new Peak(Math.max(0, f.upper(level, best)), lastStepMillis + (best + 1L) * stepMillis));
    }
}
