package io.federa.manager.core.events;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.federa.manager.core.Fleet.host;
import static io.federa.manager.core.Fleet.vm;
import static org.assertj.core.api.Assertions.assertThat;

class InventoryChangesTest {
    private static final InventorySnapshot EMPTY = InventorySnapshot.of(List.of("host-1", "host-2"), 0);
    private static final InventorySnapshot BOTH = EMPTY
            .polled("host-1", host("host-1"), List.of(vm("web-1", "host-1", "RUNNING", "web")), 1_000)
            .polled("host-2", host("host-2"), List.of(vm("web-2", "host-2", "RUNNING", "web"),
                    vm("payment-1", "host-2", "RUNNING", "payment")), 1_000);

    @Test
    void first_answers_say_each_agent_answers_with_its_vm_count_and_nothing_about_vms() {
        List<Event> e = InventoryChanges.between(EMPTY, BOTH, 1_000);
        assertThat(e).extracting(Event::kind, Event::subject, Event::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Event.AGENT_REACHABLE, "host-1", "agent host-1 answers (1 VMs)"),
                org.assertj.core.groups.Tuple.tuple(Event.AGENT_REACHABLE, "host-2", "agent host-2 answers (2 VMs)"));
    }

    @Test
    void nothing_changed_is_no_event() {
        assertThat(InventoryChanges.between(BOTH, BOTH.polled("host-1", host("host-1"),
                List.of(vm("web-1", "host-1", "RUNNING", "web")), 2_000), 2_000)).isEmpty();
    }

    @Test
    void a_vm_stopping_is_a_warning_and_starting_again_is_info() {
        InventorySnapshot stopped = BOTH.polled("host-2", host("host-2"), List.of(vm("web-2", "host-2", "SHUT_OFF", "web"),
                vm("payment-1", "host-2", "RUNNING", "payment")), 2_000);
        List<Event> down = InventoryChanges.between(BOTH, stopped, 2_000);
        assertThat(down).singleElement().satisfies(e -> {
            assertThat(e.severity()).isEqualTo(Event.Severity.WARNING);
            assertThat(e.kind()).isEqualTo(Event.VM_STATE);
            assertThat(e.subject()).isEqualTo("host-2/web-2");
            assertThat(e.message()).isEqualTo("VM web-2 on host-2: RUNNING → SHUT_OFF");
        });
        assertThat(InventoryChanges.between(stopped, BOTH, 3_000)).singleElement()
                .satisfies(e -> assertThat(e.severity()).isEqualTo(Event.Severity.INFO));
        // The same VMs listed in another order: the same change, and nothing appeared or went away.
        InventorySnapshot reordered = BOTH.polled("host-2", host("host-2"), List.of(vm("payment-1", "host-2", "RUNNING", "payment"),
                vm("web-2", "host-2", "SHUT_OFF", "web")), 2_000);
        assertThat(InventoryChanges.between(BOTH, reordered, 2_000)).extracting(Event::kind, Event::subject, Event::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Event.VM_STATE, "host-2/web-2", "VM web-2 on host-2: RUNNING → SHUT_OFF"));
    }

    @Test
    void vms_appearing_and_going_away_are_named() {
        InventorySnapshot moved = BOTH.polled("host-2", host("host-2"), List.of(vm("payment-1", "host-2", "RUNNING", "payment"),
                vm("web-3", "host-2", "RUNNING", "web")), 2_000);
        assertThat(InventoryChanges.between(BOTH, moved, 2_000)).extracting(Event::kind, Event::subject).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Event.VM_APPEARED, "host-2/web-3"),
                org.assertj.core.groups.Tuple.tuple(Event.VM_GONE, "host-2/web-2"));
    }

    @Test
    void an_agent_lost_is_critical_with_its_reason_and_its_vms_raise_nothing_until_it_answers() {
        InventorySnapshot lost = BOTH.failed("host-2", "connection refused", 2, 2_000).failed("host-2", "connection refused", 2, 3_000);
        List<Event> e = InventoryChanges.between(BOTH, lost, 3_000);
        assertThat(e).singleElement().satisfies(x -> {
            assertThat(x.severity()).isEqualTo(Event.Severity.CRITICAL);
            assertThat(x.kind()).isEqualTo(Event.AGENT_UNREACHABLE);
            assertThat(x.message()).isEqualTo("agent host-2 is unreachable since 1970-01-01T00:00:02Z after 2 missed polls: "
                    + "connection refused");
        });
        InventorySnapshot back = lost.polled("host-2", host("host-2"), List.of(vm("web-2", "host-2", "SHUT_OFF", "web"),
                vm("payment-1", "host-2", "RUNNING", "payment")), 4_000);
        assertThat(InventoryChanges.between(lost, back, 4_000)).extracting(Event::kind, Event::message).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Event.AGENT_REACHABLE, "agent host-2 answers again"),
                org.assertj.core.groups.Tuple.tuple(Event.VM_STATE, "VM web-2 on host-2: RUNNING → SHUT_OFF"));
    }

    private static HostStatus fenced(String id, long vms, String reason) {
        HostStatus h = host(id);
        return new HostStatus(h.hostId(), h.site(), h.offsite(), h.securityLevel(), h.runtimes(), h.cpus(), h.vcpusAllocated(),
                h.memoryBytes(), h.memoryAllocatedBytes(), h.storageBytes(), h.storageAllocatedBytes(), h.networkBitsPerSecond(),
                h.networkUsedBitsPerSecond(), h.currency(), h.costPerCpuSecond(), h.costPerStorageGiBHour(), h.costPerNetworkGB(),
                h.costPerNetworkPacket(), h.agentVersion(), h.sampleTimestampMillis(), vms, reason);
    }

    @Test
    void vms_fenced_between_two_answers_are_the_counters_growth_with_the_latest_reason() {
        InventorySnapshot lost = BOTH.failed("host-2", "connection refused", 2, 2_000).failed("host-2", "connection refused", 2, 3_000);
        InventorySnapshot back = lost.polled("host-2", fenced("host-2", 2, "lease_expired"),
                List.of(vm("web-2", "host-2", "SHUT_OFF", "web"), vm("payment-1", "host-2", "SHUT_OFF", "payment")), 9_000);
        assertThat(InventoryChanges.fenced(lost, back)).containsExactly(new InventoryChanges.Fenced("host-2", "host-2", 2, "lease_expired"));
        assertThat(InventoryChanges.between(lost, back, 9_000)).filteredOn(e -> e.kind().equals(Event.VM_FENCED)).singleElement()
                .satisfies(e -> {
                    assertThat(e.severity()).isEqualTo(Event.Severity.WARNING);
                    assertThat(e.subject()).isEqualTo("host-2");
                    assertThat(e.message()).isEqualTo("agent host-2 (host host-2) powered off 2 managed VMs for want of a lease (lease_expired)");
                });
        // Told once: the next answer with the same counter tells nothing.
        assertThat(InventoryChanges.fenced(back, back.polled("host-2", fenced("host-2", 2, "lease_expired"), List.of(), 10_000))).isEmpty();
        // An agent that restarted counts from 0 again: all of a lower counter is new.
        InventorySnapshot restarted = back.polled("host-2", fenced("host-2", 1, "agent_start"), List.of(), 11_000);
        assertThat(InventoryChanges.fenced(back, restarted)).containsExactly(new InventoryChanges.Fenced("host-2", "host-2", 1, "agent_start"));
    }

    @Test
    void an_agent_first_seen_sets_the_baseline_and_a_silent_one_tells_nothing() {
        InventorySnapshot first = EMPTY.polled("host-1", fenced("host-1", 3, "cut_off"), List.of(), 1_000);
        assertThat(InventoryChanges.fenced(EMPTY, first)).isEmpty();
        InventorySnapshot lost = first.failed("host-1", "timeout", 2, 2_000).failed("host-1", "timeout", 2, 3_000);
        assertThat(InventoryChanges.fenced(first, lost)).isEmpty();
    }
}
