package io.federa.manager.core.forecast;

/**
 * The forecasts {@link HoltWinters} is measured against, used only for comparison. Both forecast
 * the value {@code h} steps after a history of {@code length} values of {@code y} (the values at
 * {@code 0 … length − 1}).
 */
final class Baselines {
    private Baselines() {
    }

    /**
     * Seasonal naive: the value one week (of {@code perWeek} steps) before the target, or one day
     * before when the history is shorter than a week; from the season before when that one is a gap
     * or still in the future (h longer than the season). NaN when there is none.
     */
    static double seasonalNaive(double[] y, int length, int h, int perDay, int perWeek) {
        int season = length >= perWeek ? perWeek : perDay;
        int target = length - 1 + h;
        for (int at = target - season; at >= 0; at -= season) {
            if (at < length && !Double.isNaN(y[at])) {
                return y[at];
            }
        }
        return Double.NaN;
    }

    /**
     * Prometheus's {@code predict_linear(v[window], h·step)} evaluated at the last sample's time:
     * promql/functions.go fits a simple least-squares line to the window's samples, x being each
     * sample's time minus the evaluation time in seconds ({@code linearRegression(samples, enh.Ts)},
     * so the intercept is the line's value at the evaluation time), and returns
     * {@code slope · seconds + intercept}. With all values equal it returns that value (slope 0);
     * with fewer than two samples, nothing (NaN here). The range is left-open, so a window of
     * {@code window} steps holds the last {@code window} samples; gaps are samples that are not there.
     * (Prometheus sums with Kahan compensation; plain sums are as exact here, x being within hours of 0.)
     */
    static double predictLinear(double[] y, int length, int h, int window, double stepSeconds) {
        double n = 0;
        double sumX = 0;
        double sumY = 0;
        double sumXY = 0;
        double sumX2 = 0;
        double first = Double.NaN;
        boolean constant = true;
        for (int t = Math.max(0, length - window); t < length; t++) {
            if (Double.isNaN(y[t])) {
                continue;
            }
            if (Double.isNaN(first)) {
                first = y[t];
            } else if (y[t] != first) {
                constant = false;
            }
            double x = (t - (length - 1)) * stepSeconds;
            n++;
            sumX += x;
            sumY += y[t];
            sumXY += x * y[t];
            sumX2 += x * x;
        }
        if (n < 2) {
            return Double.NaN;
        }
        if (constant) {
            return first;
        }
        double covXY = sumXY - sumX * sumY / n;
        double varX = sumX2 - sumX * sumX / n;
        double slope = covXY / varX;
        double intercept = sumY / n - slope * sumX / n;
        return slope * (h * stepSeconds) + intercept;
    }
}
