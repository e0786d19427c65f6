package io.federa.manager.core.availability;

import io.federa.manager.core.spec.Catalog;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.federa.manager.core.availability.ServiceAvailability.State.DEGRADED;
import static io.federa.manager.core.availability.ServiceAvailability.State.DOWN;
import static io.federa.manager.core.availability.ServiceAvailability.State.UP;
import static org.assertj.core.api.Assertions.assertThat;

class AvailabilityEvaluatorTest {
    private static Catalog shop() throws Exception {
        Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
        return CatalogYaml.parse(Files.readString(root.resolve("examples/shop.yaml"))).catalog().orElseThrow();
    }

    private static InstanceStatus up(String app, String vm, String host) {
        return new InstanceStatus(app, vm, host, "RUNNING", true);
    }

    private static final List<InstanceStatus> ALL_UP = List.of(
            up("web", "web-1", "host-1"), up("web", "web-2", "host-2"),
            up("catalog-db", "catalog-db-1", "host-1"), up("payment", "payment-1", "host-2"),
            up("reports", "reports-1", "host-3"));

    @Test
    void every_replica_running_is_up_with_no_reason() throws Exception {
        ServiceAvailability a = AvailabilityEvaluator.evaluate(shop(), "shop", ALL_UP);
        assertThat(a.state()).isEqualTo(UP);
        assertThat(a.reasons()).isEmpty();
    }

    @Test
    void a_replica_stopped_but_min_available_kept_is_degraded_and_says_which_and_why() throws Exception {
        List<InstanceStatus> list = new java.util.ArrayList<>(ALL_UP);
        list.set(1, new InstanceStatus("web", "web-2", "host-2", "SHUT_OFF", true));
        ServiceAvailability a = AvailabilityEvaluator.evaluate(shop(), "shop", list);
        assertThat(a.state()).isEqualTo(DEGRADED);
        assertThat(a.reasons()).containsExactly("web: 1 of 2 instances running (minAvailable 1); web-2 on host-2: VM SHUT_OFF");
    }

    @Test
    void a_component_below_min_available_makes_the_service_down() throws Exception {
        List<InstanceStatus> list = new java.util.ArrayList<>(ALL_UP);
        list.set(2, new InstanceStatus("catalog-db", "catalog-db-1", "host-1", "UNKNOWN", false));
        ServiceAvailability a = AvailabilityEvaluator.evaluate(shop(), "shop", list);
        assertThat(a.state()).isEqualTo(DOWN);
        assertThat(a.reasons()).containsExactly(
                "catalog-db: 0 of 1 instances running (minAvailable 1); catalog-db-1 on host-1: host unreachable");
    }

    @Test
    void a_shared_application_failing_affects_every_service_that_uses_it() throws Exception {
        List<InstanceStatus> list = new java.util.ArrayList<>(ALL_UP);
        list.set(2, new InstanceStatus("catalog-db", "catalog-db-1", "host-1", "CRASHED", true));
        assertThat(AvailabilityEvaluator.evaluate(shop(), "shop", list).state()).isEqualTo(DOWN);
        assertThat(AvailabilityEvaluator.evaluate(shop(), "backoffice", list).state()).isEqualTo(DOWN);
    }

    @Test
    void an_instance_never_placed_is_named_as_missing() throws Exception {
        List<InstanceStatus> list = ALL_UP.stream().filter(i -> !i.vm().equals("web-2")).toList();
        ServiceAvailability a = AvailabilityEvaluator.evaluate(shop(), "shop", list);
        assertThat(a.state()).isEqualTo(DEGRADED);
        assertThat(a.reasons()).containsExactly("web: 1 of 2 instances running (minAvailable 1); 1 instance not placed");
    }

    @Test
    void an_application_with_min_available_zero_never_takes_its_service_down() throws Exception {
        List<InstanceStatus> list = ALL_UP.stream().filter(i -> !i.application().equals("reports")).toList();
        ServiceAvailability a = AvailabilityEvaluator.evaluate(shop(), "backoffice", list);
        assertThat(a.state()).isEqualTo(DEGRADED);
    }
}
