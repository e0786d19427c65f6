package io.federa.manager.probe;

import io.federa.common.clock.WallClock;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.probe.ProbeBook;
import io.federa.manager.core.probe.ProbeResult;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.ProbeSpec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Probes every running instance of each application that has a probe (in its own VMs, or in the
 * VMs of the application it runs in), each at its probe's
 * interval, at most {@code maxInFlight} at a time (the others wait for the next tick: probes
 * stretch, they do not pile up), and publishes a {@link ProbeBook} that availability, scaling and
 * the restart of failing instances read. Every manager probes, the leader and the others alike,
 * so that each shows the same availability; only the leader acts on it.
 */
public final class ProbeVerticle extends VerticleBase {
    /** How often the verticle looks for probes that are due. */
    static final long TICK_MILLIS = 250;

    private final Supplier<InventorySnapshot> inventory;
    private final Supplier<Catalog> catalog;
    private final int maxInFlight;
    private final Map<String, Long> nextDue = new HashMap<>();
    private final Set<String> inFlight = new HashSet<>();
    /** Kept on the event loop, one result at a time; published once per tick. */
    private final ProbeBook.Builder results = new ProbeBook.Builder();
    private volatile ProbeBook book = ProbeBook.EMPTY;
    private volatile long sent;
    private volatile long failed;
    private GuestProbes probes;
    private long timer = -1;

    public ProbeVerticle(Supplier<InventorySnapshot> inventory, Supplier<Catalog> catalog, int maxInFlight) {
        this.inventory = inventory;
        this.catalog = catalog;
        this.maxInFlight = maxInFlight;
    }

    @Override
    public Future<?> start() {
        probes = new GuestProbes(vertx, maxInFlight);
        timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        return probes.close();
    }

    /** What the probes found last; read from any thread. */
    public ProbeBook book() {
        return book;
    }

    /** Probes sent since the start, and how many of them failed (a missing address not counted). */
    public long sent() {
        return sent;
    }

    public long failed() {
        return failed;
    }

    private void tick() {
        Catalog c = catalog.get();
        InventorySnapshot inv = inventory.get();
        long now = WallClock.millis();
        Set<String> probed = new HashSet<>();
        Set<String> present = new HashSet<>();
        // What to probe in a VM of each application: its own probe, and those of the ones that run in its VMs.
        Map<String, List<ApplicationSpec>> probedIn = c == null ? Map.of() : probedIn(c);
        if (!probedIn.isEmpty()) {
            for (InventorySnapshot.Entry e : inv.agents().values()) {
                for (VmStatus vm : e.vms()) {
                    List<ApplicationSpec> apps = vm.application() == null ? null : probedIn.get(vm.application());
                    if (apps == null) {
                        continue;
                    }
                    for (ApplicationSpec app : apps) {
                        String key = ProbeBook.key(app.name(), vm.name());
                        present.add(key);
                        if (!RunningInstances.counts(e, vm)) {
                            continue;
                        }
                        ProbeSpec spec = app.probe().get();
                        probed.add(key);
                        if (inFlight.contains(key) || now < nextDue.getOrDefault(key, 0L) || inFlight.size() >= maxInFlight) {
                            continue;
                        }
                        nextDue.put(key, now + spec.every().toMillis());
                        // When the VM started, from its uptime as of its poll (not as of now: polls age).
                        ask(app.name(), vm, spec, e.health().lastSuccessMillis() - vm.uptimeSeconds() * 1000, now);
                    }
                }
            }
        }
        nextDue.keySet().retainAll(probed);
        results.retain(present);
        book = results.build();
    }

    /** Read once per catalog: the ticks go through every VM four times a second. */
    private Catalog probedOf;
    private Map<String, List<ApplicationSpec>> probedInCache = Map.of();

    private Map<String, List<ApplicationSpec>> probedIn(Catalog c) {
        if (c != probedOf) {
            Map<String, List<ApplicationSpec>> hosted = c.hosted();
            Map<String, List<ApplicationSpec>> out = new HashMap<>();
            for (ApplicationSpec a : c.applications().values()) {
                if (a.hosted()) {
                    continue;
                }
                List<ApplicationSpec> apps = new ArrayList<>();
                a.probe().ifPresent(p -> apps.add(a));
                hosted.getOrDefault(a.name(), List.of()).stream().filter(h -> h.probe().isPresent()).forEach(apps::add);
                if (!apps.isEmpty()) {
                    out.put(a.name(), List.copyOf(apps));
                }
            }
            probedInCache = out;
            probedOf = c;
        }
        return probedInCache;
    }

    private void ask(String application, VmStatus vm, ProbeSpec spec, long vmStarted, long now) {
        String address = vm.endpoints().get(spec.ask().endpoint());
        if (address == null) {
            results.record(application, vm.name(), vm.host(), vmStarted, spec, ProbeResult.noAddress("its host " + vm.host()
                    + " reports no address for the guest's port " + spec.ask().endpoint() + " (the VM was defined before its application"
                    + " had this probe, or its agent forwards no ports: the libvirt test driver, a libvirt network, an agent"
                    + " older than the manager)", now));
            return;
        }
        String key = ProbeBook.key(application, vm.name());
        inFlight.add(key);
        sent++;
        probes.probe(address, spec, now).onComplete(ar -> {
            inFlight.remove(key);
            ProbeResult r = ar.succeeded() ? ar.result() : ProbeResult.failed(String.valueOf(ar.cause().getMessage()), WallClock.millis());
            if (!r.passed()) {
                failed++;
            }
            // The VM may have gone while it was probed: a result for a VM no longer probed is dropped.
            if (nextDue.containsKey(key)) {
                results.record(application, vm.name(), vm.host(), vmStarted, spec, r);
            }
        });
    }
}
