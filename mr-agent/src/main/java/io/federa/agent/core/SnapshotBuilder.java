package io.federa.agent.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one hypervisor read into a {@link HostSnapshot}, using the previous snapshot for rates
 * and uptimes. Pure: no clock, no I/O; the same inputs always give the same snapshot.
 */
public final class SnapshotBuilder {
    private SnapshotBuilder() {
    }

    /**
     * @param previous        the last published snapshot, or null for the first one
     * @param previousMonoNanos monotonic time of the previous read (ignored when previous is null)
     * @param simulatedLoads  simulated CPU loads by VM UUID (test driver only), each 0 to 1
     */
    public static HostSnapshot build(HostIdentity identity, String uri, HostObservation obs,
                                     HostSnapshot previous, long previousMonoNanos,
                                     Map<String, Double> simulatedLoads) {
        return build(identity, uri, obs, previous, previousMonoNanos, simulatedLoads, Fencing.NONE);
    }

    /** The same, with what the agent fenced so far. */
    public static HostSnapshot build(HostIdentity identity, String uri, HostObservation obs,
                                     HostSnapshot previous, long previousMonoNanos,
                                     Map<String, Double> simulatedLoads, Fencing fencing) {
        Map<String, VmSnapshot> before = new HashMap<>();
        if (previous != null) {
            for (VmSnapshot v : previous.vms()) {
                before.put(v.uuid(), v);
            }
        }
        long elapsed = previous == null ? 0 : obs.monotonicNanos() - previousMonoNanos;
        List<VmSnapshot> vms = new ArrayList<>(obs.vms().size());
        int vcpusAllocated = 0;
        long memoryAllocated = 0;
        long diskAllocated = 0;
        double networkBytesPerSecond = 0;
        for (VmObservation o : obs.vms()) {
            VmSnapshot p = before.get(o.uuid());
            VmSnapshot v = vm(o, p, elapsed, obs.takenAtMillis(), simulatedLoads.get(o.uuid()));
            vms.add(v);
            if (o.state().isActive()) {
                vcpusAllocated += o.vcpus();
                memoryAllocated += o.memoryBytes();
            }
            diskAllocated += Math.max(0, o.diskCapacityBytes());
            networkBytesPerSecond += v.networkReceiveBytesPerSecond() + v.networkTransmitBytesPerSecond();
        }
        vms.sort(Comparator.comparing(VmSnapshot::name));

        long storage = identity.configuredStorageBytes() > 0 ? identity.configuredStorageBytes()
                : Math.max(0, obs.storageCapacityBytes());
        long sequence = previous == null ? 1 : previous.sequence() + 1;
        return new HostSnapshot(identity, uri, obs.hypervisorType(), obs.hypervisorVersion(), obs.libvirtVersion(),
                obs.hostname(), obs.cpuModel(), obs.cpus(), obs.cpuMhz(), obs.memoryBytes(), storage,
                identity.networkBitsPerSecond(), vcpusAllocated, memoryAllocated, diskAllocated,
                round(networkBytesPerSecond * 8, 1), vms, sequence, obs.takenAtMillis(), obs.readNanos(), fencing);
    }

    private static double round(double v, double scale) {
        return Math.rint(v * scale) / scale;
    }

    private static VmSnapshot vm(VmObservation o, VmSnapshot p, long elapsed, long now, Double simulated) {
        boolean running = o.state() == VmState.RUNNING;
        boolean continued = p != null && elapsed > 0 && p.state() == VmState.RUNNING && running;
        double load = 0;
        double diskRead = 0;
        double diskWrite = 0;
        double netRx = 0;
        double netTx = 0;
        double netTxPackets = 0;
        boolean simulatedNow = simulated != null && running;
        long cpuOffset = cpuTimeSimulated(o, p, continued, elapsed, simulatedNow ? simulated : null);
        long cpuTime = o.cpuTimeNanos() < 0 ? o.cpuTimeNanos() : o.cpuTimeNanos() + cpuOffset;
        if (continued) {
            load = Rates.cpuLoad(p.cpuTimeNanos(), cpuTime, elapsed, o.vcpus());
            diskRead = Rates.perSecond(p.diskReadBytes(), o.diskReadBytes(), elapsed);
            diskWrite = Rates.perSecond(p.diskWriteBytes(), o.diskWriteBytes(), elapsed);
            netRx = Rates.perSecond(p.networkReceivedBytes(), o.networkReceivedBytes(), elapsed);
            netTx = Rates.perSecond(p.networkTransmittedBytes(), o.networkTransmittedBytes(), elapsed);
            netTxPackets = Rates.perSecond(p.networkTransmittedPackets(), o.networkTransmittedPackets(), elapsed);
        }
        // Rates to 0.1 unit/s and load to 1e-4: finer digits are noise over a one-second interval,
        // and every digit is paid for in every poll of every VM.
        load = round(load, 1e4);
        diskRead = round(diskRead, 10);
        diskWrite = round(diskWrite, 10);
        netRx = round(netRx, 10);
        netTx = round(netTx, 10);
        netTxPackets = round(netTxPackets, 10);
        if (simulatedNow) {
            load = simulated;
        }
        long since = 0;
        if (running) {
            since = p != null && p.state() == VmState.RUNNING && p.runningSinceMillis() > 0
                    ? p.runningSinceMillis() : now;
        }
        long uptime = running ? Math.max(0, (now - since) / 1000) : 0;
        return new VmSnapshot(o.uuid(), o.name(), o.hypervisorId(), o.state(), o.osType(), o.persistent(),
                o.autostart(), o.application(), o.service(), o.epoch(), o.vcpus(), o.memoryBytes(), o.maxMemoryBytes(),
                cpuTime, load, simulatedNow, cpuOffset, o.diskCapacityBytes(), o.diskReadBytes(), o.diskWriteBytes(),
                o.diskReadRequests(), o.diskWriteRequests(), diskRead, diskWrite, o.networkReceivedBytes(),
                o.networkTransmittedBytes(), o.networkReceivedPackets(), o.networkTransmittedPackets(),
                netRx, netTx, netTxPackets, since, uptime, o.vcpuTimesNanos(), o.disks(), o.nics(), o.forwards());
    }

    /**
     * How far the VM's CPU time is set from the hypervisor's count. While a load is simulated the
     * CPU time advances by that load over the interval (load × vCPUs × elapsed), so that what reads
     * the counter (the manager's cost metering, {@code mr_vm_cpu_seconds}) sees the load that the
     * load ratio shows; libvirt's test driver counts wall-clock time for every VM, whatever its load.
     * Once the simulation ends the difference stays, so the counter never goes back; it is dropped
     * when the VM stops running or its count starts again, as a real counter starts again.
     */
    private static long cpuTimeSimulated(VmObservation o, VmSnapshot p, boolean continued, long elapsed, Double simulated) {
        if (!continued || o.cpuTimeNanos() < 0 || p.cpuTimeNanos() < 0) {
            return 0;
        }
        long measuredBefore = p.cpuTimeNanos() - p.cpuTimeSimulatedNanos();
        if (o.cpuTimeNanos() < measuredBefore) {
            return 0;
        }
        if (simulated == null) {
            return p.cpuTimeSimulatedNanos();
        }
        long simulatedUse = Math.round(simulated * o.vcpus() * elapsed);
        return p.cpuTimeSimulatedNanos() + simulatedUse - (o.cpuTimeNanos() - measuredBefore);
    }
}
