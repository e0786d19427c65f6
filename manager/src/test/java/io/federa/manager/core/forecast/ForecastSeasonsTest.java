package io.federa.manager.core.forecast;

import io.federa.manager.core.forecast.HoltWinters.Seasonality;
import io.federa.manager.core.forecast.Traces.Shape;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Which seasons the model takes on, by the length of the history and its step. */
class ForecastSeasonsTest {
    private static final Duration STEP = Traces.STEP;

    private static HoltWinters fit(double[] values) {
        return HoltWinters.fit(Series.of(STEP, values));
    }

    @Test
    void two_weeks_and_more_model_the_day_and_the_week() {
        assertThat(fit(Traces.generate(Shape.CPU, 1, 2 * Traces.PER_WEEK)).seasonality())
                .isEqualTo(Seasonality.DAILY_AND_WEEKLY);
    }

    @Test
    void two_days_to_two_weeks_model_the_day_only() {
        double[] trace = Traces.generate(Shape.CPU, 1, 4 * Traces.PER_DAY);
        int length = 3 * Traces.PER_DAY;
        HoltWinters model = fit(Arrays.copyOf(trace, length));

        assertThat(model.seasonality()).isEqualTo(Seasonality.DAILY);
        // Three weekdays of history, a weekday to come: the daily shape carries it (floor 2.9 %).
        assertThat(Accuracy.mape(model.forecast(Traces.PER_DAY), trace, length, Traces.PER_DAY)).isLessThan(5.0);
    }

    @Test
    void less_than_two_days_is_a_trend_only() {
        double[] trace = Traces.generate(Shape.STORAGE, 1, 12 * 12 + 12);
        int length = 12 * 12; // 06:00 to 12:00, after the nightly backup: a steady growth only
        HoltWinters model = fit(Arrays.copyOfRange(trace, 6 * 12, length));

        assertThat(model.seasonality()).isEqualTo(Seasonality.NONE);
        assertThat(fit(Traces.generate(Shape.CPU, 1, 2 * Traces.PER_DAY - 1)).seasonality()).isEqualTo(Seasonality.NONE);
        // The hour after: 500 + 3 GiB a day, noise σ 0.5.
        Forecast f = model.forecast(12);
        for (int h = 1; h <= 12; h++) {
            assertThat(f.point(h)).isCloseTo(Traces.Shape.STORAGE.mean(length - 1 + h), within(1.0));
        }
    }

    @Test
    void a_step_that_does_not_divide_a_day_has_no_season() {
        HoltWinters model = HoltWinters.fit(Series.of(Duration.ofMinutes(7), Traces.generate(Shape.CPU, 1, 3 * Traces.PER_WEEK)));

        assertThat(model.seasonality()).isEqualTo(Seasonality.NONE);
    }

    @Test
    void a_single_value_is_carried_forward_with_no_spread() {
        Forecast f = fit(new double[] {42}).forecast(3);

        assertThat(f.points()).containsExactly(42, 42, 42);
        assertThat(f.lowers(0.8)).containsExactly(42, 42, 42);
        assertThat(f.uppers(0.95)).containsExactly(42, 42, 42);
    }
}
