package io.federa.manager.core.events;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventBudgetTest {
    private static List<Event> flood(String kind, int n, long at) {
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Event(at, Event.Severity.WARNING, kind, "ghost-" + i, "alert names ghost-" + i));
        }
        return out;
    }

    @Test
    void a_flood_of_one_kind_is_cut_to_its_burst_and_the_rest_is_counted_then_said_once_it_ends() {
        EventBudget budget = new EventBudget(10, 100);
        List<Event> kept = budget.admit(flood("scaling.ignored", 9_000, 1_000), 1_000);
        assertThat(kept).hasSize(100);
        assertThat(budget.dropped()).containsEntry("scaling.ignored", 8_900L);
        // Other kinds are not starved by the flood.
        assertThat(budget.admit(flood("agent.unreachable", 3, 1_000), 1_000)).hasSize(3);

        // A second later the bucket holds ten: the first of them carries the count of what was dropped.
        List<Event> later = budget.admit(flood("scaling.ignored", 1, 2_000), 2_000);
        assertThat(later).extracting(Event::kind).containsExactly(EventBudget.DROPPED, "scaling.ignored");
        assertThat(later.get(0).subject()).isEqualTo("scaling.ignored");
        assertThat(later.get(0).message()).startsWith("8900 scaling.ignored events were dropped: more than 10 a second");
        assertThat(budget.admit(flood("scaling.ignored", 1, 2_000), 2_000)).extracting(Event::kind)
                .containsExactly("scaling.ignored");
    }

    @Test
    void within_the_rate_nothing_is_dropped() {
        EventBudget budget = new EventBudget(10, 20);
        for (long t = 0; t < 60_000; t += 100) {
            assertThat(budget.admit(flood("vm.state", 1, t), t)).hasSize(1);
        }
        assertThat(budget.dropped()).isEmpty();
    }
}
