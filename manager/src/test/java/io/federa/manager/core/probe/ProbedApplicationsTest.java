package io.federa.manager.core.probe;

import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.lifecycle.Action;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.lifecycle.Plan;
import io.federa.manager.core.lifecycle.Reconciler;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What probes change in the pure core: availability counts an instance only while its probe says
 * it serves, an application waits for the ones it depends on to serve, a restart is planned for
 * the very run of the VM that fails, and a VM is defined with its probe's port forwarded.
 */
class ProbedApplicationsTest {
    private static final Catalog SHOP = CatalogYaml.parse("""
            applications:
              - name: db
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                probe: { http: { port: 80, path: /cgi-bin/health }, restartAfter: 2, startGrace: 30s }
              - name: web
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                dependsOn: [db]
                probe: { http: { port: 8080, path: /health }, loadField: load }
            services:
              - name: shop
                applications: [web, db]
            """).catalog().orElseThrow();
    private static final long T0 = 10_000_000;

    private static HostStatus host(String id) {
        return new HostStatus(id, "paris", false, 3, List.of("qemu"), 4, 0, 8L << 30, 0, 200L << 30, 0,
                1_000_000_000L, 0, "EUR", 0.00001, 0.01, 0.02, 0, "0.1.0", T0);
    }

    private static VmStatus vm(String name, String app, long uptimeSeconds) {
        return new VmStatus(name, "u-" + name, "host-1", "RUNNING", app, "shop", 1, 128L << 20, 1L << 30, 0, 0, 0.1,
                uptimeSeconds, 1, VmStatus.Counters.UNKNOWN, Map.of("80", "127.0.0.1:41999"));
    }

    /** host-1 polled at {@code at} with these VMs. */
    private static InventorySnapshot fleet(long at, VmStatus... vms) {
        return InventorySnapshot.of(List.of("host-1"), T0).polled("host-1", host("host-1"), List.of(vms), at);
    }

    private static final ServiceView.Asked STARTED = new ServiceView.Asked(true, Map.of("shop", DesiredState.STARTED), Map.of(), List.of());

    @Test
    void anInstanceWhoseVmRunsButWhoseProbeFailsDoesNotCountAndTheServiceSaysWhy() {
        InventorySnapshot inv = fleet(T0, vm("db-1", "db", 600), vm("web-1", "web", 600));
        ProbeBook book = ProbeBook.EMPTY
                .recorded("db", "db-1", "host-1", T0 - 600_000, SHOP.applications().get("db").probe().get(),
                        ProbeResult.passed(OptionalDouble.empty(), T0))
                .recorded("web", "web-1", "host-1", T0 - 600_000, SHOP.applications().get("web").probe().get(),
                        ProbeResult.failed("HTTP 503 Service Unavailable: told to fail", T0));
        ServiceView v = ServiceView.of(SHOP, inv, STARTED, Map.of(), book);
        ServiceView.Service shop = v.service("shop").orElseThrow();
        assertThat(shop.state()).contains(ServiceAvailability.State.DOWN);
        assertThat(shop.reasons()).containsExactly("web: 0 of 1 instances running (minAvailable 1); web-1 on host-1: GET :8080/health"
                + " failing: HTTP 503 Service Unavailable: told to fail (1 time)");
        assertThat(shop.application("web").orElseThrow().instances()).singleElement()
                .satisfies(i -> assertThat(i.vmRunning()).isTrue());

        // With nothing probed yet the service is not judged: it keeps the state it had (none here); UP once web's probe passes.
        ServiceView.Service unasked = ServiceView.of(SHOP, inv, STARTED, Map.of()).service("shop").orElseThrow();
        assertThat(unasked.judged()).isFalse();
        assertThat(unasked.state()).isEmpty();
        ProbeBook fine = book.recorded("web", "web-1", "host-1", T0 - 600_000, SHOP.applications().get("web").probe().get(),
                ProbeResult.passed(OptionalDouble.of(0.4), T0 + 5_000));
        assertThat(ServiceView.of(SHOP, inv, STARTED, Map.of(), fine).service("shop").orElseThrow().state())
                .contains(ServiceAvailability.State.UP);
    }

    @Test
    void aServiceWithAnInstanceNotProbedYetKeepsTheStateItWasInRatherThanBeingCalledDown() {
        // A manager that just started, over a shop that was UP: its probes are not asked yet.
        Map<String, ServiceAvailability> was = Map.of("shop", new ServiceAvailability("shop", ServiceAvailability.State.UP, List.of()));
        InventorySnapshot inv = fleet(T0, vm("db-1", "db", 600), vm("web-1", "web", 600));
        ServiceView.Service shop = ServiceView.of(SHOP, inv, STARTED, was, ProbeBook.EMPTY).service("shop").orElseThrow();
        assertThat(shop.judged()).isFalse();
        assertThat(shop.state()).contains(ServiceAvailability.State.UP);
        assertThat(shop.reasons()).containsExactly("not judged yet: the probe of db in db-1, web in web-1 not asked yet");
        // Its instances say so too.
        assertThat(shop.application("db").orElseThrow().instances()).singleElement()
                .satisfies(i -> assertThat(i.probe().orElseThrow().reason()).isEqualTo("starting: GET :80/cgi-bin/health not asked yet"));
    }

    private static Reconciler.World world(InventorySnapshot inv, Map<String, ManagedInstance> instances, ProbeBook book, long now) {
        return new Reconciler.World(SHOP, inv, Map.of("shop", DesiredState.STARTED), instances, Set.of(), Map.of(), Map.of(),
                Set.of(), PlacementConfig.defaults(), 3_000, 1_000, now, Map.of(), Set.of(), book);
    }

    private static List<String> actions(Plan p) {
        List<String> out = new ArrayList<>();
        p.steps().forEach(s -> s.actions().forEach(a -> out.add(a.verb() + " " + a.vm() + "@" + a.host() + " e" + a.epoch())));
        return out;
    }

    @Test
    void anApplicationWaitsUntilWhatItDependsOnServesNotMerelyRuns() {
        Map<String, ManagedInstance> db = Map.of("db-1", new ManagedInstance("db-1", "db", "shop", "host-1", 1));
        InventorySnapshot inv = fleet(T0, vm("db-1", "db", 5));
        Plan waiting = Reconciler.plan(world(inv, db, ProbeBook.EMPTY, T0 + 1_000));
        assertThat(actions(waiting)).isEmpty();
        assertThat(waiting.waiting()).contains("web waits for db: 0 of 1 needed instances serving (by its probe)");

        ProbeBook serving = ProbeBook.EMPTY.recorded("db", "db-1", "host-1", T0 - 5_000, SHOP.applications().get("db").probe().get(),
                ProbeResult.passed(OptionalDouble.empty(), T0));
        Plan next = Reconciler.plan(world(inv, db, serving, T0 + 1_000));
        assertThat(next.steps()).hasSize(1);
        Action.Define define = (Action.Define) next.steps().get(0).actions().get(0);
        assertThat(define.vm()).isEqualTo("web-1");
        // Its probe's port is forwarded by the host it is defined on.
        assertThat(define.ports()).containsExactly("8080");
    }

    @Test
    void aRestartIsPlannedForTheRunThatFailsAndNotAgainForTheNextRun() {
        Map<String, ManagedInstance> db = Map.of("db-1", new ManagedInstance("db-1", "db", "shop", "host-1", 1));
        long started = T0 - 600_000;
        ProbeBook book = ProbeBook.EMPTY;
        for (long at = T0 - 10_000; at <= T0; at += 5_000) {
            book = book.recorded("db", "db-1", "host-1", started, SHOP.applications().get("db").probe().get(),
                    ProbeResult.failed("connection refused", at));
        }
        assertThat(book.restartsDue()).containsOnlyKeys("db-1");
        Plan restart = Reconciler.plan(world(fleet(T0, vm("db-1", "db", 600)), db, book, T0 + 500));
        assertThat(actions(restart)).containsExactly("shutdown db-1@host-1 e1", "start db-1@host-1 e1");
        assertThat(restart.steps().get(0).why()).isEqualTo("restart db: GET :80/cgi-bin/health failing: connection refused (3 times in a row)");

        // Started again 2 s ago, not probed since: the book still says due, for the run before.
        Plan after = Reconciler.plan(world(fleet(T0 + 4_000, vm("db-1", "db", 2)), db, book, T0 + 4_500));
        assertThat(actions(after)).isEmpty();
    }

    /** web has VMs of its own; api runs in them, beside it; front depends on api. */
    private static final Catalog SHARED = CatalogYaml.parse("""
            applications:
              - name: web
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                probe: { http: { port: 80, path: /health } }
              - name: api
                runsIn: web
                probe: { http: { port: 8080, path: /api }, restartAfter: 2, loadField: load }
              - name: front
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                dependsOn: [api]
            services:
              - name: shop
                applications: [front, api]
            """).catalog().orElseThrow();

    private static Reconciler.World shared(InventorySnapshot inv, Map<String, ManagedInstance> instances, ProbeBook book, long now) {
        return new Reconciler.World(SHARED, inv, Map.of("shop", DesiredState.STARTED), instances, Set.of(), Map.of(), Map.of(),
                Set.of(), PlacementConfig.defaults(), 3_000, 1_000, now, Map.of(), Set.of(), book);
    }

    private static ProbeBook probed(ProbeBook b, String app, long at, boolean passes) {
        return b.recorded(app, "web-1", "host-1", T0 - 600_000, SHARED.applications().get(app).probe().get(), passes
                ? ProbeResult.passed(OptionalDouble.of(0.5), at) : ProbeResult.failed("HTTP 500 Internal Server Error", at));
    }

    @Test
    void applicationsSharingAVmEachHaveTheirOwnStateLoadAndRestarts() {
        Map<String, ManagedInstance> web = Map.of("web-1", new ManagedInstance("web-1", "web", "shop", "host-1", 1));
        InventorySnapshot inv = fleet(T0, vm("web-1", "web", 600));
        ProbeBook book = probed(probed(ProbeBook.EMPTY, "web", T0, true), "api", T0, false);

        // web serves, api in the same VM does not: api has no instance running, and says where.
        ServiceView.Service shop = ServiceView.of(SHARED, inv, STARTED, Map.of(), book).service("shop").orElseThrow();
        assertThat(shop.state()).contains(ServiceAvailability.State.DOWN);
        assertThat(shop.application("api").orElseThrow().headcount().running()).isZero();
        assertThat(shop.application("api").orElseThrow().headcount().wanted()).isEqualTo(1);
        assertThat(shop.reasons()).contains("api: 0 of 1 instances running (minAvailable 1); web-1 on host-1: GET :8080/api failing:"
                + " HTTP 500 Internal Server Error (1 time)");
        // front waits for api to serve, and nothing is ever placed for api: it has no VM of its own.
        Plan waits = Reconciler.plan(shared(inv, web, book, T0 + 500));
        assertThat(waits.waiting()).contains("front waits for api: 0 of 1 needed instances serving (by its probe)");
        assertThat(actions(waits)).isEmpty();

        // api failing twice in a row restarts web-1's VM, which it shares.
        ProbeBook failing = probed(book, "api", T0 + 5_000, false);
        Plan restart = Reconciler.plan(shared(fleet(T0 + 5_000, vm("web-1", "web", 605)), web, failing, T0 + 5_500));
        assertThat(actions(restart)).containsExactly("shutdown web-1@host-1 e1", "start web-1@host-1 e1");
        assertThat(restart.steps().get(0).why()).startsWith("restart api: GET :8080/api failing");

        // Once api serves, front is placed; api's own load is its probe's.
        ProbeBook serving = probed(book, "api", T0 + 5_000, true);
        Plan next = Reconciler.plan(shared(inv, web, serving, T0 + 5_500));
        assertThat(next.placed()).extracting(ManagedInstance::name).containsExactly("front-1");
        assertThat(serving.load("api").getAsDouble()).isEqualTo(0.5);
        assertThat(ServiceView.of(SHARED, inv, STARTED, Map.of(), serving).service("shop").orElseThrow()
                .application("api").orElseThrow().headcount().running()).isEqualTo(1);
    }

    @Test
    void aVmIsDefinedWithThePortsOfEveryApplicationInIt() {
        Plan first = Reconciler.plan(shared(InventorySnapshot.of(List.of("host-1"), T0).polled("host-1", host("host-1"), List.of(), T0),
                Map.of(), ProbeBook.EMPTY, T0 + 500));
        Action.Define define = (Action.Define) first.steps().get(0).actions().get(0);
        assertThat(define.vm()).isEqualTo("web-1");
        assertThat(define.ports()).containsExactly("80", "8080");
        assertThat(first.placed()).extracting(ManagedInstance::name).containsExactly("web-1");
    }

    @Test
    void theVmsOfAnApplicationAreRestartedOneAtATime() {
        Catalog pair = CatalogYaml.parse("""
                applications:
                  - name: web
                    runtime: qemu
                    resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                    replicas: 2
                    placement: { spreadReplicas: none }
                    probe: { http: { port: 80, path: /wrong }, restartAfter: 1, startGrace: 30s }
                services:
                  - name: shop
                    applications: [web]
                """).catalog().orElseThrow();
        Map<String, ManagedInstance> web = Map.of("web-1", new ManagedInstance("web-1", "web", "shop", "host-1", 1),
                "web-2", new ManagedInstance("web-2", "web", "shop", "host-1", 1));
        ProbeBook book = ProbeBook.EMPTY;
        for (String vm : List.of("web-1", "web-2")) {
            book = book.recorded("web", vm, "host-1", T0 - 600_000, pair.applications().get("web").probe().get(),
                    ProbeResult.failed("HTTP 404 Not Found", T0));
        }
        assertThat(book.restartsDue()).containsOnlyKeys("web-1", "web-2");
        InventorySnapshot inv = fleet(T0, vm("web-1", "web", 600), vm("web-2", "web", 600));
        Plan first = Reconciler.plan(new Reconciler.World(pair, inv, Map.of("shop", DesiredState.STARTED), web, Set.of(), Map.of(),
                Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0 + 500, Map.of(), Set.of(), book));
        assertThat(actions(first)).containsExactly("shutdown web-1@host-1 e1", "start web-1@host-1 e1");
        assertThat(first.waiting()).contains("web-2 is due a restart (web: GET :80/wrong failing: HTTP 404 Not Found (1 time))"
                + " and waits: another VM of web is restarted by this pass (one VM of an application restarted at a time)");

        // web-1 started again and not answering yet, within its grace: web-2 still waits.
        ProbeBook after = book.recorded("web", "web-1", "host-1", T0 + 2_000, pair.applications().get("web").probe().get(),
                ProbeResult.failed("connection refused", T0 + 5_000));
        Plan second = Reconciler.plan(new Reconciler.World(pair, fleet(T0 + 5_000, vm("web-1", "web", 3), vm("web-2", "web", 605)),
                Map.of("shop", DesiredState.STARTED), web, Set.of(), Map.of(), Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000,
                T0 + 5_500, Map.of(), Set.of(), after));
        assertThat(actions(second)).isEmpty();
        assertThat(second.waiting()).anySatisfy(w -> assertThat(w).startsWith("web-2 is due a restart").endsWith(
                "waits: web-1 was started and has not answered yet (one VM of an application restarted at a time)"));
    }
}
