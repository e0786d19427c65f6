package io.federa.manager.core.availability;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.probe.ProbeBook;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The instances of applications that an inventory and the probes show, for availability. */
public final class Instances {
    private Instances() {
    }

    /** Every labelled VM, without probes. */
    public static List<InstanceStatus> of(InventorySnapshot inventory) {
        return of(inventory, null, ProbeBook.EMPTY);
    }

    /**
     * Every labelled VM; a VM on a host whose agent does not answer does not count as running. A
     * running VM of an application that {@code catalog} gives a probe carries what the probe last
     * found, or STARTING when it was not probed yet.
     */
    public static List<InstanceStatus> of(InventorySnapshot inventory, Catalog catalog, ProbeBook probes) {
        List<InstanceStatus> out = new ArrayList<>();
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            for (VmStatus v : e.vms()) {
                if (v.application() != null && !v.application().isEmpty()) {
                    boolean counts = RunningInstances.counts(e, v);
                    Optional<InstanceStatus.Probe> probe = Optional.empty();
                    ApplicationSpec app = catalog == null ? null : catalog.applications().get(v.application());
                    if (counts && app != null && app.probe().isPresent()) {
                        probe = Optional.of(probes.instance(v.name()).filter(i -> i.host().equals(v.host()))
                                .map(i -> new InstanceStatus.Probe(i.state(), i.reason()))
                                .orElse(new InstanceStatus.Probe(ProbeBook.State.STARTING,
                                        "starting: " + app.probe().get().describe() + " not asked yet")));
                    }
                    out.add(new InstanceStatus(v.application(), v.name(), v.host(), e.reachable() ? v.state() : "UNKNOWN",
                            e.reachable(), counts, probe));
                }
            }
        }
        return out;
    }
}
