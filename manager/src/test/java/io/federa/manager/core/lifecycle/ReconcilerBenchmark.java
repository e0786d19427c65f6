package io.federa.manager.core.lifecycle;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.placement.Strategy;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.CatalogValidator;
import io.federa.manager.core.spec.PlacementRules;
import io.federa.manager.core.spec.Resources;
import io.federa.manager.core.spec.ServiceSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One reconcile pass over a catalog at the bound a catalog may ask for
 * ({@link CatalogValidator#MAX_INSTANCES}: ten applications of 1,000 replicas, one started
 * service) on the benchmark inventory of {@code io.federa.manager.core.placement}:
 * {@code bench/placement-jmh.sh} runs it beside the placement benchmark.
 *
 * <ul>
 *   <li>{@link #firstPass}: the service just started, nothing placed: every instance placed and
 *       its commands planned.</li>
 *   <li>{@link #steadyPass}: every instance running where it was placed: the pass the manager
 *       makes every poll interval, which plans nothing.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ReconcilerBenchmark {
    @Param({"1000"})
    public int hosts;

    private Reconciler.World empty;
    private Reconciler.World steady;

    @Setup(Level.Trial)
    public void setUp() {
        Map<String, ApplicationSpec> apps = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        int perApp = CatalogValidator.MAX_INSTANCES / 10;
        for (int a = 0; a < 10; a++) {
            String name = "part" + a;
            apps.put(name, new ApplicationSpec(name, "kvm", new Resources(1, 1024, 10, 1), perApp, 1, List.of(),
                    new PlacementRules(PlacementRules.Spread.NONE, List.of(), false, 0,
                            PlacementRules.CostPreference.PREFER_CHEAPEST), Optional.empty()));
            names.add(name);
        }
        Catalog catalog = new Catalog(apps, Map.of("huge", new ServiceSpec("huge", "at the bound", names)));
        InventorySnapshot inventory = io.federa.manager.core.placement.PlacementBenchmark.inventory(hosts, 42);
        long now = 1_000_000;
        PlacementConfig config = new PlacementConfig(8.0, Strategy.SPREAD, 7, 1.0);
        Map<String, DesiredState> desired = Map.of("huge", DesiredState.STARTED);
        empty = world(catalog, inventory, desired, Map.of(), config, now);
        Plan first = Reconciler.plan(empty);
        if (first.placed().size() != CatalogValidator.MAX_INSTANCES) {
            throw new IllegalStateException("the benchmark's catalog should fit whole: " + first.placed().size()
                    + " placed; " + first.waiting().stream().limit(3).toList());
        }
        // Every instance running where the first pass put it.
        Map<String, ManagedInstance> instances = new HashMap<>();
        Map<String, List<VmStatus>> added = new HashMap<>();
        for (ManagedInstance i : first.placed()) {
            instances.put(i.name(), i);
            ApplicationSpec app = apps.get(i.application());
            added.computeIfAbsent(i.host(), h -> new ArrayList<>()).add(new VmStatus(i.name(), "uuid-" + i.name(), i.host(),
                    "RUNNING", i.application(), i.service(), app.resources().vcpus(), app.resources().memoryMiB() << 20,
                    app.resources().diskGiB() << 30, 0, 0, 0.2, 60, i.epoch()));
        }
        Map<String, InventorySnapshot.Entry> entries = new LinkedHashMap<>();
        for (InventorySnapshot.Entry e : inventory.agents().values()) {
            List<VmStatus> vms = new ArrayList<>(e.vms());
            e.host().ifPresent(h -> vms.addAll(added.getOrDefault(h.hostId(), List.of())));
            entries.put(e.agent(), new InventorySnapshot.Entry(e.agent(), e.health(), e.host(), vms));
        }
        steady = world(catalog, new InventorySnapshot(entries, now), desired, instances, config, now);
        Plan again = Reconciler.plan(steady);
        if (!again.isEmpty()) {
            throw new IllegalStateException("the steady pass should plan nothing: " + again.steps().size() + " steps, e.g. "
                    + again.steps().get(0));
        }
    }

    private static Reconciler.World world(Catalog catalog, InventorySnapshot inventory, Map<String, DesiredState> desired,
                                          Map<String, ManagedInstance> instances, PlacementConfig config, long now) {
        return new Reconciler.World(catalog, inventory, desired, instances, Set.of(), Map.of(), Map.of(), Set.of(), config,
                3_000, 1_000, now, Map.of(), Set.of());
    }

    @Benchmark
    public Plan firstPass() {
        return Reconciler.plan(empty);
    }

    @Benchmark
    public Plan steadyPass() {
        return Reconciler.plan(steady);
    }
}
