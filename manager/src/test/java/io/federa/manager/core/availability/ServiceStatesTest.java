package io.federa.manager.core.availability;

import io.federa.manager.core.events.Event;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.federa.manager.core.Fleet.host;
import static io.federa.manager.core.Fleet.vm;
import static org.assertj.core.api.Assertions.assertThat;

class ServiceStatesTest {
    private static Catalog shop() throws Exception {
        Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
        return CatalogYaml.parse(Files.readString(root.resolve("examples/shop.yaml"))).catalog().orElseThrow();
    }

    private static final ServiceView.Asked STARTED = new ServiceView.Asked(true,
            Map.of("shop", DesiredState.STARTED, "backoffice", DesiredState.STARTED), Map.of(), List.of());

    private static final InventorySnapshot NEW = InventorySnapshot.of(List.of("host-1", "host-2"), 0);

    private static InventorySnapshot all(String web2State) {
        return NEW.polled("host-1", host("host-1"), List.of(vm("web-1", "host-1", "RUNNING", "web"),
                        vm("catalog-db-1", "host-1", "RUNNING", "catalog-db"), vm("reports-1", "host-1", "RUNNING", "reports")), 1_000)
                .polled("host-2", host("host-2"), List.of(vm("web-2", "host-2", web2State, "web"),
                        vm("payment-1", "host-2", "RUNNING", "payment")), 1_000);
    }

    @Test
    void nothing_is_decided_while_an_agent_has_not_been_heard_from() throws Exception {
        InventorySnapshot half = NEW.polled("host-1", host("host-1"), List.of(), 1_000);
        ServiceStates.Step s = ServiceStates.of(Map.of()).step(shop(), half, STARTED, 1_000);
        assertThat(s.changes()).isEmpty();
        assertThat(s.states().current()).isEmpty();
    }

    @Test
    void the_first_judgement_is_recorded_then_only_changes() throws Exception {
        ServiceStates.Step first = ServiceStates.of(Map.of()).step(shop(), all("RUNNING"), STARTED, 1_000);
        assertThat(first.changes()).extracting(c -> c.service() + "=" + c.availability().state())
                .containsExactly("shop=UP", "backoffice=UP");
        assertThat(first.states().step(shop(), all("RUNNING"), STARTED, 2_000).changes()).isEmpty();

        ServiceStates.Step degraded = first.states().step(shop(), all("SHUT_OFF"), STARTED, 3_000);
        assertThat(degraded.changes()).singleElement().satisfies(c -> {
            assertThat(c.service()).isEqualTo("shop");
            assertThat(c.atMillis()).isEqualTo(3_000);
            Event e = c.event();
            assertThat(e.severity()).isEqualTo(Event.Severity.WARNING);
            assertThat(e.message()).isEqualTo("service shop is DEGRADED: web: 1 of 2 instances running (minAvailable 1); "
                    + "web-2 on host-2: VM SHUT_OFF");
        });
    }

    @Test
    void a_state_known_from_before_a_restart_is_not_recorded_again() throws Exception {
        ServiceStates known = ServiceStates.of(Map.of("shop", new ServiceAvailability("shop", ServiceAvailability.State.UP, List.of())));
        assertThat(known.step(shop(), all("RUNNING"), STARTED, 1_000).changes()).extracting(ServiceStates.Change::service)
                .containsExactly("backoffice");
    }

    @Test
    void a_lost_host_takes_the_shop_down_and_says_why() throws Exception {
        ServiceStates up = ServiceStates.of(Map.of()).step(shop(), all("RUNNING"), STARTED, 1_000).states();
        InventorySnapshot lost = all("RUNNING").failed("host-2", "timeout after 1000 ms", 1, 2_000);
        ServiceStates.Step s = up.step(shop(), lost, STARTED, 2_000);
        assertThat(s.changes()).singleElement().satisfies(c -> {
            assertThat(c.availability().state()).isEqualTo(ServiceAvailability.State.DOWN);
            assertThat(c.event().severity()).isEqualTo(Event.Severity.CRITICAL);
            assertThat(c.availability().reasons()).anySatisfy(r -> assertThat(r).contains("payment-1 on host-2: host unreachable"));
        });
    }

    @Test
    void a_service_nobody_started_is_recorded_stopped_then_judged_once_started() throws Exception {
        ServiceView.Asked shopStopped = new ServiceView.Asked(true, Map.of("backoffice", DesiredState.STARTED), Map.of(), List.of());
        ServiceStates.Step defined = ServiceStates.of(Map.of()).step(shop(), all("RUNNING"), shopStopped, 1_000);
        assertThat(defined.changes()).extracting(c -> c.service() + "=" + c.availability().state())
                .containsExactly("shop=STOPPED", "backoffice=UP");
        assertThat(defined.changes().get(0).event().severity()).isEqualTo(Event.Severity.INFO);
        assertThat(defined.changes().get(0).event().message()).isEqualTo("service shop is STOPPED");

        ServiceStates.Step started = defined.states().step(shop(), all("SHUT_OFF"), STARTED, 2_000);
        assertThat(started.changes()).extracting(c -> c.service() + "=" + c.availability().state()).containsExactly("shop=DEGRADED");
        assertThat(started.view().service("shop").orElseThrow().desiredRunning()).isTrue();
    }

    @Test
    void a_stopped_service_is_recorded_stopped_even_before_every_agent_has_answered() throws Exception {
        InventorySnapshot half = NEW.polled("host-1", host("host-1"), List.of(), 1_000);
        ServiceStates known = ServiceStates.of(Map.of("shop", new ServiceAvailability("shop", ServiceAvailability.State.UP, List.of())));
        ServiceView.Asked shopStopped = new ServiceView.Asked(true, Map.of("shop", DesiredState.STOPPED), Map.of(), List.of());
        ServiceStates.Step s = known.step(shop(), half, shopStopped, 1_000);
        assertThat(s.changes()).extracting(c -> c.service() + "=" + c.availability().state()).containsExactly("shop=STOPPED",
                "backoffice=STOPPED");
    }

    @Test
    void a_view_taken_at_start_changes_nothing_known_so_the_next_step_records_what_changed() throws Exception {
        ServiceStates known = ServiceStates.of(Map.of("shop", new ServiceAvailability("shop", ServiceAvailability.State.DOWN, List.of())));
        ServiceView.Asked nobodyStarted = new ServiceView.Asked(true, Map.of(), Map.of(), List.of());
        ServiceStates viewed = known.viewed(shop(), all("RUNNING"), nobodyStarted);
        assertThat(viewed.view().service("shop").orElseThrow().state()).contains(ServiceAvailability.State.STOPPED);
        assertThat(viewed.current()).isEqualTo(known.current());
        assertThat(viewed.step(shop(), all("RUNNING"), nobodyStarted, 1_000).changes())
                .extracting(c -> c.service() + "=" + c.availability().state()).containsExactly("shop=STOPPED", "backoffice=STOPPED");
    }
}
