package io.federa.agent.jmx;

import io.federa.agent.command.AgentCommands;
import io.federa.agent.core.VmSnapshot;


/**
 * One VM's MBean. The publisher hands it the VM's part of each new snapshot, so an attribute read
 * costs a field read (a pattern read of every VM's every attribute must not search the host's VM
 * list once per attribute: with 1,000 VMs that was 30 million comparisons per poll).
 */
final class VirtualMachineBean implements VirtualMachineMXBean {
    private final String name;
    private final AgentCommands commands;
    private volatile VmSnapshot current;

    VirtualMachineBean(VmSnapshot first, AgentCommands commands) {
        this.name = first.name();
        this.current = first;
        this.commands = commands;
    }

    void update(VmSnapshot vm) {
        current = vm;
    }

    private VmSnapshot v() {
        return current;
    }

    // The snapshot's name, equal to the bean's own: SnapshotAttributes moves one bean from VM to VM.
    @Override public String getName() { return v().name(); }
    @Override public String getUuid() { return v().uuid(); }
    @Override public String getState() { return v().state().name(); }
    @Override public String getApplication() { return v().application(); }
    @Override public String getService() { return v().service(); }
    @Override public long getEpoch() { return v().epoch(); }
    @Override public int getVcpus() { return v().vcpus(); }
    @Override public long getMemoryBytes() { return v().memoryBytes(); }
    @Override public long getCpuTimeNanoseconds() { return v().cpuTimeNanos(); }
    @Override public double getCpuLoadRatio() { return v().cpuLoadRatio(); }
    @Override public boolean isLoadSimulated() { return v().loadSimulated(); }
    @Override public long getUptimeSeconds() { return v().uptimeSeconds(); }

    @Override
    public VmDisk getDisk() {
        VmSnapshot v = v();
        return new VmDisk(v.diskCapacityBytes(), v.diskReadBytes(), v.diskWriteBytes(), v.diskReadRequests(),
                v.diskWriteRequests(), v.diskReadBytesPerSecond(), v.diskWriteBytesPerSecond());
    }

    @Override
    public VmNetwork getNetwork() {
        VmSnapshot v = v();
        return new VmNetwork(v.networkReceivedBytes(), v.networkTransmittedBytes(), v.networkReceivedPackets(),
                v.networkTransmittedPackets(), v.networkReceiveBytesPerSecond(), v.networkTransmitBytesPerSecond(),
                v.networkTransmitPacketsPerSecond());
    }

    @Override
    public VmHypervisor getHypervisor() {
        VmSnapshot v = v();
        return new VmHypervisor(v.hypervisorId(), v.osType(), v.persistent(), v.autostart(), v.maxMemoryBytes());
    }

    @Override
    public String getEndpoints() {
        return v().forwards().stream().map(f -> f.guest() + "=" + f.host())
                .collect(java.util.stream.Collectors.joining(","));
    }

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
