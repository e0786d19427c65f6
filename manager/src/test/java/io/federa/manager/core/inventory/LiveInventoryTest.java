package io.federa.manager.core.inventory;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LiveInventoryTest {
    private static HostStatus host(String id) {
        return io.federa.manager.core.Fleet.host(id);
    }

    private static VmStatus vm(String name, String host) {
        return io.federa.manager.core.Fleet.vm(name, host, "RUNNING", "web");
    }

    @Test
    void a_poll_replaces_its_agent_and_a_reader_sees_it_the_same_as_the_inventory_of_old_would() {
        LiveInventory live = new LiveInventory(List.of("a", "b"), 1_000);
        InventorySnapshot before = live.snapshot();
        live.polled(live.position("b"), host("b"), List.of(vm("web-1", "b")), 2_000);
        live.failed(live.position("a"), "connection refused", 2, 2_100);

        InventorySnapshot now = live.snapshot();
        InventorySnapshot expected = InventorySnapshot.of(List.of("a", "b"), 1_000)
                .polled("b", host("b"), List.of(vm("web-1", "b")), 2_000)
                .failed("a", "connection refused", 2, 2_100);
        assertThat(now).isEqualTo(expected);
        assertThat(now.takenAtMillis()).isEqualTo(2_100);
        assertThat(List.copyOf(now.agents().keySet())).containsExactly("a", "b");
        // What a reader held is not changed under it.
        assertThat(before.agents().get("b").host()).isEqualTo(Optional.empty());
    }

    @Test
    void nothing_changed_means_the_same_inventory_and_no_copy() {
        LiveInventory live = new LiveInventory(List.of("a"), 1_000);
        live.polled(0, host("a"), List.of(), 2_000);
        InventorySnapshot first = live.snapshot();
        assertThat(live.snapshot()).isSameAs(first);
        live.polled(0, host("a"), List.of(), 3_000);
        assertThat(live.snapshot()).isNotSameAs(first);
    }

    @Test
    void an_agent_that_claims_another_hosts_id_is_refused_and_nothing_of_it_is_merged_into_that_host() {
        LiveInventory live = new LiveInventory(List.of("host-1", "host-2", "rogue"), 1_000);
        assertThat(live.polled(live.position("host-2"), host("host-2"), List.of(vm("web-2", "host-2")), 2_000)).isNull();
        String refused = live.polled(live.position("rogue"), host("host-2"), List.of(vm("evil-1", "host-2")), 2_100);
        assertThat(refused).isEqualTo("identity: reports host id \"host-2\", which agent host-2 reports");
        assertThat(live.snapshot().vms()).extracting(VmStatus::name).containsExactly("web-2");
        assertThat(live.snapshot().agents().get("rogue").host()).isEmpty();

        // An agent keeps the id it first reported: answering with another is refused too.
        assertThat(live.polled(live.position("host-1"), host("host-1"), List.of(), 2_000)).isNull();
        assertThat(live.polled(live.position("host-1"), host("host-9"), List.of(), 3_000))
                .startsWith("identity: reports host id \"host-9\", not \"host-1\" as before");
        assertThat(live.snapshot().agents().get("host-1").host().orElseThrow().hostId()).isEqualTo("host-1");
    }

    @Test
    void an_answer_that_would_take_the_inventory_past_its_heap_budget_is_refused_and_what_was_there_kept() {
        LiveInventory live = new LiveInventory(List.of("a", "b"), 1_000, 3);
        assertThat(live.polled(0, host("a"), List.of(vm("web-1", "a"), vm("web-2", "a")), 2_000)).isNull();
        String refused = live.polled(1, host("b"), List.of(vm("db-1", "b"), vm("db-2", "b")), 2_100);
        assertThat(refused).isEqualTo("capacity: this manager's inventory holds at most 3 VMs in its heap, and with this "
                + "agent's 2 it would hold 4 (raise the manager's -Xmx)");
        assertThat(live.snapshot().vms()).extracting(VmStatus::name).containsExactly("web-1", "web-2");
        // An agent whose VMs shrink makes room; its own VMs are counted once, not twice.
        assertThat(live.polled(0, host("a"), List.of(vm("web-1", "a")), 3_000)).isNull();
        assertThat(live.polled(0, host("a"), List.of(vm("web-1", "a")), 3_100)).isNull();
        assertThat(live.polled(1, host("b"), List.of(vm("db-1", "b"), vm("db-2", "b")), 3_200)).isNull();
        assertThat(live.snapshot().vms()).hasSize(3);
    }

    @Test
    void the_heap_budget_refuses_a_fleet_the_heap_cannot_hold_and_names_the_heap_it_needs() {
        long mib = 1 << 20;
        assertThat(HeapBudget.refusal(5_000, 512 * mib)).isNull();
        assertThat(HeapBudget.refusal(10_000, 512 * mib)).isEqualTo("10,000 agents need a heap of at least 743 MiB to be "
                + "polled (10 VMs an agent at about 3 KiB each, with as much again for the work of the polls); this manager "
                + "has 512 MiB: raise -Xmx (FEDERA_JAVA_OPTS=-Xmx928m) or share the agents between managers");
        assertThat(HeapBudget.refusal(10_000, 1_024 * mib)).isNull();
        // What a heap holds at start is what it holds after: a nominal fleet fits its VM budget.
        assertThat(HeapBudget.maxVms(5_000, HeapBudget.neededBytes(5_000))).isGreaterThanOrEqualTo(5_000L * HeapBudget.NOMINAL_VMS_PER_AGENT);
        assertThat(HeapBudget.maxVms(1_000, 512 * mib)).isEqualTo((256 * mib - 1_000 * HeapBudget.BYTES_PER_AGENT) / HeapBudget.BYTES_PER_VM);
    }

    @Test
    void an_unknown_agent_is_named_in_the_refusal() {
        LiveInventory live = new LiveInventory(List.of("a"), 1_000);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> live.position("z")).hasMessageContaining("no agent named z");
    }

    @Test
    void polls_on_several_threads_while_readers_read_lose_no_update() throws Exception {
        int agents = 64;
        List<String> names = java.util.stream.IntStream.range(0, agents).mapToObj(i -> "agent-" + i).toList();
        LiveInventory live = new LiveInventory(names, 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            int part = t;
            pool.execute(() -> {
                for (int round = 1; round <= 500; round++) {
                    for (int i = part; i < agents; i += 4) {
                        live.polled(i, host(names.get(i)), List.of(), round);
                    }
                    live.snapshot();
                }
                done.countDown();
            });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        assertThat(live.snapshot().agents().values())
                .allSatisfy(e -> assertThat(e.health().lastSuccessMillis()).isEqualTo(500));
    }
}
