package io.federa.manager.core.placement;

import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.PlacementRules;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One application's request resolved once against a snapshot's {@link HostTable}: its needs in
 * the tables' units (bytes, bits per second), the hosts offering its runtime, where its replicas
 * and the applications it may not share a host with already are, and the scorers' factors. What
 * the checks of {@link Reason} read about the request.
 */
final class Demand {
    final ApplicationSpec app;
    final PlacementConfig config;
    /** vCPUs each host offers under the configured overcommit, indexed by host. */
    final long[] vcpuCapacity;
    final long vcpus;
    final long memory;
    final long disk;
    final long network;
    /** The hosts offering the application's runtime; null when none does. */
    final BitSet runtime;
    final boolean offsiteForbidden;
    final int minSecurity;
    final PlacementRules.Spread spread;
    /** Hosts and sites where the snapshot shows the application's own instances; null when none. */
    final BitSet ownHosts;
    final BitSet ownSites;
    /** Applications this one may not share a host with, sorted, and for each which one avoids. */
    final String[] conflicts;
    final String[] conflictAvoider;
    final BitSet[] conflictHosts;
    final boolean cheapest;
    final long seedKey;
    /** The cost model's factors for this application, applied to each host's rates. */
    final double[] cost;

    Demand(HostTable t, ApplicationSpec app, String instance, PlacementConfig config, long[] vcpuCapacity,
           Map<String, List<String>> avoidedBy) {
        this.app = app;
        this.config = config;
        this.vcpuCapacity = vcpuCapacity;
        var r = app.resources();
        vcpus = r.vcpus();
        memory = Math.multiplyExact(r.memoryMiB(), Placement.MIB);
        disk = Math.multiplyExact(r.diskGiB(), Placement.GIB);
        network = Math.multiplyExact(r.networkMbps(), Placement.BITS_PER_MEGABIT);
        runtime = t.runtimeHosts.get(app.runtime());
        offsiteForbidden = app.placement().offsiteForbidden();
        minSecurity = app.placement().minSecurityLevel();
        spread = app.placement().spreadReplicas();
        HostTable.AppInstances own = t.apps.get(app.name());
        ownHosts = own == null ? null : own.hosts();
        ownSites = own == null ? null : own.sites();
        Map<String, String> c = new TreeMap<>();
        for (String a : app.placement().avoid()) {
            c.put(a, app.name());
        }
        for (String a : avoidedBy.getOrDefault(app.name(), List.of())) {
            c.putIfAbsent(a, a);
        }
        conflicts = c.keySet().toArray(new String[0]);
        conflictAvoider = c.values().toArray(new String[0]);
        conflictHosts = new BitSet[conflicts.length];
        for (int k = 0; k < conflicts.length; k++) {
            HostTable.AppInstances other = t.apps.get(conflicts[k]);
            conflictHosts[k] = other == null ? null : other.hosts();
        }
        cheapest = app.placement().cost() == PlacementRules.CostPreference.PREFER_CHEAPEST;
        seedKey = HostTable.mix(config.seed() ^ HostTable.hash(instance));
        cost = CostModel.factors(r, config.networkLoadRatio());
    }
}
