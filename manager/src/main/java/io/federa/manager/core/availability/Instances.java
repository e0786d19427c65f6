package io.federa.manager.core.availability;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.inventory.VmStatus;

import java.util.ArrayList;
import java.util.List;

/** The instances of applications that an inventory shows, for availability. */
public final class Instances {
    private Instances() {
    }

    /** Every labelled VM; a VM on a host whose agent does not answer does not count as running. */
    public static List<InstanceStatus> of(InventorySnapshot inventory) {
        List<InstanceStatus> out = new ArrayList<>();
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            for (VmStatus v : e.vms()) {
                if (v.application() != null && !v.application().isEmpty()) {
                    out.add(new InstanceStatus(v.application(), v.name(), v.host(), e.reachable() ? v.state() : "UNKNOWN",
                            e.reachable(), RunningInstances.counts(e, v)));
                }
            }
        }
        return out;
    }
}
