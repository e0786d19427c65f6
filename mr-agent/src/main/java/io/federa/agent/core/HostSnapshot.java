package io.federa.agent.core;

import java.util.List;
import java.util.Objects;

/**
 * Everything the agent knows about its host at one moment: who the host is, what it has,
 * what is used, and every VM. Every face of the agent (JMX, SNMP, Prometheus) reads the latest
 * snapshot and never calls the hypervisor itself, so they all agree and a reader never sees a
 * half-updated host.
 *
 * @param sequence          increases by one with each sample
 * @param takenAtMillis     when the hypervisor was read, epoch milliseconds
 * @param sampleNanos       how long the read took
 * @param storageBytes      storage capacity: the configured value, else the hypervisor's pools, else 0
 * @param networkBitsPerSecond configured network bandwidth
 */
public record HostSnapshot(HostIdentity identity, String hypervisorUri, String hypervisorType,
                           String hypervisorVersion, String libvirtVersion, String hostname,
                           String cpuModel, int cpus, int cpuMhz, long memoryBytes, long storageBytes,
                           long networkBitsPerSecond, int vcpusAllocated, long memoryAllocatedBytes,
                           long storageAllocatedBytes, double networkUsedBitsPerSecond,
                           List<VmSnapshot> vms, long sequence, long takenAtMillis, long sampleNanos, Fencing fencing) {

    public HostSnapshot {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(fencing, "fencing");
        vms = List.copyOf(vms);
    }

    public VmSnapshot vm(String name) {
        for (VmSnapshot v : vms) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        return null;
    }

    public int runningVms() {
        int n = 0;
        for (VmSnapshot v : vms) {
            if (v.state() == VmState.RUNNING) {
                n++;
            }
        }
        return n;
    }

    public long memoryFreeBytes() {
        return Math.max(0, memoryBytes - memoryAllocatedBytes);
    }

    public long storageFreeBytes() {
        return Math.max(0, storageBytes - storageAllocatedBytes);
    }

    /** vCPUs not yet given to an active VM; negative when the host is overcommitted. */
    public int vcpusFree() {
        return cpus - vcpusAllocated;
    }
}
