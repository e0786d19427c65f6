package io.federa.manager.core.availability;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.federa.manager.core.availability.ServiceAvailability.State.DEGRADED;
import static io.federa.manager.core.availability.ServiceAvailability.State.DOWN;
import static io.federa.manager.core.availability.ServiceAvailability.State.STOPPED;
import static io.federa.manager.core.availability.ServiceAvailability.State.UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AvailabilityHistoryTest {
    private static final long MIN = 60_000;
    private static final long HOUR = 60 * MIN;

    private static AvailabilityHistory.Transition at(long millis, ServiceAvailability.State s) {
        return new AvailabilityHistory.Transition(millis, s);
    }

    @Test
    void six_minutes_down_in_the_last_hour_is_ninety_percent() {
        AvailabilityHistory h = new AvailabilityHistory(List.of(at(0, UP), at(10 * HOUR, DOWN), at(10 * HOUR + 6 * MIN, UP)));
        assertThat(h.ratio(10 * HOUR + 54 * MIN, HOUR)).isCloseTo(0.9, within(1e-9));
    }

    @Test
    void degraded_still_counts_as_serving() {
        AvailabilityHistory h = new AvailabilityHistory(List.of(at(0, UP), at(HOUR / 2, DEGRADED)));
        assertThat(h.ratio(HOUR, HOUR)).isEqualTo(1.0);
    }

    @Test
    void time_before_the_first_record_is_not_counted() {
        AvailabilityHistory h = new AvailabilityHistory(List.of(at(23 * HOUR, UP), at(23 * HOUR + 30 * MIN, DOWN)));
        assertThat(h.ratio(24 * HOUR, 24 * HOUR)).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void time_stopped_before_the_first_start_is_not_counted() {
        // Defined, not started for 50 minutes; started, 2 minutes coming up, then UP for 8.
        AvailabilityHistory h = new AvailabilityHistory(List.of(at(0, STOPPED), at(50 * MIN, DOWN), at(52 * MIN, UP)));
        assertThat(h.ratio(HOUR, HOUR)).isCloseTo(0.8, within(1e-9));
    }

    @Test
    void time_stopped_on_purpose_is_not_counted_either_way() {
        assertThat(new AvailabilityHistory(List.of(at(0, UP), at(20 * MIN, STOPPED), at(50 * MIN, UP))).ratio(HOUR, HOUR))
                .isEqualTo(1.0);
        assertThat(new AvailabilityHistory(List.of(at(0, DOWN), at(10 * MIN, STOPPED))).ratio(HOUR, HOUR)).isEqualTo(0.0);
        assertThat(new AvailabilityHistory(List.of(at(0, STOPPED))).ratio(HOUR, HOUR)).as("never meant to run").isEqualTo(1.0);
    }

    @Test
    void the_windows_differ_as_they_should() {
        AvailabilityHistory h = new AvailabilityHistory(List.of(at(0, UP), at(29L * 24 * HOUR, DOWN), at(29L * 24 * HOUR + HOUR, UP)));
        long now = 30L * 24 * HOUR;
        assertThat(h.ratio(now, HOUR)).isEqualTo(1.0);
        assertThat(h.ratio(now, 24 * HOUR)).isCloseTo(23.0 / 24, within(1e-9));
        assertThat(h.ratio(now, 30L * 24 * HOUR)).isCloseTo(1 - 1.0 / (30 * 24), within(1e-9));
    }

    @Test
    void nothing_known_yet_is_fully_available_and_repeats_are_folded() {
        assertThat(new AvailabilityHistory(List.of()).ratio(HOUR, HOUR)).isEqualTo(1.0);
        assertThat(new AvailabilityHistory(List.of(at(0, UP), at(5, UP), at(9, DOWN))).transitions()).hasSize(2);
    }

    @Test
    void transitions_out_of_order_are_refused() {
        assertThatThrownBy(() -> new AvailabilityHistory(List.of(at(10, UP), at(5, DOWN))))
                .hasMessageContaining("out of time order");
    }
}
