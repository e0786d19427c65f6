package io.federa.agent.core;

import java.util.List;

/**
 * One full read of the hypervisor: the node and every VM it knows, at one moment.
 *
 * @param storageCapacityBytes  total capacity of the hypervisor's storage pools, -1 if it has none
 * @param storageAllocatedBytes what the pools have allocated, -1 if unknown
 * @param takenAtMillis         wall-clock time of the read, epoch milliseconds
 * @param monotonicNanos        a monotonic clock reading at the read, for rates
 * @param readNanos             how long the read took
 */
public record HostObservation(String hypervisorType, String hypervisorVersion, String libvirtVersion,
                              String hostname, String cpuModel, int cpus, int cpuMhz, long memoryBytes,
                              long storageCapacityBytes, long storageAllocatedBytes, List<VmObservation> vms,
                              long takenAtMillis, long monotonicNanos, long readNanos) {
    public HostObservation {
        vms = List.copyOf(vms);
    }
}
