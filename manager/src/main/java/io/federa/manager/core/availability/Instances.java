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
     * Every labelled VM, and in it an instance of each application that runs in its application's
     * VMs; a VM on a host whose agent does not answer does not count as running. An instance of an
     * application that {@code catalog} gives a probe carries, while its VM counts, what the probe
     * last found, or STARTING when it was not probed yet.
     */
    public static List<InstanceStatus> of(InventorySnapshot inventory, Catalog catalog, ProbeBook probes) {
        List<InstanceStatus> out = new ArrayList<>();
        java.util.Map<String, List<ApplicationSpec>> hosted = catalog == null ? java.util.Map.of() : catalog.hosted();
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            for (VmStatus v : e.vms()) {
                if (v.application() != null && !v.application().isEmpty()) {
                    ApplicationSpec app = catalog == null ? null : catalog.applications().get(v.application());
                    out.add(instance(e, v, v.application(), app, probes));
                    for (ApplicationSpec h : hosted.getOrDefault(v.application(), List.of())) {
                        out.add(instance(e, v, h.name(), h, probes));
                    }
                }
            }
        }
        return out;
    }

    private static InstanceStatus instance(InventorySnapshot.Entry e, VmStatus v, String application, ApplicationSpec app,
                                           ProbeBook probes) {
        boolean counts = RunningInstances.counts(e, v);
        Optional<InstanceStatus.Probe> probe = Optional.empty();
        if (counts && app != null && app.probe().isPresent()) {
            probe = Optional.of(probes.instance(application, v.name()).filter(i -> i.host().equals(v.host()))
                    .map(i -> new InstanceStatus.Probe(i.state(), i.reason(), i.load(), true))
                    .orElse(new InstanceStatus.Probe(ProbeBook.State.STARTING,
                            "starting: " + app.probe().get().describe() + " not asked yet", java.util.OptionalDouble.empty(), false)));
        }
        return new InstanceStatus(application, v.name(), v.host(), e.reachable() ? v.state() : "UNKNOWN", e.reachable(), counts, probe);
    }
}
