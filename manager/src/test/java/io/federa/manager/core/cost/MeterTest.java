package io.federa.manager.core.cost;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.federa.manager.core.cost.CostSamples.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MeterTest {
    private static final Rates EUR = new Rates("EUR", 0.001, 0.01, 0.05, 0.000001);
    private static final long T0 = 1_800_000_000_000L;

    @Nested
    class OneCounter {
        @Test
        void going_up_is_the_difference() {
            assertThat(Meter.delta(1_000, 1_500)).isEqualTo(500);
        }

        @Test
        void going_down_is_what_was_counted_since_it_started_again() {
            assertThat(Meter.delta(1_000, 300)).isEqualTo(300);
            assertThat(Meter.wentDown(1_000, 300)).isTrue();
        }

        @Test
        void unknown_at_either_end_is_nothing() {
            assertThat(Meter.delta(-1, 300)).isZero();
            assertThat(Meter.delta(300, -1)).isZero();
        }
    }

    /**
     * Five minutes of a host sampled each second: web-1 uses a quarter of a CPU, sends 1,000 B/s
     * and 2 packets/s, restarts 100.5 s in (its counters start again from zero), and the host is
     * unreachable from 200 s to 260 s; web-2 appears at 50 s; legacy reports no counters.
     */
    @Test
    void a_series_with_a_restart_and_a_gap_bills_to_the_byte_and_the_second() {
        Meter meter = new Meter(5_000);
        List<HostInterval> intervals = new ArrayList<>();
        for (int s = 0; s <= 300; s++) {
            if (s > 200 && s < 260) {
                continue; // unreachable: no sample
            }
            double running = s < 100.5 ? s : s - 100.5;
            List<VmStatus> vms = new ArrayList<>();
            vms.add(CostSamples.vm("web-1", "h1", "web", 10 * GIB, (long) (running * 250_000_000L), (long) (running * 1_000),
                    (long) (running * 2)));
            if (s >= 50) {
                vms.add(CostSamples.vm("web-2", "h1", "web", 0, (s - 50) * 1_000_000_000L, (s - 50) * 10L, s - 50));
            }
            vms.add(new VmStatus("legacy", "u", "h1", "RUNNING", "", "", 1, GIB, 2 * GIB, 0, 0, 0, 0));
            meter.observe(CostSamples.host("h1", "paris", 4, 100 * GIB, EUR, T0 + s * 1_000L), vms).ifPresent(intervals::add);
        }

        assertThat(intervals.get(0).kind()).isEqualTo(HostInterval.Kind.FIRST);
        List<HostInterval> gaps = intervals.stream().filter(i -> i.kind() == HostInterval.Kind.GAP).toList();
        assertThat(gaps).singleElement().satisfies(g -> {
            assertThat(g.startMillis()).isEqualTo(T0 + 200_000);
            assertThat(g.millis()).isEqualTo(60_000);
            assertThat(g.capacityCost()).isZero();
            assertThat(g.vms()).isEmpty();
        });
        List<HostInterval> billed = intervals.stream().filter(i -> i.kind() == HostInterval.Kind.METERED).toList();
        assertThat(billed.stream().mapToLong(HostInterval::millis).sum()).isEqualTo(240_000);

        Usage web1 = sum(billed, "web-1");
        // Billed running time: 0–100 s, 100.5–101 s (after the restart), 101–200 s, 260–300 s = 239.5 s.
        assertThat(web1.cpuNanoseconds()).isEqualTo(59_875_000_000L);
        assertThat(web1.bytesSent()).isEqualTo(239_500);
        assertThat(web1.packetsSent()).isEqualTo(479);
        assertThat(web1.storageGiBHours()).isCloseTo(10 * 240 / 3600.0, within(1e-12));
        assertThat(billed.stream().flatMap(i -> i.vms().stream()).filter(v -> v.vm().equals("web-1")
                && v.counted() == VmUsage.Counted.RESET)).hasSize(1);

        Usage web2 = sum(billed, "web-2");
        // From 50 s (its baseline) to 300 s, less the 60 s gap.
        assertThat(web2.cpuNanoseconds()).isEqualTo(190_000_000_000L);
        assertThat(web2.bytesSent()).isEqualTo(1_900);
        assertThat(web2.packetsSent()).isEqualTo(190);

        Usage legacy = sum(billed, "legacy");
        assertThat(legacy.cpuNanoseconds()).isZero();
        assertThat(legacy.bytesSent()).isZero();
        assertThat(legacy.storageGiBHours()).isCloseTo(2 * 240 / 3600.0, within(1e-12));

        Usage capacity = billed.stream().map(HostInterval::capacity).reduce(Usage.ZERO, Usage::plus);
        assertThat(capacity.cpuNanoseconds()).isEqualTo(4 * 240_000_000_000L);
        assertThat(capacity.storageGiBHours()).isCloseTo(100 * 240 / 3600.0, within(1e-9));

        double total = billed.stream().mapToDouble(HostInterval::totalCost).sum();
        double idle = billed.stream().mapToDouble(HostInterval::idleCost).sum();
        double vms = billed.stream().mapToDouble(i -> i.vms().stream().mapToDouble(i::cost).sum()).sum();
        assertThat(vms + idle).isCloseTo(total, within(1e-12));
        double expectedIdle = (4 * 240 - 59.875 - 190) * 0.001 + (100 - 10 - 2) * 240 / 3600.0 * 0.01;
        assertThat(idle).isCloseTo(expectedIdle, within(1e-12));
    }

    @Test
    void the_same_sample_seen_twice_is_metered_once() {
        Meter meter = new Meter(5_000);
        HostStatus h = CostSamples.host("h1", "paris", 4, 0, EUR, T0);
        assertThat(meter.observe(h, List.of())).isPresent();
        assertThat(meter.observe(h, List.of())).isEmpty();
    }

    @Test
    void a_clock_that_goes_back_is_a_new_baseline_never_a_negative_interval() {
        Meter meter = new Meter(5_000);
        meter.observe(CostSamples.host("h1", "paris", 4, 0, EUR, T0), List.of());
        Optional<HostInterval> back = meter.observe(CostSamples.host("h1", "paris", 4, 0, EUR, T0 - 1_000), List.of());
        assertThat(back).get().extracting(HostInterval::kind).isEqualTo(HostInterval.Kind.FIRST);
    }

    @Test
    void an_interval_is_priced_at_the_rates_reported_at_its_start() {
        Meter meter = new Meter(5_000);
        meter.observe(CostSamples.host("h1", "paris", 1, 0, EUR, T0), List.of());
        Rates dearer = new Rates("EUR", 0.002, 0.01, 0.05, 0.000001);
        HostInterval i = meter.observe(CostSamples.host("h1", "paris", 1, 0, dearer, T0 + 1_000), List.of()).orElseThrow();
        assertThat(i.capacityCost()).isCloseTo(0.001, within(1e-15));
    }

    private static Usage sum(List<HostInterval> intervals, String vm) {
        return intervals.stream().flatMap(i -> i.vms().stream()).filter(v -> v.vm().equals(vm)).map(VmUsage::usage)
                .reduce(Usage.ZERO, Usage::plus);
    }
}
