package io.federa.manager.poll;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Each agent's turn: once per interval, just after the agent's sample, never made up for. */
class PollScheduleTest {
    private static final long I = 1_000;

    @Test
    void first_turns_are_spread_over_the_interval() {
        assertThat(PollSchedule.first(5_000, I, 0, 4)).isEqualTo(5_000);
        assertThat(PollSchedule.first(5_000, I, 1, 4)).isEqualTo(5_250);
        assertThat(PollSchedule.first(5_000, I, 3, 4)).isEqualTo(5_750);
    }

    @Test
    void a_poll_moves_to_just_after_the_agents_sample() {
        // Due at 10 000, sent then; the agent sampled at 9 600: its next samples are at 10 600, 11 600…
        PollSchedule.Turn t = PollSchedule.next(10_000, I, 10_000, 10_003, 9_600, 0);
        assertThat(t.dueMillis()).isEqualTo(10_600 + PollSchedule.AFTER_SAMPLE_MILLIS);
        assertThat(t.skipped()).isZero();
        // Once aligned, it stays: one interval later each time.
        PollSchedule.Turn again = PollSchedule.next(t.dueMillis(), I, t.dueMillis(), t.dueMillis() + 3, 10_600, 0);
        assertThat(again.dueMillis()).isEqualTo(t.dueMillis() + I);
    }

    @Test
    void the_next_turn_is_never_more_than_half_an_interval_early_or_late() {
        // The sample phase lies 900 ms after the old due time: aligned to 900 ms earlier, not 100 later.
        PollSchedule.Turn t = PollSchedule.next(10_000, I, 10_000, 10_003, 9_890, 0);
        assertThat(t.dueMillis()).isEqualTo(10_900);
        PollSchedule.Turn u = PollSchedule.next(10_000, I, 10_000, 10_003, 9_090, 0);
        assertThat(u.dueMillis()).isEqualTo(11_100);
    }

    @Test
    void an_agent_that_serves_its_sample_late_is_polled_later() {
        // Polled 10 ms after sample 10 400 was taken, it still answered with sample 9 400.
        PollSchedule.Turn t = PollSchedule.next(10_410, I, 10_410, 10_415, 9_400, 0);
        assertThat(t.delayMillis()).isEqualTo(10 + PollSchedule.STEP_MILLIS);
        assertThat(t.dueMillis()).isEqualTo(11_400 + t.delayMillis() + PollSchedule.AFTER_SAMPLE_MILLIS);
        // Never more than half an interval.
        assertThat(PollSchedule.next(10_000, I, 10_000, 10_005, 7_000, 0).delayMillis()).isEqualTo(I / 2);
    }

    @Test
    void a_failed_or_unaligned_poll_keeps_the_cadence() {
        assertThat(PollSchedule.next(10_000, I, 10_000, 10_900, 0, 0).dueMillis()).isEqualTo(11_000);
        // A sample time equal to the request time (a transport that samples on request): no alignment.
        assertThat(PollSchedule.next(10_000, I, 10_000, 10_004, 10_001, 0).dueMillis()).isEqualTo(11_000);
    }

    @Test
    void turns_that_passed_while_the_poll_ran_are_skipped() {
        PollSchedule.Turn t = PollSchedule.next(10_000, I, 10_000, 12_500, 0, 0);
        assertThat(t.dueMillis()).isEqualTo(13_000);
        assertThat(t.skipped()).isEqualTo(2);
    }

    @Test
    void a_slot_holds_about_25_polls_of_a_loop_within_10_ms_and_a_twentieth_of_the_interval() {
        // 1,000 agents on two loops: 500 each, a slot of 50 ms holds 25 of them.
        assertThat(PollSchedule.slotMillis(I, 500, 32)).isEqualTo(50);
        // 3,000 on two loops: 1,500 each, 16 ms.
        assertThat(PollSchedule.slotMillis(I, 1_500, 32)).isEqualTo(16);
        // 5,000 and more: the narrowest slot, which holds 25 or more already.
        assertThat(PollSchedule.slotMillis(I, 2_500, 32)).isEqualTo(PollSchedule.MIN_SLOT_MILLIS);
        assertThat(PollSchedule.slotMillis(I, 5_000, 32)).isEqualTo(PollSchedule.MIN_SLOT_MILLIS);
        // A small fleet: no turn moves later than a twentieth of the interval.
        assertThat(PollSchedule.slotMillis(I, 3, 32)).isEqualTo(50);
        assertThat(PollSchedule.slotMillis(10_000, 3, 32)).isEqualTo(500);
        // A low cap on polls at once: no more polls a slot than the cap lets start together.
        assertThat(PollSchedule.slotMillis(I, 500, 5)).isEqualTo(10);
        assertThat(PollSchedule.slotMillis(I, 100, 5)).isEqualTo(50);
        // A short interval: never below 10 ms.
        assertThat(PollSchedule.slotMillis(100, 500, 32)).isEqualTo(PollSchedule.MIN_SLOT_MILLIS);
    }

    @Test
    void a_turn_starts_at_the_end_of_its_slot_never_before_it_is_due() {
        assertThat(PollSchedule.slotted(10_000, 50)).isEqualTo(10_000);
        assertThat(PollSchedule.slotted(10_001, 50)).isEqualTo(10_050);
        assertThat(PollSchedule.slotted(10_049, 50)).isEqualTo(10_050);
        assertThat(PollSchedule.slotted(10_050, 50)).isEqualTo(10_050);
        // Turns due within one slot start together.
        assertThat(PollSchedule.slotted(10_013, 16)).isEqualTo(PollSchedule.slotted(10_004, 16));
    }
}
