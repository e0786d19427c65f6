package io.federa.common.clock;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WallClockTest {
    @Test
    void an_offset_is_a_duration_with_its_unit_either_way_of_the_system_clock() {
        assertThat(WallClock.parse("")).isZero();
        assertThat(WallClock.parse("250ms")).isEqualTo(250);
        assertThat(WallClock.parse("-500ms")).isEqualTo(-500);
        assertThat(WallClock.parse("+2s")).isEqualTo(2_000);
    }

    @Test
    void an_offset_without_a_unit_is_refused_with_what_was_expected() {
        assertThatThrownBy(() -> WallClock.parse("250")).hasMessageContaining("federa.clockOffset=250")
                .hasMessageContaining("250ms");
        assertThatThrownBy(() -> WallClock.parse("soon")).hasMessageContaining("expected a duration");
    }

    @Test
    void without_the_property_the_clock_is_the_systems() {
        long before = System.currentTimeMillis();
        long now = WallClock.millis();
        assertThat(now).isBetween(before, System.currentTimeMillis());
    }

    @Test
    void a_program_warns_of_a_moved_clock_and_says_nothing_of_the_systems() {
        String before = System.getProperty(WallClock.OFFSET_PROPERTY);
        try {
            System.clearProperty(WallClock.OFFSET_PROPERTY);
            assertThat(WallClock.offsetWarning("this agent's")).isEmpty();
            System.setProperty(WallClock.OFFSET_PROPERTY, "-250ms");
            assertThat(WallClock.offsetWarning("this agent's")).hasValue(
                    "this agent's clock runs -250 ms off the system's (-Dfedera.clockOffset): for testing the tolerance to clock skew only");
            System.setProperty(WallClock.OFFSET_PROPERTY, "soon");
            assertThatThrownBy(() -> WallClock.offsetWarning("this agent's")).hasMessageContaining("expected a duration");
        } finally {
            if (before == null) {
                System.clearProperty(WallClock.OFFSET_PROPERTY);
            } else {
                System.setProperty(WallClock.OFFSET_PROPERTY, before);
            }
        }
    }
}
