package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The placement engine: over one inventory snapshot (plus the cordoned hosts and the catalog),
 * decides on which host each instance goes, and says why. Pure: build one per snapshot with
 * {@link #of}, then ask it as often as needed, from any thread (the only state it keeps is a
 * memo of each application's eligible hosts, which changes no answer).
 *
 * <h2>The chain</h2>
 * For each host, the checks of {@link Reason}, in their declaration order, cheap and decisive
 * first: reachable and not cordoned, runtime, offsite, security level, capacity (counting what
 * the host has committed and what the plan already put there), spread, avoid. Each constant holds
 * its test and its sentence; this class only runs them.
 * Hosts that pass every check are ranked by the scorers: projected cost per hour
 * ({@link CostModel}, only for applications that prefer the cheapest host), then the fit of the
 * configured {@link Strategy}, then a seeded shuffle. The best host wins; the second is reported
 * as the runner-up with the comparison it lost.
 *
 * <h2>Determinism</h2>
 * Hosts are ordered by id before anything else, so the order in which agents are configured or
 * answer does not matter. The shuffle is a tie-break only: each host's key is a hash of the
 * configured seed, the instance name and the host id — a seeded permutation that does not depend
 * on where the host sits in any list. The same snapshot, catalog, cordoned set, configuration and
 * plan give the same answer, every time, on any machine.
 *
 * <h2>Cost of a placement</h2>
 * The chain is the constants of {@link Reason}, each a test and its sentence side by side; the
 * engine only runs them. Since a check may only refuse more as the plan grows, the whole chain
 * runs once per application and snapshot with an empty plan, check by check over a bit set of
 * the hosts still in (the checks that have a bit-set form first), and the survivors are kept as
 * the application's eligible hosts. Each placement then walks those hosts' arrays
 * ({@link HostTable}, built once per snapshot), runs the chain again only on a host the plan
 * touched (or on its site, for a check that reads the site), and scores the rest: no call per
 * check and host, no allocation per host. Every host's reasons are only put into words when no
 * host fits, or when {@link #explain} is asked, by the same checks.
 */
public final class Placement {
    static final long BITS_PER_MEGABIT = 1_000_000L;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    private final HostTable t;
    private final Catalog catalog;
    private final PlacementConfig config;
    private final long[] vcpuCapacity;
    /** For each application, the applications that name it in their {@code avoid}, sorted. */
    private final Map<String, List<String>> avoidedBy;
    /** 1 / capacity of each host (0 where there is none), for the fit without a division per host. */
    private final double[] perVcpu;
    private final double[] perByteOfMemory;
    private final double[] perByteOfDisk;
    private final int[] sizedResources;
    /** Per application, the hosts that pass the whole chain with an empty plan. */
    private final ConcurrentHashMap<String, BitSet> eligible = new ConcurrentHashMap<>();
    /** The plan with nothing in it, never added to. */
    private final Overlay emptyPlan;

    private Placement(HostTable table, Catalog catalog, PlacementConfig config) {
        this.t = table;
        this.catalog = catalog;
        this.config = config;
        this.vcpuCapacity = new long[table.size];
        this.perVcpu = new double[table.size];
        this.perByteOfMemory = new double[table.size];
        this.perByteOfDisk = new double[table.size];
        this.sizedResources = new int[table.size];
        this.emptyPlan = new Overlay(table);
        for (int i = 0; i < table.size; i++) {
            vcpuCapacity[i] = config.vcpuCapacity(table.cpus[i]);
            perVcpu[i] = vcpuCapacity[i] > 0 ? 1.0 / vcpuCapacity[i] : 0;
            perByteOfMemory[i] = table.memory[i] > 0 ? 1.0 / table.memory[i] : 0;
            perByteOfDisk[i] = table.disk[i] > 0 ? 1.0 / table.disk[i] : 0;
            sizedResources[i] = (vcpuCapacity[i] > 0 ? 1 : 0) + (table.memory[i] > 0 ? 1 : 0) + (table.disk[i] > 0 ? 1 : 0);
        }
        Map<String, TreeSet<String>> by = new HashMap<>();
        for (ApplicationSpec a : catalog.applications().values()) {
            for (String other : a.placement().avoid()) {
                by.computeIfAbsent(other, k -> new TreeSet<>()).add(a.name());
            }
        }
        Map<String, List<String>> m = new HashMap<>();
        by.forEach((k, v) -> m.put(k, List.copyOf(v)));
        this.avoidedBy = m;
    }

    /**
     * The engine for one snapshot.
     *
     * @param cordoned ids of the hosts an operator cordoned (manager state; unknown ids are ignored)
     */
    public static Placement of(InventorySnapshot snapshot, Set<String> cordoned, Catalog catalog, PlacementConfig config) {
        return new Placement(new HostTable(snapshot, catalog, cordoned), catalog, config);
    }

    /** The same snapshot and catalog with other settings (the per-snapshot tables are shared). */
    public Placement with(PlacementConfig other) {
        return new Placement(t, catalog, other);
    }

    public PlacementConfig config() {
        return config;
    }

    public Catalog catalog() {
        return catalog;
    }

    /** Host ids in the order the engine considers them: sorted. */
    public List<String> hosts() {
        return List.of(t.ids);
    }

    // ------------------------------------------------------------------------------------------
    // The API

    /** Places one instance, given what the current plan already placed. */
    public Outcome place(PlacementRequest request, List<Placed> planned) {
        return place(request, overlay(planned));
    }

    /** Places one instance, given what the pass placed so far (kept between its placements). */
    public Outcome place(PlacementRequest request, Planned planned) {
        return place(request, planned.overlay());
    }

    /** What a pass places on this snapshot, starting from {@code initial}. */
    public Planned planned(java.util.Collection<Placed> initial) {
        return new Planned(this, initial);
    }

    /** Places one instance in an empty plan. */
    public Outcome place(PlacementRequest request) {
        return place(request, List.of());
    }

    /**
     * Every host's verdict for one instance, sorted by host id: its reasons, or its score when it
     * fits. What {@code federa explain} prints; costs a full pass of every check on every host.
     */
    public List<HostVerdict> explain(PlacementRequest request, List<Placed> planned) {
        Overlay ov = overlay(planned);
        ApplicationSpec app = catalog.applications().get(request.application());
        if (app == null) {
            throw new IllegalArgumentException("no application named " + request.application() + " in the catalog");
        }
        Demand d = demand(app, request.instance());
        List<HostVerdict> out = new ArrayList<>(t.size);
        for (int i = 0; i < t.size; i++) {
            List<Refusal> r = refusals(i, d, ov);
            out.add(new HostVerdict(t.ids[i], r, r.isEmpty() ? Optional.of(score(i, d, ov)) : Optional.empty()));
        }
        return out;
    }

    /** Places the given instances in order, each seeing those placed before it. */
    public PlacementPlan plan(List<PlacementRequest> requests) {
        Overlay ov = overlay(List.of());
        List<Outcome> out = new ArrayList<>(requests.size());
        for (PlacementRequest r : requests) {
            Outcome o = place(r, ov);
            if (o instanceof Outcome.Fits f) {
                ov.add(f.placed(), catalog.applications().get(f.application()), t.indexOf.get(f.host()));
            }
            out.add(o);
        }
        return new PlacementPlan(out);
    }

    /**
     * Places every missing instance of one service, its applications in start order (each after
     * those it depends on). An application has as many instances as VMs labelled with it in the
     * snapshot, on any host and in any state: a VM on a host that does not answer still counts
     * (deciding that it is lost, and asking {@link #place} for a replacement, is the reconcile
     * loop's business). New instances are named {@code <application>-<n>}, the smallest n no VM
     * of the snapshot or of the plan has.
     */
    public PlacementPlan planService(String service) {
        return plan(missingInstances(catalog.startOrder(service)));
    }

    /** Places every missing instance of every application of the catalog, in dependency order. */
    public PlacementPlan placeAll() {
        List<ApplicationSpec> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (String app : catalog.applications().keySet()) {
            visit(app, done, order);
        }
        return plan(missingInstances(order));
    }

    /** The requests for what the applications lack, in the order given. */
    public List<PlacementRequest> missingInstances(List<ApplicationSpec> applications) {
        Set<String> used = new HashSet<>(t.vmNames);
        List<PlacementRequest> out = new ArrayList<>();
        for (ApplicationSpec a : applications) {
            HostTable.AppInstances have = t.apps.get(a.name());
            int missing = a.replicas() - (have == null ? 0 : have.instances().size());
            for (String name : InstanceNames.next(a.name(), Math.max(0, missing), used::contains)) {
                used.add(name);
                out.add(new PlacementRequest(a.name(), name));
            }
        }
        return out;
    }

    private void visit(String app, Set<String> done, List<ApplicationSpec> order) {
        if (!done.add(app)) {
            return;
        }
        ApplicationSpec a = catalog.applications().get(app);
        for (String dep : a.dependsOn()) {
            visit(dep, done, order);
        }
        order.add(a);
    }

    // ------------------------------------------------------------------------------------------
    // One placement

    private Outcome place(PlacementRequest r, Overlay ov) {
        ApplicationSpec app = catalog.applications().get(r.application());
        if (app == null) {
            return new Outcome.Unresolvable(r.instance(), r.application(),
                    "no application named " + r.application() + " in the catalog");
        }
        if (t.vmNames.contains(r.instance()) || ov.names.contains(r.instance())) {
            return new Outcome.Unresolvable(r.instance(), r.application(),
                    "an instance named " + r.instance() + " already exists");
        }
        Demand d = demand(app, r.instance());
        Ranked best = scan(d, ov);
        if (best.first >= 0) {
            Score s = score(best.first, d, ov);
            Optional<Outcome.RunnerUp> runnerUp = Optional.empty();
            if (best.second >= 0) {
                Score s2 = score(best.second, d, ov);
                String lostOn = d.cheapest && Double.compare(s.costPerHour(), s2.costPerHour()) != 0 ? "cost"
                        : Double.compare(s.fit(), s2.fit()) != 0 ? "fit" : "tie-break";
                runnerUp = Optional.of(new Outcome.RunnerUp(t.ids[best.second], s2, lostOn));
            }
            return new Outcome.Fits(r.instance(), r.application(), t.ids[best.first], s, runnerUp);
        }
        List<HostRefusals> hosts = new ArrayList<>(t.size);
        for (int i = 0; i < t.size; i++) {
            List<Refusal> why = refusals(i, d, ov);
            if (why.isEmpty()) {
                throw new IllegalStateException("the placement chain refused " + t.ids[i] + " for " + r.instance()
                        + " but its explanation finds no reason");
            }
            hosts.add(new HostRefusals(t.ids[i], why));
        }
        return new Outcome.Unschedulable(r.instance(), r.application(), hosts);
    }

    /** The best and second-best hosts, -1 when there is none. */
    private record Ranked(int first, int second) {
    }

    /**
     * The hot loop: over the hosts that pass the whole chain with an empty plan, the chain again
     * only where the plan placed something that a check reads (the host, or its site), then the
     * scorers, keeping the best two.
     */
    private Ranked scan(Demand d, Overlay ov) {
        final BitSet eligible = eligible(d);
        final boolean planEmpty = ov.touched == null;
        boolean sites = false;
        for (Reason check : Reason.CHAIN) {
            sites |= check.readsPlannedSite(d);
        }
        final boolean siteWide = sites;
        int best = -1;
        double bestCost = 0;
        double bestFit = 0;
        long bestKey = 0;
        int second = -1;
        double secondCost = 0;
        double secondFit = 0;
        long secondKey = 0;
        for (int i = eligible.nextSetBit(0); i >= 0; i = eligible.nextSetBit(i + 1)) {
            long vc = t.vcpusCommitted[i] + d.vcpus;
            long mc = t.memoryCommitted[i] + d.memory;
            long dc = t.diskCommitted[i] + d.disk;
            if (!planEmpty) {
                boolean touched = ov.touched(i);
                if ((touched || (siteWide && t.site[i] >= 0 && ov.sites.get(t.site[i]))) && refused(i, d, ov)) {
                    continue;
                }
                if (touched) {
                    long[] x = ov.delta[i];
                    vc += x[0];
                    mc += x[1];
                    dc += x[2];
                }
            }
            double cost = d.cheapest ? cost(i, d) : 0;
            double fit = fit(i, vc, mc, dc);
            long key = HostTable.mix(d.seedKey ^ t.idHash[i]);
            if (best < 0 || better(d.cheapest, cost, fit, key, bestCost, bestFit, bestKey)) {
                second = best;
                secondCost = bestCost;
                secondFit = bestFit;
                secondKey = bestKey;
                best = i;
                bestCost = cost;
                bestFit = fit;
                bestKey = key;
            } else if (second < 0 || better(d.cheapest, cost, fit, key, secondCost, secondFit, secondKey)) {
                second = i;
                secondCost = cost;
                secondFit = fit;
                secondKey = key;
            }
        }
        return new Ranked(best, second);
    }

    /**
     * The hosts that pass every check of the chain with an empty plan, for one application:
     * computed once per application and snapshot, then shared by every placement of it. Since a
     * check is monotone in the plan (what the plan adds never lifts a refusal), the hot loop then
     * visits only these hosts, and runs the chain again only where the plan placed something.
     * (Nomad caches feasibility per node class the same way.)
     */
    private BitSet eligible(Demand d) {
        return eligible.computeIfAbsent(d.app.name(), k -> {
            BitSet out = new BitSet(t.size);
            out.set(0, t.size);
            for (Reason check : Reason.CHAIN) {
                if (check.setForm()) {
                    check.narrow(t, d, emptyPlan, out);
                }
            }
            for (Reason check : Reason.CHAIN) {
                if (!check.setForm() && !out.isEmpty()) {
                    check.narrow(t, d, emptyPlan, out);
                }
            }
            return out;
        });
    }

    /**
     * Whether a candidate beats the incumbent: cheaper (when cost counts), else better fit, else
     * the lower tie-break key. Two hosts with the same key (a 2⁻⁶⁴ chance) keep the one first by
     * id, the one met first.
     */
    private static boolean better(boolean cheapest, double cost, double fit, long key,
                                  double otherCost, double otherFit, long otherKey) {
        if (cheapest) {
            int c = Double.compare(cost, otherCost);
            if (c != 0) {
                return c < 0;
            }
        }
        int f = Double.compare(fit, otherFit);
        if (f != 0) {
            return f > 0;
        }
        return key < otherKey;
    }

    private double cost(int i, Demand d) {
        return CostModel.costPerHour(d.cost, t.cpuRate[i], t.storageRate[i], t.networkGBRate[i], t.packetRate[i]);
    }

    /** The strategy's fit, from the host's mean use of CPU, memory and disk with the instance on it. */
    private double fit(int i, long vcpus, long memory, long disk) {
        int k = sizedResources[i];
        double mean = k == 0 ? 1 : (vcpus * perVcpu[i] + memory * perByteOfMemory[i] + disk * perByteOfDisk[i]) / k;
        return config.strategy() == Strategy.SPREAD ? 1 - mean : mean;
    }

    private Score score(int i, Demand d, Overlay ov) {
        long[] x = ov.deltaOf(i);
        double fit = fit(i, t.vcpusCommitted[i] + x[0] + d.vcpus, t.memoryCommitted[i] + x[1] + d.memory,
                t.diskCommitted[i] + x[2] + d.disk);
        String currency = t.status[i] == null || t.status[i].currency() == null ? "" : t.status[i].currency();
        return new Score(cost(i, d), currency, fit, HostTable.mix(d.seedKey ^ t.idHash[i]));
    }

    // ------------------------------------------------------------------------------------------
    // The chain, in words

    /** Every check that refuses host {@code i}, in chain order; empty when the host fits. */
    private List<Refusal> refusals(int i, Demand d, Overlay ov) {
        List<Refusal> out = new ArrayList<>(2);
        for (Reason check : Reason.CHAIN) {
            if (check.refuses(t, d, ov, i)) {
                for (String why : check.explain(t, d, ov, i)) {
                    out.add(new Refusal(check, why));
                }
                if (check.endsChain(t, i)) {
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Whether a check that reads the plan refuses host {@code i}, which passed the whole chain
     * with an empty plan (the others would answer as they did then), short-circuiting.
     */
    private boolean refused(int i, Demand d, Overlay ov) {
        for (Reason check : Reason.PLAN_READERS) {
            if (check.refuses(t, d, ov, i)) {
                return true;
            }
        }
        return false;
    }

    static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private Demand demand(ApplicationSpec app, String instance) {
        return new Demand(t, app, instance, config, vcpuCapacity, avoidedBy);
    }

    // ------------------------------------------------------------------------------------------
    // What the plan placed so far, over the snapshot's tables

    Overlay overlay(java.util.Collection<Placed> planned) {
        Overlay ov = new Overlay(t);
        for (Placed p : planned) {
            absorb(ov, p);
        }
        return ov;
    }

    /** Adds {@code p} to the plan's tables. */
    void absorb(Overlay ov, Placed p) {
        ApplicationSpec app = catalog.applications().get(p.application());
        if (app == null) {
            throw new IllegalArgumentException("planned " + p.instance() + " is of an unknown application " + p.application());
        }
        Integer host = t.indexOf.get(p.host());
        if (host == null) {
            throw new IllegalArgumentException("planned " + p.instance() + " is on an unknown host " + p.host());
        }
        ov.add(p, app, host);
    }
}
