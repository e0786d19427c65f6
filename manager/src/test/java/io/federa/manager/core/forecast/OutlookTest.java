package io.federa.manager.core.forecast;

import io.federa.manager.core.cost.Usage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Hosts' stored usage by the hour into outlooks per host and site: use now, capacity, when full. */
class OutlookTest {
    private static final long T0 = 1_798_761_600_000L; // 2027-01-01T00:00:00Z
    private static final long HOUR = 3_600_000L;
    private static final long GIB = 1L << 30;
    private static final Duration STEP = Duration.ofHours(1);
    private static final Duration HORIZON = Duration.ofDays(14);

    /** An hour of a host: {@code cpus} CPUs busy on average, {@code gib} GiB allocated, unsampled for {@code gapMillis}. */
    private static Outlook.HostStep hour(String host, String site, int i, double cpus, double gib, long gapMillis) {
        double covered = (HOUR - gapMillis) / (double) HOUR;
        return new Outlook.HostStep(host, site, T0 + i * HOUR,
                new Usage((long) (cpus * 3_600e9 * covered), gib * covered, 0, 0), gapMillis);
    }

    private static Outlook find(List<Outlook> all, String scope, String key, Outlook.Resource r) {
        return all.stream().filter(o -> o.scope().equals(scope) && o.key().equals(key) && o.resource() == r).findFirst()
                .orElseThrow(() -> new AssertionError("no outlook of " + scope + " " + key + " " + r + " in " + all));
    }

    @Test
    void a_growing_disk_is_full_within_days_a_daily_cpu_peak_never_and_a_site_holds_its_hosts_together() {
        List<Outlook.HostStep> history = new ArrayList<>();
        int hours = 21 * 24;
        for (int i = 0; i < hours; i++) {
            // h1: storage grows 1 GiB an hour from 400 GiB (of 1,000); CPU peaks at 2 of 8 CPUs each afternoon.
            double cpu = 1 + Math.sin(2 * Math.PI * (i % 24) / 24.0);
            history.add(hour("h1", "paris", i, cpu, 400 + i, 0));
            // h2: a steady 100 GiB, unsampled for a whole day in the second week and half an hour each morning.
            long gap = i / 24 == 9 ? HOUR : i % 24 == 6 ? HOUR / 2 : 0;
            history.add(hour("h2", "paris", i, 0.5, 100, gap));
        }
        // h3 is new: five hours of history only.
        for (int i = hours - 5; i < hours; i++) {
            history.add(hour("h3", "lyon", i, 1, 10, 0));
        }
        Map<String, Outlook.Capacity> capacities = Map.of(
                "h1", new Outlook.Capacity("h1", "paris", 8, 1_000 * GIB, 0),
                "h2", new Outlook.Capacity("h2", "paris", 8, 1_000 * GIB, 0),
                "h3", new Outlook.Capacity("h3", "lyon", 8, 1_000 * GIB, 0));
        List<Outlook> all = Outlook.of(history, capacities, STEP, HORIZON);

        Outlook disk = find(all, "host", "h1", Outlook.Resource.STORAGE);
        assertThat(disk.last()).isCloseTo(400 + hours - 1, within(1e-6));
        assertThat(disk.capacity()).isEqualTo(1_000.0);
        assertThat(disk.lastMillis()).isEqualTo(T0 + (hours - 1) * HOUR);
        // At 1 GiB an hour the point forecast reaches 1,000 GiB 97 hours on; the 80 % upper bound no later.
        assertThat(disk.fullIn()).isPresent();
        assertThat(disk.fullIn().get()).isBetween(Duration.ofHours(80), Duration.ofHours(97));
        Outlook cpu = find(all, "host", "h1", Outlook.Resource.CPU);
        assertThat(cpu.capacity()).isEqualTo(8.0);
        assertThat(cpu.fullIn()).isEmpty();
        // The forecast keeps the afternoon peak: the highest point of the next day is near 2 CPUs.
        double peak = 0;
        for (int h = 1; h <= 24; h++) {
            peak = Math.max(peak, cpu.forecast().point(h));
        }
        assertThat(peak).isCloseTo(2.0, within(0.2));

        // h2's gaps are no drop in use: half an hour unsampled is counted for the half it was.
        Outlook steady = find(all, "host", "h2", Outlook.Resource.STORAGE);
        assertThat(steady.forecast().point(24)).isCloseTo(100, within(1.0));
        assertThat(steady.fullIn()).isEmpty();

        // The site: both hosts' storage against 2,000 GiB; 1,003 GiB used, growing 1 GiB an hour: not within 14 days.
        Outlook site = find(all, "site", "paris", Outlook.Resource.STORAGE);
        assertThat(site.capacity()).isEqualTo(2_000.0);
        assertThat(site.last()).isCloseTo(400 + hours - 1 + 100, within(1e-6));
        assertThat(site.fullIn()).isEmpty();
        // No network capacity known: no network outlook. Too little history: no outlook at all.
        assertThat(all).noneMatch(o -> o.resource() == Outlook.Resource.NETWORK);
        assertThat(all).noneMatch(o -> o.key().equals("h3") || o.key().equals("lyon"));
    }

    @Test
    void hosts_no_longer_in_the_inventory_are_left_out_and_a_bad_step_is_refused() {
        List<Outlook.HostStep> history = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            history.add(hour("gone", "paris", i, 1, 10, 0));
        }
        assertThat(Outlook.of(history, Map.of(), STEP, HORIZON)).isEmpty();
        assertThatThrownBy(() -> Outlook.of(history, Map.of(), Duration.ZERO, HORIZON))
                .hasMessageContaining("the step must be positive");
        assertThat(Outlook.of(List.of(), Map.of("h1", new Outlook.Capacity("h1", "paris", 8, GIB, 0)), STEP, HORIZON))
                .isEmpty();
    }
}
