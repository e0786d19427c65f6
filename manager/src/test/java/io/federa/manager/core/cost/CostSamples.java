package io.federa.manager.core.cost;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;

import java.util.List;

/** Hosts and VMs as an agent reports them, for metering tests. */
final class CostSamples {
    static final long GIB = 1L << 30;

    private CostSamples() {
    }

    static HostStatus host(String id, String site, int cpus, long storageBytes, Rates r, long atMillis) {
        return new HostStatus(id, site, false, 1, List.of("kvm"), cpus, 0, 64 * GIB, 0, storageBytes, 0, 1_000_000_000L,
                0, r.currency(), r.perCpuSecond(), r.perStorageGiBHour(), r.perNetworkGB(), r.perNetworkPacket(), "test",
                atMillis);
    }

    static io.federa.manager.core.spec.ApplicationSpec application(String name) {
        return new io.federa.manager.core.spec.ApplicationSpec(name, "kvm",
                new io.federa.manager.core.spec.Resources(1, 512, 10, 0), 1, 1, List.of(),
                new io.federa.manager.core.spec.PlacementRules(io.federa.manager.core.spec.PlacementRules.Spread.HOST,
                        List.of(), false, 0, io.federa.manager.core.spec.PlacementRules.CostPreference.PREFER_CHEAPEST),
                java.util.Optional.empty());
    }

    static VmStatus vm(String name, String host, String application, long diskBytes, long cpuNanos, long txBytes,
                       long txPackets) {
        return new VmStatus(name, name + "-uuid", host, "RUNNING", application, "", 1, GIB, diskBytes, 0, 0, 0, 0, 0,
                new VmStatus.Counters(cpuNanos, txBytes, txPackets));
    }
}
