package io.federa.manager.core.lifecycle;

import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.PlacementRules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What must hold on every host of a {@link SimulatedFleet} after every pass, read from the hosts'
 * own VMs (defined ones, in any state, whether the manager has polled them or not), independently
 * of the code under test: a host's VMs fit its vCPUs (with the overcommit) and memory, and an
 * application that spreads over hosts has at most one replica on each.
 */
final class SimulatedFleetInvariants {
    private SimulatedFleetInvariants() {
    }

    static List<String> violations(SimulatedFleet fleet) {
        List<String> out = new ArrayList<>();
        for (String id : fleet.hostIds()) {
            if (fleet.isDead(id)) {
                continue;
            }
            SimulatedFleet.Host h = fleet.host(id);
            long vcpus = 0;
            long memory = 0;
            Map<String, List<String>> byApp = new HashMap<>();
            for (SimulatedFleet.Vm v : fleet.vms.get(id).values()) {
                vcpus += v.vcpus();
                memory += v.memoryMiB();
                byApp.computeIfAbsent(v.application(), k -> new ArrayList<>()).add(v.name());
            }
            if (vcpus > fleet.config.vcpuCapacity(h.cpus())) {
                out.add(id + " carries " + vcpus + " vCPUs of " + fleet.config.vcpuCapacity(h.cpus()));
            }
            if (memory > h.memoryMiB()) {
                out.add(id + " carries " + memory + " MiB of " + h.memoryMiB());
            }
            byApp.forEach((app, names) -> {
                ApplicationSpec spec = fleet.catalog.applications().get(app);
                if (spec != null && spec.placement().spreadReplicas() == PlacementRules.Spread.HOST && names.size() > 1) {
                    out.add(id + " carries " + names + " of " + app + ", which spreads over hosts");
                }
            });
        }
        return out;
    }
}
