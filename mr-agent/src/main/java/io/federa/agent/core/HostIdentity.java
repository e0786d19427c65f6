package io.federa.agent.core;

import java.util.List;
import java.util.Objects;

/** Who a host is and what it offers, as configured by its operator. */
public record HostIdentity(String hostId, String site, boolean offsite, int securityLevel,
                           List<String> runtimes, CostRates costRates, long configuredStorageBytes,
                           long networkBitsPerSecond, String agentVersion, long agentStartedAtMillis) {
    public HostIdentity {
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(costRates, "costRates");
        runtimes = List.copyOf(runtimes);
    }
}
