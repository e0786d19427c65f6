package io.federa.agent.metrics;

import io.federa.agent.core.CostRates;
import io.federa.agent.command.LeaseKeeper;
import io.federa.agent.core.FenceCause;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.PeerVerdict;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.core.VmState;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The agent's Prometheus metrics, mirrored from the latest snapshot at scrape time. Every series of
 * the agent uses the {@code mr_} prefix and base units (bytes, seconds, ratios 0–1) and carries the
 * {@code host} label, the one identity shared with the manager's {@code federa_*} series (so a join
 * on {@code host} works before the first sample too); hot per-VM series add only {@code vm}, and
 * {@code mr_vm_info} carries the rest for joins and never changes with the VM's state
 * ({@code mr_vm_state} does). Traffic is counted ({@code _total}), never served as a rate: a
 * rate is Prometheus's to take. Unknown counters are left out rather than exported as a fake zero.
 */
public final class AgentMetrics implements MultiCollector {
    private static final double GIB_HOUR_BYTE_SECONDS = 1024.0 * 1024 * 1024 * 3600;

    private final Supplier<HostSnapshot> snapshot;
    private final LongSupplier sampleFailures;
    private final Supplier<Map<FenceCause, Long>> fencedVms;
    private final LeaseKeeper lease;
    private final io.federa.agent.command.LeaseEnforcer enforcer;
    private final String host;

    public AgentMetrics(String host, Supplier<HostSnapshot> snapshot, LongSupplier sampleFailures,
                        Supplier<Map<FenceCause, Long>> fencedVms, LeaseKeeper lease) {
        this(host, snapshot, sampleFailures, fencedVms, lease, io.federa.agent.command.LeaseEnforcer.NONE);
    }

    /** As above, with the lease supervisor's state where one runs (real hypervisors). */
    public AgentMetrics(String host, Supplier<HostSnapshot> snapshot, LongSupplier sampleFailures,
                        Supplier<Map<FenceCause, Long>> fencedVms, LeaseKeeper lease,
                        io.federa.agent.command.LeaseEnforcer enforcer) {
        this.enforcer = enforcer;
        this.host = host;
        this.snapshot = snapshot;
        this.sampleFailures = sampleFailures;
        this.fencedVms = fencedVms;
        this.lease = lease;
    }

    @Override
    public MetricSnapshots collect() {
        HostSnapshot s = snapshot.get();
        List<MetricSnapshot> out = new ArrayList<>();
        Labels h = Labels.of("host", host);
        out.add(counter("mr_agent_sample_failures", "Reads of the hypervisor that failed.",
                List.of(point(h, sampleFailures.getAsLong()))));
        out.add(gauge("mr_agent_lease_remaining_seconds", "Time left on the host's lease; 0 when it holds none.",
                List.of(gpoint(h, lease.remainingMillis() / 1000.0))));
        out.add(gauge("mr_agent_lease_term", "The highest leader term this host has seen; 0 before any.",
                List.of(gpoint(h, lease.term()))));
        out.add(counter("mr_agent_lease_renewals_late",
                "Lease renewals read after the latest end their manager allowed (refused), or so late that they granted less"
                        + " than their lease (shortened): the agent was stopped, the network held them back, or this host's"
                        + " clock runs ahead of the manager's.",
                List.of(point(Labels.of("host", host, "outcome", "refused"), lease.lateRenewalsRefused()),
                        point(Labels.of("host", host, "outcome", "shortened"), lease.lateRenewalsShortened()))));
        out.add(gauge("mr_agent_peer_grant_remaining_seconds",
                "Time left to run managed VMs on the peers' verdict that the managers are away; 0 when none.",
                List.of(gpoint(h, lease.grantRemainingMillis() / 1000.0))));
        String verdict = lease.verdict().map(v -> v.kind().name()).orElse("");
        List<GaugeSnapshot.GaugeDataPointSnapshot> verdicts = new ArrayList<>();
        for (PeerVerdict.Kind k : PeerVerdict.Kind.values()) {
            verdicts.add(gpoint(Labels.of("host", host, "verdict", k.name().toLowerCase(java.util.Locale.ROOT)), k.name().equals(verdict) ? 1 : 0));
        }
        out.add(gauge("mr_agent_peer_verdict",
                "While no manager renews the lease: 1 for what the peers said last (managers_away, cut_off, isolated).",
                verdicts));
        Map<FenceCause, Long> fenced = fencedVms.get();
        List<CounterSnapshot.CounterDataPointSnapshot> byCause = new ArrayList<>();
        for (FenceCause c : FenceCause.values()) {
            byCause.add(point(Labels.of("host", host, "reason", c.label()), fenced.getOrDefault(c, 0L)));
        }
        out.add(counter("mr_agent_fenced_vms", "Managed VMs powered off because the host could no longer run them, by reason.",
                byCause));
        enforcer.answering().ifPresent(up -> out.add(gauge("mr_agent_lease_supervisor_up",
                "1 while the lease supervisor (the process that powers the guests off if this agent cannot) answers;"
                        + " 0 while it does not, and no managed VM may start here. Absent where none runs (test driver).",
                List.of(gpoint(h, up ? 1 : 0)))));
        if (s == null) {
            return new MetricSnapshots(out);
        }

        CostRates cost = s.identity().costRates();
        out.add(gauge("mr_host_info", "The host's identity; always 1.", List.of(gpoint(Labels.of(
                "host", host, "site", s.identity().site(), "offsite", Boolean.toString(s.identity().offsite()),
                "security_level", Integer.toString(s.identity().securityLevel()),
                "runtimes", String.join(",", s.identity().runtimes()), "hypervisor", s.hypervisorType(),
                "libvirt_version", s.libvirtVersion(), "agent_version", s.identity().agentVersion()), 1))));
        out.add(gauge("mr_host_cpus", "Physical CPUs of the host.", List.of(gpoint(h, s.cpus()))));
        out.add(gauge("mr_host_cpu_frequency_hertz", "Nominal CPU frequency.", List.of(gpoint(h, s.cpuMhz() * 1e6))));
        out.add(gauge("mr_host_vcpus_allocated", "vCPUs given to active VMs.", List.of(gpoint(h, s.vcpusAllocated()))));
        out.add(gauge("mr_host_memory_bytes", "Memory of the host.", List.of(gpoint(h, s.memoryBytes()))));
        out.add(gauge("mr_host_memory_allocated_bytes", "Memory given to active VMs.",
                List.of(gpoint(h, s.memoryAllocatedBytes()))));
        out.add(gauge("mr_host_storage_bytes", "Storage capacity of the host.", List.of(gpoint(h, s.storageBytes()))));
        out.add(gauge("mr_host_storage_allocated_bytes", "Storage given to VMs' disks.",
                List.of(gpoint(h, s.storageAllocatedBytes()))));
        out.add(gauge("mr_host_network_capacity_bytes_per_second", "Network bandwidth of the host.",
                List.of(gpoint(h, s.networkBitsPerSecond() / 8.0))));
        Labels money = Labels.of("host", host, "currency", cost.currency());
        out.add(gauge("mr_host_cost_per_cpu_second", "What one CPU-second costs on this host.",
                List.of(gpoint(money, cost.perCpuSecond()))));
        out.add(gauge("mr_host_cost_per_storage_byte_second", "What holding one byte of storage for one second costs.",
                List.of(gpoint(money, cost.perStorageGiBHour() / GIB_HOUR_BYTE_SECONDS))));
        out.add(gauge("mr_host_cost_per_network_byte", "What sending one byte costs.",
                List.of(gpoint(money, cost.perNetworkGB() / 1e9))));
        out.add(gauge("mr_host_cost_per_network_packet", "What sending one packet costs.",
                List.of(gpoint(money, cost.perNetworkPacket()))));
        List<GaugeDataPointSnapshot> byState = new ArrayList<>();
        for (VmState st : VmState.values()) {
            long n = s.vms().stream().filter(v -> v.state() == st).count();
            byState.add(gpoint(Labels.of("host", host, "state", st.name()), n));
        }
        out.add(gauge("mr_host_vms", "VMs on the host by state.", byState));
        out.add(gauge("mr_agent_last_sample_timestamp_seconds", "When the hypervisor was last read.",
                List.of(gpoint(h, s.takenAtMillis() / 1000.0))));
        out.add(gauge("mr_agent_sample_duration_seconds", "How long the last read of the hypervisor took.",
                List.of(gpoint(h, s.sampleNanos() / 1e9))));
        out.add(gauge("mr_agent_start_time_seconds", "When the agent started.",
                List.of(gpoint(h, s.identity().agentStartedAtMillis() / 1000.0))));

        List<VmSnapshot> vms = s.vms();
        List<GaugeDataPointSnapshot> info = new ArrayList<>();
        List<GaugeDataPointSnapshot> state = new ArrayList<>();
        for (VmSnapshot v : vms) {
            info.add(gpoint(Labels.of("host", host, "vm", v.name(), "uuid", v.uuid(), "application", v.application(),
                    "service", v.service()), 1));
            for (VmState st : VmState.values()) {
                state.add(gpoint(Labels.of("host", host, "vm", v.name(), "state", st.name()), v.state() == st ? 1 : 0));
            }
        }
        out.add(gauge("mr_vm_info", "A VM's identity and labels; always 1.", info));
        out.add(gauge("mr_vm_state", "1 for the VM's current state, 0 for the others.", state));
        out.add(vmGauge("mr_vm_epoch", "The epoch the manager gave the VM; 0 for a VM not managed by epoch.", host, vms,
                VmSnapshot::epoch));
        out.add(vmGauge("mr_vm_vcpus", "vCPUs of the VM.", host, vms, VmSnapshot::vcpus));
        out.add(vmGauge("mr_vm_memory_bytes", "Memory of the VM.", host, vms, VmSnapshot::memoryBytes));
        out.add(vmGauge("mr_vm_disk_capacity_bytes", "Defined size of the VM's disks.", host, vms,
                v -> v.diskCapacityBytes() < 0 ? Double.NaN : v.diskCapacityBytes()));
        out.add(vmGauge("mr_vm_cpu_load_ratio", "CPU load over the last interval, 0 to 1 of the VM's vCPUs.", host, vms,
                VmSnapshot::cpuLoadRatio));
        out.add(vmGauge("mr_vm_uptime_seconds", "Seconds since the VM started running.", host, vms,
                VmSnapshot::uptimeSeconds));
        out.add(vmCounter("mr_vm_cpu_seconds", "CPU time used by the VM.", host, vms, v -> v.cpuTimeNanos() / 1e9,
                VmSnapshot::cpuTimeNanos));
        out.add(vmCounter("mr_vm_disk_read_bytes", "Bytes read from the VM's disks.", host, vms,
                VmSnapshot::diskReadBytes, VmSnapshot::diskReadBytes));
        out.add(vmCounter("mr_vm_disk_written_bytes", "Bytes written to the VM's disks.", host, vms,
                VmSnapshot::diskWriteBytes, VmSnapshot::diskWriteBytes));
        out.add(vmCounter("mr_vm_disk_reads", "Read requests on the VM's disks.", host, vms,
                VmSnapshot::diskReadRequests, VmSnapshot::diskReadRequests));
        out.add(vmCounter("mr_vm_disk_writes", "Write requests on the VM's disks.", host, vms,
                VmSnapshot::diskWriteRequests, VmSnapshot::diskWriteRequests));
        out.add(vmCounter("mr_vm_network_receive_bytes", "Bytes received by the VM.", host, vms,
                VmSnapshot::networkReceivedBytes, VmSnapshot::networkReceivedBytes));
        out.add(vmCounter("mr_vm_network_transmit_bytes", "Bytes sent by the VM.", host, vms,
                VmSnapshot::networkTransmittedBytes, VmSnapshot::networkTransmittedBytes));
        out.add(vmCounter("mr_vm_network_receive_packets", "Packets received by the VM.", host, vms,
                VmSnapshot::networkReceivedPackets, VmSnapshot::networkReceivedPackets));
        out.add(vmCounter("mr_vm_network_transmit_packets", "Packets sent by the VM.", host, vms,
                VmSnapshot::networkTransmittedPackets, VmSnapshot::networkTransmittedPackets));
        return new MetricSnapshots(out);
    }

    private static GaugeSnapshot vmGauge(String name, String help, String host, List<VmSnapshot> vms,
                                         ToDoubleFunction<VmSnapshot> value) {
        List<GaugeDataPointSnapshot> points = new ArrayList<>(vms.size());
        for (VmSnapshot v : vms) {
            double d = value.applyAsDouble(v);
            if (!Double.isNaN(d)) {
                points.add(gpoint(Labels.of("host", host, "vm", v.name()), d));
            }
        }
        return gauge(name, help, points);
    }

    /** A per-VM counter; VMs whose raw counter is unknown (negative) are left out. */
    private static CounterSnapshot vmCounter(String name, String help, String host, List<VmSnapshot> vms,
                                             ToDoubleFunction<VmSnapshot> value, ToLongFunction<VmSnapshot> raw) {
        List<CounterDataPointSnapshot> points = new ArrayList<>(vms.size());
        for (VmSnapshot v : vms) {
            if (raw.applyAsLong(v) >= 0) {
                points.add(point(Labels.of("host", host, "vm", v.name()), value.applyAsDouble(v)));
            }
        }
        return counter(name, help, points);
    }

    private static GaugeSnapshot gauge(String name, String help, List<GaugeDataPointSnapshot> points) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(b::dataPoint);
        return b.build();
    }

    private static CounterSnapshot counter(String name, String help, List<CounterDataPointSnapshot> points) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        points.forEach(b::dataPoint);
        return b.build();
    }

    private static GaugeDataPointSnapshot gpoint(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static CounterDataPointSnapshot point(Labels labels, double value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
