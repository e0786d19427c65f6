package io.federa.manager.core.forecast;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Inputs refused, each with a message that names the problem. */
class ForecastBadInputTest {
    private static final Duration STEP = Traces.STEP;

    private static HoltWinters fit(double[] values) {
        return HoltWinters.fit(Series.of(STEP, values));
    }

    @Test
    void an_empty_history() {
        assertThatThrownBy(() -> Series.of(STEP)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("history is empty");
    }

    @Test
    void a_history_of_gaps_only() {
        assertThatThrownBy(() -> fit(new double[] {Double.NaN, Double.NaN})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("all 2 are gaps");
    }

    @Test
    void an_infinite_value() {
        assertThatThrownBy(() -> Series.of(STEP, 1, Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value 1 of the history is infinite");
    }

    @Test
    void a_step_that_is_not_positive() {
        assertThatThrownBy(() -> Series.of(Duration.ZERO, 1, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step must be positive");
        assertThatThrownBy(() -> Series.of(Duration.ofMinutes(-5), 1, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step must be positive");
    }

    @Test
    void a_horizon_of_no_step() {
        HoltWinters model = fit(new double[] {1, 2, 3});

        assertThatThrownBy(() -> model.forecast(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("horizon must be at least one step, was 0");
        assertThatThrownBy(() -> model.forecast(-3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("horizon must be at least one step, was -3");
        assertThatThrownBy(() -> model.forecast(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("horizon must be positive");
    }

    @Test
    void a_level_outside_zero_to_one() {
        HoltWinters model = fit(new double[] {1, 2, 3});

        assertThatThrownBy(() -> model.forecast(3, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("level must be between 0 and 1 exclusive, was 1.0");
    }

    @Test
    void a_horizon_as_a_duration_is_rounded_up_to_whole_steps() {
        assertThat(fit(new double[] {1, 2, 3}).forecast(Duration.ofMinutes(11)).horizon()).isEqualTo(3);
    }
}
