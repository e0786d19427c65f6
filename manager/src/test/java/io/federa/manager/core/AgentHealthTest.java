package io.federa.manager.core;

import io.federa.manager.core.inventory.AgentHealth;
import org.junit.jupiter.api.Test;

import static io.federa.manager.core.inventory.AgentHealth.State.REACHABLE;
import static io.federa.manager.core.inventory.AgentHealth.State.UNKNOWN;
import static io.federa.manager.core.inventory.AgentHealth.State.UNREACHABLE;
import static org.assertj.core.api.Assertions.assertThat;

class AgentHealthTest {
    @Test
    void an_agent_is_reachable_from_its_first_good_answer() {
        AgentHealth h = AgentHealth.initial(0).success(1_000);
        assertThat(h.state()).isEqualTo(REACHABLE);
        assertThat(h.sinceMillis()).isEqualTo(1_000);
        assertThat(h.success(2_000).sinceMillis()).as("stays reachable since then").isEqualTo(1_000);
    }

    @Test
    void misses_below_the_limit_keep_the_agent_reachable_but_are_counted() {
        AgentHealth h = AgentHealth.initial(0).success(1_000).failure(2_000, "timeout", 3).failure(3_000, "timeout", 3);
        assertThat(h.state()).isEqualTo(REACHABLE);
        assertThat(h.consecutiveMisses()).isEqualTo(2);
    }

    @Test
    void the_limit_of_misses_in_a_row_makes_it_unreachable_with_the_reason() {
        AgentHealth h = AgentHealth.initial(0).success(1_000)
                .failure(2_000, "timeout", 3).failure(3_000, "timeout", 3).failure(4_000, "connection refused", 3);
        assertThat(h.state()).isEqualTo(UNREACHABLE);
        assertThat(h.reason()).isEqualTo("connection refused");
        assertThat(h.lastSuccessMillis()).isEqualTo(1_000);
        assertThat(h.sinceMillis()).as("unreachable since the first miss of the run").isEqualTo(2_000);
        assertThat(h.failure(5_000, "connection refused", 3).sinceMillis()).isEqualTo(2_000);
    }

    @Test
    void a_success_between_misses_starts_the_count_again() {
        AgentHealth h = AgentHealth.initial(0).success(1_000).failure(2_000, "timeout", 2).success(3_000).failure(4_000, "timeout", 2);
        assertThat(h.state()).isEqualTo(REACHABLE);
        assertThat(h.consecutiveMisses()).isEqualTo(1);
    }

    @Test
    void recovery_is_noticed_and_timed() {
        AgentHealth down = AgentHealth.initial(0).failure(1_000, "HTTP 401", 1);
        assertThat(down.state()).isEqualTo(UNREACHABLE);
        assertThat(down.reason()).isEqualTo("HTTP 401");
        AgentHealth back = down.success(9_000);
        assertThat(back.state()).isEqualTo(REACHABLE);
        assertThat(back.sinceMillis()).isEqualTo(9_000);
        assertThat(back.reason()).isEmpty();
    }

    @Test
    void a_new_agent_that_never_answered_becomes_unreachable_not_unknown() {
        AgentHealth h = AgentHealth.initial(0).failure(1_000, "timeout", 2);
        assertThat(h.state()).isEqualTo(UNKNOWN);
        assertThat(h.failure(2_000, "timeout", 2).state()).isEqualTo(UNREACHABLE);
    }
}
