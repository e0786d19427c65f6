package io.federa.manager.store;

import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.availability.ServiceStates;
import io.federa.manager.core.events.Event;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static io.federa.manager.core.availability.ServiceAvailability.State.DEGRADED;
import static io.federa.manager.core.availability.ServiceAvailability.State.DOWN;
import static io.federa.manager.core.availability.ServiceAvailability.State.UP;
import static org.assertj.core.api.Assertions.assertThat;

/** Events and service transitions, on the embedded file and on a real PostgreSQL. */
class HistoryStoreTest {
    @TempDir
    Path dir;

    private HistoryStore open(String database) throws Exception {
        return database.equals("h2") ? HistoryStore.openFile(dir.resolve("federa"))
                : HistoryStore.open(PostgresServer.get().newDatabase(), "federa", "");
    }

    private static Event event(long at, String kind, String subject) {
        return new Event(at, Event.Severity.INFO, kind, subject, kind + " of " + subject);
    }

    private static ServiceStates.Change change(String service, long at, ServiceAvailability.State state, String... reasons) {
        return new ServiceStates.Change(service, at, new ServiceAvailability(service, state, List.of(reasons)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void events_come_back_newest_first_filtered_by_time_kind_and_count(String database) throws Exception {
        try (HistoryStore s = open(database)) {
            s.write(List.of(event(1_000, Event.AGENT_UNREACHABLE, "host-2"), event(2_000, Event.VM_STATE, "host-1/web-1"),
                    event(3_000, Event.AGENT_REACHABLE, "host-2")), List.of());
            assertThat(s.events(0, "", 10)).extracting(Event::atMillis).containsExactly(3_000L, 2_000L, 1_000L);
            assertThat(s.events(0, "agent.", 10)).extracting(Event::kind)
                    .containsExactly(Event.AGENT_REACHABLE, Event.AGENT_UNREACHABLE);
            assertThat(s.events(2_000, "", 10)).hasSize(2);
            assertThat(s.events(0, "", 1)).singleElement().satisfies(e -> {
                assertThat(e.subject()).isEqualTo("host-2");
                assertThat(e.message()).isEqualTo("agent.reachable of host-2");
            });
            // LIKE wildcards in a filter are taken literally.
            assertThat(s.events(0, "%", 10)).hasSize(3);
            assertThat(s.events(0, "agent_", 10)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void transitions_open_with_the_state_the_window_starts_in_and_survive_a_restart(String database) throws Exception {
        try (HistoryStore s = open(database)) {
            s.write(List.of(), List.of(change("shop", 1_000, UP), change("backoffice", 1_500, UP),
                    change("shop", 5_000, DEGRADED, "web: 1 of 2 instances running", "web-2 on host-2: VM SHUT_OFF"),
                    change("shop", 9_000, DOWN, "payment: 0 of 1")));
            assertThat(s.transitions("shop", 6_000)).extracting(c -> c.atMillis() + " " + c.availability().state())
                    .containsExactly("5000 DEGRADED", "9000 DOWN");
            assertThat(s.transitions("shop", 6_000).get(0).availability().reasons())
                    .containsExactly("web: 1 of 2 instances running", "web-2 on host-2: VM SHUT_OFF");
            assertThat(s.lastStates()).containsOnlyKeys("shop", "backoffice");
            assertThat(s.lastStates().get("shop").state()).isEqualTo(DOWN);
            // Over 10 s up to 11 000: UP 1 000–5 000, DEGRADED to 9 000, DOWN to 11 000 → 8 of 10 s serving.
            assertThat(s.history("shop", 11_000, 10_000).ratio(11_000, 10_000)).isEqualTo(0.8);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void pruning_forgets_old_records_but_keeps_the_state_each_service_was_in(String database) throws Exception {
        try (HistoryStore s = open(database)) {
            s.write(List.of(event(1_000, Event.VM_GONE, "a"), event(8_000, Event.VM_GONE, "b")),
                    List.of(change("shop", 1_000, UP), change("shop", 2_000, DOWN), change("shop", 3_000, UP),
                            change("shop", 8_000, DEGRADED)));
            assertThat(s.prune(5_000)).isEqualTo(3);
            assertThat(s.events(0, "", 10)).extracting(Event::subject).containsExactly("b");
            assertThat(s.transitions("shop", 0)).extracting(c -> c.atMillis() + " " + c.availability().state())
                    .containsExactly("3000 UP", "8000 DEGRADED");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void long_texts_are_clipped_to_the_columns_not_refused(String database) throws Exception {
        try (HistoryStore s = open(database)) {
            s.write(List.of(new Event(1, Event.Severity.WARNING, Event.VM_STATE, "h/" + "v".repeat(500), "m".repeat(10_000))),
                    List.of());
            Event e = s.events(0, "", 1).get(0);
            assertThat(e.subject()).hasSize(256).endsWith("…");
            assertThat(e.message()).hasSize(4000);
        }
    }
}
