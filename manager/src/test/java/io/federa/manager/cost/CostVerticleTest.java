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
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
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
            assertThat(v.spending().services()).containsOnlyKeys("shop", "(idle)");
            assertThat(v.spending().services().get("shop").get("EUR")).isCloseTo(1.0, within(1e-9));
            assertThat(v.spending().services().get("(idle)").get("EUR")).isCloseTo(1.0, within(1e-9));
            assertThat(v.spending().applications()).containsOnlyKeys("web", "(idle)");
            assertThat(v.spending().applications().get("web").get("EUR")).isCloseTo(1.0, within(1e-9));
            // Two CPUs at 1 EUR a CPU-second, one used.
            assertThat(v.spending().idleByHost()).containsOnlyKeys("h1");
            assertThat(v.spending().idleByHost().get("h1").get("EUR")).isCloseTo(1.0, within(1e-9));
            assertThat(v.droppedLines()).isZero();
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** h1 at simulated second {@code s}: web-1 has used one CPU-second a second since T0. */
    private static InventorySnapshot sample(long s) {
        long at = T0 + s * 1_000;
        HostStatus h = new HostStatus("h1", "paris", false, 1, List.of("kvm"), 2, 1, 8 * GIB, GIB, 0, 0, 1_000_000_000L,
                0, "EUR", 1.0, 0, 0, 0, "test", at);
        VmStatus vm = new VmStatus("web-1", "u", "h1", "RUNNING", "web", "shop", 1, GIB, 0, 0, 0, 0.5, s, 1,
                new VmStatus.Counters(s * 1_000_000_000L, s * 1_000, s * 10));
        return InventorySnapshot.of(List.of("h1"), at).polled("h1", h, List.of(vm), at);
    }

    private static final ManagerConfig.Cost FAST = new ManagerConfig.Cost(Duration.ofSeconds(30), Duration.ofSeconds(5),
            Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(730), Map.of());

    /** What the store accounts for h1, in seconds: billed CPU-seconds, and gaps reported. */
    private record Accounted(long billedSeconds, long gapSeconds, long throughSeconds) {
        long total() {
            return billedSeconds + gapSeconds;
        }
    }

    private static Accounted accounted(CostStore store) throws Exception {
        long cpu = 0;
        long gap = 0;
        for (CostLine l : store.lines(Resolution.MINUTE, T0, T0 + 30 * 86_400_000L)) {
            cpu += l.usage().cpuNanoseconds();
            gap += l.gapMillis();
            assertThat(l.usage().cpuNanoseconds()).as("%s", l).isNotNegative();
        }
        long through = store.watermarks().getOrDefault("h1", T0);
        return new Accounted(cpu / 1_000_000_000L, gap / 1_000, (through - T0) / 1_000);
    }

    private static void awaitWritten(CostStore store, long throughSecond) throws Exception {
        for (int i = 0; i < 600 && store.watermarks().getOrDefault("h1", T0) < T0 + throughSecond * 1_000; i++) {
            Thread.sleep(50);
        }
        assertThat(store.watermarks().get("h1")).as("h1 written through").isGreaterThanOrEqualTo(T0 + throughSecond * 1_000);
    }

    @Test
    void what_a_killed_manager_had_not_written_is_reported_as_a_gap_by_the_next(@TempDir Path dir) throws Exception {
        Catalog catalog = new Catalog(Map.of(), Map.of());
        AtomicLong second = new AtomicLong();
        AtomicLong clock = new AtomicLong(T0);
        java.util.function.Supplier<InventorySnapshot> inventory = () -> {
            long s = second.getAndIncrement();
            clock.set(T0 + s * 1_000);
            return sample(s);
        };
        try (CostStore reader = CostStore.openFile(dir.resolve("federa"))) {
            Vertx first = Vertx.vertx();
            first.deployVerticle(new CostVerticle(inventory, () -> catalog, CostStore.openFile(dir.resolve("federa")), FAST, 5,
                    () -> true, clock::get)).await(10, TimeUnit.SECONDS);
            awaitWritten(reader, 600);
            // Killed: what it metered and had not written (the grace, the open minute) goes with it.
            first.close().await(10, TimeUnit.SECONDS);
            Accounted before = accounted(reader);
            assertThat(before.total()).isEqualTo(before.throughSeconds());
            long killedAt = second.get();
            assertThat(killedAt).isGreaterThan(before.throughSeconds());

            // Started again five simulated minutes later: it meters from its own first sample.
            second.set(killedAt + 300);
            Vertx again = Vertx.vertx();
            try {
                again.deployVerticle(new CostVerticle(inventory, () -> catalog, CostStore.openFile(dir.resolve("federa")), FAST,
                        5, () -> true, clock::get)).await(10, TimeUnit.SECONDS);
                awaitWritten(reader, killedAt + 300 + 180);
            } finally {
                again.close().await(10, TimeUnit.SECONDS);
            }
            Accounted after = accounted(reader);
            // Every second from the first sample to the last written is billed or reported, once.
            assertThat(after.total()).isEqualTo(after.throughSeconds());
            // The gap: the five minutes, and what the killed manager had not written.
            assertThat(after.gapSeconds()).isEqualTo(killedAt + 300 - before.throughSeconds());
        }
    }

    /** One agent polled by several managers: a sample stays until every manager still running has read it. */
    private static final class SharedAgent {
        private final Set<String> running = new HashSet<>();
        private final Set<String> seen = new HashSet<>();
        private long second;

        SharedAgent(String... managers) {
            running.addAll(List.of(managers));
        }

        java.util.function.Supplier<InventorySnapshot> polledBy(String manager) {
            return () -> {
                synchronized (this) {
                    InventorySnapshot out = sample(second);
                    seen.add(manager);
                    if (seen.containsAll(running)) {
                        second++;
                        seen.clear();
                    }
                    return out;
                }
            };
        }

        synchronized void stopped(String manager) {
            running.remove(manager);
        }

        synchronized long second() {
            return second;
        }

        long clock() {
            return T0 + second() * 1_000;
        }
    }

    @Test
    void a_manager_taking_the_lead_writes_what_the_former_leader_had_not_and_nothing_twice(@TempDir Path dir) throws Exception {
        Catalog catalog = new Catalog(Map.of(), Map.of());
        SharedAgent agent = new SharedAgent("a", "b");
        AtomicBoolean bLeads = new AtomicBoolean();
        try (CostStore reader = CostStore.openFile(dir.resolve("federa"))) {
            Vertx a = Vertx.vertx();
            Vertx b = Vertx.vertx();
            try {
                a.deployVerticle(new CostVerticle(agent.polledBy("a"), () -> catalog, CostStore.openFile(dir.resolve("federa")),
                        FAST, 1, () -> true, agent::clock)).await(10, TimeUnit.SECONDS);
                b.deployVerticle(new CostVerticle(agent.polledBy("b"), () -> catalog, CostStore.openFile(dir.resolve("federa")),
                        FAST, 1, bLeads::get, agent::clock)).await(10, TimeUnit.SECONDS);
                awaitWritten(reader, 600);
                // a dies; b leads five simulated minutes later (no majority until then), long after
                // the minutes a had not written closed.
                a.close().await(10, TimeUnit.SECONDS);
                agent.stopped("a");
                long diedAt = agent.second();
                while (agent.second() < diedAt + 300) {
                    Thread.sleep(5);
                }
                bLeads.set(true);
                awaitWritten(reader, diedAt + 420);
            } finally {
                b.close().await(10, TimeUnit.SECONDS);
                a.close().await(10, TimeUnit.SECONDS);
            }
            Accounted after = accounted(reader);
            // b held the minutes a had not written, and left out those it had: every second from the
            // first sample billed once, none reported missing.
            assertThat(after.gapSeconds()).isZero();
            assertThat(after.billedSeconds()).isEqualTo(after.throughSeconds());
        }
    }
}
