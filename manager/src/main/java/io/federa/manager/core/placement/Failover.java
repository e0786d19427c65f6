package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The failover headroom: could the fleet take the running instances of its largest host, were that
 * host lost now? Answered by the placement chain itself, over the snapshot without that host's VMs
 * and with the host closed, exactly as the reconcile loop replaces a lost host's instances: every
 * rule (runtime, offsite, security level, capacity, spread, avoid) is the chain's, never a copy.
 *
 * <p>The largest host is the one whose running instances (VMs of an application of the catalog,
 * on a host that answers) hold the most memory, then the most vCPUs, then the first by id: the
 * loss that is hardest to absorb. Hosts that do not answer are not candidates (their loss is under
 * way, not a question).
 *
 * @param host      the host whose loss was tried
 * @param instances the running instances it carries
 * @param plan      where each of them would go; {@link PlacementPlan#unplaced()} fit nowhere
 */
public record Failover(String host, int instances, PlacementPlan plan) {
    /** How many of the host's instances would fit on no other host. */
    public int unplaceable() {
        return plan.unplaced().size();
    }

    /**
     * The failover of the largest host; empty when no host that answers runs an instance.
     *
     * @param closed hosts that take no new VMs (cordoned, or not commanded by this manager)
     */
    public static Optional<Failover> ofLargestHost(InventorySnapshot inventory, Set<String> closed, Catalog catalog,
                                                   PlacementConfig config) {
        InventorySnapshot.Entry largest = null;
        long largestMemory = -1;
        long largestVcpus = -1;
        List<InventorySnapshot.Entry> entries = new ArrayList<>(inventory.agents().values());
        entries.sort(Comparator.comparing(e -> e.host().map(h -> h.hostId()).orElse("")));
        for (InventorySnapshot.Entry e : entries) {
            if (!e.reachable() || e.host().isEmpty()) {
                continue;
            }
            long memory = 0;
            long vcpus = 0;
            int n = 0;
            for (VmStatus v : e.vms()) {
                if (counts(v, catalog)) {
                    memory += v.memoryBytes();
                    vcpus += v.vcpus();
                    n++;
                }
            }
            if (n > 0 && (memory > largestMemory || memory == largestMemory && vcpus > largestVcpus)) {
                largest = e;
                largestMemory = memory;
                largestVcpus = vcpus;
            }
        }
        if (largest == null) {
            return Optional.empty();
        }
        String hostId = largest.host().get().hostId();
        List<PlacementRequest> requests = new ArrayList<>();
        largest.vms().stream().filter(v -> counts(v, catalog)).sorted(Comparator.comparing(VmStatus::name))
                .forEach(v -> requests.add(new PlacementRequest(v.application(), v.name())));
        Set<String> without = new HashSet<>(closed);
        without.add(hostId);
        Placement engine = Placement.of(inventory.withoutVmsOf(List.of(largest.agent())), without, catalog, config);
        return Optional.of(new Failover(hostId, requests.size(), engine.plan(requests)));
    }

    private static boolean counts(VmStatus v, Catalog catalog) {
        return v.running() && v.application() != null && catalog.applications().containsKey(v.application());
    }
}
