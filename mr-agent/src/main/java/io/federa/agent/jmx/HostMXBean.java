package io.federa.agent.jmx;

/**
 * {@code federa:type=Host}: the physical host, its capacity, what is used, and who it is.
 * Sizes are in bytes, rates per second, times in seconds or epoch milliseconds, as the names say.
 */
public interface HostMXBean {
    String getHostId();

    String getSite();

    boolean isOffsite();

    int getSecurityLevel();

    String[] getRuntimes();

    String getHypervisorUri();

    String getHypervisorType();

    String getHypervisorVersion();

    String getLibvirtVersion();

    String getCpuModel();

    int getCpus();

    int getCpuMhz();

    int getVcpusAllocated();

    /** vCPUs not given to an active VM; negative when overcommitted. */
    int getVcpusFree();

    long getMemoryBytes();

    long getMemoryAllocatedBytes();

    long getMemoryFreeBytes();

    long getStorageBytes();

    long getStorageAllocatedBytes();

    long getStorageFreeBytes();

    long getNetworkBandwidthBitsPerSecond();

    double getNetworkUsedBitsPerSecond();

    String getCostCurrency();

    double getCostPerCpuSecond();

    double getCostPerStorageGiBHour();

    double getCostPerNetworkGB();

    double getCostPerNetworkPacket();

    int getVmCount();

    int getRunningVmCount();

    String getAgentVersion();

    long getAgentUptimeSeconds();

    long getSampleSequence();

    long getSampleTimestampMillis();

    /** Managed VMs powered off for want of a lease since the agent started, as of the sample. */
    long getFencedVms();

    /** The reason of the latest fencing (lease_expired, cut_off, isolated, active_without_lease, agent_start); empty before any. */
    String getLastFenceReason();

    double getSampleDurationSeconds();
}
