package io.federa.manager.poll;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InFlightCapTest {
    private static final long INTERVAL = 1_000;

    @Test
    void timeouts_lower_the_cap_by_a_quarter_once_a_quarter_interval_and_never_below_the_floor() {
        InFlightCap cap = new InFlightCap(64, INTERVAL);
        assertThat(cap.limit()).isEqualTo(64);
        cap.ended(1_000, true, false, 10_000);
        assertThat(cap.limit()).isEqualTo(48);
        // A burst of timeouts within a quarter interval counts once.
        cap.ended(1_000, true, false, 10_100);
        cap.ended(900, false, true, 10_200);
        assertThat(cap.limit()).isEqualTo(48);
        cap.ended(1_000, true, false, 10_250);
        assertThat(cap.limit()).isEqualTo(36);
        for (long t = 11_000; t < 30_000; t += 250) {
            cap.ended(2_000, true, false, t);
        }
        assertThat(cap.limit()).isEqualTo(InFlightCap.MIN);
        // A share smaller than the floor is its own floor, and is never exceeded.
        InFlightCap small = new InFlightCap(2, INTERVAL);
        small.ended(3_000, true, false, 10_000);
        assertThat(small.limit()).isEqualTo(2);
    }

    @Test
    void quick_answers_raise_it_again_by_about_one_a_round_up_to_the_configured_share() {
        InFlightCap cap = new InFlightCap(16, INTERVAL);
        for (long t = 0; t < 10_000; t += 250) {
            cap.ended(2_000, true, false, t);
        }
        assertThat(cap.limit()).isEqualTo(InFlightCap.MIN);
        // A round of quick answers (one per poll the cap allows, and one more as it grows) raises it by one.
        for (int i = 0; i <= InFlightCap.MIN; i++) {
            cap.ended(20, false, true, 20_000);
        }
        assertThat(cap.limit()).isEqualTo(InFlightCap.MIN + 1);
        // Answers neither quick nor slow, and failures other than timeouts, leave it as it is.
        cap.ended(400, false, true, 20_000);
        cap.ended(5, false, false, 20_000);
        assertThat(cap.limit()).isEqualTo(InFlightCap.MIN + 1);
        for (int i = 0; i < 10_000; i++) {
            cap.ended(20, false, true, 20_000);
        }
        assertThat(cap.limit()).isEqualTo(16);
    }
}
