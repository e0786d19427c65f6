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
                         String agentVersion, long sampleTimestampMillis) {
    public HostStatus {
        Objects.requireNonNull(hostId, "hostId");
        runtimes = List.copyOf(runtimes);
        if (cpus < 0 || memoryBytes < 0 || storageBytes < 0 || networkBitsPerSecond < 0) {
            throw new IllegalArgumentException("negative capacity reported by " + hostId);
        }
    }
}
