package io.federa.manager.core.inventory;

import java.util.List;
import java.util.Objects;

/**
 * One host as last polled: identity, capacity, usage and cost, as its agent reports them.
 * Sizes in bytes, bandwidth in bits per second, costs per the named unit in {@code currency}.
 */
public record HostStatus(String hostId, String site, boolean offsite, int securityLevel, List<String> runtimes,
                         int cpus, int vcpusAllocated, long memoryBytes, long memoryAllocatedBytes,
                         long storageBytes, long storageAllocatedBytes, long networkBitsPerSecond,
                         double networkUsedBitsPerSecond, String currency, double costPerCpuSecond,
                         double costPerStorageGiBHour, double costPerNetworkGB, double costPerNetworkPacket,
                         String agentVersion, long sampleTimestampMillis, long fencedVms, String lastFenceReason) {
    public HostStatus {
        Objects.requireNonNull(hostId, "hostId");
        lastFenceReason = lastFenceReason == null ? "" : lastFenceReason;
        if (fencedVms < 0) {
            throw new IllegalArgumentException("negative fenced VMs reported by " + hostId);
        }
        runtimes = List.copyOf(runtimes);
        if (cpus < 0 || memoryBytes < 0 || storageBytes < 0 || networkBitsPerSecond < 0) {
            throw new IllegalArgumentException("negative capacity reported by " + hostId);
        }
    }

    /** A host that tells nothing of fencing (a third-party host, an agent polled over SNMP): none counted. */
    public HostStatus(String hostId, String site, boolean offsite, int securityLevel, List<String> runtimes,
                      int cpus, int vcpusAllocated, long memoryBytes, long memoryAllocatedBytes,
                      long storageBytes, long storageAllocatedBytes, long networkBitsPerSecond,
                      double networkUsedBitsPerSecond, String currency, double costPerCpuSecond,
                      double costPerStorageGiBHour, double costPerNetworkGB, double costPerNetworkPacket,
                      String agentVersion, long sampleTimestampMillis) {
        this(hostId, site, offsite, securityLevel, runtimes, cpus, vcpusAllocated, memoryBytes, memoryAllocatedBytes,
                storageBytes, storageAllocatedBytes, networkBitsPerSecond, networkUsedBitsPerSecond, currency,
                costPerCpuSecond, costPerStorageGiBHour, costPerNetworkGB, costPerNetworkPacket, agentVersion,
                sampleTimestampMillis, 0, "");
    }
}
