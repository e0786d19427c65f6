package io.federa.manager.core.forecast;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ForecastTimeUntilFullTest {
    private static final Duration STEP = Duration.ofMinutes(5);

    @Test
    void the_first_step_that_reaches_the_capacity() {
        double[] path = {1, 2, 3, 4};

        assertThat(TimeUntilFull.of(path, STEP, 3)).contains(Duration.ofMinutes(15));
        assertThat(TimeUntilFull.of(path, STEP, 2.5)).contains(Duration.ofMinutes(15));
        assertThat(TimeUntilFull.of(path, STEP, 0)).contains(Duration.ofMinutes(5));
    }

    @Test
    void none_when_the_path_stays_below_to_its_end() {
        assertThat(TimeUntilFull.of(new double[] {1, 2, 3, 4}, STEP, 4.5)).isEmpty();
        assertThat(TimeUntilFull.of(new double[] {Double.NaN, 1}, STEP, 2)).isEmpty();
    }

    @Test
    void a_series_growing_steadily_is_full_when_its_line_says() {
        // 10 + 0.5 a step, no noise: after 100 values the last is 59.5, and 100.2 is reached
        // 82 steps later (59.5 + 0.5 × 82 = 100.5; 81 steps give 100.0).
        double[] values = new double[100];
        for (int t = 0; t < values.length; t++) {
            values[t] = 10 + 0.5 * t;
        }
        Forecast f = HoltWinters.fit(Series.of(STEP, values)).forecast(Duration.ofHours(12));

        assertThat(TimeUntilFull.atPoint(f, 100.2)).contains(STEP.multipliedBy(82));
        assertThat(TimeUntilFull.atPoint(f, 99.8)).contains(STEP.multipliedBy(81));
        assertThat(TimeUntilFull.atPoint(f, 59.5 + 0.5 * 144 + 0.2)).isEmpty(); // beyond 12 hours
    }

    @Test
    void the_upper_bound_is_reached_no_later_than_the_point() {
        Random random = new Random(11);
        double[] values = new double[2 * 288];
        for (int t = 0; t < values.length; t++) {
            values[t] = 200 + 0.1 * t + 2 * random.nextGaussian();
        }
        Forecast f = HoltWinters.fit(Series.of(STEP, values)).forecast(Duration.ofDays(1));

        // 257.5 at the end, 0.1 a step: 300 is 425 steps (35 h) away on the line, beyond the day
        // asked for; 270 is 125 steps away.
        assertThat(TimeUntilFull.atPoint(f, 300)).isEmpty();
        Duration point = TimeUntilFull.atPoint(f, 270).orElseThrow();
        Duration upper = TimeUntilFull.atUpper(f, 0.95, 270).orElseThrow();
        assertThat(point).isBetween(STEP.multipliedBy(100), STEP.multipliedBy(150));
        assertThat(upper).isLessThan(point);
    }

    @Test
    void bad_inputs_are_refused() {
        assertThatThrownBy(() -> TimeUntilFull.of(new double[] {1}, Duration.ZERO, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step must be positive");
        assertThatThrownBy(() -> TimeUntilFull.of(new double[] {1}, STEP, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity is NaN");
    }
}
