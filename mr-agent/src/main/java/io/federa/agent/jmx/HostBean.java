package io.federa.agent.jmx;

import io.federa.agent.core.HostSnapshot;

import java.util.function.Supplier;

/** Reads every attribute from the latest snapshot: no attribute ever calls the hypervisor. */
final class HostBean implements HostMXBean {
    private final Supplier<HostSnapshot> snapshot;
    private final Supplier<Long> clock;

    HostBean(Supplier<HostSnapshot> snapshot, Supplier<Long> clock) {
        this.snapshot = snapshot;
        this.clock = clock;
    }

    private HostSnapshot s() {
        return snapshot.get();
    }

    @Override public String getHostId() { return s().identity().hostId(); }
    @Override public String getSite() { return s().identity().site(); }
    @Override public boolean isOffsite() { return s().identity().offsite(); }
    @Override public int getSecurityLevel() { return s().identity().securityLevel(); }
    @Override public String[] getRuntimes() { return s().identity().runtimes().toArray(String[]::new); }
    @Override public String getHypervisorUri() { return s().hypervisorUri(); }
    @Override public String getHypervisorType() { return s().hypervisorType(); }
    @Override public String getHypervisorVersion() { return s().hypervisorVersion(); }
    @Override public String getLibvirtVersion() { return s().libvirtVersion(); }
    @Override public String getCpuModel() { return s().cpuModel(); }
    @Override public int getCpus() { return s().cpus(); }
    @Override public int getCpuMhz() { return s().cpuMhz(); }
    @Override public int getVcpusAllocated() { return s().vcpusAllocated(); }
    @Override public int getVcpusFree() { return s().vcpusFree(); }
    @Override public long getMemoryBytes() { return s().memoryBytes(); }
    @Override public long getMemoryAllocatedBytes() { return s().memoryAllocatedBytes(); }
    @Override public long getMemoryFreeBytes() { return s().memoryFreeBytes(); }
    @Override public long getStorageBytes() { return s().storageBytes(); }
    @Override public long getStorageAllocatedBytes() { return s().storageAllocatedBytes(); }
    @Override public long getStorageFreeBytes() { return s().storageFreeBytes(); }
    @Override public long getNetworkBandwidthBitsPerSecond() { return s().networkBitsPerSecond(); }
    @Override public double getNetworkUsedBitsPerSecond() { return s().networkUsedBitsPerSecond(); }
    @Override public String getCostCurrency() { return s().identity().costRates().currency(); }
    @Override public double getCostPerCpuSecond() { return s().identity().costRates().perCpuSecond(); }
    @Override public double getCostPerStorageGiBHour() { return s().identity().costRates().perStorageGiBHour(); }
    @Override public double getCostPerNetworkGB() { return s().identity().costRates().perNetworkGB(); }
    @Override public double getCostPerNetworkPacket() { return s().identity().costRates().perNetworkPacket(); }
    @Override public int getVmCount() { return s().vms().size(); }
    @Override public int getRunningVmCount() { return s().runningVms(); }
    @Override public String getAgentVersion() { return s().identity().agentVersion(); }
    @Override public long getAgentUptimeSeconds() { return (clock.get() - s().identity().agentStartedAtMillis()) / 1000; }
    @Override public long getSampleSequence() { return s().sequence(); }
    @Override public long getSampleTimestampMillis() { return s().takenAtMillis(); }
    @Override public long getFencedVms() { return s().fencing().vms(); }
    @Override public String getLastFenceReason() { return s().fencing().lastReason(); }
    @Override public double getSampleDurationSeconds() { return s().sampleNanos() / 1e9; }
}
