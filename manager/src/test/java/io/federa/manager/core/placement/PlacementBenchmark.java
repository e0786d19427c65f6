package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.PlacementRules;
import io.federa.manager.core.spec.Resources;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Placements per second with every rule on, over 1,000 to 10,000 hosts: {@code bench/placement-jmh.sh}.
 *
 * <p>The inventory: hosts in 20 sites, one in ten offsite, security levels 0–5, every host
 * offering kvm and half of them jvm too, 32–128 CPUs, 128–1024 GiB, 2–16 TiB, 10 Gbps, each with
 * 0–7 VMs of 20 applications already there; 3% unreachable, 2% cordoned. The application placed
 * ({@code web}) asks for every check: kvm, 2 vCPUs, 4 GiB, 40 GiB, 100 Mbps, replicas on distinct
 * hosts, never offsite, security level 2 or more, avoided by {@code payment} and avoiding
 * {@code batch}, the cheapest host preferred; CPU overcommit 2.0, spread strategy.
 *
 * <ul>
 *   <li>{@link #place}: one instance into an empty plan — the whole chain over every host.</li>
 *   <li>{@link #planHundred}: 100 replicas in one plan, each seeing the ones before
 *       (per placement: JMH divides by 100).</li>
 *   <li>{@link #placeFirst}: the first placement of an application on a snapshot, which also
 *       finds the hosts that pass its snapshot-only checks (then kept for the next ones).</li>
 *   <li>{@link #buildTables}: what a new snapshot costs before the first placement.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PlacementBenchmark {
    @Param({"1000", "5000", "10000"})
    public int hosts;

    private InventorySnapshot snapshot;
    private Catalog catalog;
    private Placement placement;
    private PlacementRequest[] requests;
    private List<PlacementRequest> hundred;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        catalog = catalog();
        snapshot = inventory(hosts, 42);
        placement = Placement.of(snapshot, cordoned(hosts), catalog, new PlacementConfig(2.0, Strategy.SPREAD, 7, 1.0));
        requests = new PlacementRequest[1024];
        for (int k = 0; k < requests.length; k++) {
            requests[k] = new PlacementRequest("web", "web-new-" + k);
        }
        hundred = new ArrayList<>();
        for (int k = 0; k < 100; k++) {
            hundred.add(new PlacementRequest("web", "web-plan-" + k));
        }
        Outcome o = placement.place(requests[0]);
        if (!(o instanceof Outcome.Fits)) {
            throw new IllegalStateException("the benchmark's instance should fit: " + Explanation.of(o));
        }
        if (!placement.plan(hundred).complete()) {
            throw new IllegalStateException("the benchmark's plan should fit whole");
        }
    }

    @Benchmark
    public Outcome place() {
        next = (next + 1) & (requests.length - 1);
        return placement.place(requests[next]);
    }

    @Benchmark
    @OperationsPerInvocation(100)
    public PlacementPlan planHundred() {
        return placement.plan(hundred);
    }

    /** The first placement of an application on a snapshot: its eligible hosts are found first. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Outcome placeFirst() {
        next = (next + 1) & (requests.length - 1);
        return placement.with(placement.config()).place(requests[next]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Placement buildTables() {
        return Placement.of(snapshot, cordoned(hosts), catalog, new PlacementConfig(2.0, Strategy.SPREAD, 7, 1.0));
    }

    static Catalog catalog() {
        Map<String, ApplicationSpec> apps = new LinkedHashMap<>();
        apps.put("web", new ApplicationSpec("web", "kvm", new Resources(2, 4096, 40, 100), 2, 1, List.of(),
                new PlacementRules(PlacementRules.Spread.HOST, List.of("batch"), true, 2,
                        PlacementRules.CostPreference.PREFER_CHEAPEST), Optional.empty()));
        apps.put("payment", new ApplicationSpec("payment", "kvm", new Resources(2, 4096, 40, 100), 1, 1, List.of(),
                new PlacementRules(PlacementRules.Spread.HOST, List.of("web"), true, 3,
                        PlacementRules.CostPreference.PREFER_CHEAPEST), Optional.empty()));
        apps.put("batch", new ApplicationSpec("batch", "kvm", new Resources(4, 8192, 100, 0), 1, 1, List.of(),
                PlacementRules.defaults(), Optional.empty()));
        for (int a = 0; a < 17; a++) {
            apps.put("app" + a, new ApplicationSpec("app" + a, "kvm", new Resources(2, 4096, 50, 10), 1, 1, List.of(),
                    PlacementRules.defaults(), Optional.empty()));
        }
        return new Catalog(apps, Map.of());
    }

    static Set<String> cordoned(int n) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < n; i += 50) {
            out.add(id(i + 7));
        }
        return out;
    }

    static String id(int i) {
        return String.format("host-%05d", i);
    }

    public static InventorySnapshot inventory(int n, long seed) {
        Random r = new Random(seed);
        List<String> apps = new ArrayList<>(catalog().applications().keySet());
        Map<String, InventorySnapshot.Entry> m = new LinkedHashMap<>();
        int vmCount = 0;
        for (int i = 0; i < n; i++) {
            String id = id(i);
            int cpus = 32 << r.nextInt(3);
            long memory = (128L << r.nextInt(4)) << 30;
            long disk = (2048L << r.nextInt(4)) << 30;
            List<VmStatus> vms = new ArrayList<>();
            int vc = 0;
            long mem = 0;
            long dsk = 0;
            for (int k = r.nextInt(8); k > 0; k--) {
                String app = apps.get(r.nextInt(apps.size()));
                String name = app + "-x" + (++vmCount);
                vms.add(new VmStatus(name, "uuid-" + name, id, "RUNNING", app, "svc", 2, 4L << 30, 50L << 30, 1e6, 1e6, 0.2, 60));
                vc += 2;
                mem += 4L << 30;
                dsk += 50L << 30;
            }
            HostStatus h = new HostStatus(id, "site-" + r.nextInt(20), r.nextInt(10) == 0, r.nextInt(6),
                    r.nextBoolean() ? List.of("kvm") : List.of("kvm", "jvm"), cpus, vc, memory, mem, disk, dsk, 10_000_000_000L,
                    r.nextInt(1_000) * 1e6, "EUR", 0.000006 + r.nextInt(9) * 0.000001, 0.00004 + r.nextInt(10) * 0.00001,
                    0.02 + r.nextInt(4) * 0.01, 0.0000001, "0.1.0", 1_000);
            AgentHealth health = r.nextInt(100) < 3 ? new AgentHealth(AgentHealth.State.UNREACHABLE, 3, 0, 0, "timeout", 0)
                    : new AgentHealth(AgentHealth.State.REACHABLE, 0, 0, 0, "", 1_000);
            m.put("agent-" + id, new InventorySnapshot.Entry("agent-" + id, health, Optional.of(h), vms));
        }
        return new InventorySnapshot(m, 1_000);
    }
}
