package io.federa.manager.core.inventory;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The inventory as a value: each poll gives a new one, and no earlier one ever changes. */
class InventorySnapshotTest {
    private static HostStatus host(String id, long sampledAt) {
        return new HostStatus(id, "lab", false, 1, List.of("kvm"), 16, 4, 1L << 36, 1L << 33, 1L << 40, 1L << 38,
                10_000_000_000L, 0, "EUR", 0, 0, 0, 0, "test", sampledAt);
    }

    private static VmStatus vm(String name, String host) {
        return new VmStatus(name, "uuid-" + name, host, "RUNNING", "web", "shop", 2, 1L << 31, 1L << 34, 0, 0, 0.25, 60);
    }

    @Test
    void a_poll_replaces_one_agent_and_leaves_the_earlier_inventory_as_it_was() {
        InventorySnapshot before = InventorySnapshot.of(List.of("host-1", "host-2", "host-3"), 100);
        InventorySnapshot after = before.polled("host-2", host("h2", 150), List.of(vm("web-1", "h2")), 200);

        assertThat(after.agents().keySet()).containsExactly("host-1", "host-2", "host-3");
        assertThat(after.agents().get("host-2").reachable()).isTrue();
        assertThat(after.agents().get("host-2").host()).map(HostStatus::sampleTimestampMillis).contains(150L);
        assertThat(after.agents().get("host-1")).isSameAs(before.agents().get("host-1"));
        assertThat(after.takenAtMillis()).isEqualTo(200);
        assertThat(before.agents().get("host-2").host()).isEmpty();
        assertThat(before.agents().get("host-2").health().state()).isEqualTo(AgentHealth.State.UNKNOWN);
        assertThat(after.vms()).extracting(VmStatus::name).containsExactly("web-1");
        assertThat(before.vms()).isEmpty();
    }

    @Test
    void a_failed_poll_keeps_what_the_agent_said_last_and_counts_the_miss() {
        InventorySnapshot s = InventorySnapshot.of(List.of("host-1"), 0)
                .polled("host-1", host("h1", 5), List.of(vm("db-1", "h1")), 10)
                .failed("host-1", "timeout after 1000 ms", 1, 20);

        InventorySnapshot.Entry e = s.agents().get("host-1");
        assertThat(e.reachable()).isFalse();
        assertThat(e.health().reason()).isEqualTo("timeout after 1000 ms");
        assertThat(e.health().lastSuccessMillis()).isEqualTo(10);
        assertThat(e.vms()).extracting(VmStatus::name).containsExactly("db-1");
    }

    @Test
    void an_unknown_agent_is_refused() {
        InventorySnapshot s = InventorySnapshot.of(List.of("host-1"), 0);
        assertThatThrownBy(() -> s.polled("host-9", host("h9", 0), List.of(), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host-9");
        assertThatThrownBy(() -> s.failed("host-9", "refused", 3, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_agents_map_is_read_only_and_equals_a_plain_map_of_the_same_entries() {
        InventorySnapshot s = InventorySnapshot.of(List.of("b", "a"), 0).polled("a", host("ha", 1), List.of(), 2);
        Map<String, InventorySnapshot.Entry> plain = new LinkedHashMap<>(s.agents());

        assertThat(s.agents()).isEqualTo(plain).hasSameHashCodeAs(plain);
        assertThat(new InventorySnapshot(plain, 2)).isEqualTo(s);
        assertThat(s.agents().containsKey("a")).isTrue();
        assertThat(s.agents().get("zz")).isNull();
        assertThatThrownBy(() -> s.agents().put("c", s.agents().get("a"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.agents().values().iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(s.agentOfHost("ha")).map(InventorySnapshot.Entry::agent).contains("a");
        assertThat(s.agentOfHost("nope")).isEqualTo(Optional.empty());
    }

    @Test
    void an_inventory_built_from_a_map_keeps_its_order_and_checks_its_keys() {
        Map<String, InventorySnapshot.Entry> m = new LinkedHashMap<>();
        for (String a : List.of("z", "y", "x")) {
            m.put(a, new InventorySnapshot.Entry(a, AgentHealth.initial(0), Optional.empty(), List.of()));
        }
        InventorySnapshot s = new InventorySnapshot(m, 0);
        m.clear();
        assertThat(s.agents().keySet()).containsExactly("z", "y", "x");

        Map<String, InventorySnapshot.Entry> wrong = Map.of("k",
                new InventorySnapshot.Entry("other", AgentHealth.initial(0), Optional.empty(), List.of()));
        assertThatThrownBy(() -> new InventorySnapshot(wrong, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
