package io.federa.agent.core;

import java.util.List;
import java.util.Objects;

/**
 * What one read of the hypervisor says about one VM: raw counters, no rates. Counters that the
 * hypervisor could not report are -1.
 *
 * @param cpuTimeNanos      CPU time used by all vCPUs since the VM started, in nanoseconds
 * @param diskCapacityBytes the VM's own disks' defined size in bytes
 * @param epoch             the epoch the manager gave the VM (federa metadata), 0 for a VM not managed that way
 * @param vcpuTimesNanos    CPU time of each vCPU, in nanoseconds; empty when the VM is not running
 */
public record VmObservation(String uuid, String name, int hypervisorId, VmState state, String osType,
                            boolean persistent, boolean autostart, int vcpus, long memoryBytes,
                            long maxMemoryBytes, long cpuTimeNanos, String application, String service, long epoch,
                            long diskCapacityBytes, long diskReadBytes, long diskWriteBytes,
                            long diskReadRequests, long diskWriteRequests, long networkReceivedBytes,
                            long networkTransmittedBytes, long networkReceivedPackets,
                            long networkTransmittedPackets, List<Long> vcpuTimesNanos, List<Disk> disks,
                            List<Nic> nics) {
    public VmObservation {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        osType = osType == null ? "" : osType;
        application = application == null ? "" : application;
        service = service == null ? "" : service;
        vcpuTimesNanos = List.copyOf(vcpuTimesNanos);
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
    }

    /**
     * One disk: its target device, its source (a path or volume), format and bus, defined size,
     * and its own I/O totals (-1 when unknown).
     */
    public record Disk(String target, String source, String format, String bus, long capacityBytes,
                       long readRequests, long readBytes, long writeRequests, long writeBytes) {
        public Disk withStats(long rdReq, long rdBytes, long wrReq, long wrBytes) {
            return new Disk(target, source, format, bus, capacityBytes, rdReq, rdBytes, wrReq, wrBytes);
        }
    }

    /** One network interface: its host-side device, MAC address, model and network. */
    public record Nic(String target, String mac, String model, String network) {
    }
}
