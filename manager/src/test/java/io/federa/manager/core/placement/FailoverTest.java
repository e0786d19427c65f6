package io.federa.manager.core.placement;

import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.PlacementRules;
import io.federa.manager.core.spec.Resources;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.federa.manager.core.placement.HostBuilder.host;
import static org.assertj.core.api.Assertions.assertThat;

/** The failover headroom: the largest host's running instances re-placed by the chain, that host closed. */
class FailoverTest {
    private static final Catalog CATALOG = catalog(
            app("web", new Resources(2, 2048, 20, 0)),
            app("payment", new Resources(2, 4096, 40, 0)));

    private static ApplicationSpec app(String name, Resources r) {
        return new ApplicationSpec(name, "kvm", r, 2, 1, List.of(),
                new PlacementRules(PlacementRules.Spread.HOST, List.of(), false, 0, PlacementRules.CostPreference.PREFER_CHEAPEST),
                Optional.empty());
    }

    private static Catalog catalog(ApplicationSpec... apps) {
        Map<String, ApplicationSpec> m = new LinkedHashMap<>();
        for (ApplicationSpec a : apps) {
            m.put(a.name(), a);
        }
        return new Catalog(m, Map.of());
    }

    private static Optional<Failover> failover(Set<String> closed, HostBuilder... hosts) {
        return Failover.ofLargestHost(HostBuilder.snapshot(List.of(hosts)), closed, CATALOG, PlacementConfig.defaults());
    }

    @Test
    void a_third_host_takes_the_lost_replica_so_the_fleet_has_headroom() {
        Failover f = failover(Set.of(), host("h1").vm("web-1", "web", 2, 2048, 20), host("h2").vm("web-2", "web", 2, 2048, 20),
                host("h3")).orElseThrow();
        assertThat(f.host()).isEqualTo("h1");
        assertThat(f.instances()).isEqualTo(1);
        assertThat(f.unplaceable()).isZero();
        assertThat(f.plan().placed()).extracting(Placed::host).containsExactly("h3");
    }

    @Test
    void with_two_hosts_a_spread_replica_fits_nowhere_and_the_chain_says_why() {
        Failover f = failover(Set.of(), host("h1").vm("web-1", "web", 2, 2048, 20), host("h2").vm("web-2", "web", 2, 2048, 20))
                .orElseThrow();
        assertThat(f.unplaceable()).isEqualTo(1);
        Outcome.Unschedulable u = (Outcome.Unschedulable) f.plan().unplaced().get(0);
        assertThat(u.reasonsFor("h2")).containsExactly(Reason.ANTI_AFFINITY_HOST);
        assertThat(u.reasonsFor("h1")).isNotEmpty();
    }

    @Test
    void a_cordoned_host_takes_nothing_in_a_failover_either() {
        Failover f = failover(Set.of("h3"), host("h1").vm("web-1", "web", 2, 2048, 20), host("h2").vm("web-2", "web", 2, 2048, 20),
                host("h3")).orElseThrow();
        assertThat(f.unplaceable()).isEqualTo(1);
    }

    @Test
    void the_largest_host_is_the_one_whose_instances_hold_the_most_memory() {
        Failover f = failover(Set.of(), host("h1").vm("web-1", "web", 2, 2048, 20), host("h2").vm("payment-1", "payment", 2, 4096, 40),
                host("h3")).orElseThrow();
        assertThat(f.host()).isEqualTo("h2");
    }

    @Test
    void stopped_vms_unknown_applications_and_unreachable_hosts_are_no_failover_to_plan() {
        assertThat(failover(Set.of(), host("h1").vm("web-1", "web", 2, 2048, 20, "SHUT_OFF"),
                host("h2").vm("other-1", "other", 2, 2048, 20), host("h3").vm("web-3", "web", 2, 2048, 20).reachable(false)))
                .isEmpty();
    }
}
