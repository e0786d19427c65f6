package io.federa.manager.core.inventory;

import java.util.Map;
import java.util.Objects;

/**
 * One VM as last polled, on the host that reported it. Sizes in bytes, rates in bits per second;
 * -1 where the host's agent cannot tell (a third-party host polled over the standard VM-MIB has
 * no network rates, application or service).
 *
 * @param epoch    the placement epoch the manager gave the VM (0: not placed by the manager)
 * @param counters the VM's totals since it started, which cost metering reads ({@link Counters#UNKNOWN}
 *                 where the host's agent does not report them)
 * @param endpoints where the host forwards the guest's ports, by the port's name ({@code 80} for TCP,
 *                 {@code 161/udp}), in order ({@code 127.0.0.1:41999} for {@code 80}); empty where it
 *                 forwards none or cannot tell
 */
public record VmStatus(String name, String uuid, String host, String state, String application, String service,
                       int vcpus, long memoryBytes, long diskBytes, double networkReceiveBitsPerSecond,
                       double networkTransmitBitsPerSecond, double cpuLoadRatio, long uptimeSeconds, long epoch,
                       Counters counters, Map<String, String> endpoints) {
    /**
     * Totals since the VM started, as the hypervisor counts them; -1 where it cannot tell. They go
     * down when the VM (or the hypervisor's count) starts again.
     */
    public record Counters(long cpuTimeNanoseconds, long transmittedBytes, long transmittedPackets) {
        public static final Counters UNKNOWN = new Counters(-1, -1, -1);
    }

    /** Without forwarded ports. */
    public VmStatus(String name, String uuid, String host, String state, String application, String service,
                    int vcpus, long memoryBytes, long diskBytes, double networkReceiveBitsPerSecond,
                    double networkTransmitBitsPerSecond, double cpuLoadRatio, long uptimeSeconds, long epoch, Counters counters) {
        this(name, uuid, host, state, application, service, vcpus, memoryBytes, diskBytes, networkReceiveBitsPerSecond,
                networkTransmitBitsPerSecond, cpuLoadRatio, uptimeSeconds, epoch, counters, Map.of());
    }

    /** Without counters. */
    public VmStatus(String name, String uuid, String host, String state, String application, String service,
                    int vcpus, long memoryBytes, long diskBytes, double networkReceiveBitsPerSecond,
                    double networkTransmitBitsPerSecond, double cpuLoadRatio, long uptimeSeconds, long epoch) {
        this(name, uuid, host, state, application, service, vcpus, memoryBytes, diskBytes, networkReceiveBitsPerSecond,
                networkTransmitBitsPerSecond, cpuLoadRatio, uptimeSeconds, epoch, Counters.UNKNOWN);
    }

    /** A VM the manager did not place (epoch 0), or whose host cannot tell. */
    public VmStatus(String name, String uuid, String host, String state, String application, String service,
                    int vcpus, long memoryBytes, long diskBytes, double networkReceiveBitsPerSecond,
                    double networkTransmitBitsPerSecond, double cpuLoadRatio, long uptimeSeconds) {
        this(name, uuid, host, state, application, service, vcpus, memoryBytes, diskBytes, networkReceiveBitsPerSecond,
                networkTransmitBitsPerSecond, cpuLoadRatio, uptimeSeconds, 0);
    }

    public VmStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(counters, "counters");
        endpoints = endpoints.isEmpty() ? Map.of() : java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(endpoints));
        if (cpuLoadRatio < 0 || cpuLoadRatio > 1 || Double.isNaN(cpuLoadRatio)) {
            throw new IllegalArgumentException("VM " + name + " on " + host + " reports a load of " + cpuLoadRatio);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("VM " + name + " on " + host + " reports epoch " + epoch);
        }
    }

    public boolean running() {
        return "RUNNING".equals(state);
    }
}
