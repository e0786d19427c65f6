package io.federa.manager.core.forecast;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The forecasting benchmark (bench/forecast-accuracy.sh): each shape of {@link Traces.Shape} over
 * several seeds, five weeks of 5-minute steps each; the forecaster is fitted on the four weeks before
 * each origin (one every 2 h 5 min through the fifth week, so that origins fall at every hour of the
 * day) and forecasts a day ahead. Prints per horizon the MAPE of the forecaster, seasonal naive and
 * predict_linear over 1 h and 6 h, side by side and from the same origins, the noise floor (the MAPE
 * of the trace's mean without noise), and the forecaster's 80 % and 95 % interval coverage: each as
 * the mean over seeds and its range (min–max); "wins" counts the seeds where the forecaster's MAPE
 * is below all three baselines'.
 *
 * <p>Arguments: {@code [SEEDS] [ORIGINS]} (default 5 and 72).
 */
public final class ForecastAccuracyBenchmark {
    private ForecastAccuracyBenchmark() {
    }

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int origins = args.length > 1 ? Integer.parseInt(args[1]) : 72;
        int stride = 25; // 2 h 5 min
        int first = 4 * Traces.PER_WEEK;
        int steps = first + (origins - 1) * stride + Traces.PER_DAY + 1;
        int[] horizons = {3, 12, Traces.PER_DAY};
        String[] names = {"15 min", "1 h", "24 h"};
        System.out.printf("%d seeds × %d origins per shape; history 4 weeks of 5-minute steps (%d values)%n",
                seeds, origins, first);
        for (Traces.Shape shape : Traces.Shape.values()) {
            List<Accuracy.Scores> runs = new ArrayList<>();
            for (int seed = 1; seed <= seeds; seed++) {
                runs.add(Accuracy.replay(Traces.generate(shape, seed, steps), Traces.mean(shape, steps), first, origins, stride, horizons));
            }
            System.out.printf("%n%s%n", shape);
            System.out.printf("  %-7s %-22s %-22s %-22s %-22s %-22s %-6s %-19s %-19s%n", "horizon", "Holt-Winters MAPE %",
                    "seasonal naive", "predict_linear 1h", "predict_linear 6h", "noise floor", "wins", "80 % coverage", "95 % coverage");
            for (int i = 0; i < horizons.length; i++) {
                int at = i;
                long wins = runs.stream().filter(s -> s.forecaster()[at]
                        < Math.min(s.seasonalNaive()[at], Math.min(s.linear1h()[at], s.linear6h()[at]))).count();
                System.out.printf("  %-7s %-22s %-22s %-22s %-22s %-22s %-6s %-19s %-19s%n", names[i],
                        spread(runs, s -> s.forecaster()[at], 2), spread(runs, s -> s.seasonalNaive()[at], 2),
                        spread(runs, s -> s.linear1h()[at], 2), spread(runs, s -> s.linear6h()[at], 2),
                        spread(runs, s -> s.floor()[at], 2), wins + "/" + runs.size(),
                        spread(runs, s -> s.cover80()[at], 1), spread(runs, s -> s.cover95()[at], 1));
            }
            System.out.printf("  coverage pooled over every step to 24 h: 80 %% %s, 95 %% %s%n",
                    spread(runs, Accuracy.Scores::pooled80, 1), spread(runs, Accuracy.Scores::pooled95, 1));
            System.out.printf("  fit and forecast, one origin: %s ms%n", spread(runs, s -> s.fitNanos() / 1e6, 1));
        }
    }

    /** "mean (min–max)" over the runs, with {@code decimals} decimals. */
    private static String spread(List<Accuracy.Scores> runs, ToDoubleFunction<Accuracy.Scores> value, int decimals) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (Accuracy.Scores s : runs) {
            double v = value.applyAsDouble(s);
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        String f = "%." + decimals + "f";
        return String.format(f + " (" + f + "–" + f + ")", sum / runs.size(), min, max);
    }
}
