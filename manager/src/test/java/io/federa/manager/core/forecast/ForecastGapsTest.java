package io.federa.manager.core.forecast;

import io.federa.manager.core.forecast.Traces.Shape;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Missing samples (NaN) in the history: stepped over, never learnt as zeros. */
class ForecastGapsTest {
    private static final Duration STEP = Traces.STEP;

    private static HoltWinters fit(double[] values) {
        return HoltWinters.fit(Series.of(STEP, values));
    }

    private final double[] trace = Traces.generate(Shape.CPU, 7, 4 * Traces.PER_WEEK + Traces.PER_DAY);
    private final int length = 4 * Traces.PER_WEEK;

    @Test
    void scattered_and_long_gaps_cost_little_accuracy() {
        double[] history = Arrays.copyOf(trace, length);
        double[] holed = history.clone();
        Random random = new Random(7);
        for (int t = 0; t < length; t++) {
            if (random.nextDouble() < 0.05) {
                holed[t] = Double.NaN; // 5 % of the samples lost
            }
        }
        Arrays.fill(holed, 2 * Traces.PER_WEEK, 2 * Traces.PER_WEEK + 6 * 12, Double.NaN); // and six hours

        double whole = Accuracy.mape(fit(history).forecast(Traces.PER_DAY), trace, length, Traces.PER_DAY);
        double withGaps = Accuracy.mape(fit(holed).forecast(Traces.PER_DAY), trace, length, Traces.PER_DAY);

        assertThat(withGaps).isLessThan(whole * 1.1 + 0.1).isLessThan(4.0);
    }

    @Test
    void a_gap_at_the_end_is_bridged_by_the_forecast_carried_over_it() {
        double[] holed = Arrays.copyOf(trace, length);
        Arrays.fill(holed, length - 2 * 12, length, Double.NaN); // the last two hours missing

        Forecast f = fit(holed).forecast(Traces.PER_DAY);

        assertThat(Arrays.stream(f.points()).allMatch(Double::isFinite)).isTrue();
        assertThat(Accuracy.mape(f, trace, length, Traces.PER_DAY)).isLessThan(4.0);
    }

    @Test
    void gaps_at_the_start_leave_the_rest_to_learn_from() {
        double[] holed = Arrays.copyOf(trace, length);
        Arrays.fill(holed, 0, Traces.PER_DAY, Double.NaN);

        Forecast f = fit(holed).forecast(Traces.PER_DAY);

        assertThat(Accuracy.mape(f, trace, length, Traces.PER_DAY)).isLessThan(4.0);
    }
}
