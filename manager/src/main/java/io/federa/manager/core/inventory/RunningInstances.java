package io.federa.manager.core.inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one rule for what counts as a running instance of an application: a VM labelled with the
 * application, RUNNING, on a host whose agent answers. A VM on a host that does not answer does
 * not count, whatever its last poll said: it may have stopped, or been fenced, since. Availability,
 * the reconcile pass, migrations, scaling's load and the metrics all count with this. Pure.
 */
public final class RunningInstances {
    private final Map<String, List<VmStatus>> byApplication;

    private RunningInstances(Map<String, List<VmStatus>> byApplication) {
        this.byApplication = byApplication;
    }

    /** Whether {@code vm}, reported by {@code entry}'s agent, counts as running. */
    public static boolean counts(InventorySnapshot.Entry entry, VmStatus vm) {
        return entry.reachable() && vm.running();
    }

    /** The running instances the inventory shows, by application. */
    public static RunningInstances of(InventorySnapshot inventory) {
        Map<String, List<VmStatus>> by = new HashMap<>();
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            for (VmStatus v : e.vms()) {
                if (counts(e, v)) {
                    by.computeIfAbsent(v.application() == null ? "" : v.application(), k -> new ArrayList<>()).add(v);
                }
            }
        }
        by.replaceAll((k, l) -> List.copyOf(l));
        return new RunningInstances(by);
    }

    /** The application's running VMs, in the inventory's order of agents. */
    public List<VmStatus> of(String application) {
        return byApplication.getOrDefault(application, List.of());
    }

    public int count(String application) {
        return of(application).size();
    }
}
