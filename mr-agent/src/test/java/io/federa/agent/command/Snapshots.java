package io.federa.agent.command;

import io.federa.agent.core.CostRates;
import io.federa.agent.core.HostIdentity;
import io.federa.agent.core.HostObservation;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.SnapshotBuilder;
import io.federa.agent.core.VmObservation;
import io.federa.agent.core.VmState;

import java.util.List;
import java.util.Map;

/** Host snapshots built from a few VMs, for tests that only look at names, states and epochs. */
public final class Snapshots {
    private static final HostIdentity IDENTITY = new HostIdentity("host-1", "paris", false, 3, List.of("kvm"),
            new CostRates("EUR", 0.00001, 0.0001, 0.02, 0.0000001), 0, 10_000_000_000L, "test", 0);

    private Snapshots() {
    }

    public static VmObservation vm(String name, VmState state, long epoch) {
        return new VmObservation("uuid-" + name, name, 1, state, "hvm", true, false, 1, 1L << 30, 1L << 30, 0,
                "web", "shop", epoch, 1L << 30, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), List.of());
    }

    public static HostSnapshot host(VmObservation... vms) {
        return SnapshotBuilder.build(IDENTITY, "test:///x", new HostObservation("TEST", "0.0.2", "9.0.0", "node",
                "x86_64", 16, 2400, 64L << 30, -1, 0, List.of(vms), 1_000, 0, 1), null, 0, Map.of());
    }
}
