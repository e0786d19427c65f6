package io.federa.agent.core;

import java.util.List;

/**
 * One VM as last sampled: identity, state, labels, resources, counters and the rates derived
 * from two successive samples. Immutable.
 *
 * @param epoch              the epoch the manager gave the VM, 0 for a VM not managed that way
 * @param cpuLoadRatio       CPU load, 0 to 1 of the VM's vCPUs (simulated on the test driver when set)
 * @param loadSimulated      whether cpuLoadRatio is a simulated value
 * @param cpuTimeSimulatedNanos how far cpuTimeNanos is from the hypervisor's count: what a simulated
 *                           load added (or took away) since the VM started running, so that the CPU
 *                           time follows the load; 0 when no load was simulated
 * @param runningSinceMillis when the agent saw the VM start running (epoch ms), 0 when not running
 * @param uptimeSeconds      seconds since then, 0 when not running
 * @param forwards           the guest TCP ports forwarded from the host, in guest-port order; empty when none
 */
public record VmSnapshot(String uuid, String name, int hypervisorId, VmState state, String osType,
                         boolean persistent, boolean autostart, String application, String service, long epoch,
                         int vcpus, long memoryBytes, long maxMemoryBytes, long cpuTimeNanos,
                         double cpuLoadRatio, boolean loadSimulated, long cpuTimeSimulatedNanos, long diskCapacityBytes,
                         long diskReadBytes, long diskWriteBytes, long diskReadRequests, long diskWriteRequests,
                         double diskReadBytesPerSecond, double diskWriteBytesPerSecond,
                         long networkReceivedBytes, long networkTransmittedBytes,
                         long networkReceivedPackets, long networkTransmittedPackets,
                         double networkReceiveBytesPerSecond, double networkTransmitBytesPerSecond,
                         double networkTransmitPacketsPerSecond,
                         long runningSinceMillis, long uptimeSeconds, List<Long> vcpuTimesNanos,
                         List<VmObservation.Disk> disks, List<VmObservation.Nic> nics,
                         List<VmObservation.Forward> forwards) {
    public VmSnapshot {
        vcpuTimesNanos = List.copyOf(vcpuTimesNanos);
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
        forwards = forwards == null ? List.of() : List.copyOf(forwards);
    }
}
