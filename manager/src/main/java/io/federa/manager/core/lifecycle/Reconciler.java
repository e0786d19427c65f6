package io.federa.manager.core.lifecycle;

import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.placement.Outcome;
import io.federa.manager.core.placement.Placed;
import io.federa.manager.core.placement.Placement;
import io.federa.manager.core.placement.Planned;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.placement.PlacementRequest;
import io.federa.manager.core.probe.ProbeBook;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The level-triggered heart of the lifecycle: compares what operators asked (services STARTED or
 * STOPPED, the instances the manager placed) with what the inventory shows, and says what to do
 * now. VMs already labelled with a started service's application, which the manager did not place,
 * are taken over (up to the replicas wanted) rather than duplicated. Pure: the same world gives the same plan, and a world in which the last plan's effects are
 * visible gives an empty one.
 *
 * <p>For a started service, applications are taken in start order; one whose dependencies do not
 * each have {@code minAvailable} instances running waits, so a service comes up dependency by
 * dependency over successive passes. An instance whose VM is shut off is started; a missing one
 * is placed by the {@link Placement} chain, defined and started (epoch 1). An instance whose host
 * is lost — unreachable longer than the grace period and past its fencing deadline, by which it
 * cannot be running VMs any more (core.lease) — is placed again elsewhere under the same name with the next epoch; until then it
 * waits. A copy of an instance found on a host that is not the instance's (a host that came back)
 * is destroyed and undefined, with the instance's newer epoch. For a stopped service, applications
 * stop in reverse start order, each once no application of the service that depends on it runs;
 * applications another started service uses keep running. An application with more instances
 * than it wants sheds the newest, dependants first and never below {@code minAvailable} running;
 * the instances of an application in no service are stopped, and removed with their data only
 * when the operator prunes them (docs/lifecycle.md, "Asking for less").
 *
 * <p>A VM with an action in flight, or whose last action's effect the inventory cannot yet show
 * (its agent has not been polled since), is left alone: that is what makes a second pass over the
 * same snapshot empty, and retries rare. Retried actions are harmless anyway: agents do the work
 * of one operation id once.
 */
public final class Reconciler {
    /**
     * Everything a pass looks at.
     *
     * @param fencingDeadlines per agent: when its VMs may run elsewhere, before the margin — the end
     *                       of any lease it may hold, and of any grant its peers may give it once a
     *                       majority of the fleet was renewed past it; an agent without one waits
     * @param settledAfter   per VM: the time after which the inventory shows its last action's effect
     * @param busy           VMs with an action in flight
     * @param prune          orphaned instances the operator asked to remove with their data
     *                       ({@code federa apply --prune}); the other orphans are only stopped
     * @param probes         what the applications' probes found: an application waits until each one it
     *                       depends on has {@code minAvailable} instances serving, and an instance whose
     *                       probes call for a restart is shut down and started again
     */
    public record World(Catalog catalog, InventorySnapshot inventory, Map<String, DesiredState> desired,
                        Map<String, ManagedInstance> instances, Set<String> cordoned, Map<String, Long> fencingDeadlines,
                        Map<String, Long> settledAfter, Set<String> busy, PlacementConfig placement,
                        long graceMillis, long leaseMarginMillis, long nowMillis, Map<String, Integer> targets,
                        Set<String> prune, ProbeBook probes) {
        public World {
            java.util.Objects.requireNonNull(probes, "probes");
            desired = Map.copyOf(desired);
            instances = Map.copyOf(instances);
            cordoned = Set.copyOf(cordoned);
            fencingDeadlines = Map.copyOf(fencingDeadlines);
            settledAfter = Map.copyOf(settledAfter);
            busy = Set.copyOf(busy);
            targets = Map.copyOf(targets);
            prune = Set.copyOf(prune);
        }

        /** No probes. */
        public World(Catalog catalog, InventorySnapshot inventory, Map<String, DesiredState> desired,
                     Map<String, ManagedInstance> instances, Set<String> cordoned, Map<String, Long> fencingDeadlines,
                     Map<String, Long> settledAfter, Set<String> busy, PlacementConfig placement,
                     long graceMillis, long leaseMarginMillis, long nowMillis, Map<String, Integer> targets, Set<String> prune) {
            this(catalog, inventory, desired, instances, cordoned, fencingDeadlines, settledAfter, busy, placement, graceMillis,
                    leaseMarginMillis, nowMillis, targets, prune, ProbeBook.EMPTY);
        }

        /** Nothing to prune. */
        public World(Catalog catalog, InventorySnapshot inventory, Map<String, DesiredState> desired,
                     Map<String, ManagedInstance> instances, Set<String> cordoned, Map<String, Long> fencingDeadlines,
                     Map<String, Long> settledAfter, Set<String> busy, PlacementConfig placement,
                     long graceMillis, long leaseMarginMillis, long nowMillis, Map<String, Integer> targets) {
            this(catalog, inventory, desired, instances, cordoned, fencingDeadlines, settledAfter, busy, placement, graceMillis,
                    leaseMarginMillis, nowMillis, targets, Set.of());
        }

        /** Every application wants its replicas (no scaling decision in force). */
        public World(Catalog catalog, InventorySnapshot inventory, Map<String, DesiredState> desired,
                     Map<String, ManagedInstance> instances, Set<String> cordoned, Map<String, Long> fencingDeadlines,
                     Map<String, Long> settledAfter, Set<String> busy, PlacementConfig placement,
                     long graceMillis, long leaseMarginMillis, long nowMillis) {
            this(catalog, inventory, desired, instances, cordoned, fencingDeadlines, settledAfter, busy, placement, graceMillis,
                    leaseMarginMillis, nowMillis, Map.of());
        }
    }

    private enum HostState { UP, WAIT, LOST }

    /**
     * Whether the probes call for restarting this running VM: a restart is due for the very run
     * of the VM that the inventory shows (one started again since, not probed yet, is left alone).
     */
    private boolean restartDue(String vm, InventorySnapshot.Entry entry, VmStatus status) {
        ProbeBook.Due due = restarts().get(vm);
        return due != null && ProbeBook.sameRun(
                entry.health().lastSuccessMillis() - status.uptimeSeconds() * 1000, due.vmStartedMillis());
    }

    private final World w;
    private final List<Plan.Step> steps = new ArrayList<>();
    private final List<Plan.Wait> waiting = new ArrayList<>();
    private final List<Outcome.Unschedulable> unschedulable = new ArrayList<>();
    private final List<ManagedInstance> placed = new ArrayList<>();
    private final List<String> removed = new ArrayList<>();
    private final Set<String> reducing = new HashSet<>();
    /** What this pass placed so far, and the instances placed and not yet seen (set by {@link #look}). */
    private Planned planned;
    private final Map<String, List<VmStatus>> vmsByApp = new HashMap<>();
    private final Map<String, VmStatus> vmOnHost = new HashMap<>();
    private final Set<String> lostAgents = new HashSet<>();
    /** The instances as this pass sees them: the world's, with the copies it keeps instead (see {@link #keepCopiesThatRun}). */
    private final Map<String, ManagedInstance> instances = new HashMap<>();
    /** Instances whose copy on another host this pass keeps: started there, nothing else done to them. */
    private final Set<String> kept = new HashSet<>();
    private InstanceLedger ledger;
    private Placement engine;

    private Reconciler(World w) {
        this.w = w;
    }

    public static Plan plan(World world) {
        return new Reconciler(world).run();
    }

    /**
     * One missing instance as a start would place it now: the request, what the same pass had
     * placed before it, and the outcome. {@link #verdicts} gives every host's verdict for it, over
     * the same engine and plan.
     */
    public record Previewed(PlacementRequest request, int plannedBefore, Outcome outcome) {
    }

    /**
     * What {@link #preview} found, with the engine it placed with and what it placed, in order
     * (each previewed instance saw the first {@link Previewed#plannedBefore} of them).
     */
    public record Preview(Placement engine, List<Previewed> instances, List<Placed> planned) {
        public Preview {
            instances = List.copyOf(instances);
            planned = List.copyOf(planned);
        }

        /** Every host's verdict for one previewed instance: its refusals, or its score. */
        public List<io.federa.manager.core.placement.HostVerdict> verdicts(Previewed p) {
            return engine.explain(p.request(), planned.subList(0, p.plannedBefore()));
        }
    }

    /**
     * Where a start of the service would place its missing instances now (of every application,
     * in start order, each seeing those before it): the same ledger, names, wanted counts and
     * plan as a pass, without waiting for dependencies to run first. What {@code federa explain}
     * shows before a start, and what {@link #unplaceable} checks: one path, so the preview and the
     * start agree. Empty when the service is not defined.
     */
    public static Preview preview(World world, String service) {
        Reconciler r = new Reconciler(world);
        if (world.catalog() == null || !world.catalog().services().containsKey(service)) {
            return new Preview(null, List.of(), List.of());
        }
        r.look();
        List<Previewed> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> done = new HashSet<>();
        for (ApplicationSpec app : world.catalog().startOrder(service)) {
            // One that runs in another's VMs has none to place.
            if (app.hosted() || !done.add(app.name())) {
                continue;
            }
            int count = 0;
            for (ManagedInstance i : r.instances.values()) {
                if (i.application().equals(app.name())) {
                    names.add(i.name());
                    count++;
                }
            }
            count += r.unmanaged(service, app, names).size();
            for (String name : r.ledger.newNames(app.name(), Math.max(0, r.wanted(app) - count), names)) {
                names.add(name);
                PlacementRequest request = new PlacementRequest(app.name(), name);
                int before = r.planned.size();
                Outcome o = r.engine.place(request, r.planned);
                if (o instanceof Outcome.Fits f) {
                    r.planned.add(f.placed());
                }
                out.add(new Previewed(request, before, o));
            }
        }
        return new Preview(r.engine, out, r.planned.list());
    }

    /**
     * The instances of a service that would fit on no host if it were started now: those of
     * {@link #preview} that do not fit. Empty when all fit (or nothing is missing), and while some
     * agent has never answered (its host, unknown yet, may have the room). For {@code federa start}
     * to fail at once rather than after its timeout; the passes decide as before.
     */
    public static List<Outcome> unplaceable(World world, String service) {
        if (world.inventory().agents().values().stream().anyMatch(e -> e.host().isEmpty())) {
            return List.of();
        }
        return preview(world, service).instances().stream().map(Previewed::outcome)
                .filter(o -> !(o instanceof Outcome.Fits)).toList();
    }

    /**
     * The applications that started services run: a stopped service's application among them
     * keeps running for the others.
     */
    public static Set<String> keptRunning(Catalog catalog, Map<String, DesiredState> desired) {
        Set<String> keep = new HashSet<>();
        if (catalog == null) {
            return keep;
        }
        for (String service : catalog.services().keySet()) {
            if (desired.get(service) == DesiredState.STARTED) {
                catalog.startOrder(service).forEach(a -> keep.add(a.name()));
            }
        }
        return keep;
    }

    private Plan run() {
        if (w.catalog() == null) {
            return new Plan(List.of(), List.of(), List.of(), List.of(), List.of());
        }
        look();
        keepCopiesThatRun();

        Set<String> keep = keptRunning(w.catalog(), w.desired());
        Set<String> done = new HashSet<>();
        for (String service : w.catalog().services().keySet()) {
            if (w.desired().get(service) == DesiredState.STARTED) {
                for (ApplicationSpec app : w.catalog().startOrder(service)) {
                    if (done.add(app.name())) {
                        keepRunning(service, app);
                    }
                }
            }
        }
        dropStaleCopies();
        for (String service : w.catalog().services().keySet()) {
            if (w.desired().get(service) == DesiredState.STOPPED) {
                stop(service, keep);
            }
        }
        orphans();
        return new Plan(steps, waiting, unschedulable, placed, removed, reducing);
    }

    /** What every pass (and the start check) sees first: lost hosts, VMs by host, the engine and the ledger. */
    private void look() {
        for (InventorySnapshot.Entry e : w.inventory().agents().values()) {
            if (hostState(e) == HostState.LOST) {
                lostAgents.add(e.agent());
            }
            if (!e.reachable()) {
                continue;
            }
            for (VmStatus v : e.vms()) {
                vmOnHost.put(v.host() + "/" + v.name(), v);
                if (v.running()) {
                    vmsByApp.computeIfAbsent(v.application(), k -> new ArrayList<>()).add(v);
                }
            }
        }
        // The lost hosts' VMs are forgotten for placement: their names can be given again, and
        // their resources do not count against the hosts that take them over.
        engine = Placement.of(w.inventory().withoutVmsOf(lostAgents), w.cordoned(), w.catalog(), w.placement());
        // Instances placed but not in the latest poll of their host count there before anything
        // this pass places: a pass between a define and the next poll must not see the host empty.
        ledger = InstanceLedger.of(w.instances(), w.inventory(), lostAgents, w.catalog());
        planned = engine.planned(ledger.unseen());
        instances.putAll(w.instances());
    }

    /** The instances an application wants now ({@link Headcount#wanted}: its scaling target, else its replicas). */
    private int wanted(ApplicationSpec app) {
        return Headcount.wanted(app, w.targets());
    }

    /**
     * VMs labelled for this application and service that the manager did not place (epoch 0), on
     * hosts that answer, not among {@code names}: taken over rather than duplicated. Sorted by name, then host.
     */
    private List<VmStatus> unmanaged(String service, ApplicationSpec app, Set<String> names) {
        List<VmStatus> out = new ArrayList<>();
        for (InventorySnapshot.Entry e : w.inventory().agents().values()) {
            if (e.reachable()) {
                e.vms().stream().filter(v -> v.epoch() == 0 && v.application().equals(app.name()) && v.service().equals(service)
                        && !instances.containsKey(v.name()) && !names.contains(v.name())).forEach(out::add);
            }
        }
        out.sort(Comparator.comparing(VmStatus::name).thenComparing(VmStatus::host));
        return out;
    }

    /** The number at the end of an instance's name ({@code web-12} → 12), 0 without one. */
    private static int number(String name) {
        int dash = name.lastIndexOf('-');
        try {
            return dash < 0 ? 0 : Integer.parseInt(name.substring(dash + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private HostState hostState(InventorySnapshot.Entry e) {
        if (e.reachable()) {
            return HostState.UP;
        }
        AgentHealth h = e.health();
        if (h.state() != AgentHealth.State.UNREACHABLE) {
            return HostState.WAIT;
        }
        Long deadline = w.fencingDeadlines().get(e.agent());
        return deadline != null && w.nowMillis() - h.sinceMillis() >= w.graceMillis()
                && w.nowMillis() >= deadline + w.leaseMarginMillis() ? HostState.LOST : HostState.WAIT;
    }

    private Optional<InventorySnapshot.Entry> entryOf(String host) {
        return w.inventory().agentOfHost(host);
    }

    /**
     * The state of a host no agent has reported yet. Agents that have never answered since the
     * manager started have not said which host they serve, and the host may be one of theirs: it
     * waits while any of them may still hold a lease (the grace period and the lease a previous
     * manager may have granted), and is lost only once none can, or when every agent has said
     * which host it serves and none is this one.
     */
    private HostState unreported() {
        HostState worst = HostState.LOST;
        for (InventorySnapshot.Entry e : w.inventory().agents().values()) {
            if (e.host().isEmpty() && hostState(e) != HostState.LOST) {
                worst = HostState.WAIT;
            }
        }
        return worst;
    }

    /** The state of the host an instance was put on: its agent's, or that of a host no agent has reported yet. */
    private HostState stateOfHost(Optional<InventorySnapshot.Entry> entry) {
        return entry.map(this::hostState).orElseGet(this::unreported);
    }

    private int running(String app) {
        return ledger.running(app);
    }

    private Map<String, ProbeBook.Due> restartsDue;
    /** Applications one of whose VMs this pass restarts. */
    private final Set<String> restartedThisPass = new HashSet<>();

    /**
     * Why no other VM of {@code app} may be restarted now, or null: one is restarted by this pass,
     * one has a command in flight, or one was started and has not answered its probes yet (within
     * its start grace). A probe that fails everywhere at once — a wrong path, a dependency down —
     * then restarts the application's VMs one at a time, each given its grace, never all together.
     */
    private String restarting(ApplicationSpec app, List<ManagedInstance> mine) {
        if (restartedThisPass.contains(app.name())) {
            return "another VM of " + app.name() + " is restarted by this pass";
        }
        List<String> apps = new ArrayList<>();
        apps.add(app.name());
        w.catalog().hostedIn(app.name()).forEach(h -> apps.add(h.name()));
        for (ManagedInstance o : mine) {
            if (w.busy().contains(o.name())) {
                return o.name() + " has a command in flight";
            }
            for (String a : apps) {
                Optional<ProbeBook.Instance> p = w.probes().instance(a, o.name());
                if (p.isPresent() && p.get().host().equals(o.host()) && p.get().state() == ProbeBook.State.STARTING) {
                    return o.name() + " was started and has not answered yet";
                }
            }
        }
        return null;
    }

    private Map<String, ProbeBook.Due> restarts() {
        if (restartsDue == null) {
            restartsDue = w.probes().restartsDue();
        }
        return restartsDue;
    }

    /**
     * Instances of the application that serve: running and, where it has a probe, serving by
     * their last probe. What an application that depends on it waits for.
     */
    private int serving(String app) {
        ApplicationSpec spec = w.catalog().applications().get(app);
        if (spec == null || spec.probe().isEmpty()) {
            return running(app);
        }
        // One that runs in another's VMs: its instances are in that one's running VMs.
        return (int) vmsByApp.getOrDefault(spec.vmsOf(), List.of()).stream().filter(v -> w.probes().instance(app, v.name())
                .filter(i -> i.host().equals(v.host()) && i.serving()).isPresent()).count();
    }

    /**
     * The VM's last action is visible in the inventory, or its host is lost (it will never show
     * it, and can run nothing any more), and none is in flight. Without the second, an instance
     * whose define went to a host that died before its next poll was never placed again.
     */
    private boolean settled(String vm, Optional<InventorySnapshot.Entry> entry) {
        if (w.busy().contains(vm)) {
            return false;
        }
        Long after = w.settledAfter().get(vm);
        return after == null || entry.map(e -> e.health().lastSuccessMillis() > after || lostAgents.contains(e.agent())).orElse(true);
    }

    private void keepRunning(String service, ApplicationSpec app) {
        for (String dep : app.dependsOn()) {
            ApplicationSpec d = w.catalog().applications().get(dep);
            int serving = serving(dep);
            if (serving < d.minAvailable()) {
                waiting.add(new Plan.Wait(app.name(), app.name(), Plan.WaitKind.DEPENDENCY, app.name() + " waits for " + dep + ": "
                        + serving + " of " + d.minAvailable() + " needed instances " + (d.probe().isPresent() ? "serving (by its probe)" : "running")));
                return;
            }
        }
        if (app.hosted()) {
            // Its instances are the VMs of the application it runs in, which that one keeps running.
            return;
        }
        int want = wanted(app);
        List<ManagedInstance> mine = instances.values().stream().filter(i -> i.application().equals(app.name()))
                .sorted(Comparator.comparing(ManagedInstance::name)).toList();
        if (mine.size() > want) {
            mine = reduce(service, app, mine, want);
        }
        Set<String> names = new HashSet<>();
        for (ManagedInstance i : mine) {
            names.add(i.name());
            Optional<InventorySnapshot.Entry> entry = entryOf(i.host());
            if (!settled(i.name(), entry) || kept.contains(i.name())) {
                continue;
            }
            HostState hs = stateOfHost(entry);
            if (hs == HostState.WAIT) {
                waiting.add(new Plan.Wait(i.application(), i.name(), Plan.WaitKind.HOST_UNREACHABLE, entry.isPresent()
                        ? i.name() + " on " + i.host() + ": host unreachable since " + Instant.ofEpochMilli(entry.get().health().sinceMillis())
                                + (w.fencingDeadlines().containsKey(entry.get().agent())
                                ? "; placed again once the grace period and its fencing deadline have passed"
                                : "; placed again only once a majority of the fleet has been renewed since, and its fencing deadline has passed")
                        : i.name() + " on " + i.host() + ": no agent has reported " + i.host() + " since the manager started; placed"
                                + " again only once every silent agent's grace period and lease have run out"));
                continue;
            }
            VmStatus vm = hs == HostState.UP ? vmOnHost.get(i.host() + "/" + i.name()) : null;
            if (vm == null) {
                // Lost with its host, or gone from a host that answers: placed again, next epoch.
                String why = hs == HostState.LOST ? "host " + i.host() + " lost" : i.name() + " is gone from " + i.host();
                place(service, app, i.name(), i.epoch() + 1, why);
            } else if (!vm.running()) {
                steps.add(new Plan.Step(i.name(), service, app.name(), "start " + app.name() + " (" + vm.state() + ")",
                        List.of(new Action.Start(i.name(), i.host(), i.epoch()))));
            } else if (restartDue(i.name(), entry.get(), vm)) {
                String other = restarting(app, mine);
                if (other != null) {
                    waiting.add(new Plan.Wait(app.name(), i.name(), Plan.WaitKind.RESTART, i.name() + " is due a restart ("
                            + restarts().get(i.name()).reason() + ") and waits: " + other + " (one VM of an application restarted at a time)"));
                } else {
                    restartedThisPass.add(app.name());
                    steps.add(new Plan.Step(i.name(), service, app.name(), "restart " + restarts().get(i.name()).reason(),
                            List.of(new Action.Shutdown(i.name(), i.host(), i.epoch()), new Action.Start(i.name(), i.host(), i.epoch()))));
                }
            }
        }
        // VMs already labelled for this application and service but not placed by the manager
        // (epoch 0) are taken over, up to the replicas wanted: started with epoch 1, which puts
        // them under the lease like any other.
        int count = mine.size();
        for (VmStatus v : unmanaged(service, app, names)) {
            if (count >= want || names.contains(v.name())) {
                continue;
            }
            names.add(v.name());
            count++;
            if (!settled(v.name(), entryOf(v.host()))) {
                continue;
            }
            placed.add(new ManagedInstance(v.name(), app.name(), service, v.host(), 1));
            planned.add(new Placed(v.name(), app.name(), v.host()));
            steps.add(new Plan.Step(v.name(), service, app.name(), "taken over on " + v.host() + " (" + v.state() + ")",
                    List.of(new Action.Start(v.name(), v.host(), 1))));
        }
        int k = count;
        for (String name : ledger.newNames(app.name(), Math.max(0, want - count), names)) {
            names.add(name);
            place(service, app, name, 1, "new instance " + (++k) + " of " + want);
        }
    }

    /**
     * More instances than wanted (replicas lowered, or scaled in): the newest (highest numbers)
     * are shut down and undefined, the rest kept. Never before the application's dependants in the
     * service have shed their own extra instances (reverse dependency order), and never a running
     * one that would leave fewer than {@code minAvailable} running (a kept instance that is shut
     * off is started first, by this same pass). Returns the instances kept.
     */
    private List<ManagedInstance> reduce(String service, ApplicationSpec app, List<ManagedInstance> mine, int want) {
        reducing.add(service);
        List<ManagedInstance> byNumber = new ArrayList<>(mine);
        byNumber.sort(Comparator.comparingInt((ManagedInstance i) -> number(i.name())).thenComparing(ManagedInstance::name));
        List<ManagedInstance> keep = byNumber.subList(0, want).stream().sorted(Comparator.comparing(ManagedInstance::name)).toList();
        List<String> dependants = new ArrayList<>();
        for (ApplicationSpec other : w.catalog().startOrder(service)) {
            if (other.dependsOn().contains(app.name()) && count(other.name()) > wanted(other)) {
                dependants.add(other.name());
            }
        }
        String why = w.targets().containsKey(app.name()) ? "scaled in to " + want + " instances"
                : "replicas lowered to " + want;
        if (!dependants.isEmpty()) {
            java.util.Collections.sort(dependants);
            waiting.add(new Plan.Wait(app.name(), app.name(), Plan.WaitKind.DEPENDANTS_RUNNING, app.name() + " sheds its extra instances ("
                    + why + ") after " + String.join(", ", dependants)));
            return keep;
        }
        Headcount count = new Headcount(app.name(), running(app.name()), want, app.minAvailable());
        for (ManagedInstance extra : byNumber.subList(want, byNumber.size())) {
            Optional<InventorySnapshot.Entry> entry = entryOf(extra.host());
            if (!settled(extra.name(), entry) || stateOfHost(entry) != HostState.UP) {
                continue;
            }
            VmStatus vm = vmOnHost.get(extra.host() + "/" + extra.name());
            List<Action> actions = new ArrayList<>();
            if (vm != null && vm.running()) {
                if (!count.canStopOne()) {
                    waiting.add(new Plan.Wait(app.name(), extra.name(), Plan.WaitKind.MIN_AVAILABLE, extra.name() + " stops once "
                            + app.name() + " has " + count.floor() + " other instances running (" + (count.running() - 1) + " now)"));
                    continue;
                }
                count = new Headcount(app.name(), count.running() - 1, want, app.minAvailable());
                actions.add(new Action.Shutdown(extra.name(), extra.host(), extra.epoch()));
            }
            actions.add(new Action.Undefine(extra.name(), extra.host(), extra.epoch()));
            removed.add(extra.name());
            planned.remove(extra.name());
            steps.add(new Plan.Step(extra.name(), service, app.name(), why, actions));
        }
        return keep;
    }

    /** The instances the manager answers for in an application. */
    private int count(String application) {
        return (int) instances.values().stream().filter(i -> i.application().equals(application)).count();
    }

    private void place(String service, ApplicationSpec app, String name, long epoch, String why) {
        // Placed again: where the ledger had it counts no more.
        planned.remove(name);
        Outcome o = engine.place(new PlacementRequest(app.name(), name), planned);
        if (o instanceof Outcome.Fits f) {
            planned.add(f.placed());
            ManagedInstance moved = new ManagedInstance(name, app.name(), service, f.host(), epoch);
            placed.add(moved);
            steps.add(new Plan.Step(name, service, app.name(), why + ": placed on " + f.host(), List.of(
                    new Action.Define(name, f.host(), epoch, app.name(), service, app.resources(), Optional.empty(), w.catalog().guestPorts(app.name())),
                    new Action.Start(name, f.host(), epoch))));
        } else if (o instanceof Outcome.Unschedulable u) {
            // Defined nowhere: it waits until a host has room, rather than on a host that cannot run it.
            unschedulable.add(u);
            waiting.add(new Plan.Wait(app.name(), name, Plan.WaitKind.NO_HOST_FITS, name + " (" + app.name() + ") fits on no host"));
        } else if (o instanceof Outcome.Unresolvable r) {
            waiting.add(new Plan.Wait(app.name(), name, Plan.WaitKind.UNRESOLVABLE, name + " (" + app.name() + ") cannot be placed: " + r.why()));
        }
    }

    /**
     * Two copies of one instance, after a host came back with the copy an earlier placement left
     * there: the copy that can run is kept. The instance's own copy is kept when it runs, or when it
     * can run at least as well as the other ({@link InstanceLedger#canRun}); otherwise — it is shut
     * off on a host without the room to start it, or gone — the copy that came back becomes the
     * instance, with the next epoch (its start says so to its agent), and the other one is then a
     * stale copy that {@link #dropStaleCopies} removes. Both copies must be settled, on hosts that answer.
     */
    private void keepCopiesThatRun() {
        List<VmStatus> copies = new ArrayList<>();
        for (InventorySnapshot.Entry e : w.inventory().agents().values()) {
            if (!e.reachable()) {
                continue;
            }
            for (VmStatus v : e.vms()) {
                ManagedInstance i = instances.get(v.name());
                if (v.epoch() >= 1 && i != null && !i.host().equals(v.host()) && v.epoch() <= i.epoch()
                        && !w.busy().contains(v.name()) && settled(v.host() + "/" + v.name(), Optional.of(e))) {
                    copies.add(v);
                }
            }
        }
        copies.sort(Comparator.comparing(VmStatus::name).thenComparing(VmStatus::host));
        for (VmStatus copy : copies) {
            ManagedInstance i = instances.get(copy.name());
            Optional<InventorySnapshot.Entry> entry = entryOf(i.host());
            if (kept.contains(i.name()) || stateOfHost(entry) != HostState.UP || !settled(i.name(), entry)) {
                continue;
            }
            VmStatus own = vmOnHost.get(i.host() + "/" + i.name());
            int ownRank = own == null ? -1 : ledger.canRun(own, w.placement());
            int copyRank = ledger.canRun(copy, w.placement());
            if (copyRank < 1 || copyRank <= ownRank) {
                continue;
            }
            ManagedInstance back = new ManagedInstance(i.name(), i.application(), i.service(), copy.host(), i.epoch() + 1);
            instances.put(i.name(), back);
            kept.add(i.name());
            placed.add(back);
            planned.remove(i.name());
            String ownSaid = own == null ? "gone from " + i.host() : own.state().toLowerCase(java.util.Locale.ROOT) + " on "
                    + i.host() + (ownRank == 0 ? ", which has not the room to start it" : "");
            steps.add(new Plan.Step(i.name(), i.service(), i.application(), "copy of " + i.name() + " on " + copy.host()
                    + " (epoch " + copy.epoch() + ", " + copy.state() + ") kept: the instance's copy (epoch " + i.epoch() + ") is "
                    + ownSaid, List.of(new Action.Start(i.name(), copy.host(), back.epoch()))));
        }
    }

    /** Copies of an instance on a host that is not the instance's: a host that came back after the instance moved. */
    private void dropStaleCopies() {
        for (InventorySnapshot.Entry e : w.inventory().agents().values()) {
            if (!e.reachable()) {
                continue;
            }
            for (VmStatus v : e.vms()) {
                ManagedInstance i = instances.get(v.name());
                // A VM that is migrating has a copy on each of two hosts until the move ends: the
                // migration, not this pass, decides which one goes.
                if (v.epoch() < 1 || i == null || i.host().equals(v.host()) || v.epoch() > i.epoch()
                        || w.busy().contains(v.name()) || !settled(v.host() + "/" + v.name(), Optional.of(e))) {
                    continue;
                }
                List<Action> actions = new ArrayList<>();
                if (!"SHUT_OFF".equals(v.state())) {
                    actions.add(new Action.Destroy(v.name(), v.host(), i.epoch()));
                }
                actions.add(new Action.Undefine(v.name(), v.host(), i.epoch()));
                steps.add(new Plan.Step(v.host() + "/" + v.name(), i.service(), i.application(),
                        "stale copy of " + v.name() + " (epoch " + v.epoch() + ") on " + v.host() + "; the instance is on "
                                + i.host() + " (epoch " + i.epoch() + ")", actions));
            }
        }
    }

    /**
     * Instances of applications that no service has any more: stopped, dependants first where the
     * definitions still describe the application (a deleted service's); an application removed
     * from the definitions has no dependencies left to order by. Those the operator prunes are
     * then removed with their data and forgotten; the others stay defined, reported as orphaned.
     */
    private void orphans() {
        List<ManagedInstance> orphaned = ledger.orphaned();
        for (ManagedInstance i : orphaned) {
            ApplicationSpec spec = w.catalog().applications().get(i.application());
            if (spec != null) {
                List<String> dependants = new ArrayList<>();
                for (ManagedInstance o : orphaned) {
                    ApplicationSpec os = w.catalog().applications().get(o.application());
                    if (os != null && os.dependsOn().contains(i.application()) && running(o.application()) > 0
                            && !dependants.contains(o.application())) {
                        dependants.add(o.application());
                    }
                }
                if (!dependants.isEmpty()) {
                    java.util.Collections.sort(dependants);
                    waiting.add(new Plan.Wait(i.application(), i.name(), Plan.WaitKind.DEPENDANTS_RUNNING,
                            i.name() + " (orphaned) stops after " + String.join(", ", dependants)));
                    continue;
                }
            }
            Optional<InventorySnapshot.Entry> entry = entryOf(i.host());
            if (!settled(i.name(), entry) || stateOfHost(entry) != HostState.UP) {
                continue;
            }
            VmStatus vm = vmOnHost.get(i.host() + "/" + i.name());
            boolean prune = w.prune().contains(i.name());
            List<Action> actions = new ArrayList<>();
            if (vm != null && vm.running()) {
                actions.add(new Action.Shutdown(i.name(), i.host(), i.epoch()));
            }
            if (prune) {
                removed.add(i.name());
                if (vm != null) {
                    actions.add(new Action.Remove(i.name(), i.host(), i.epoch()));
                }
            }
            if (!actions.isEmpty()) {
                steps.add(new Plan.Step(i.name(), i.service(), i.application(), (prune ? "pruned: " : "orphaned: ")
                        + i.application() + " is in no service", actions));
            }
        }
    }

    private void stop(String service, Set<String> keep) {
        List<ApplicationSpec> order = new ArrayList<>(w.catalog().startOrder(service));
        java.util.Collections.reverse(order);
        Set<String> inService = new HashSet<>();
        order.forEach(a -> inService.add(a.name()));
        for (ApplicationSpec app : order) {
            if (keep.contains(app.name())) {
                continue;
            }
            List<String> dependents = new ArrayList<>();
            for (String other : inService) {
                ApplicationSpec o = w.catalog().applications().get(other);
                if (o.dependsOn().contains(app.name()) && !keep.contains(other) && running(other) > 0) {
                    dependents.add(other);
                }
            }
            if (!dependents.isEmpty()) {
                java.util.Collections.sort(dependents);
                waiting.add(new Plan.Wait(app.name(), app.name(), Plan.WaitKind.DEPENDANTS_RUNNING,
                        app.name() + " stops after " + String.join(", ", dependents)));
                continue;
            }
            for (VmStatus v : vmsByApp.getOrDefault(app.name(), List.of())) {
                ManagedInstance i = instances.get(v.name());
                if (i == null || !i.host().equals(v.host()) || !settled(v.name(), entryOf(v.host()))) {
                    continue;
                }
                steps.add(new Plan.Step(v.name(), service, app.name(), "stop " + app.name(),
                        List.of(new Action.Shutdown(v.name(), v.host(), i.epoch()))));
            }
        }
    }
}
