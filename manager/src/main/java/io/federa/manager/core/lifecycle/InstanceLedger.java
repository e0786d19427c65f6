package io.federa.manager.core.lifecycle;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.placement.InstanceNames;
import io.federa.manager.core.placement.Placed;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the managed instances are, for one pass: the one account of instances that the
 * reconcile pass and placement both read. An instance the manager placed but that the latest
 * poll of its host does not show yet (its define is in flight, or done since the last poll)
 * counts on that host as if it were there: for the host's CPUs, memory, disk and bandwidth, for
 * its application's spread and for what avoids it. Without this, a pass that runs between a
 * define and the next poll sees the host empty and puts a second replica there, or a second
 * replacement on a host that has room for one. Instances on a lost host do not count (they are
 * being placed again), nor do those on a host no agent has reported (placement does not know it).
 *
 * <p>It also says which of two copies of one instance can run — the one running, else one whose
 * host has room for it — and names new instances. Pure: built from values, reads no clock.
 */
public final class InstanceLedger {
    private final Map<String, ManagedInstance> instances;
    private final Set<String> lostAgents;
    private final Catalog catalog;
    /** Instances placed on an answering or waiting host and not shown there: they count as placed. */
    private final Map<String, Placed> unseen = new HashMap<>();
    /** Every VM name some host reports, and every managed instance's name. */
    private final Set<String> names = new HashSet<>();
    private final Map<String, Integer> running = new HashMap<>();
    /** Each reported host's agent entry, and the names of the VMs it lists: one look-up per instance, not a scan of the fleet. */
    private final Map<String, InventorySnapshot.Entry> byHost = new HashMap<>();
    private final Map<String, Set<String>> namesByHost = new HashMap<>();

    private InstanceLedger(Map<String, ManagedInstance> instances, InventorySnapshot inventory, Collection<String> lostAgents,
                           Catalog catalog) {
        this.instances = Map.copyOf(instances);
        this.lostAgents = Set.copyOf(lostAgents);
        this.catalog = catalog;
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            // As InventorySnapshot.agentOfHost: the first agent that reports the host.
            e.host().ifPresent(h -> byHost.putIfAbsent(h.hostId(), e));
            for (VmStatus v : e.vms()) {
                names.add(v.name());
                if (RunningInstances.counts(e, v)) {
                    running.merge(v.application() == null ? "" : v.application(), 1, Integer::sum);
                }
            }
        }
        names.addAll(this.instances.keySet());
        for (ManagedInstance i : this.instances.values()) {
            if (catalog == null || !catalog.applications().containsKey(i.application())) {
                continue;
            }
            InventorySnapshot.Entry entry = byHost.get(i.host());
            if (entry == null || lostAgents.contains(entry.agent())) {
                continue;
            }
            Set<String> listed = namesByHost.computeIfAbsent(i.host(), h -> {
                Set<String> n = new HashSet<>();
                entry.vms().forEach(v -> n.add(v.name()));
                return n;
            });
            if (!listed.contains(i.name())) {
                unseen.put(i.name(), new Placed(i.name(), i.application(), i.host()));
            }
        }
    }

    /**
     * The ledger of one pass.
     *
     * @param lostAgents agents whose hosts are lost: what was placed there is placed again, and counts nowhere
     */
    public static InstanceLedger of(Map<String, ManagedInstance> instances, InventorySnapshot inventory,
                                    Collection<String> lostAgents, Catalog catalog) {
        return new InstanceLedger(instances, inventory, lostAgents, catalog);
    }

    /**
     * The instances placed and not yet seen on their host, sorted by name: what placement must
     * count as already there, before anything this pass places.
     */
    public List<Placed> unseen() {
        List<Placed> out = new ArrayList<>(unseen.values());
        out.sort(Comparator.comparing(Placed::instance));
        return out;
    }

    /** Whether the instance was placed on a host whose latest poll does not show it yet. */
    public boolean isUnseen(String instance) {
        return unseen.containsKey(instance);
    }

    /** VMs of the application running on hosts that answer. */
    public int running(String application) {
        return running.getOrDefault(application, 0);
    }

    /**
     * A name no VM has on any host, no managed instance has and {@code alsoTaken} does not hold:
     * {@code <application>-<n>}, the smallest such n ({@link InstanceNames}).
     */
    public String newName(String application, Set<String> alsoTaken) {
        return newNames(application, 1, alsoTaken).get(0);
    }

    /** The {@code count} names {@link #newName} would give one after another, in one scan. */
    public List<String> newNames(String application, int count, Set<String> alsoTaken) {
        return InstanceNames.next(application, count, name -> names.contains(name) || alsoTaken.contains(name));
    }

    /** Whether some host reports a VM of that name, or some managed instance has it. */
    public boolean taken(String name) {
        return names.contains(name);
    }

    /**
     * How well a copy of an instance can run where it is: 2 when it runs, 1 when its host has the
     * vCPUs (with the overcommit) and memory to start it next to what runs there and what is placed
     * there unseen, 0 otherwise. Two copies of one instance are compared with this: the one that
     * can run is kept.
     */
    public int canRun(VmStatus vm, PlacementConfig config) {
        if (vm.running()) {
            return 2;
        }
        InventorySnapshot.Entry entry = byHost.get(vm.host());
        if (entry == null || !entry.reachable()) {
            return 0;
        }
        HostStatus h = entry.host().orElseThrow();
        long vcpus = Math.max(0, vm.vcpus());
        long memory = Math.max(0, vm.memoryBytes());
        for (VmStatus v : entry.vms()) {
            if (v.running()) {
                vcpus += Math.max(0, v.vcpus());
                memory += Math.max(0, v.memoryBytes());
            }
        }
        for (Placed p : unseen.values()) {
            if (p.host().equals(vm.host()) && !p.instance().equals(vm.name())) {
                var r = catalog.applications().get(p.application()).resources();
                vcpus += r.vcpus();
                memory += r.memoryMiB() << 20;
            }
        }
        return vcpus <= config.vcpuCapacity(h.cpus()) && memory <= h.memoryBytes() ? 1 : 0;
    }

    /**
     * The managed instances whose application no service of the definitions starts any more (the
     * application was removed, or the service that had it was deleted; a service starts its
     * applications, what they depend on and those whose VMs they run in), sorted by name: stopped,
     * and removed with their data only when the operator prunes them.
     */
    public List<ManagedInstance> orphaned() {
        if (catalog == null) {
            // No definitions yet (or none readable): nothing is known to be left out of them.
            return List.of();
        }
        // What a service starts: its applications, what they depend on, and those whose VMs they run in.
        Set<String> inServices = new HashSet<>();
        catalog.services().keySet().forEach(s -> catalog.startOrder(s).forEach(a -> inServices.add(a.name())));
        List<ManagedInstance> out = new ArrayList<>();
        for (ManagedInstance i : instances.values()) {
            if (!inServices.contains(i.application())) {
                out.add(i);
            }
        }
        out.sort(Comparator.comparing(ManagedInstance::name));
        return out;
    }

    /** The lost hosts' agents this ledger leaves out. */
    public Set<String> lostAgents() {
        return lostAgents;
    }
}
