package io.federa.manager.core.lease;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Renewals sent and acknowledged, and what follows: the majority, and each lost host's fencing deadline. */
class LeaseLedgerTest {
    private static final long T0 = 1_700_000_000_000L;
    // lease 5 s, poll every 1 s, gap 2.5 s, grant 2.5 s: the defaults.
    private static final LeaseLedger.Timing TIMING = new LeaseLedger.Timing(5_000, 1_000, 2_500, 2_500);
    private static final List<String> FIVE = List.of("h1", "h2", "h3", "h4", "h5");

    /** Every agent but those left out is renewed each second from {@code from} to {@code to}; the answer takes 10 ms. */
    private static void rounds(LeaseLedger l, long from, long to, String... leftOut) {
        for (long t = from; t <= to; t += 1_000) {
            for (String a : l.fleet()) {
                if (!List.of(leftOut).contains(a)) {
                    l.sent(a, t, t);
                    l.acknowledged(a, t, t + 10);
                }
            }
        }
    }

    @Test
    void a_starting_manager_holds_no_majority_until_one_acknowledged_and_assumes_every_lease_may_still_hold() {
        LeaseLedger l = new LeaseLedger(FIVE, TIMING, T0);
        assertThat(l.holdsMajority(T0)).isFalse();
        assertThat(l.leaseEnd("h4")).isEqualTo(T0 + 6_000);
        rounds(l, T0, T0, "h4", "h5");
        assertThat(l.renewedWithinLease(T0 + 10)).isEqualTo(3);
        assertThat(l.holdsMajority(T0 + 10)).isTrue();
        assertThat(l.holdsMajority(T0 + 5_011)).as("no renewal for a whole lease").isFalse();
    }

    @Test
    void a_host_cut_off_may_be_replaced_once_a_majority_holds_fresher_statements_and_a_grant_has_passed() {
        LeaseLedger l = new LeaseLedger(FIVE, TIMING, T0);
        rounds(l, T0, T0 + 10_000);
        // h3 is renewed for the last time at +10 s; the others go on.
        rounds(l, T0 + 11_000, T0 + 16_000, "h3");
        // Fresher than h3's by more than the gap: statements of +13 s, acknowledged at +13.01 s by all four.
        // Fencing deadline: the later of its lease end (+10 + 1 + 5 = +16 s) and +13.01 + 2.5 s.
        assertThat(l.fencingDeadline("h3")).hasValue(T0 + 16_000);
        LeaseLedger slowGrant = new LeaseLedger(FIVE, new LeaseLedger.Timing(5_000, 1_000, 2_500, 4_000), T0);
        rounds(slowGrant, T0, T0 + 10_000);
        rounds(slowGrant, T0 + 11_000, T0 + 16_000, "h3");
        assertThat(slowGrant.fencingDeadline("h3")).hasValue(T0 + 13_010 + 4_000);
        // Acknowledgements older than the last sixteen are forgotten: the deadline can only move later.
        rounds(l, T0 + 17_000, T0 + 30_000, "h3");
        assertThat(l.fencingDeadline("h3")).hasValue(T0 + 15_010 + 2_500);
    }

    @Test
    void without_a_majority_renewed_past_it_a_lost_host_has_no_deadline() {
        LeaseLedger l = new LeaseLedger(FIVE, TIMING, T0);
        rounds(l, T0, T0 + 10_000);
        // Only h1 and h2 are still renewed: with h3 that makes two of four others, one short of three.
        rounds(l, T0 + 11_000, T0 + 30_000, "h3", "h4", "h5");
        assertThat(l.fencingDeadline("h3")).isEmpty();
        assertThat(l.holdsMajority(T0 + 30_010)).isFalse();
        assertThat(l.fencingDeadlines(List.of("h3", "h4", "nobody"))).containsOnlyKeys("nobody");
    }

    @Test
    void a_renewal_that_may_have_reached_the_host_moves_its_deadline_even_unanswered() {
        LeaseLedger l = new LeaseLedger(FIVE, TIMING, T0);
        rounds(l, T0, T0 + 10_000);
        l.sent("h3", T0 + 11_000, T0 + 11_000); // sent, never answered
        rounds(l, T0 + 11_000, T0 + 17_000, "h3");
        // Fresher than +11 s by the gap: the round of +14 s, acknowledged at +14.01 s.
        assertThat(l.leaseEnd("h3")).isEqualTo(T0 + 17_000);
        assertThat(l.fencingDeadline("h3")).hasValue(T0 + 17_000);
    }

    @Test
    void the_latest_end_told_to_an_agent_is_the_lease_end_the_ledger_counts_for_that_poll() {
        LeaseLedger l = new LeaseLedger(FIVE, TIMING, T0);
        long told = l.leaseEnd(T0 + 11_000, 2_500);
        l.sent("h3", T0 + 11_000, T0 + 11_000, 2_500);
        assertThat(l.leaseEnd("h3")).isEqualTo(told).isEqualTo(T0 + 11_000 + 2_500 + TIMING.leaseMillis());
    }

    @Test
    void after_a_restart_a_silent_agent_counts_from_the_start_since_the_manager_before_may_have_renewed_it() {
        LeaseLedger l = new LeaseLedger(FIVE, TIMING, T0);
        rounds(l, T0 + 100, T0 + 8_100, "h5");
        // Statements issued after T0 + 2.5 s: the round of +3.1 s, acknowledged at +3.11 s.
        assertThat(l.fencingDeadline("h5")).hasValue(Math.max(T0 + 6_000, T0 + 3_110 + 2_500));
    }

    @Test
    void a_fleet_of_two_never_replaces_a_host_and_an_agent_outside_the_fleet_has_no_lease_to_wait_for() {
        LeaseLedger l = new LeaseLedger(List.of("a", "b"), TIMING, T0);
        rounds(l, T0, T0 + 30_000, "b");
        assertThat(l.fencingDeadline("b")).isEmpty();
        assertThat(l.holdsMajority(T0 + 30_010)).isFalse();
        assertThat(l.fencingDeadline("snmp-host")).hasValue(0);
        assertThat(new LeaseLedger(List.of(), TIMING, T0).holdsMajority(T0)).isTrue();
    }
}
