package io.federa.manager.core.availability;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.Headcount;
import io.federa.manager.core.lifecycle.Plan;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.federa.manager.core.Fleet.host;
import static io.federa.manager.core.Fleet.vm;
import static io.federa.manager.core.availability.ServiceAvailability.State.DEGRADED;
import static io.federa.manager.core.availability.ServiceAvailability.State.DOWN;
import static io.federa.manager.core.availability.ServiceAvailability.State.STOPPED;
import static io.federa.manager.core.availability.ServiceAvailability.State.UP;
import static org.assertj.core.api.Assertions.assertThat;

/** Each service as one pass sees it: desired state, state and reasons, and each application's headcount. */
class ServiceViewTest {
    private static Catalog shop() throws Exception {
        Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
        return CatalogYaml.parse(Files.readString(root.resolve("examples/shop.yaml"))).catalog().orElseThrow();
    }

    /** One application, replicas 3, minAvailable 1, scaled between 1 and 6. */
    private static Catalog grid() {
        return CatalogYaml.parse("""
                applications:
                  - name: node
                    runtime: kvm
                    resources: { vcpus: 1, memoryMiB: 512, diskGiB: 1 }
                    replicas: 3
                    minAvailable: 1
                    scaling: { metric: cpu, scaleOutAbove: 0.75, scaleInBelow: 0.25, for: 30s, min: 1, max: 6, cooldown: 60s }
                services:
                  - name: grid
                    applications: [node]
                """).catalog().orElseThrow();
    }

    private static final Map<String, DesiredState> BOTH_STARTED = Map.of("shop", DesiredState.STARTED,
            "backoffice", DesiredState.STARTED);

    private static ServiceView.Asked started(Map<String, DesiredState> desired) {
        return new ServiceView.Asked(true, desired, Map.of(), List.of());
    }

    /** host-1 and host-2 answering with these VMs. */
    private static InventorySnapshot fleet(List<VmStatus> host1, List<VmStatus> host2) {
        return InventorySnapshot.of(List.of("host-1", "host-2"), 0)
                .polled("host-1", host("host-1"), host1, 1_000).polled("host-2", host("host-2"), host2, 1_000);
    }

    private static InventorySnapshot shopRunning() {
        return fleet(List.of(vm("web-1", "host-1", "RUNNING", "web"), vm("catalog-db-1", "host-1", "RUNNING", "catalog-db")),
                List.of(vm("web-2", "host-2", "RUNNING", "web"), vm("payment-1", "host-2", "RUNNING", "payment"),
                        vm("reports-1", "host-2", "RUNNING", "reports")));
    }

    private static ServiceView.Service service(ServiceView v, String name) {
        return v.service(name).orElseThrow();
    }

    private static List<VmStatus> nodes(int running, int stopped) {
        List<VmStatus> out = new ArrayList<>();
        for (int i = 1; i <= running + stopped; i++) {
            out.add(vm("node-" + i, "host-1", i <= running ? "RUNNING" : "SHUT_OFF", "node"));
        }
        return out;
    }

    @Test
    void every_instance_wanted_running_is_up_with_no_reason() throws Exception {
        ServiceView v = ServiceView.of(shop(), shopRunning(), started(BOTH_STARTED), Map.of());
        assertThat(service(v, "shop").state()).contains(UP);
        assertThat(service(v, "shop").reasons()).isEmpty();
        assertThat(service(v, "shop").desiredRunning()).isTrue();
        assertThat(service(v, "shop").application("web").orElseThrow().headcount())
                .isEqualTo(new Headcount("web", 2, 2, 1));
    }

    @Test
    void a_replica_stopped_but_min_available_kept_is_degraded_and_says_which_and_why() throws Exception {
        InventorySnapshot inv = fleet(List.of(vm("web-1", "host-1", "RUNNING", "web"), vm("catalog-db-1", "host-1", "RUNNING", "catalog-db")),
                List.of(vm("web-2", "host-2", "SHUT_OFF", "web"), vm("payment-1", "host-2", "RUNNING", "payment")));
        ServiceView.Service s = service(ServiceView.of(shop(), inv, started(BOTH_STARTED), Map.of()), "shop");
        assertThat(s.state()).contains(DEGRADED);
        assertThat(s.reasons()).containsExactly("web: 1 of 2 instances running (minAvailable 1); web-2 on host-2: VM SHUT_OFF");
    }

    @Test
    void a_component_below_min_available_on_a_lost_host_makes_the_service_down() throws Exception {
        InventorySnapshot lost = shopRunning().failed("host-1", "timeout after 1000 ms", 1, 2_000);
        ServiceView v = ServiceView.of(shop(), lost, started(BOTH_STARTED), Map.of());
        assertThat(service(v, "shop").state()).contains(DOWN);
        assertThat(service(v, "shop").reasons()).contains(
                "catalog-db: 0 of 1 instances running (minAvailable 1); catalog-db-1 on host-1: host unreachable");
        // A shared application failing affects every service that uses it.
        assertThat(service(v, "backoffice").state()).contains(DOWN);
    }

    @Test
    void an_instance_never_placed_is_named_as_missing() throws Exception {
        InventorySnapshot inv = fleet(List.of(vm("web-1", "host-1", "RUNNING", "web"), vm("catalog-db-1", "host-1", "RUNNING", "catalog-db")),
                List.of(vm("payment-1", "host-2", "RUNNING", "payment")));
        ServiceView.Service s = service(ServiceView.of(shop(), inv, started(BOTH_STARTED), Map.of()), "shop");
        assertThat(s.state()).contains(DEGRADED);
        assertThat(s.reasons()).containsExactly("web: 1 of 2 instances running (minAvailable 1); 1 instance not placed");
    }

    @Test
    void an_application_with_min_available_zero_never_takes_its_service_down() throws Exception {
        InventorySnapshot inv = fleet(List.of(vm("catalog-db-1", "host-1", "RUNNING", "catalog-db")), List.of());
        assertThat(service(ServiceView.of(shop(), inv, started(BOTH_STARTED), Map.of()), "backoffice").state()).contains(DEGRADED);
    }

    @Test
    void scaled_out_to_six_with_three_running_is_degraded() {
        ServiceView.Asked asked = new ServiceView.Asked(true, Map.of("grid", DesiredState.STARTED), Map.of("node", 6), List.of());
        ServiceView.Service s = service(ServiceView.of(grid(), fleet(nodes(3, 0), List.of()), asked, Map.of()), "grid");
        assertThat(s.state()).contains(DEGRADED);
        assertThat(s.reasons()).containsExactly("node: 3 of 6 instances running (minAvailable 1); 3 instances not placed");
        assertThat(s.application("node").orElseThrow().headcount()).isEqualTo(new Headcount("node", 3, 6, 1));
    }

    @Test
    void scaled_in_below_replicas_with_every_wanted_instance_running_is_up() {
        ServiceView.Asked asked = new ServiceView.Asked(true, Map.of("grid", DesiredState.STARTED), Map.of("node", 2), List.of());
        ServiceView.Service s = service(ServiceView.of(grid(), fleet(nodes(2, 0), List.of()), asked, Map.of()), "grid");
        assertThat(s.state()).contains(UP);
        assertThat(s.reasons()).isEmpty();
        Headcount h = s.application("node").orElseThrow().headcount();
        assertThat(h.wanted()).isEqualTo(2);
        assertThat(h.canStopOne()).as("2 running, floor 1").isTrue();
    }

    @Test
    void the_floor_is_the_wanted_count_where_a_scaling_target_is_below_min_available() {
        Headcount h = new Headcount("node", 1, 1, 2);
        assertThat(h.floor()).isEqualTo(1);
        assertThat(h.belowFloor()).isFalse();
        assertThat(h.canStopOne()).isFalse();
        assertThat(new Headcount("node", 3, 3, 2).canStopOne()).isTrue();
        assertThat(new Headcount("node", 2, 3, 2).canStopOne()).isFalse();
    }

    @Test
    void a_service_never_started_reads_stopped_whatever_runs() throws Exception {
        ServiceView v = ServiceView.of(shop(), shopRunning(), started(Map.of("backoffice", DesiredState.STARTED)), Map.of());
        ServiceView.Service shop = service(v, "shop");
        assertThat(shop.state()).contains(STOPPED);
        assertThat(shop.desiredRunning()).isFalse();
        assertThat(shop.reasons()).isEmpty();
        // Its applications are still counted: what runs is a fact whether or not anyone asked for it.
        assertThat(shop.application("web").orElseThrow().headcount().running()).isEqualTo(2);
        assertThat(service(v, "backoffice").state()).contains(UP);
    }

    @Test
    void a_service_stopped_on_purpose_reads_stopped_while_its_vms_shut_down() throws Exception {
        ServiceView v = ServiceView.of(shop(), shopRunning().failed("host-1", "timeout", 1, 2_000),
                started(Map.of("shop", DesiredState.STOPPED)), Map.of());
        assertThat(service(v, "shop").state()).contains(STOPPED);
        assertThat(service(v, "shop").judged()).isTrue();
    }

    @Test
    void after_a_restart_a_started_service_keeps_its_recorded_state_until_every_agent_has_answered() throws Exception {
        InventorySnapshot half = InventorySnapshot.of(List.of("host-1", "host-2"), 0)
                .polled("host-1", host("host-1"), List.of(vm("web-1", "host-1", "RUNNING", "web")), 1_000);
        Map<String, ServiceAvailability> recorded = Map.of("shop", new ServiceAvailability("shop", UP, List.of()));
        ServiceView v = ServiceView.of(shop(), half, started(BOTH_STARTED), recorded);
        ServiceView.Service shop = service(v, "shop");
        assertThat(shop.state()).as("not DOWN: host-2 has not answered yet").contains(UP);
        assertThat(shop.judged()).isFalse();
        assertThat(shop.reasons()).containsExactly("not judged yet: no answer from host-2 since the manager started");
        // Nothing recorded for backoffice: no state at all rather than a guess.
        assertThat(service(v, "backoffice").state()).isEmpty();
        assertThat(v.judgedStates()).isEmpty();

        ServiceView all = ServiceView.of(shop(), shopRunning(), started(BOTH_STARTED), recorded);
        assertThat(service(all, "shop").judged()).isTrue();
        assertThat(all.pending()).isEmpty();
    }

    @Test
    void nothing_is_judged_before_the_desired_states_are_read() throws Exception {
        Map<String, ServiceAvailability> recorded = Map.of("shop", new ServiceAvailability("shop", DEGRADED, List.of("web: 1 of 2")));
        ServiceView v = ServiceView.of(shop(), shopRunning(), ServiceView.Asked.UNREAD, recorded);
        assertThat(service(v, "shop").state()).contains(DEGRADED);
        assertThat(service(v, "shop").desiredRunning()).isTrue();
        assertThat(service(v, "backoffice").state()).as("not STOPPED: it may have been started").isEmpty();
        assertThat(v.judgedStates()).isEmpty();
    }

    @Test
    void each_application_carries_what_the_last_pass_held_back_for_it_with_its_kind() throws Exception {
        Plan.Wait dependency = new Plan.Wait("web", "web", Plan.WaitKind.DEPENDENCY, "web waits for payment: 0 of 1 needed instances running");
        Plan.Wait noRoom = new Plan.Wait("payment", "payment-1", Plan.WaitKind.NO_HOST_FITS, "payment-1 (payment) fits on no host");
        ServiceView v = ServiceView.of(shop(), fleet(List.of(), List.of()),
                new ServiceView.Asked(true, BOTH_STARTED, Map.of(), List.of(dependency, noRoom)), Map.of());
        assertThat(service(v, "shop").application("web").orElseThrow().waiting()).containsExactly(dependency);
        assertThat(service(v, "shop").application("payment").orElseThrow().waiting()).extracting(Plan.Wait::kind)
                .containsExactly(Plan.WaitKind.NO_HOST_FITS);
        assertThat(service(v, "backoffice").application("reports").orElseThrow().waiting()).isEmpty();
    }

    @Test
    void no_definitions_no_services() {
        assertThat(ServiceView.of(null, fleet(List.of(), List.of()), ServiceView.Asked.NOTHING, Map.of()).services()).isEmpty();
        assertThat(ServiceView.EMPTY.service("shop")).isEqualTo(Optional.empty());
    }
}
