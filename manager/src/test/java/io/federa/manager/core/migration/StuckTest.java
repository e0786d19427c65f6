package io.federa.manager.core.migration;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** When a migration counts as stuck: no change of phase and no copy progress for the time allowed. */
class StuckTest {
    private static final long MINUTE = 60_000;

    private static Migration at(Phase phase, long phaseSince, long progressAt, int failures, String note) {
        return new Migration("m-7", "web-2", "0ba70b82-9d05-4147-afca-b47c0879d6ff", "web", "shop", "host-1", 1, true,
                Optional.of("host-2"), Optional.empty(), Optional.empty(), "operator", phase, 1, 0, failures, false, false,
                note, 0, phaseSince, progressAt, 0, 0, 0, Optional.empty(), false, Optional.empty(), Optional.empty());
    }

    @Test
    void a_phase_held_past_the_limit_without_progress_is_stuck_and_says_how_long_and_why() {
        Migration m = at(Phase.COPYING, 0, 0, 2, "copy attempt 3: connection refused");
        assertThat(Stuck.reason(m, 5 * MINUTE - 1, 5 * MINUTE)).isEmpty();
        assertThat(Stuck.reason(m, 5 * MINUTE, 5 * MINUTE))
                .contains("copying for 300 s without progress, 2 failed steps: copy attempt 3: connection refused");
    }

    @Test
    void a_copy_that_moves_bytes_is_not_stuck_however_long_its_phase() {
        Migration m = at(Phase.COPYING, 0, 9 * MINUTE, 0, "");
        assertThat(Stuck.reason(m, 10 * MINUTE, 5 * MINUTE)).isEmpty();
        assertThat(Stuck.reason(m, 14 * MINUTE, 5 * MINUTE)).contains("copying for 300 s without progress");
    }

    @Test
    void a_finished_migration_is_never_stuck() {
        assertThat(Stuck.reason(at(Phase.DONE, 0, 0, 0, ""), 60 * MINUTE, MINUTE)).isEmpty();
        assertThat(Stuck.reason(at(Phase.ROLLED_BACK, 0, 0, 3, "x"), 60 * MINUTE, MINUTE)).isEmpty();
    }
}
