package io.federa.manager.core.cost;

import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.ServiceSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import static io.federa.manager.core.cost.CostSamples.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A month of three hosts sampled every 30 s (driven by the samples' times, not a clock): random
 * load, VMs that restart, a host unreachable for a day, two currencies, and catalog-db shared by
 * shop and backoffice with weights 3:1. Metered, summed per minute, rolled up to hours and days
 * as the store does, and billed: whatever the grouping, the rows add up to the hosts' cost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillClosesTest {
    private static final long T0 = 1_798_761_600_000L; // 2027-01-01T00:00:00Z
    private static final long DAY = 86_400_000L;
    private static final long STEP = 30_000;
    private static final Rates EUR = new Rates("EUR", 0.00002, 0.0001, 0.05, 0.0000001);
    private static final Rates EUR_OFFSITE = new Rates("EUR", 0.00001, 0.00005, 0.02, 0);
    private static final Rates USD = new Rates("USD", 0.00003, 0.0002, 0.09, 0.0000002);

    private final Map<String, Double> hostsCost = new HashMap<>();
    private List<CostLine> days;
    private Shares shares;

    @BeforeAll
    void aMonth() {
        Random random = new Random(42);
        Meter meter = new Meter(5 * STEP);
        Ledger minutes = new Ledger(60_000);
        record Vm(String name, String host, String application, long disk, long[] counters) {
        }
        List<Vm> vms = List.of(new Vm("web-1", "h1", "web", 20 * GIB, new long[3]),
                new Vm("web-2", "h2", "web", 20 * GIB, new long[3]),
                new Vm("catalog-db-1", "h1", "catalog-db", 500 * GIB, new long[3]),
                new Vm("ledger-1", "h3", "ledger", 50 * GIB, new long[3]),
                new Vm("stray", "h2", "", 10 * GIB, new long[3]));
        Map<String, Rates> rates = Map.of("h1", EUR, "h2", EUR_OFFSITE, "h3", USD);
        Map<String, String> sites = Map.of("h1", "paris", "h2", "lyon", "h3", "paris");
        for (long t = T0; t <= T0 + 30 * DAY; t += STEP) {
            for (String h : List.of("h1", "h2", "h3")) {
                if (h.equals("h2") && t > T0 + 10 * DAY && t < T0 + 11 * DAY) {
                    continue;
                }
                List<VmStatus> reported = new ArrayList<>();
                for (Vm v : vms) {
                    if (!v.host.equals(h)) {
                        continue;
                    }
                    if (random.nextInt(20_000) == 0) {
                        java.util.Arrays.fill(v.counters, 0); // the VM restarts
                    }
                    v.counters[0] += (long) (random.nextDouble() * 2 * STEP * 1_000_000L);
                    v.counters[1] += random.nextInt(5_000_000);
                    v.counters[2] += random.nextInt(4_000);
                    reported.add(CostSamples.vm(v.name, h, v.application, v.disk, v.counters[0], v.counters[1], v.counters[2]));
                }
                meter.observe(CostSamples.host(h, sites.get(h), 8, 2_000 * GIB, rates.get(h), t), reported).ifPresent(i -> {
                    minutes.add(i);
                    hostsCost.merge(i.rates().currency(), i.totalCost(), Double::sum);
                });
            }
        }
        days = Ledger.rollUp(Ledger.rollUp(minutes.closeBefore(Long.MAX_VALUE), 3_600_000), DAY);
        Catalog catalog = new Catalog(Map.of("web", app("web"), "catalog-db", app("catalog-db"), "ledger", app("ledger")),
                Map.of("shop", new ServiceSpec("shop", "", List.of("web", "catalog-db")),
                        "backoffice", new ServiceSpec("backoffice", "", List.of("catalog-db", "ledger"))));
        shares = Shares.of(catalog, Map.of("catalog-db", Map.of("shop", 3.0, "backoffice", 1.0)));
    }

    private static ApplicationSpec app(String name) {
        return CostSamples.application(name);
    }

    @Test
    void by_every_grouping_the_rows_add_up_to_the_hosts_cost_within_a_hundredth_of_a_percent() {
        assertThat(hostsCost).containsOnlyKeys("EUR", "USD");
        for (Attribution.By by : Attribution.By.values()) {
            Attribution.Report r = Attribution.of(days, by, shares, DAY);
            Map<String, Double> rows = r.rows().stream().collect(Collectors.groupingBy(Attribution.Row::currency,
                    Collectors.summingDouble(Attribution.Row::cost)));
            hostsCost.forEach((currency, cost) -> {
                assertThat(cost).as("the hosts' cost in %s", currency).isGreaterThan(0);
                assertThat(rows.get(currency)).as("%s by %s", currency, by).isCloseTo(cost, within(cost * 1e-4));
            });
            for (Attribution.Total t : r.totals()) {
                assertThat(t.applications() + t.idle()).isCloseTo(hostsCost.get(t.currency()), within(t.hosts() * 1e-4));
            }
        }
    }

    @Test
    void a_shared_application_is_split_by_its_weights_and_nothing_is_lost() {
        Map<String, Double> byApplication = sum(Attribution.of(days, Attribution.By.APPLICATION, shares, 30 * DAY), "EUR");
        Map<String, Double> byService = sum(Attribution.of(days, Attribution.By.SERVICE, shares, 30 * DAY), "EUR");
        double db = byApplication.get("catalog-db");
        assertThat(db).isGreaterThan(0);
        assertThat(byService.get("shop")).isCloseTo(byApplication.get("web") + 0.75 * db, within(1e-9));
        assertThat(byService.get("backoffice")).isCloseTo(0.25 * db, within(1e-9));
        assertThat(byService.get(Attribution.NO_SERVICE)).isCloseTo(byApplication.get(Attribution.NO_APPLICATION), within(1e-12));
        assertThat(byService.get(Attribution.IDLE)).isCloseTo(byApplication.get(Attribution.IDLE), within(1e-9));
    }

    @Test
    void a_day_unreachable_is_a_gap_on_its_host_and_not_billed() {
        Attribution.Report r = Attribution.of(days, Attribution.By.HOST, shares, DAY);
        Attribution.Row h2day = r.rows().stream().filter(x -> x.key().equals("h2") && x.startMillis() == T0 + 10 * DAY)
                .findFirst().orElseThrow();
        Attribution.Row h1day = r.rows().stream().filter(x -> x.key().equals("h1") && x.startMillis() == T0 + 10 * DAY)
                .findFirst().orElseThrow();
        // The gap ends the next day: the day of 10 days in is billed for the 30 s before the host went silent.
        assertThat(h2day.cost()).isLessThan(h1day.cost() / 1_000);
        long gaps = r.rows().stream().filter(x -> x.key().equals("h2")).mapToLong(Attribution.Row::gapMillis).sum();
        assertThat(gaps).isEqualTo(DAY);
    }

    @Test
    void an_unknown_grouping_is_refused_with_the_choices() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Attribution.By.parse("vm"))
                .hasMessage("by must be one of service, application, host, site; got \"vm\"");
    }

    private static Map<String, Double> sum(Attribution.Report r, String currency) {
        return r.rows().stream().filter(x -> x.currency().equals(currency))
                .collect(Collectors.groupingBy(Attribution.Row::key, Collectors.summingDouble(Attribution.Row::cost)));
    }
}
