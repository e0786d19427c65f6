package io.federa.manager.metrics;

import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.spec.CatalogYaml;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.federa.manager.core.Fleet.host;
import static io.federa.manager.core.Fleet.vm;
import static org.assertj.core.api.Assertions.assertThat;

/** The services' series are the service view's, whatever state it is in. */
class ManagerMetricsTest {
    private static Catalog shop() throws Exception {
        Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
        return CatalogYaml.parse(Files.readString(root.resolve("examples/shop.yaml"))).catalog().orElseThrow();
    }

    private static String scrape(ServiceView view, InventorySnapshot inventory, Catalog catalog) throws Exception {
        ManagerMetrics metrics = new ManagerMetrics(new ManagerMetrics.Sources() {
            @Override
            public InventorySnapshot inventory() {
                return inventory;
            }

            @Override
            public ServiceView view() {
                return view;
            }

            @Override
            public double availabilityRatio(String service, long nowMillis, long windowMillis) {
                return 1.0;
            }

            @Override
            public long historyRecordsDropped() {
                return 0;
            }

            @Override
            public long historyWriteFailures() {
                return 0;
            }

            @Override
            public Catalog catalog() {
                return catalog;
            }

            @Override
            public Map<String, Integer> scalingTargets() {
                return Map.of("web", 4);
            }

            @Override
            public Map<String, Long> scalingDecisions() {
                return Map.of();
            }
        }, () -> 10_000L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.collect());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String value(String scraped, String series) {
        return scraped.lines().filter(l -> l.startsWith(series + " ")).map(l -> l.substring(series.length() + 1))
                .findFirst().orElse("absent");
    }

    @Test
    void after_a_restart_before_every_agent_answered_the_metric_holds_the_state_the_view_and_so_the_api_hold() throws Exception {
        // host-2 has not answered since the start; shop was recorded UP before it.
        InventorySnapshot half = InventorySnapshot.of(List.of("host-1", "host-2"), 0)
                .polled("host-1", host("host-1"), List.of(vm("web-1", "host-1", "RUNNING", "web")), 1_000);
        ServiceView view = ServiceView.of(shop(), half, new ServiceView.Asked(true, Map.of("shop", DesiredState.STARTED,
                        "backoffice", DesiredState.STARTED), Map.of(), List.of()),
                Map.of("shop", new ServiceAvailability("shop", ServiceAvailability.State.UP, List.of())));
        assertThat(view.service("shop").orElseThrow().state()).contains(ServiceAvailability.State.UP);

        String scraped = scrape(view, half, shop());
        assertThat(value(scraped, "federa_service_state{service=\"shop\",state=\"UP\"}")).isEqualTo("1.0");
        assertThat(value(scraped, "federa_service_state{service=\"shop\",state=\"DOWN\"}")).isEqualTo("0.0");
        assertThat(value(scraped, "federa_service_desired_running{service=\"shop\"}")).isEqualTo("1.0");
        // backoffice has no state known yet: no state series rather than a guess, its desire all the same.
        assertThat(scraped).doesNotContain("federa_service_state{service=\"backoffice\"");
        assertThat(value(scraped, "federa_service_desired_running{service=\"backoffice\"}")).isEqualTo("1.0");
    }

    @Test
    void a_service_nobody_started_is_stopped_and_not_desired_running() throws Exception {
        InventorySnapshot none = InventorySnapshot.of(List.of("host-1"), 0).polled("host-1", host("host-1"), List.of(), 1_000);
        String scraped = scrape(ServiceView.of(shop(), none, ServiceView.Asked.NOTHING, Map.of()), none, shop());
        assertThat(value(scraped, "federa_service_state{service=\"shop\",state=\"STOPPED\"}")).isEqualTo("1.0");
        assertThat(value(scraped, "federa_service_state{service=\"shop\",state=\"UP\"}")).isEqualTo("0.0");
        assertThat(value(scraped, "federa_service_desired_running{service=\"shop\"}")).isEqualTo("0.0");
        // The wanted count is the scaling target in force, as availability counts it.
        assertThat(value(scraped, "federa_application_instances_wanted{application=\"web\",service=\"shop\"}")).isEqualTo("4.0");
    }

    @Test
    void a_vms_info_never_changes_with_its_state_which_is_a_gauge_of_its_own() throws Exception {
        InventorySnapshot inv = InventorySnapshot.of(List.of("host-1"), 0).polled("host-1", host("host-1"),
                List.of(vm("web-1", "host-1", "RUNNING", "web"), vm("web-2", "host-1", "SHUT_OFF", "web")), 1_000);
        String scraped = scrape(ServiceView.of(shop(), inv, ServiceView.Asked.NOTHING, Map.of()), inv, shop());
        assertThat(value(scraped, "federa_vm_info{application=\"web\",host=\"host-1\",service=\"shop\",uuid=\"uuid-web-1\",vm=\"web-1\"}"))
                .isEqualTo("1.0");
        assertThat(scraped.lines().filter(l -> l.startsWith("federa_vm_info{"))).noneMatch(l -> l.contains("state="));
        assertThat(value(scraped, "federa_vm_state{host=\"host-1\",state=\"RUNNING\",vm=\"web-1\"}")).isEqualTo("1.0");
        assertThat(value(scraped, "federa_vm_state{host=\"host-1\",state=\"SHUT_OFF\",vm=\"web-1\"}")).isEqualTo("0.0");
        assertThat(value(scraped, "federa_vm_state{host=\"host-1\",state=\"SHUT_OFF\",vm=\"web-2\"}")).isEqualTo("1.0");
        assertThat(scraped).doesNotContain("federa_vm_network").doesNotContain("network_used");
        // Before any pass, every application of the catalog has 0 instances that fit nowhere, and no failover is planned.
        assertThat(value(scraped, "federa_application_instances_unplaceable{application=\"web\"}")).isEqualTo("0.0");
        assertThat(scraped).doesNotContain("federa_failover_instances{");
    }
}
