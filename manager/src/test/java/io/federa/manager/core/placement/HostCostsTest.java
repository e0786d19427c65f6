package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.PlacementRules;
import io.federa.manager.core.spec.Resources;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.federa.manager.core.Fleet.host;
import static io.federa.manager.core.Fleet.vm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A host's cost per hour: placement's price of each running VM of a defined application on it, summed. */
class HostCostsTest {
    private static final PlacementRules LOOSE = new PlacementRules(PlacementRules.Spread.NONE, List.of(), false, 0,
            PlacementRules.CostPreference.PREFER_CHEAPEST);
    private static final Resources WEB = new Resources(2, 2048, 20, 100);
    private static final Catalog CATALOG = new Catalog(Map.of("web", new ApplicationSpec("web", "kvm", WEB, 2, 1, List.of(),
            LOOSE, Optional.empty())), Map.of());

    @Test
    void running_vms_of_defined_applications_cost_what_placement_prices_them_and_nothing_else_does() {
        InventorySnapshot inv = InventorySnapshot.of(List.of("host-1", "host-2"), 0)
                .polled("host-1", host("host-1"), List.of(vm("web-1", "host-1", "RUNNING", "web"),
                        vm("web-2", "host-1", "SHUT_OFF", "web"), vm("scratch", "host-1", "RUNNING", "")), 1_000)
                .polled("host-2", host("host-2"), List.of(), 1_000);
        Map<String, Double> costs = HostCosts.perHour(inv, CATALOG, 0.5);
        assertThat(costs.get("host-1")).isCloseTo(CostModel.costPerHour(host("host-1"), WEB, 0.5), within(1e-12))
                .isPositive();
        assertThat(costs.get("host-2")).isZero();
        assertThat(HostCosts.perHour(inv, null, 0.5).get("host-1")).isZero();
    }
}
