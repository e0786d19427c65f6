package io.federa.manager.core.placement;

import io.federa.manager.core.spec.ApplicationSpec;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the current plan placed so far, over a snapshot's {@link HostTable}: per host the resources
 * it added, per application the hosts, sites and instances. Mutable, but only ever inside one
 * call of {@link Placement}: each public method builds its own.
 */
final class Overlay {
    private static final long[] NONE = new long[4];
    private final HostTable t;
    /** Hosts the plan placed something on, one bit each; null while the plan is empty. */
    long[] touched;
    /** Sites the plan placed something on. */
    final BitSet sites = new BitSet();
    /**
     * Per host: vCPUs, memory bytes, disk bytes, bits per second the plan added there; null while
     * the plan is empty. An array by host rather than a map: a lookup per check on every host the
     * plan touched, without boxing the host's index.
     */
    long[][] delta;
    final Map<String, BitSet> appHosts = new HashMap<>();
    final Map<String, BitSet> appSites = new HashMap<>();
    final Map<String, List<HostTable.Known>> appVms = new LinkedHashMap<>();
    final Set<String> names = new HashSet<>();

    Overlay(HostTable t) {
        this.t = t;
    }

    void add(Placed p, ApplicationSpec app, int host) {
        if (touched == null) {
            touched = new long[(t.size + 63) >>> 6];
            delta = new long[t.size][];
        }
        touched[host >>> 6] |= 1L << host;
        if (delta[host] == null) {
            delta[host] = new long[4];
        }
        long[] x = delta[host];
        var r = app.resources();
        x[0] += r.vcpus();
        x[1] += r.memoryMiB() * Placement.MIB;
        x[2] += r.diskGiB() * Placement.GIB;
        x[3] += r.networkMbps() * Placement.BITS_PER_MEGABIT;
        appHosts.computeIfAbsent(app.name(), k -> new BitSet()).set(host);
        if (t.site[host] >= 0) {
            appSites.computeIfAbsent(app.name(), k -> new BitSet()).set(t.site[host]);
            sites.set(t.site[host]);
        }
        appVms.computeIfAbsent(app.name(), k -> new ArrayList<>()).add(new HostTable.Known(p.instance(), host));
        names.add(p.instance());
    }

    /** Whether the plan placed anything on host {@code i}. */
    boolean touched(int i) {
        return touched != null && (touched[i >>> 6] & (1L << i)) != 0;
    }

    /** What the plan added on host {@code i}: vCPUs, memory bytes, disk bytes, bits per second. */
    long[] deltaOf(int i) {
        return touched(i) ? delta[i] : NONE;
    }
}
