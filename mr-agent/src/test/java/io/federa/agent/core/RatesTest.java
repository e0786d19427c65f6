package io.federa.agent.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RatesTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void a_counter_that_grows_gives_units_per_second() {
        assertThat(Rates.perSecond(1_000, 3_000, 2 * SECOND)).isEqualTo(1_000.0);
        assertThat(Rates.perSecond(0, 500, SECOND / 2)).isEqualTo(1_000.0);
    }

    @Test
    void a_counter_that_went_backwards_was_reset_and_gives_no_rate() {
        assertThat(Rates.perSecond(5_000, 100, SECOND)).isZero();
    }

    @Test
    void an_unknown_counter_or_no_elapsed_time_gives_no_rate() {
        assertThat(Rates.perSecond(-1, 100, SECOND)).isZero();
        assertThat(Rates.perSecond(100, -1, SECOND)).isZero();
        assertThat(Rates.perSecond(100, 200, 0)).isZero();
    }

    @Test
    void cpu_load_is_busy_time_over_wall_time_times_vcpus() {
        // 2 vCPUs, 1 s of wall time, 1 s of CPU time: half the VM's capacity.
        assertThat(Rates.cpuLoad(0, SECOND, SECOND, 2)).isCloseTo(0.5, within(1e-9));
        // 4 vCPUs fully busy for 2 s.
        assertThat(Rates.cpuLoad(10 * SECOND, 18 * SECOND, 2 * SECOND, 4)).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void cpu_load_is_clamped_to_one_when_accounting_runs_ahead() {
        assertThat(Rates.cpuLoad(0, 3 * SECOND, SECOND, 2)).isEqualTo(1.0);
    }

    @Test
    void cpu_load_without_vcpus_or_after_a_reset_is_zero() {
        assertThat(Rates.cpuLoad(0, SECOND, SECOND, 0)).isZero();
        assertThat(Rates.cpuLoad(5 * SECOND, SECOND, SECOND, 1)).isZero();
    }
}
