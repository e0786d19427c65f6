package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What each host costs per hour now: the {@link CostModel} price of every running VM of a defined
 * application on it, at the host's own rates, summed — the price placement compares hosts by,
 * for what they run. VMs of no application (hand-made, third-party) cost nothing here: the model
 * prices what an application reserves. In the host's currency. Pure; the REST API and the SNMP
 * host table read the same figure from it.
 */
public final class HostCosts {
    private HostCosts() {
    }

    /** Per agent that reported a host, its cost per hour; 0 for a host running no application's VM. */
    public static Map<String, Double> perHour(InventorySnapshot inventory, Catalog catalog, double networkLoadRatio) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            if (e.host().isEmpty()) {
                continue;
            }
            double sum = 0;
            for (VmStatus v : e.vms()) {
                ApplicationSpec app = catalog == null ? null : catalog.applications().get(v.application());
                if (app != null && v.running()) {
                    sum += CostModel.costPerHour(e.host().get(), app.resources(), networkLoadRatio);
                }
            }
            out.put(e.agent(), sum);
        }
        return out;
    }
}
