package io.federa.manager.core.lifecycle;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The reconcile pass over hand-made worlds: start order, idempotence, a lost host, stale copies, stop order. */
class ReconcilerTest {
    private static final Catalog SHOP = shop();
    private static final long T0 = 1_000_000;

    private static Catalog shop() {
        try {
            Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
            return CatalogYaml.parse(Files.readString(root.resolve("examples/shop.yaml"))).catalog().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static HostStatus host(String id, String site, boolean offsite, int security) {
        return new HostStatus(id, site, offsite, security, List.of("kvm"), 16, 0, 64L << 30, 0, 2000L << 30, 0,
                10_000_000_000L, 0, "EUR", offsite ? 0.000005 : 0.00001, 0.01, 0.02, 0, "0.1.0", T0);
    }

    private static VmStatus vm(String name, String host, String state, String app, long epoch) {
        return new VmStatus(name, "u-" + name, host, state, app, "shop", 2, 2L << 30, 20L << 30, 0, 0, 0, 10, epoch);
    }

    /** Three hosts: two secure local ones, one cheap offsite one; each answering, with the VMs given. */
    private static InventorySnapshot world(Map<String, List<VmStatus>> vms) {
        InventorySnapshot inv = InventorySnapshot.of(List.of("host-1", "host-2", "host-3"), T0);
        inv = inv.polled("host-1", host("host-1", "paris", false, 3), vms.getOrDefault("host-1", List.of()), T0);
        inv = inv.polled("host-2", host("host-2", "paris", false, 3), vms.getOrDefault("host-2", List.of()), T0);
        return inv.polled("host-3", host("host-3", "lyon", true, 1), vms.getOrDefault("host-3", List.of()), T0);
    }

    private static Reconciler.World started(InventorySnapshot inv, Map<String, ManagedInstance> instances, long now) {
        return new Reconciler.World(SHOP, inv, Map.of("shop", DesiredState.STARTED), instances, Set.of(), Map.of(),
                Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, now);
    }

    private static List<String> actions(Plan p) {
        List<String> out = new ArrayList<>();
        p.steps().forEach(s -> s.actions().forEach(a -> out.add(a.verb() + " " + a.vm() + "@" + a.host() + " e" + a.epoch())));
        return out;
    }

    private static Map<String, ManagedInstance> record(Map<String, ManagedInstance> instances, Plan p) {
        Map<String, ManagedInstance> next = new HashMap<>(instances);
        p.placed().forEach(i -> next.put(i.name(), i));
        return next;
    }

    @Test
    void a_service_comes_up_dependency_by_dependency_within_its_rules() {
        Plan first = Reconciler.plan(started(world(Map.of()), Map.of(), T0));
        assertThat(actions(first)).containsExactly("define catalog-db-1@host-1 e1", "start catalog-db-1@host-1 e1");
        assertThat(first.waiting()).contains("payment waits for catalog-db: 0 of 1 needed instances running");
        Map<String, ManagedInstance> instances = record(Map.of(), first);

        Plan second = Reconciler.plan(started(world(Map.of("host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1)))),
                instances, T0 + 1_000));
        // payment avoids web and must stay onsite at security 3; host-2 is free of the database.
        assertThat(actions(second)).containsExactly("define payment-1@host-2 e1", "start payment-1@host-2 e1");
        assertThat(second.waiting()).contains("web waits for payment: 0 of 1 needed instances running");
        instances = record(instances, second);

        Plan third = Reconciler.plan(started(world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1)),
                "host-2", List.of(vm("payment-1", "host-2", "RUNNING", "payment", 1)))), instances, T0 + 2_000));
        List<String> web = actions(third);
        assertThat(web).hasSize(4).allMatch(a -> a.contains("web-"));
        // Two replicas spread over two hosts, never with payment (avoid), cheapest first.
        List<String> hosts = third.placed().stream().map(ManagedInstance::host).toList();
        assertThat(hosts).doesNotHaveDuplicates().doesNotContain("host-2");
        assertThat(third.placed()).extracting(ManagedInstance::name).containsExactly("web-1", "web-2");
    }

    @Test
    void the_same_snapshot_twice_gives_an_empty_second_plan() {
        Plan first = Reconciler.plan(started(world(Map.of()), Map.of(), T0));
        Map<String, ManagedInstance> instances = record(Map.of(), first);
        // The first plan's steps are in flight: nothing to do.
        Set<String> busy = new java.util.HashSet<>();
        first.steps().forEach(s -> busy.add(s.vm()));
        Reconciler.World inFlight = new Reconciler.World(SHOP, world(Map.of()), Map.of("shop", DesiredState.STARTED), instances,
                Set.of(), Map.of(), Map.of(), busy, PlacementConfig.defaults(), 3_000, 1_000, T0 + 10);
        assertThat(Reconciler.plan(inFlight).steps()).isEmpty();
        // Done, but the agent has not been polled since: still nothing.
        Reconciler.World done = new Reconciler.World(SHOP, world(Map.of()), Map.of("shop", DesiredState.STARTED), instances,
                Set.of(), Map.of(), Map.of("catalog-db-1", T0 + 20), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0 + 30);
        assertThat(Reconciler.plan(done).steps()).isEmpty();
        // With the effect visible, nothing either.
        InventorySnapshot seen = world(Map.of("host-1", List.of(vm("catalog-db-1", "host-1", "SHUT_OFF", "catalog-db", 1))))
                .polled("host-1", host("host-1", "paris", false, 3),
                        List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1)), T0 + 40);
        assertThat(actions(Reconciler.plan(started(seen, instances, T0 + 50)))).allMatch(a -> a.contains("payment"));
    }

    @Test
    void a_lost_host_is_replaced_only_after_its_grace_period_and_lease_with_the_next_epoch() {
        Map<String, ManagedInstance> instances = Map.of(
                "catalog-db-1", new ManagedInstance("catalog-db-1", "catalog-db", "shop", "host-1", 1),
                "payment-1", new ManagedInstance("payment-1", "payment", "shop", "host-2", 1));
        InventorySnapshot inv = world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1)),
                "host-2", List.of(vm("payment-1", "host-2", "RUNNING", "payment", 1))))
                .failed("host-2", "connection refused", 2, T0 + 1_000).failed("host-2", "connection refused", 2, T0 + 2_000);
        Map<String, Long> lease = Map.of("host-2", T0 + 6_000);
        Reconciler.World early = new Reconciler.World(SHOP, inv, Map.of("shop", DesiredState.STARTED), instances, Set.of(), lease,
                Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0 + 5_000);
        Plan wait = Reconciler.plan(early);
        assertThat(actions(wait)).noneMatch(a -> a.contains("payment"));
        assertThat(wait.waiting()).anyMatch(s -> s.startsWith("payment-1 on host-2: host unreachable since"));

        Reconciler.World late = new Reconciler.World(SHOP, inv, Map.of("shop", DesiredState.STARTED), instances, Set.of(), lease,
                Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0 + 7_000);
        Plan moved = Reconciler.plan(late);
        // payment must stay onsite at security 3: host-1 is the only one left.
        assertThat(actions(moved)).containsSubsequence("define payment-1@host-1 e2", "start payment-1@host-1 e2");
        assertThat(moved.placed()).contains(new ManagedInstance("payment-1", "payment", "shop", "host-1", 2));
    }

    @Test
    void after_a_manager_restart_an_agent_that_has_not_answered_yet_keeps_its_instances_until_its_lease_can_have_run_out() {
        Map<String, ManagedInstance> instances = Map.of(
                "catalog-db-1", new ManagedInstance("catalog-db-1", "catalog-db", "shop", "host-1", 1),
                "payment-1", new ManagedInstance("payment-1", "payment", "shop", "host-2", 1));
        // A manager that just started: host-1 and host-3 answered, host-2 has not yet (no host reported).
        InventorySnapshot fresh = InventorySnapshot.of(List.of("host-1", "host-2", "host-3"), T0)
                .polled("host-1", host("host-1", "paris", false, 3), List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1)), T0)
                .polled("host-3", host("host-3", "lyon", true, 1), List.of(), T0);
        Map<String, Long> lease = Map.of("host-2", T0 + 6_000);
        Plan wait = Reconciler.plan(new Reconciler.World(SHOP, fresh, Map.of("shop", DesiredState.STARTED), instances, Set.of(),
                lease, Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0 + 500));
        assertThat(actions(wait)).noneMatch(a -> a.contains("payment"));
        assertThat(wait.waiting()).anyMatch(s -> s.startsWith("payment-1 on host-2: no agent has reported host-2"));

        // host-2's agent never answers: unreachable past the grace period, and past any lease it may hold.
        InventorySnapshot silent = fresh.failed("host-2", "connection refused", 2, T0 + 1_000)
                .failed("host-2", "connection refused", 2, T0 + 2_000);
        Plan stillWaiting = Reconciler.plan(new Reconciler.World(SHOP, silent, Map.of("shop", DesiredState.STARTED), instances,
                Set.of(), lease, Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0 + 5_000));
        assertThat(actions(stillWaiting)).noneMatch(a -> a.contains("payment"));
        Plan moved = Reconciler.plan(new Reconciler.World(SHOP, silent, Map.of("shop", DesiredState.STARTED), instances,
                Set.of(), lease, Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0 + 7_000));
        assertThat(actions(moved)).containsSubsequence("define payment-1@host-1 e2", "start payment-1@host-1 e2");
    }

    @Test
    void a_host_that_comes_back_drops_its_stale_copy_with_the_newer_epoch() {
        Map<String, ManagedInstance> instances = Map.of(
                "catalog-db-1", new ManagedInstance("catalog-db-1", "catalog-db", "shop", "host-1", 1),
                "payment-1", new ManagedInstance("payment-1", "payment", "shop", "host-1", 2));
        InventorySnapshot inv = world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1), vm("payment-1", "host-1", "RUNNING", "payment", 2)),
                "host-2", List.of(vm("payment-1", "host-2", "SHUT_OFF", "payment", 1))));
        Plan p = Reconciler.plan(started(inv, instances, T0));
        assertThat(actions(p)).contains("undefine payment-1@host-2 e2").doesNotContain("destroy payment-1@host-2 e2");
        assertThat(p.steps()).anySatisfy(s -> assertThat(s.why())
                .isEqualTo("stale copy of payment-1 (epoch 1) on host-2; the instance is on host-1 (epoch 2)"));
    }

    @Test
    void a_stopped_service_stops_in_reverse_dependency_order() {
        Map<String, ManagedInstance> instances = Map.of(
                "catalog-db-1", new ManagedInstance("catalog-db-1", "catalog-db", "shop", "host-1", 1),
                "payment-1", new ManagedInstance("payment-1", "payment", "shop", "host-2", 1),
                "web-1", new ManagedInstance("web-1", "web", "shop", "host-1", 1),
                "web-2", new ManagedInstance("web-2", "web", "shop", "host-3", 1));
        InventorySnapshot all = world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1), vm("web-1", "host-1", "RUNNING", "web", 1)),
                "host-2", List.of(vm("payment-1", "host-2", "RUNNING", "payment", 1)),
                "host-3", List.of(vm("web-2", "host-3", "RUNNING", "web", 1))));
        Reconciler.World stop = new Reconciler.World(SHOP, all, Map.of("shop", DesiredState.STOPPED), instances, Set.of(), Map.of(),
                Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0);
        Plan p = Reconciler.plan(stop);
        assertThat(actions(p)).containsExactlyInAnyOrder("shutdown web-1@host-1 e1", "shutdown web-2@host-3 e1");
        assertThat(p.waiting()).contains("payment stops after web", "catalog-db stops after payment, web");
    }

    @Test
    void an_instance_no_host_can_take_says_why_for_every_host() {
        // Only the offsite, low-security host answers: the database may not go there.
        InventorySnapshot inv = world(Map.of()).failed("host-1", "timeout", 1, T0).failed("host-2", "timeout", 1, T0);
        Plan p = Reconciler.plan(started(inv, Map.of(), T0));
        assertThat(p.steps()).isEmpty();
        assertThat(p.unschedulable()).singleElement().satisfies(u -> {
            assertThat(u.instance()).isEqualTo("catalog-db-1");
            assertThat(u.reasonsFor("host-3")).extracting(r -> r.code())
                    .contains("OFFSITE_FORBIDDEN", "SECURITY_LEVEL_TOO_LOW");
        });
    }

    @Test
    void vms_already_labelled_for_the_service_are_taken_over_up_to_the_replicas_not_duplicated() {
        InventorySnapshot inv = world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 0), vm("web-1", "host-1", "RUNNING", "web", 0)),
                "host-2", List.of(vm("payment-1", "host-2", "SHUT_OFF", "payment", 0), vm("web-2", "host-2", "RUNNING", "web", 0)),
                "host-3", List.of(vm("web-3", "host-3", "RUNNING", "web", 0))));
        Plan p = Reconciler.plan(started(inv, Map.of(), T0));
        // catalog-db runs, so payment's dependency is met: both are taken over, payment (shut off) started.
        assertThat(actions(p)).containsExactlyInAnyOrder("start catalog-db-1@host-1 e1", "start payment-1@host-2 e1");
        assertThat(p.placed()).extracting(ManagedInstance::name).containsExactly("catalog-db-1", "payment-1");
        // web waits for payment to run; once it does, two of the three web VMs are taken over, none defined.
        InventorySnapshot running = world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1), vm("web-1", "host-1", "RUNNING", "web", 0)),
                "host-2", List.of(vm("payment-1", "host-2", "RUNNING", "payment", 1), vm("web-2", "host-2", "RUNNING", "web", 0)),
                "host-3", List.of(vm("web-3", "host-3", "RUNNING", "web", 0))));
        Plan web = Reconciler.plan(started(running, record(Map.of(), p), T0 + 1_000));
        assertThat(actions(web)).containsExactly("start web-1@host-1 e1", "start web-2@host-2 e1");
    }

    @Test
    void a_scaling_target_adds_instances_by_the_rules_and_scaling_in_removes_the_newest() {
        Map<String, ManagedInstance> instances = new HashMap<>(Map.of(
                "catalog-db-1", new ManagedInstance("catalog-db-1", "catalog-db", "shop", "host-1", 1),
                "payment-1", new ManagedInstance("payment-1", "payment", "shop", "host-2", 1),
                "web-1", new ManagedInstance("web-1", "web", "shop", "host-1", 1),
                "web-2", new ManagedInstance("web-2", "web", "shop", "host-3", 1)));
        InventorySnapshot inv = world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1), vm("web-1", "host-1", "RUNNING", "web", 1)),
                "host-2", List.of(vm("payment-1", "host-2", "RUNNING", "payment", 1)),
                "host-3", List.of(vm("web-2", "host-3", "RUNNING", "web", 1))));
        Reconciler.World out = new Reconciler.World(SHOP, inv, Map.of("shop", DesiredState.STARTED), instances, Set.of(), Map.of(),
                Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0, Map.of("web", 3));
        // Three web replicas on three hosts, never beside payment: no host is left for the third.
        Plan p = Reconciler.plan(out);
        assertThat(p.unschedulable()).extracting(u -> u.instance()).containsExactly("web-3");

        instances.put("web-3", new ManagedInstance("web-3", "web", "shop", "host-2", 1));
        InventorySnapshot three = world(Map.of(
                "host-1", List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db", 1), vm("web-1", "host-1", "RUNNING", "web", 1)),
                "host-2", List.of(vm("payment-1", "host-2", "RUNNING", "payment", 1), vm("web-3", "host-2", "RUNNING", "web", 1)),
                "host-3", List.of(vm("web-2", "host-3", "RUNNING", "web", 1))));
        Reconciler.World in = new Reconciler.World(SHOP, three, Map.of("shop", DesiredState.STARTED), instances, Set.of(), Map.of(),
                Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0, Map.of("web", 2));
        Plan down = Reconciler.plan(in);
        assertThat(actions(down)).containsExactly("shutdown web-3@host-2 e1", "undefine web-3@host-2 e1");
        assertThat(down.removed()).containsExactly("web-3");
    }

    @Test
    void a_start_check_names_what_fits_nowhere_before_anything_starts_and_counts_what_is_placed_unseen() {
        // The shop fits on the three hosts.
        assertThat(Reconciler.unplaceable(started(world(Map.of()), Map.of(), T0), "shop")).isEmpty();

        // Only the offsite host answers: the database and payment (onsite, level 3) fit nowhere, nor
        // a second web replica (they spread over hosts); the check names all three, every host with its reasons.
        InventorySnapshot onlyOffsite = InventorySnapshot.of(List.of("host-3"), T0)
                .polled("host-3", host("host-3", "lyon", true, 1), List.of(), T0);
        List<io.federa.manager.core.placement.Outcome> none = Reconciler.unplaceable(started(onlyOffsite, Map.of(), T0), "shop");
        assertThat(none).extracting(io.federa.manager.core.placement.Outcome::instance).containsExactly("catalog-db-1", "payment-1", "web-2");
        assertThat(io.federa.manager.core.placement.Explanation.of(none.get(0))).contains("OFFSITE_FORBIDDEN")
                .contains("SECURITY_LEVEL_TOO_LOW");

        // The database was placed on host-1 and is not polled there yet: it is not missing, and the
        // check does not place it again.
        Map<String, ManagedInstance> placedUnseen = Map.of("catalog-db-1", new ManagedInstance("catalog-db-1", "catalog-db", "shop", "host-1", 1));
        InventorySnapshot oneHost = InventorySnapshot.of(List.of("host-1"), T0)
                .polled("host-1", host("host-1", "paris", false, 3), List.of(), T0);
        assertThat(Reconciler.unplaceable(started(oneHost, placedUnseen, T0), "shop"))
                .extracting(io.federa.manager.core.placement.Outcome::instance)
                .as("payment avoids web and both fit on host-1 alone only without each other").containsExactly("web-1", "web-2");
    }

    @Test
    void the_applications_started_services_run_are_kept_when_another_stops() {
        assertThat(Reconciler.keptRunning(SHOP, Map.of("shop", DesiredState.STOPPED, "backoffice", DesiredState.STARTED)))
                .containsExactlyInAnyOrder("reports", "catalog-db");
        assertThat(Reconciler.keptRunning(SHOP, Map.of("shop", DesiredState.STOPPED))).isEmpty();
    }

    @Test
    void the_preview_that_explain_shows_is_the_spread_a_start_makes() {
        Catalog spread = CatalogYaml.parse("""
                applications:
                  - name: web
                    runtime: kvm
                    resources: { vcpus: 2, memoryMiB: 2048, diskGiB: 20 }
                    replicas: 3
                    placement: { spreadReplicas: host }
                services:
                  - name: site
                    applications: [web]
                """).catalog().orElseThrow();
        InventorySnapshot inv = InventorySnapshot.of(List.of("host-1", "host-2", "host-3", "host-4"), T0);
        for (int i = 1; i <= 4; i++) {
            inv = inv.polled("host-" + i, host("host-" + i, "paris", false, 3), List.of(), T0);
        }
        Reconciler.World stopped = new Reconciler.World(spread, inv, Map.of("site", DesiredState.STOPPED), Map.of(), Set.of(),
                Map.of(), Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0);
        Reconciler.World started = new Reconciler.World(spread, inv, Map.of("site", DesiredState.STARTED), Map.of(), Set.of(),
                Map.of(), Map.of(), Set.of(), PlacementConfig.defaults(), 3_000, 1_000, T0);

        Reconciler.Preview preview = Reconciler.preview(stopped, "site");
        Map<String, String> explained = new HashMap<>();
        preview.instances().forEach(p -> explained.put(p.outcome().instance(),
                ((io.federa.manager.core.placement.Outcome.Fits) p.outcome()).host()));
        Map<String, String> startedOn = new HashMap<>();
        Reconciler.plan(started).placed().forEach(i -> startedOn.put(i.name(), i.host()));

        assertThat(explained).hasSize(3).isEqualTo(startedOn);
        assertThat(Set.copyOf(explained.values())).as("three replicas on three hosts").hasSize(3);
        // Each previewed instance's verdicts see the replicas placed before it.
        Reconciler.Previewed third = preview.instances().get(2);
        assertThat(preview.verdicts(third)).filteredOn(v -> !v.fits()).hasSize(2)
                .allSatisfy(v -> assertThat(v.refusals().get(0).toString()).contains("(planned)"));
    }
}
