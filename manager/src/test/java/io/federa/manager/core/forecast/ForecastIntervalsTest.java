package io.federa.manager.core.forecast;

import io.federa.manager.core.forecast.Traces.Shape;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The prediction intervals' shape; their coverage is measured in {@link ForecastAccuracyTest}. */
class ForecastIntervalsTest {
    private static final Duration STEP = Traces.STEP;

    private static HoltWinters fit(double[] values) {
        return HoltWinters.fit(Series.of(STEP, values));
    }

    private final Forecast f = fit(Traces.generate(Shape.NETWORK, 3, 3 * Traces.PER_WEEK)).forecast(Traces.PER_DAY, 0.5, 0.8, 0.95);

    @Test
    void nest_around_the_point_and_widen_with_the_level() {
        for (int h = 1; h <= f.horizon(); h++) {
            assertThat(f.lower(0.95, h)).isLessThanOrEqualTo(f.lower(0.8, h));
            assertThat(f.lower(0.8, h)).isLessThanOrEqualTo(f.lower(0.5, h));
            assertThat(f.lower(0.5, h)).isLessThanOrEqualTo(f.point(h));
            assertThat(f.point(h)).isLessThanOrEqualTo(f.upper(0.5, h));
            assertThat(f.upper(0.5, h)).isLessThanOrEqualTo(f.upper(0.8, h));
            assertThat(f.upper(0.8, h)).isLessThanOrEqualTo(f.upper(0.95, h));
        }
    }

    @Test
    void the_95_percent_interval_spans_about_four_standard_deviations_of_the_noise() {
        // Noise σ 8: a 95 % interval of a Gaussian is ±1.96 σ, 31 wide.
        assertThat(f.upper(0.95, 1) - f.lower(0.95, 1)).isBetween(25.0, 40.0);
        assertThat(f.upper(0.95, Traces.PER_DAY) - f.lower(0.95, Traces.PER_DAY)).isBetween(25.0, 45.0);
    }

    @Test
    void a_level_not_asked_for_is_refused() {
        assertThatThrownBy(() -> f.upper(0.9, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no interval at level 0.9");
    }
}
