package io.federa.agent.jmx;

import io.federa.agent.command.AgentCommands;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmSnapshot;

import java.util.function.Supplier;

/**
 * One VM's MBean. It holds only the VM's name and reads the latest snapshot on each access, so
 * the values of one attribute read are always from one sample.
 */
final class VirtualMachineBean implements VirtualMachineMXBean {
    private final String name;
    private final Supplier<HostSnapshot> snapshot;
    private final AgentCommands commands;

    VirtualMachineBean(String name, Supplier<HostSnapshot> snapshot, AgentCommands commands) {
        this.name = name;
        this.snapshot = snapshot;
        this.commands = commands;
    }

    private VmSnapshot v() {
        VmSnapshot vm = snapshot.get().vm(name);
        if (vm == null) {
            throw new IllegalStateException("VM " + name + " is no longer on this host");
        }
        return vm;
    }

    @Override public String getName() { return name; }
    @Override public String getUuid() { return v().uuid(); }
    @Override public String getState() { return v().state().name(); }
    @Override public String getApplication() { return v().application(); }
    @Override public String getService() { return v().service(); }
    @Override public int getHypervisorId() { return v().hypervisorId(); }
    @Override public String getOsType() { return v().osType(); }
    @Override public boolean isPersistent() { return v().persistent(); }
    @Override public boolean isAutostart() { return v().autostart(); }
    @Override public int getVcpus() { return v().vcpus(); }
    @Override public long getMemoryBytes() { return v().memoryBytes(); }
    @Override public long getMaxMemoryBytes() { return v().maxMemoryBytes(); }
    @Override public long getCpuTimeNanoseconds() { return v().cpuTimeNanos(); }
    @Override public double getCpuLoadRatio() { return v().cpuLoadRatio(); }
    @Override public boolean isLoadSimulated() { return v().loadSimulated(); }
    @Override public long getDiskCapacityBytes() { return v().diskCapacityBytes(); }
    @Override public long getDiskReadBytes() { return v().diskReadBytes(); }
    @Override public long getDiskWriteBytes() { return v().diskWriteBytes(); }
    @Override public long getDiskReadRequests() { return v().diskReadRequests(); }
    @Override public long getDiskWriteRequests() { return v().diskWriteRequests(); }
    @Override public double getDiskReadBytesPerSecond() { return v().diskReadBytesPerSecond(); }
    @Override public double getDiskWriteBytesPerSecond() { return v().diskWriteBytesPerSecond(); }
    @Override public long getNetworkReceivedBytes() { return v().networkReceivedBytes(); }
    @Override public long getNetworkTransmittedBytes() { return v().networkTransmittedBytes(); }
    @Override public long getNetworkReceivedPackets() { return v().networkReceivedPackets(); }
    @Override public long getNetworkTransmittedPackets() { return v().networkTransmittedPackets(); }
    @Override public double getNetworkReceiveBytesPerSecond() { return v().networkReceiveBytesPerSecond(); }
    @Override public double getNetworkTransmitBytesPerSecond() { return v().networkTransmitBytesPerSecond(); }
    @Override public long getUptimeSeconds() { return v().uptimeSeconds(); }

    @Override
    public void simulateLoad(double ratio) {
        JmxErrors.translate(() -> {
            commands.simulateLoad(name, ratio);
            return null;
        });
    }

    @Override
    public void clearSimulatedLoad() {
        JmxErrors.translate(() -> {
            commands.clearSimulatedLoad(name);
            return null;
        });
    }
}
