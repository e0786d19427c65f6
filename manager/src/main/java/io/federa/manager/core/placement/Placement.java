package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.PlacementRules;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The placement engine: over one inventory snapshot (plus the cordoned hosts and the catalog),
 * decides on which host each instance goes, and says why. Pure: build one per snapshot with
 * {@link #of}, then ask it as often as needed, from any thread (the only state it keeps is a
 * memo of each application's eligible hosts, which changes no answer).
 *
 * <h2>The chain</h2>
 * For each host, in the order of {@link Reason}, cheap and decisive checks first:
 * <ol>
 *   <li>reachable ({@code HOST_UNREACHABLE}) and not cordoned ({@code HOST_CORDONED});</li>
 *   <li>offers the application's runtime ({@code RUNTIME_NOT_OFFERED});</li>
 *   <li>not offsite when the application forbids it ({@code OFFSITE_FORBIDDEN});</li>
 *   <li>security level at least the application's minimum ({@code SECURITY_LEVEL_TOO_LOW});</li>
 *   <li>capacity: vCPUs ≤ CPUs × overcommit, memory, disk, network bandwidth, counting what the
 *       host has committed and what the plan already put there ({@code INSUFFICIENT_*});</li>
 *   <li>spread: no other replica on the host, or on its site ({@code ANTI_AFFINITY_HOST/SITE});</li>
 *   <li>avoid: no application on the host that this one avoids, or that avoids this one
 *       ({@code AVOIDED_APPLICATION}).</li>
 * </ol>
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
 * The checks that depend on the snapshot alone are run once per application and snapshot, into
 * a bit set of eligible hosts; each placement then makes one pass over those hosts' arrays
 * ({@link HostTable}, built once per snapshot) for capacity and what the plan added, checks
 * short-circuiting, no allocation per host. Every host's reasons are only put into words when
 * no host fits, or when {@link #explain} is asked.
 *
 * <p>The checks run as straight-line code ({@code eligible} and {@code scan}) rather than as a
 * list of check objects: at 10,000 hosts a virtual call per check and host cost more than the
 * checks themselves. {@code refusals} is the same chain, spelled out for the explanation; the property
 * tests hold the two to the same answers.
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
    /** Per application, the hosts that pass the checks that depend on the snapshot alone. */
    private final ConcurrentHashMap<String, BitSet> eligible = new ConcurrentHashMap<>();

    private Placement(HostTable table, Catalog catalog, PlacementConfig config) {
        this.t = table;
        this.catalog = catalog;
        this.config = config;
        this.vcpuCapacity = new long[table.size];
        this.perVcpu = new double[table.size];
        this.perByteOfMemory = new double[table.size];
        this.perByteOfDisk = new double[table.size];
        this.sizedResources = new int[table.size];
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
        Demand d = new Demand(app, request.instance(), ov);
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
            int n = 1;
            for (int k = 0; k < missing; k++) {
                while (used.contains(a.name() + "-" + n)) {
                    n++;
                }
                String name = a.name() + "-" + n;
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
        Demand d = new Demand(app, r.instance(), ov);
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
     * The hot loop: over the hosts that passed the snapshot-only checks, capacity and what the
     * plan added, short-circuiting, then the scorers, keeping the best two.
     */
    private Ranked scan(Demand d, Overlay ov) {
        final BitSet eligible = eligible(d);
        final long[] touched = ov.touched;
        final BitSet plannedOwnHosts = ov.appHosts.get(d.app.name());
        final BitSet plannedOwnSites = ov.appSites.get(d.app.name());
        final PlacementRules.Spread spread = d.app.placement().spreadReplicas();
        final BitSet[] plannedConflictHosts = new BitSet[d.conflicts.length];
        int conflictsPlanned = 0;
        for (int k = 0; k < d.conflicts.length; k++) {
            BitSet b = ov.appHosts.get(d.conflicts[k]);
            if (b != null) {
                plannedConflictHosts[conflictsPlanned++] = b;
            }
        }
        int best = -1;
        double bestCost = 0;
        double bestFit = 0;
        long bestKey = 0;
        int second = -1;
        double secondCost = 0;
        double secondFit = 0;
        long secondKey = 0;
        hosts:
        for (int i = eligible.nextSetBit(0); i >= 0; i = eligible.nextSetBit(i + 1)) {
            long dv = 0;
            long dm = 0;
            long dd = 0;
            long dn = 0;
            if (touched != null && (touched[i >>> 6] & (1L << i)) != 0) {
                long[] x = ov.delta.get(i);
                dv = x[0];
                dm = x[1];
                dd = x[2];
                dn = x[3];
            }
            long vc = t.vcpusCommitted[i] + dv + d.vcpus;
            long mc = t.memoryCommitted[i] + dm + d.memory;
            long dc = t.diskCommitted[i] + dd + d.disk;
            // A resource the instance does not need cannot refuse it, even on a host already past it.
            if ((d.vcpus > 0 && vc > vcpuCapacity[i]) || (d.memory > 0 && mc > t.memory[i])
                    || (d.disk > 0 && dc > t.disk[i])
                    || (d.network > 0 && t.networkCommitted[i] + dn + d.network > t.network[i])) {
                continue;
            }
            // What the snapshot holds was folded into the eligible set; only the plan is left to check.
            if (spread == PlacementRules.Spread.HOST) {
                if (plannedOwnHosts != null && plannedOwnHosts.get(i)) {
                    continue;
                }
            } else if (spread == PlacementRules.Spread.SITE) {
                if (plannedOwnSites != null && plannedOwnSites.get(t.site[i])) {
                    continue;
                }
            }
            for (int k = 0; k < conflictsPlanned; k++) {
                if (plannedConflictHosts[k].get(i)) {
                    continue hosts;
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
     * The hosts that pass every check that depends on the snapshot alone — reachable, not
     * cordoned, runtime, offsite, security level, no replica there (or on its site) and nothing
     * avoided there — for one application. Computed once per application and snapshot, then
     * shared by every placement of it: the hot loop only visits these hosts, and only checks
     * capacity and what the plan added. (Nomad caches feasibility per node class the same way.)
     */
    private BitSet eligible(Demand d) {
        return eligible.computeIfAbsent(d.app.name(), k -> {
            BitSet out = new BitSet(t.size);
            if (d.runtime == null) {
                return out;
            }
            PlacementRules.Spread spread = d.app.placement().spreadReplicas();
            hosts:
            for (int i = d.runtime.nextSetBit(0); i >= 0; i = d.runtime.nextSetBit(i + 1)) {
                if (!t.reachable[i] || t.cordoned[i] || (d.offsiteForbidden && t.offsite[i]) || t.security[i] < d.minSecurity) {
                    continue;
                }
                if (spread == PlacementRules.Spread.HOST && d.ownHosts != null && d.ownHosts.get(i)) {
                    continue;
                }
                if (spread == PlacementRules.Spread.SITE && d.ownSites != null && d.ownSites.get(t.site[i])) {
                    continue;
                }
                for (BitSet c : d.conflictHosts) {
                    if (c != null && c.get(i)) {
                        continue hosts;
                    }
                }
                out.set(i);
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
    // The same chain, in words

    /** Every check that refuses host {@code i}, in chain order; empty when the host fits. */
    private List<Refusal> refusals(int i, Demand d, Overlay ov) {
        List<Refusal> out = new ArrayList<>(2);
        String id = t.ids[i];
        var h = t.status[i];
        if (h == null) {
            out.add(new Refusal(Reason.HOST_UNREACHABLE, t.healthText[i]));
            return out;
        }
        if (!t.reachable[i]) {
            out.add(new Refusal(Reason.HOST_UNREACHABLE, id + " does not answer: " + t.healthText[i]));
        }
        if (t.cordoned[i]) {
            out.add(new Refusal(Reason.HOST_CORDONED, id + " is cordoned"));
        }
        if (d.runtime == null || !d.runtime.get(i)) {
            out.add(new Refusal(Reason.RUNTIME_NOT_OFFERED, d.app.runtime() + " not in " + h.runtimes()));
        }
        if (d.offsiteForbidden && t.offsite[i]) {
            out.add(new Refusal(Reason.OFFSITE_FORBIDDEN, id + " is offsite (" + t.siteName(i) + ")"));
        }
        if (t.security[i] < d.minSecurity) {
            out.add(new Refusal(Reason.SECURITY_LEVEL_TOO_LOW, "level " + t.security[i] + " < " + d.minSecurity + " required"));
        }
        long[] x = ov.deltaOf(i);
        long vcUsed = t.vcpusCommitted[i] + x[0];
        if (d.vcpus > 0 && vcUsed + d.vcpus > vcpuCapacity[i]) {
            String of = config.cpuOvercommit() == 1.0 ? "" : " (" + t.cpus[i] + " CPUs × overcommit "
                    + plain(config.cpuOvercommit()) + ")";
            out.add(new Refusal(Reason.INSUFFICIENT_CPU, "needs " + d.vcpus + " vCPUs, "
                    + Math.max(0, vcpuCapacity[i] - vcUsed) + " free of " + vcpuCapacity[i] + of));
        }
        long memUsed = t.memoryCommitted[i] + x[1];
        if (d.memory > 0 && memUsed + d.memory > t.memory[i]) {
            out.add(new Refusal(Reason.INSUFFICIENT_MEMORY, "needs " + d.app.resources().memoryMiB() + " MiB, "
                    + Math.max(0, t.memory[i] - memUsed) / MIB + " MiB free of " + t.memory[i] / MIB + " MiB"));
        }
        long diskUsed = t.diskCommitted[i] + x[2];
        if (d.disk > 0 && diskUsed + d.disk > t.disk[i]) {
            out.add(new Refusal(Reason.INSUFFICIENT_DISK, "needs " + d.app.resources().diskGiB() + " GiB, "
                    + Math.max(0, t.disk[i] - diskUsed) / GIB + " GiB free of " + t.disk[i] / GIB + " GiB"));
        }
        long netUsed = t.networkCommitted[i] + x[3];
        if (d.network > 0 && netUsed + d.network > t.network[i]) {
            out.add(new Refusal(Reason.INSUFFICIENT_NETWORK, "needs " + d.app.resources().networkMbps() + " Mbps, "
                    + Math.max(0, t.network[i] - netUsed) / BITS_PER_MEGABIT + " Mbps free of "
                    + t.network[i] / BITS_PER_MEGABIT + " Mbps"));
        }
        String app = d.app.name();
        PlacementRules.Spread spread = d.app.placement().spreadReplicas();
        if (spread == PlacementRules.Spread.HOST) {
            List<String> here = instancesOn(app, i, ov, false);
            if (!here.isEmpty()) {
                out.add(new Refusal(Reason.ANTI_AFFINITY_HOST, app + " already has " + String.join(", ", here) + " on " + id));
            }
        } else if (spread == PlacementRules.Spread.SITE) {
            List<String> there = instancesOn(app, i, ov, true);
            if (!there.isEmpty()) {
                out.add(new Refusal(Reason.ANTI_AFFINITY_SITE, app + " already has " + String.join(", ", there)
                        + " on site " + t.siteName(i)));
            }
        }
        for (int k = 0; k < d.conflicts.length; k++) {
            List<String> here = instancesOn(d.conflicts[k], i, ov, false);
            if (!here.isEmpty()) {
                String avoider = d.conflictAvoider[k];
                String avoided = avoider.equals(app) ? d.conflicts[k] : app;
                out.add(new Refusal(Reason.AVOIDED_APPLICATION, avoider + " avoids " + avoided + ", and "
                        + String.join(", ", here) + (here.size() == 1 ? " runs" : " run") + " here"));
            }
        }
        return out;
    }

    /**
     * The instances of an application on host {@code i} (or on its site), known ones first, then
     * planned ones marked so; a site-wide list names each instance's host.
     */
    private List<String> instancesOn(String app, int i, Overlay ov, boolean site) {
        List<String> out = new ArrayList<>();
        HostTable.AppInstances known = t.apps.get(app);
        if (known != null) {
            for (HostTable.Known k : known.instances()) {
                if (site ? t.site[k.host()] == t.site[i] : k.host() == i) {
                    out.add(k.vm() + (site ? " (" + t.ids[k.host()] + ")" : ""));
                }
            }
        }
        for (HostTable.Known k : ov.appVms.getOrDefault(app, List.of())) {
            if (site ? t.site[k.host()] == t.site[i] : k.host() == i) {
                out.add(k.vm() + (site ? " (planned on " + t.ids[k.host()] + ")" : " (planned)"));
            }
        }
        return out;
    }

    static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    // ------------------------------------------------------------------------------------------
    // A request, resolved once against the tables

    private final class Demand {
        final ApplicationSpec app;
        final long vcpus;
        final long memory;
        final long disk;
        final long network;
        final BitSet runtime;
        final boolean offsiteForbidden;
        final int minSecurity;
        final BitSet ownHosts;
        final BitSet ownSites;
        /** Applications this one may not share a host with, sorted, and for each which one avoids. */
        final String[] conflicts;
        final String[] conflictAvoider;
        final BitSet[] conflictHosts;
        final boolean cheapest;
        final long seedKey;
        /** The cost model's factors for this application, applied to each host's rates. */
        final double[] cost;

        Demand(ApplicationSpec app, String instance, Overlay ov) {
            this.app = app;
            var r = app.resources();
            vcpus = r.vcpus();
            memory = Math.multiplyExact(r.memoryMiB(), MIB);
            disk = Math.multiplyExact(r.diskGiB(), GIB);
            network = Math.multiplyExact(r.networkMbps(), BITS_PER_MEGABIT);
            runtime = t.runtimeHosts.get(app.runtime());
            offsiteForbidden = app.placement().offsiteForbidden();
            minSecurity = app.placement().minSecurityLevel();
            HostTable.AppInstances own = t.apps.get(app.name());
            ownHosts = own == null ? null : own.hosts();
            ownSites = own == null ? null : own.sites();
            Map<String, String> c = new TreeMap<>();
            for (String a : app.placement().avoid()) {
                c.put(a, app.name());
            }
            for (String a : avoidedBy.getOrDefault(app.name(), List.of())) {
                c.putIfAbsent(a, a);
            }
            conflicts = c.keySet().toArray(new String[0]);
            conflictAvoider = c.values().toArray(new String[0]);
            conflictHosts = new BitSet[conflicts.length];
            for (int k = 0; k < conflicts.length; k++) {
                HostTable.AppInstances other = t.apps.get(conflicts[k]);
                conflictHosts[k] = other == null ? null : other.hosts();
            }
            cheapest = app.placement().cost() == PlacementRules.CostPreference.PREFER_CHEAPEST;
            seedKey = HostTable.mix(config.seed() ^ HostTable.hash(instance));
            cost = CostModel.factors(r, config.networkLoadRatio());
        }
    }

    // ------------------------------------------------------------------------------------------
    // What the plan placed so far, over the snapshot's tables

    private Overlay overlay(List<Placed> planned) {
        Overlay ov = new Overlay();
        for (Placed p : planned) {
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
        return ov;
    }

    /** Mutable, but only ever inside one call: each public method builds its own. */
    private final class Overlay {
        private static final long[] NONE = new long[4];
        long[] touched;
        final Map<Integer, long[]> delta = new HashMap<>();
        final Map<String, BitSet> appHosts = new HashMap<>();
        final Map<String, BitSet> appSites = new HashMap<>();
        final Map<String, List<HostTable.Known>> appVms = new LinkedHashMap<>();
        final Set<String> names = new HashSet<>();

        void add(Placed p, ApplicationSpec app, int host) {
            if (touched == null) {
                touched = new long[(t.size + 63) >>> 6];
            }
            touched[host >>> 6] |= 1L << host;
            long[] x = delta.computeIfAbsent(host, k -> new long[4]);
            var r = app.resources();
            x[0] += r.vcpus();
            x[1] += r.memoryMiB() * MIB;
            x[2] += r.diskGiB() * GIB;
            x[3] += r.networkMbps() * BITS_PER_MEGABIT;
            appHosts.computeIfAbsent(app.name(), k -> new BitSet()).set(host);
            if (t.site[host] >= 0) {
                appSites.computeIfAbsent(app.name(), k -> new BitSet()).set(t.site[host]);
            }
            appVms.computeIfAbsent(app.name(), k -> new ArrayList<>()).add(new HostTable.Known(p.instance(), host));
            names.add(p.instance());
        }

        long[] deltaOf(int host) {
            return delta.getOrDefault(host, NONE);
        }
    }
}
