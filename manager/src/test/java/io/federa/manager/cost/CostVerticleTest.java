package io.federa.manager.cost;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.PlacementRules;
import io.federa.manager.core.spec.Resources;
import io.federa.manager.core.spec.ServiceSpec;
import io.federa.manager.store.CostStore;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The verticle on a real Vert.x and a real H2 file: each interval the inventory shows the next
 * sample, one simulated second later (the clock follows the samples), and the minutes closed reach
 * the store, summed into hours.
 */
class CostVerticleTest {
    private static final long T0 = 1_798_761_600_000L; // 2027-01-01T00:00:00Z
    private static final long GIB = 1L << 30;

    @Test
    void closed_minutes_are_written_summed_into_hours_and_spending_is_published(@TempDir Path dir) throws Exception {
        AtomicLong second = new AtomicLong();
        AtomicLong clock = new AtomicLong(T0);
        // web-1 uses one CPU-second a second and sends 1,000 bytes, 10 packets; 1 EUR a CPU-second.
        java.util.function.Supplier<InventorySnapshot> inventory = () -> {
            long s = second.getAndIncrement();
            long at = T0 + s * 1_000;
            clock.set(at);
            HostStatus h = new HostStatus("h1", "paris", false, 1, List.of("kvm"), 2, 1, 8 * GIB, GIB, 0, 0, 1_000_000_000L,
                    0, "EUR", 1.0, 0, 0, 0, "test", at);
            VmStatus vm = new VmStatus("web-1", "u", "h1", "RUNNING", "web", "shop", 1, GIB, 0, 0, 0, 0.5, s, 1,
                    new VmStatus.Counters(s * 1_000_000_000L, s * 1_000, s * 10));
            return InventorySnapshot.of(List.of("h1"), at).polled("h1", h, List.of(vm), at);
        };
        Catalog catalog = new Catalog(Map.of("web", new ApplicationSpec("web", "kvm", new Resources(1, 512, 10, 0), 1, 1,
                List.of(), new PlacementRules(PlacementRules.Spread.HOST, List.of(), false, 0,
                PlacementRules.CostPreference.PREFER_CHEAPEST), Optional.empty())),
                Map.of("shop", new ServiceSpec("shop", "", List.of("web"))));
        ManagerConfig.Cost config = new ManagerConfig.Cost(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofDays(7),
                Duration.ofDays(90), Duration.ofDays(730), Map.of());
        Vertx vertx = Vertx.vertx();
        try (CostStore reader = CostStore.openFile(dir.resolve("federa"))) {
            CostVerticle v = new CostVerticle(inventory, () -> catalog, CostStore.openFile(dir.resolve("federa")), config, 5,
                    () -> true, clock::get);
            vertx.deployVerticle(v).await(10, TimeUnit.SECONDS);
            // Wait for 2 simulated hours and a little (intervals of 5 ms), then for the writes to catch up.
            while (second.get() < 2 * 3_600 + 120) {
                Thread.sleep(50);
            }
            List<CostLine> hours;
            do {
                Thread.sleep(50);
                hours = reader.lines(Resolution.HOUR, T0, T0 + 2 * 3_600_000L);
                // Until both hours are summed (two lines for web, not 120 minutes), or 4 simulated hours have gone by.
            } while (hours.stream().filter(l -> l.application().equals("web")).count() != 2 && second.get() < 4 * 3_600);
            // Each whole hour: 3,600 CPU-seconds at 1 EUR, and as much idle (two CPUs, one used).
            for (long h = 0; h < 2; h++) {
                long start = T0 + h * 3_600_000L;
                List<CostLine> web = hours.stream().filter(l -> l.bucketMillis() == start && l.application().equals("web")).toList();
                assertThat(web).singleElement().satisfies(l -> {
                    // The first hour starts with the baseline: its first second is not billed.
                    long seconds = start == T0 ? 3_599 : 3_600;
                    assertThat(l.usage().cpuNanoseconds()).isEqualTo(seconds * 1_000_000_000L);
                    assertThat(l.usage().bytesSent()).isEqualTo(seconds * 1_000);
                    assertThat(l.usage().packetsSent()).isEqualTo(seconds * 10);
                    assertThat(l.cost()).isCloseTo(seconds, within(1e-6));
                });
            }
            assertThat(v.spending()).containsOnlyKeys("shop", "(idle)");
            assertThat(v.spending().get("shop").get("EUR")).isCloseTo(1.0, within(1e-9));
            assertThat(v.spending().get("(idle)").get("EUR")).isCloseTo(1.0, within(1e-9));
            assertThat(v.droppedLines()).isZero();
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
