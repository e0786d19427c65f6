package io.federa.manager.core.availability;

import io.federa.manager.core.events.Event;
import io.federa.manager.core.inventory.InventorySnapshot;
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
        ServiceStates.Step s = ServiceStates.of(Map.of()).step(shop(), half, 1_000);
        assertThat(s.changes()).isEmpty();
        assertThat(s.states().current()).isEmpty();
    }

    @Test
    void the_first_judgement_is_recorded_then_only_changes() throws Exception {
        ServiceStates.Step first = ServiceStates.of(Map.of()).step(shop(), all("RUNNING"), 1_000);
        assertThat(first.changes()).extracting(c -> c.service() + "=" + c.availability().state())
                .containsExactly("shop=UP", "backoffice=UP");
        assertThat(first.states().step(shop(), all("RUNNING"), 2_000).changes()).isEmpty();

        ServiceStates.Step degraded = first.states().step(shop(), all("SHUT_OFF"), 3_000);
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
        assertThat(known.step(shop(), all("RUNNING"), 1_000).changes()).extracting(ServiceStates.Change::service)
                .containsExactly("backoffice");
    }

    @Test
    void a_lost_host_takes_the_shop_down_and_says_why() throws Exception {
        ServiceStates up = ServiceStates.of(Map.of()).step(shop(), all("RUNNING"), 1_000).states();
        InventorySnapshot lost = all("RUNNING").failed("host-2", "timeout after 1000 ms", 1, 2_000);
        ServiceStates.Step s = up.step(shop(), lost, 2_000);
        assertThat(s.changes()).singleElement().satisfies(c -> {
            assertThat(c.availability().state()).isEqualTo(ServiceAvailability.State.DOWN);
            assertThat(c.event().severity()).isEqualTo(Event.Severity.CRITICAL);
            assertThat(c.availability().reasons()).anySatisfy(r -> assertThat(r).contains("payment-1 on host-2: host unreachable"));
        });
    }
}
