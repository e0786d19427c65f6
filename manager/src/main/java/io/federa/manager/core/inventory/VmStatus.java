package io.federa.manager.core.inventory;

import java.util.Objects;

/**
 * One VM as last polled, on the host that reported it. Sizes in bytes, rates in bits per second;
 * -1 where the host's agent cannot tell (a third-party host polled over the standard VM-MIB has
 * no network rates, application or service).
 */
public record VmStatus(String name, String uuid, String host, String state, String application, String service,
                       int vcpus, long memoryBytes, long diskBytes, double networkReceiveBitsPerSecond,
                       double networkTransmitBitsPerSecond, double cpuLoadRatio, long uptimeSeconds) {
    public VmStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        if (cpuLoadRatio < 0 || cpuLoadRatio > 1 || Double.isNaN(cpuLoadRatio)) {
            throw new IllegalArgumentException("VM " + name + " on " + host + " reports a load of " + cpuLoadRatio);
        }
    }

    public boolean running() {
        return "RUNNING".equals(state);
    }
}
