package io.federa.manager.cost;

import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.Usage;
import io.federa.manager.core.forecast.Outlook;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.store.CostStore;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verticle on a real Vert.x and a real H2 file holding three weeks of a host's hours, written
 * and summed as the cost verticle does: it forecasts from them against the inventory's capacity.
 */
class ForecastVerticleTest {
    private static final long T0 = 1_798_761_600_000L; // 2027-01-01T00:00:00Z
    private static final long HOUR = 3_600_000L;
    private static final long GIB = 1L << 30;

    @Test
    void the_hours_stored_are_forecast_against_the_capacity_the_inventory_shows(@TempDir Path dir) throws Exception {
        int hours = 21 * 24;
        long now = T0 + hours * HOUR + 5 * 60_000L;
        try (CostStore writer = CostStore.openFile(dir.resolve("federa"))) {
            List<CostLine> lines = new ArrayList<>();
            for (int i = 0; i < hours; i++) {
                // One line per hour carries the hour: 1 CPU busy, storage growing 1 GiB an hour from 400 GiB.
                lines.add(new CostLine(T0 + i * HOUR, "h1", "paris", "web", "EUR",
                        new Usage(3_600L * 1_000_000_000L, 400 + i, 1_000, 1), 1.0, 0));
                lines.add(new CostLine(T0 + i * HOUR, "h1", "paris", CostLine.IDLE, "EUR", Usage.ZERO, 0.5, 0));
            }
            writer.writeMinutes(lines);
            writer.rollUp(now);
        }
        HostStatus h1 = new HostStatus("h1", "paris", false, 1, List.of("kvm"), 8, 1, 64 * GIB, GIB, 1_000 * GIB, 0,
                1_000_000_000L, 0, "EUR", 1.0, 0, 0, 0, "test", now);
        InventorySnapshot inventory = InventorySnapshot.of(List.of("h1"), now).polled("h1", h1, List.of(), now);
        Vertx vertx = Vertx.vertx();
        try {
            ForecastVerticle v = new ForecastVerticle(() -> inventory, () -> null, CostStore.openFile(dir.resolve("federa")),
                    Duration.ofMinutes(2), () -> now, 1, HOUR);
            vertx.deployVerticle(v).await(10, TimeUnit.SECONDS);
            for (int i = 0; i < 600 && v.outlooks().isEmpty(); i++) {
                Thread.sleep(50);
            }
            assertThat(v.madeAtMillis()).isEqualTo(now);
            List<Outlook> all = v.outlooks();
            Outlook disk = all.stream().filter(o -> o.scope().equals("host") && o.resource() == Outlook.Resource.STORAGE)
                    .findFirst().orElseThrow(() -> new AssertionError("no storage outlook of h1 in " + all));
            assertThat(disk.key()).isEqualTo("h1");
            assertThat(disk.capacity()).isEqualTo(1_000.0);
            assertThat(disk.lastMillis()).isEqualTo(T0 + (hours - 1) * HOUR);
            assertThat(disk.fullIn()).hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ofHours(80), Duration.ofHours(97)));
            Outlook cpu = all.stream().filter(o -> o.scope().equals("host") && o.resource() == Outlook.Resource.CPU)
                    .findFirst().orElseThrow();
            assertThat(cpu.last()).isEqualTo(1.0);
            assertThat(cpu.fullIn()).isEmpty();
            // 1 Gbit/s is 125,000,000 bytes a second; 1,000 bytes an hour is far from it.
            Outlook network = all.stream().filter(o -> o.scope().equals("host") && o.resource() == Outlook.Resource.NETWORK)
                    .findFirst().orElseThrow();
            assertThat(network.capacity()).isEqualTo(125_000_000.0);
            assertThat(network.fullIn()).isEmpty();
            assertThat(all).anyMatch(o -> o.scope().equals("site") && o.key().equals("paris"));
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
    @Test
    void an_application_that_scales_ahead_gets_the_peak_its_stored_load_forecasts_within_its_ahead(@TempDir Path dir)
            throws Exception {
        long day = 24 * HOUR;
        // Three days of web's minutes: 1 CPU busy all day, 3 from 09:00 to 10:00 (UTC). Now is 08:50 on the fourth.
        long now = T0 + 3 * day + 8 * HOUR + 50 * 60_000L;
        try (CostStore writer = CostStore.openFile(dir.resolve("federa"))) {
            List<CostLine> lines = new ArrayList<>();
            for (long t = T0; t < now - 2 * 60_000L; t += 60_000L) {
                long hourOfDay = (t - T0) % day / HOUR;
                double cpus = hourOfDay == 9 ? 3 : 1;
                lines.add(new CostLine(t, "h1", "paris", "web", "EUR", new Usage((long) (cpus * 60e9), 0, 0, 0), 1.0, 0));
            }
            writer.writeMinutes(lines);
        }
        String shop = java.nio.file.Files.readString(Path.of(System.getProperty("federa.root", "..")).toAbsolutePath()
                .normalize().resolve("examples/shop.yaml")).replace("scaleInWindow: 5m", "scaleInWindow: 5m\n      ahead: 15m");
        io.federa.manager.core.spec.Catalog catalog = io.federa.manager.spec.CatalogYaml.parse(shop).catalog().orElseThrow();
        InventorySnapshot inventory = InventorySnapshot.of(List.of(), now);
        Vertx vertx = Vertx.vertx();
        try {
            ForecastVerticle v = new ForecastVerticle(() -> inventory, () -> catalog, CostStore.openFile(dir.resolve("federa")),
                    Duration.ofMinutes(2), () -> now, 1, HOUR);
            vertx.deployVerticle(v).await(10, TimeUnit.SECONDS);
            for (int i = 0; i < 600 && v.expected("web").isEmpty(); i++) {
                Thread.sleep(50);
            }
            // Within the next 15 minutes the 09:00 peak begins: about 3 CPUs, expected by 09:05 at the latest.
            assertThat(v.expected("web")).hasValueSatisfying(e -> {
                assertThat(e.cpus()).isBetween(2.5, 4.0);
                assertThat(e.atMillis()).isBetween(T0 + 3 * day + 9 * HOUR, T0 + 3 * day + 9 * HOUR + 10 * 60_000L);
            });
            // catalog-db does not scale ahead: nothing is forecast for it.
            assertThat(v.expected("catalog-db")).isEmpty();
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
