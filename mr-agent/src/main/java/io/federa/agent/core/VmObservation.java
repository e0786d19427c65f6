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
 * @param forwards          the guest TCP ports forwarded from the host, in guest-port order (federa metadata);
 *                          empty when none
 */
public record VmObservation(String uuid, String name, int hypervisorId, VmState state, String osType,
                            boolean persistent, boolean autostart, int vcpus, long memoryBytes,
                            long maxMemoryBytes, long cpuTimeNanos, String application, String service, long epoch,
                            long diskCapacityBytes, long diskReadBytes, long diskWriteBytes,
                            long diskReadRequests, long diskWriteRequests, long networkReceivedBytes,
                            long networkTransmittedBytes, long networkReceivedPackets,
                            long networkTransmittedPackets, List<Long> vcpuTimesNanos, List<Disk> disks,
                            List<Nic> nics, List<Forward> forwards) {
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
        forwards = forwards == null ? List.of() : List.copyOf(forwards);
    }

    /** An observation of a VM that forwards no port. */
    public VmObservation(String uuid, String name, int hypervisorId, VmState state, String osType,
                         boolean persistent, boolean autostart, int vcpus, long memoryBytes,
                         long maxMemoryBytes, long cpuTimeNanos, String application, String service, long epoch,
                         long diskCapacityBytes, long diskReadBytes, long diskWriteBytes,
                         long diskReadRequests, long diskWriteRequests, long networkReceivedBytes,
                         long networkTransmittedBytes, long networkReceivedPackets,
                         long networkTransmittedPackets, List<Long> vcpuTimesNanos, List<Disk> disks,
                         List<Nic> nics) {
        this(uuid, name, hypervisorId, state, osType, persistent, autostart, vcpus, memoryBytes, maxMemoryBytes,
                cpuTimeNanos, application, service, epoch, diskCapacityBytes, diskReadBytes, diskWriteBytes,
                diskReadRequests, diskWriteRequests, networkReceivedBytes, networkTransmittedBytes,
                networkReceivedPackets, networkTransmittedPackets, vcpuTimesNanos, disks, nics, List.of());
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

    /**
     * One guest port reachable on the host: connections (TCP) or datagrams (UDP) to
     * {@code hostAddress:hostPort} reach the guest's {@code guestPort} of the same protocol.
     */
    public record Forward(int guestPort, String hostAddress, int hostPort, boolean udp) {
        /** Guest ports in order: TCP before UDP, then by number. */
        public static final java.util.Comparator<Forward> ORDER =
                java.util.Comparator.comparing(Forward::udp).thenComparingInt(Forward::guestPort);

        public Forward {
            if (guestPort < 1 || guestPort > 65535 || hostPort < 1 || hostPort > 65535) {
                throw new IllegalArgumentException("a port is 1 to 65535: guest " + guestPort + ", host " + hostPort);
            }
            Objects.requireNonNull(hostAddress, "hostAddress");
        }

        /** A TCP port's forward. */
        public Forward(int guestPort, String hostAddress, int hostPort) {
            this(guestPort, hostAddress, hostPort, false);
        }

        /** {@code hostAddress:hostPort}, e.g. {@code 127.0.0.1:41999}. */
        public String host() {
            return hostAddress + ":" + hostPort;
        }

        /** The guest port as the VM's {@code Endpoints} name it: {@code 80} (TCP) or {@code 161/udp}. */
        public String guest() {
            return udp ? guestPort + "/udp" : Integer.toString(guestPort);
        }
    }
}
