package io.federa.manager.core.lifecycle;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Hosts and their agents as the reconcile loop meets them, for scenario and property tests: each
 * host keeps its VMs as an agent would (define, start, shut down, destroy, undefine, with epochs
 * and a capacity check at start), and the manager sees them only when a host is polled. A pass
 * runs the production {@link Reconciler} over the inventory as last polled and carries its plan
 * out as the lifecycle verticle does: where instances go is recorded first, every step's actions
 * run in order until one is refused, and the step's VM is settled after that time. A killed host
 * answers no poll; its lease runs out {@code leaseMillis} later; revived, its VMs are back shut
 * off (its agent powered them off when its lease ran out).
 */
final class SimulatedFleet {
    /** One host: its identity and capacity. */
    record Host(String id, String site, boolean offsite, int securityLevel, int cpus, long memoryMiB, long storageGiB) {
    }

    /** A VM as its host's agent holds it. */
    record Vm(String name, String application, String service, String state, long epoch, int vcpus, long memoryMiB,
              long diskGiB) {
        Vm with(String newState, long newEpoch) {
            return new Vm(name, application, service, newState, newEpoch, vcpus, memoryMiB, diskGiB);
        }
    }

    private final Map<String, Host> hosts = new LinkedHashMap<>();
    final Map<String, Map<String, Vm>> vms = new TreeMap<>();
    private final Set<String> dead = new HashSet<>();
    InventorySnapshot inventory;
    Catalog catalog;
    /** Orphaned instances to remove with their data, as {@code federa apply --prune} asks. */
    final Set<String> prune = new java.util.HashSet<>();
    final Map<String, DesiredState> desired = new HashMap<>();
    final Map<String, ManagedInstance> instances = new HashMap<>();
    final Map<String, Integer> targets = new HashMap<>();
    private final Map<String, Long> settledAfter = new HashMap<>();
    private final Map<String, Long> fencing = new HashMap<>();
    final PlacementConfig config;
    private final long graceMillis;
    private final long marginMillis;
    private final long leaseMillis;
    /** Every action carried out or refused, in order: "define fe-1@hb1 e1", "start fe-4@hb2 e1 refused: …". */
    final List<String> log = new ArrayList<>();

    SimulatedFleet(List<Host> hostList, Catalog catalog, PlacementConfig config, long graceMillis, long marginMillis,
                   long leaseMillis, long startMillis) {
        List<String> ids = new ArrayList<>();
        for (Host h : hostList) {
            hosts.put(h.id(), h);
            vms.put(h.id(), new TreeMap<>());
            ids.add(h.id());
        }
        this.catalog = catalog;
        this.config = config;
        this.graceMillis = graceMillis;
        this.marginMillis = marginMillis;
        this.leaseMillis = leaseMillis;
        this.inventory = InventorySnapshot.of(ids, startMillis);
    }

    Set<String> hostIds() {
        return hosts.keySet();
    }

    Host host(String id) {
        return hosts.get(id);
    }

    boolean isDead(String host) {
        return dead.contains(host);
    }

    InventorySnapshot inventory() {
        return inventory;
    }

    /** The host's agent is asked; a dead one misses the poll (two misses make it unreachable). */
    void poll(String host, long now) {
        if (dead.contains(host)) {
            inventory = inventory.failed(host, "connection refused", 2, now);
            return;
        }
        Host h = hosts.get(host);
        List<VmStatus> list = new ArrayList<>();
        int vcpus = 0;
        long memory = 0;
        long disk = 0;
        for (Vm v : vms.get(host).values()) {
            list.add(new VmStatus(v.name(), "u-" + v.name(), host, v.state(), v.application(), v.service(), v.vcpus(),
                    v.memoryMiB() << 20, v.diskGiB() << 30, 0, 0, 0, 10, v.epoch()));
            vcpus += v.vcpus();
            memory += v.memoryMiB() << 20;
            disk += v.diskGiB() << 30;
        }
        HostStatus status = new HostStatus(host, h.site(), h.offsite(), h.securityLevel(), List.of("kvm"), h.cpus(), vcpus,
                h.memoryMiB() << 20, memory, h.storageGiB() << 30, disk, 10_000_000_000L, 0, "EUR", 0.00001, 0.01, 0.02, 0,
                "0.1.0", now);
        inventory = inventory.polled(host, status, list, now);
    }

    void pollAll(long now) {
        hosts.keySet().forEach(h -> poll(h, now));
    }

    /** The host stops answering; the lease it holds runs out {@code leaseMillis} later. */
    void kill(String host, long now) {
        dead.add(host);
        fencing.put(host, now + leaseMillis);
    }

    /** The host answers again, its VMs powered off. */
    void revive(String host) {
        dead.remove(host);
        fencing.remove(host);
        vms.get(host).replaceAll((n, v) -> v.with("SHUT_OFF", v.epoch()));
    }

    /** One reconcile pass at {@code now}, carried out at once. */
    Plan pass(long now) {
        Map<String, Long> deadlines = new HashMap<>();
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            if (!e.reachable() && fencing.containsKey(e.agent())) {
                deadlines.put(e.agent(), fencing.get(e.agent()));
            }
        }
        Reconciler.World world = new Reconciler.World(catalog, inventory, desired, instances, Set.of(), deadlines,
                settledAfter, Set.of(), config, graceMillis, marginMillis, now, targets, prune);
        Plan plan = Reconciler.plan(world);
        if (plan.isEmpty() && plan.removed().isEmpty()) {
            return plan;
        }
        plan.placed().forEach(i -> instances.put(i.name(), i));
        plan.removed().forEach(instances::remove);
        plan.removed().forEach(prune::remove);
        for (Plan.Step s : plan.steps()) {
            for (Action a : s.actions()) {
                String refused = carryOut(a);
                String line = a.verb() + " " + a.vm() + "@" + a.host() + " e" + a.epoch();
                log.add(refused == null ? line : line + " refused: " + refused);
                if (refused != null) {
                    break;
                }
            }
            settledAfter.put(s.vm(), now);
        }
        return plan;
    }

    /** What the host's agent does with the command; the reason when it refuses. */
    private String carryOut(Action a) {
        if (dead.contains(a.host())) {
            return "the host does not answer";
        }
        Map<String, Vm> here = vms.get(a.host());
        Vm v = here.get(a.vm());
        if (v != null && a.epoch() < v.epoch()) {
            return "stale epoch " + a.epoch() + " for " + a.vm() + ": this host holds epoch " + v.epoch();
        }
        if (a instanceof Action.Define d) {
            if (v != null && v.state().equals("RUNNING")) {
                return "cannot redefine " + a.vm() + ": it runs here";
            }
            ApplicationSpec app = catalog.applications().get(d.application());
            var r = app == null ? d.resources() : app.resources();
            here.put(a.vm(), new Vm(a.vm(), d.application(), d.service(), "SHUT_OFF", a.epoch(), r.vcpus(), r.memoryMiB(),
                    r.diskGiB()));
        } else if (a instanceof Action.Start) {
            if (v == null) {
                return "no VM named " + a.vm() + " on " + a.host();
            }
            if (!v.state().equals("RUNNING")) {
                Host h = hosts.get(a.host());
                int vcpus = v.vcpus();
                long memory = v.memoryMiB();
                for (Vm o : here.values()) {
                    if (o.state().equals("RUNNING")) {
                        vcpus += o.vcpus();
                        memory += o.memoryMiB();
                    }
                }
                if (vcpus > config.vcpuCapacity(h.cpus()) || memory > h.memoryMiB()) {
                    return "cannot start " + a.vm() + ": " + a.host() + " has not the room";
                }
            }
            here.put(a.vm(), v.with("RUNNING", Math.max(v.epoch(), a.epoch())));
        } else if (a instanceof Action.Shutdown || a instanceof Action.Destroy) {
            if (v != null) {
                here.put(a.vm(), v.with("SHUT_OFF", Math.max(v.epoch(), a.epoch())));
            }
        } else {
            // Undefine, remove.
            if (v != null && v.state().equals("RUNNING")) {
                return "cannot " + a.verb() + " " + a.vm() + ": it is running";
            }
            here.remove(a.vm());
        }
        return null;
    }

    /** Each host's VMs as "name STATE eN", hosts in id order. */
    Map<String, List<String>> vmsByHost() {
        Map<String, List<String>> out = new TreeMap<>();
        vms.forEach((h, m) -> out.put(h, m.values().stream().map(v -> v.name() + " " + v.state() + " e" + v.epoch()).toList()));
        return out;
    }
}
