package io.federa.agent.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Lease arithmetic on a monotonic clock given in nanoseconds. */
class LeaseTest {
    private static final long MS = 1_000_000;

    @Test
    void no_lease_is_never_valid_and_has_nothing_left() {
        assertThat(Lease.NONE.validAt(0)).isFalse();
        assertThat(Lease.NONE.validAt(Long.MAX_VALUE)).isFalse();
        assertThat(Lease.NONE.remainingMillis(123)).isZero();
        assertThat(Lease.NONE.isHeld()).isFalse();
    }

    @Test
    void a_granted_lease_counts_down_and_runs_out_exactly_at_its_duration() {
        Lease l = Lease.granted("manager-1", 5_000, 1_000 * MS);
        assertThat(l.remainingMillis(1_000 * MS)).isEqualTo(5_000);
        assertThat(l.remainingMillis(3_500 * MS)).isEqualTo(2_500);
        assertThat(l.validAt(6_000 * MS - 1)).isTrue();
        assertThat(l.remainingMillis(6_000 * MS - 1)).isZero();
        assertThat(l.validAt(6_000 * MS)).isFalse();
        assertThat(l.remainingMillis(7_000 * MS)).isZero();
    }

    @Test
    void remaining_time_is_rounded_down_never_overstated() {
        Lease l = Lease.granted("m", 1_000, 0);
        assertThat(l.remainingMillis(1)).isEqualTo(999);
    }

    @Test
    void the_monotonic_clock_may_be_negative_or_wrap() {
        long start = Long.MAX_VALUE - 2_000 * MS;
        Lease l = Lease.granted("m", 5_000, start);
        assertThat(l.validAt(start + 4_000 * MS)).isTrue();
        assertThat(l.remainingMillis(start + 4_000 * MS)).isEqualTo(1_000);
        assertThat(l.validAt(start + 5_000 * MS)).isFalse();
        Lease negative = Lease.granted("m", 1_000, -10_000 * MS);
        assertThat(negative.validAt(-9_500 * MS)).isTrue();
        assertThat(negative.validAt(-9_000 * MS)).isFalse();
    }

    @Test
    void durations_and_holders_are_checked() {
        assertThatThrownBy(() -> Lease.granted("m", 999, 0)).hasMessageContaining("durationMillis: must be between 1000 and 600000");
        assertThatThrownBy(() -> Lease.granted("m", 600_001, 0)).hasMessageContaining("durationMillis");
        assertThatThrownBy(() -> Lease.granted("", 5_000, 0)).hasMessageContaining("holder");
        assertThatThrownBy(() -> Lease.granted("a b", 5_000, 0)).hasMessageContaining("holder");
        assertThatThrownBy(() -> Lease.granted("x".repeat(65), 5_000, 0)).hasMessageContaining("holder");
        assertThat(Lease.granted("manager-1.paris:8080_a", 600_000, 0).remainingMillis(0)).isEqualTo(600_000);
    }
}
