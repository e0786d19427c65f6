package io.federa.agent.supervisor;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** When the lease supervisor powers managed VMs off, and when it may exit, on a hand-moved clock. */
class EnforcementTest {
    private static final long S = 1_000_000_000L;
    private final Enforcement e = new Enforcement();

    @Test
    void nothing_is_enforced_before_the_agent_feeds_a_deadline() {
        assertThat(e.mustFence(0)).isFalse();
        assertThat(e.mustFence(Long.MAX_VALUE)).isFalse();
        assertThat(e.holds()).isEmpty();
    }

    @Test
    void managed_vms_go_off_a_grace_after_the_deadline_not_before() {
        long deadline = 5 * S;
        e.feed(OptionalLong.of(deadline));
        assertThat(e.mustFence(deadline - 1)).isFalse();
        assertThat(e.mustFence(deadline)).isFalse();
        assertThat(e.mustFence(deadline + Enforcement.GRACE_NANOS - 1)).isFalse();
        assertThat(e.mustFence(deadline + Enforcement.GRACE_NANOS)).isTrue();
    }

    @Test
    void no_permission_means_off_at_once() {
        e.feed(OptionalLong.empty());
        assertThat(e.mustFence(0)).isTrue();
    }

    @Test
    void the_latest_deadline_holds_even_an_earlier_one() {
        e.feed(OptionalLong.of(10 * S));
        e.feed(OptionalLong.of(4 * S)); // a new manager's shorter lease
        assertThat(e.mustFence(5 * S)).isTrue();
        e.feed(OptionalLong.of(20 * S));
        assertThat(e.mustFence(5 * S)).isFalse();
    }

    @Test
    void deadlines_compare_by_difference_across_the_clocks_wrap() {
        long ms = 1_000_000L;
        long deadline = Long.MAX_VALUE - 100 * ms; // deadline + grace wraps past Long.MAX_VALUE
        e.feed(OptionalLong.of(deadline));
        assertThat(e.mustFence(Long.MAX_VALUE)).isFalse();          // 100 ms after it: within the grace
        assertThat(e.mustFence(Long.MIN_VALUE + 100 * ms)).isTrue(); // 200 ms after it, past the wrap
    }

    @Test
    void a_gone_agents_last_deadline_still_holds_and_the_supervisor_exits_only_once_it_is_enforced() {
        e.feed(OptionalLong.of(5 * S));
        e.agentGone();
        assertThat(e.isAgentGone()).isTrue();
        assertThat(e.mustFence(4 * S)).isFalse();
        assertThat(e.mayExit(4 * S, true)).isFalse();
        assertThat(e.mayExit(4 * S, false)).isFalse(); // a VM may still be started behind it: wait for the deadline
        assertThat(e.mustFence(6 * S)).isTrue();
        assertThat(e.mayExit(6 * S, true)).isFalse();
        assertThat(e.mayExit(6 * S, false)).isTrue();
    }

    @Test
    void an_agent_that_never_fed_leaves_nothing_to_enforce() {
        assertThat(e.mayExit(0, true)).isFalse();
        e.agentGone();
        assertThat(e.mayExit(0, true)).isTrue();
    }

    @Test
    void while_the_agent_is_there_the_supervisor_stays() {
        e.feed(OptionalLong.empty());
        assertThat(e.mayExit(Long.MAX_VALUE, false)).isFalse();
    }
}
