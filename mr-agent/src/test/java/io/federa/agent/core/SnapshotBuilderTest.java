package io.federa.agent.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SnapshotBuilderTest {
    private static final long SECOND = 1_000_000_000L;
    private static final HostIdentity IDENTITY = new HostIdentity("host-1", "paris", false, 3, List.of("kvm"),
            new CostRates("EUR", 0.00001, 0.0001, 0.02, 0.0000001), 0, 10_000_000_000L, "test", 0);

    private static VmObservation vm(String uuid, String name, VmState state, int vcpus, long memory, long cpuNanos,
                                    long diskRead, long netTx) {
        return new VmObservation(uuid, name, 1, state, "hvm", true, false, vcpus, memory, memory, cpuNanos,
                "web", "shop", 0, 20L << 30, diskRead, 0, 0, 0, 0, netTx, 0, 0, List.of(), List.of(), List.of());
    }

    private static HostObservation host(long takenAtMillis, long mono, long poolBytes, VmObservation... vms) {
        return new HostObservation("TEST", "0.0.2", "9.0.0", "node", "x86_64", 16, 2400, 64L << 30, poolBytes, 0,
                List.of(vms), takenAtMillis, mono, 1_000_000);
    }

    @Test
    void the_first_snapshot_has_counters_but_no_rates() {
        HostSnapshot s = SnapshotBuilder.build(IDENTITY, "test:///x", host(1_000, 0, -1,
                vm("u1", "web-1", VmState.RUNNING, 2, 2L << 30, 5 * SECOND, 100, 100)), null, 0, Map.of());

        VmSnapshot v = s.vm("web-1");
        assertThat(v.cpuTimeNanos()).isEqualTo(5 * SECOND);
        assertThat(v.cpuLoadRatio()).isZero();
        assertThat(v.diskReadBytesPerSecond()).isZero();
        assertThat(s.sequence()).isEqualTo(1);
    }

    @Test
    void the_second_snapshot_derives_load_and_rates_from_the_first() {
        HostSnapshot first = SnapshotBuilder.build(IDENTITY, "test:///x", host(1_000, 0, -1,
                vm("u1", "web-1", VmState.RUNNING, 2, 2L << 30, 5 * SECOND, 1_000, 2_000)), null, 0, Map.of());
        HostSnapshot second = SnapshotBuilder.build(IDENTITY, "test:///x", host(3_000, 2 * SECOND, -1,
                vm("u1", "web-1", VmState.RUNNING, 2, 2L << 30, 7 * SECOND, 5_000, 10_000)), first, 0, Map.of());

        VmSnapshot v = second.vm("web-1");
        assertThat(v.cpuLoadRatio()).isCloseTo(0.5, within(1e-9));
        assertThat(v.diskReadBytesPerSecond()).isCloseTo(2_000, within(1e-9));
        assertThat(v.networkTransmitBytesPerSecond()).isCloseTo(4_000, within(1e-9));
        assertThat(second.networkUsedBitsPerSecond()).isCloseTo(32_000, within(1e-9));
        assertThat(v.uptimeSeconds()).isEqualTo(2);
        assertThat(second.sequence()).isEqualTo(2);
    }

    @Test
    void a_vm_that_restarted_starts_a_new_uptime_and_gives_no_rate_for_the_reset_interval() {
        HostSnapshot running = SnapshotBuilder.build(IDENTITY, "u", host(1_000, 0, -1,
                vm("u1", "web-1", VmState.RUNNING, 1, 1L << 30, 9 * SECOND, 0, 0)), null, 0, Map.of());
        HostSnapshot off = SnapshotBuilder.build(IDENTITY, "u", host(5_000, 4 * SECOND, -1,
                vm("u1", "web-1", VmState.SHUT_OFF, 1, 1L << 30, 0, -1, -1)), running, 0, Map.of());
        HostSnapshot again = SnapshotBuilder.build(IDENTITY, "u", host(9_000, 8 * SECOND, -1,
                vm("u1", "web-1", VmState.RUNNING, 1, 1L << 30, SECOND, 0, 0)), off, 4 * SECOND, Map.of());

        assertThat(off.vm("web-1").uptimeSeconds()).isZero();
        assertThat(again.vm("web-1").runningSinceMillis()).isEqualTo(9_000);
        assertThat(again.vm("web-1").cpuLoadRatio()).isZero();
    }

    @Test
    void only_active_vms_count_against_vcpus_and_memory_but_every_disk_counts_against_storage() {
        HostSnapshot s = SnapshotBuilder.build(IDENTITY, "u", host(1_000, 0, 100L << 30,
                vm("u1", "web-1", VmState.RUNNING, 2, 2L << 30, 0, 0, 0),
                vm("u2", "db-1", VmState.SHUT_OFF, 4, 8L << 30, 0, -1, -1)), null, 0, Map.of());

        assertThat(s.vcpusAllocated()).isEqualTo(2);
        assertThat(s.vcpusFree()).isEqualTo(14);
        assertThat(s.memoryAllocatedBytes()).isEqualTo(2L << 30);
        assertThat(s.storageAllocatedBytes()).isEqualTo(40L << 30);
        assertThat(s.storageBytes()).as("no configured storage: the pools' capacity").isEqualTo(100L << 30);
        assertThat(s.runningVms()).isEqualTo(1);
    }

    @Test
    void a_simulated_load_replaces_the_measured_one_while_the_vm_runs() {
        HostSnapshot s = SnapshotBuilder.build(IDENTITY, "u", host(1_000, 0, -1,
                vm("u1", "web-1", VmState.RUNNING, 2, 2L << 30, 0, 0, 0),
                vm("u2", "web-2", VmState.SHUT_OFF, 2, 2L << 30, 0, 0, 0)), null, 0,
                Map.of("u1", 0.8, "u2", 0.9));

        assertThat(s.vm("web-1").cpuLoadRatio()).isEqualTo(0.8);
        assertThat(s.vm("web-1").loadSimulated()).isTrue();
        assertThat(s.vm("web-2").cpuLoadRatio()).isZero();
        assertThat(s.vm("web-2").loadSimulated()).isFalse();
    }

    @Test
    void a_simulated_load_moves_the_cpu_time_by_that_load_and_the_counter_never_goes_back_once_it_ends() {
        // As libvirt's test driver counts: every running VM one CPU-second per second, whatever its load.
        VmObservation[] wallClock = new VmObservation[6];
        for (int i = 0; i < wallClock.length; i++) {
            wallClock[i] = vm("u1", "web-1", VmState.RUNNING, 2, 2L << 30, (100 + i * 2) * SECOND, 0, 0);
        }
        HostSnapshot s = SnapshotBuilder.build(IDENTITY, "u", host(0, 0, -1, wallClock[0]), null, 0, Map.of());
        List<Long> cpu = new java.util.ArrayList<>(List.of(s.vm("web-1").cpuTimeNanos()));
        List<Map<String, Double>> loads = List.of(Map.of("u1", 0.9), Map.of("u1", 0.9), Map.of("u1", 0.1), Map.of(), Map.of());
        for (int i = 1; i < wallClock.length; i++) {
            s = SnapshotBuilder.build(IDENTITY, "u", host(i * 2_000L, i * 2 * SECOND, -1, wallClock[i]), s, (i - 1) * 2 * SECOND,
                    loads.get(i - 1));
            cpu.add(s.vm("web-1").cpuTimeNanos());
        }

        assertThat(cpu.get(0)).as("before any load: the hypervisor's count").isEqualTo(100 * SECOND);
        // 2 s at 90 % of 2 vCPUs: 3.6 CPU-seconds, twice; then 0.4 at 10 %; then 2 s each as measured.
        assertThat(cpu).containsExactly(100 * SECOND, 103_600_000_000L, 107_200_000_000L, 107_600_000_000L,
                109_600_000_000L, 111_600_000_000L);
        assertThat(s.vm("web-1").cpuLoadRatio()).as("measured again: one CPU-second a second of 2 vCPUs").isEqualTo(0.5);
        assertThat(s.vm("web-1").cpuTimeSimulatedNanos()).isEqualTo(1_600_000_000L);

        // A VM that stops runs again from the hypervisor's own count, as a restarted VM's counter does.
        HostSnapshot off = SnapshotBuilder.build(IDENTITY, "u", host(14_000, 14 * SECOND, -1,
                vm("u1", "web-1", VmState.SHUT_OFF, 2, 2L << 30, 0, -1, -1)), s, 10 * SECOND, Map.of());
        HostSnapshot again = SnapshotBuilder.build(IDENTITY, "u", host(16_000, 16 * SECOND, -1,
                vm("u1", "web-1", VmState.RUNNING, 2, 2L << 30, 116 * SECOND, 0, 0)), off, 14 * SECOND, Map.of());
        assertThat(off.vm("web-1").cpuTimeSimulatedNanos()).isZero();
        assertThat(again.vm("web-1").cpuTimeNanos()).isEqualTo(116 * SECOND);
    }

    @Test
    void vms_are_listed_by_name() {
        HostSnapshot s = SnapshotBuilder.build(IDENTITY, "u", host(1_000, 0, -1,
                vm("u2", "zeta", VmState.RUNNING, 1, 1L << 30, 0, 0, 0),
                vm("u1", "alpha", VmState.RUNNING, 1, 1L << 30, 0, 0, 0)), null, 0, Map.of());

        assertThat(s.vms()).extracting(VmSnapshot::name).containsExactly("alpha", "zeta");
    }
}
