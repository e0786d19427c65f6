package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The facts placement needs about every host, computed once per inventory snapshot into arrays
 * indexed by host, hosts sorted by id: whatever order the agents were configured or polled in,
 * host {@code i} is the same host. The hot loop of {@link Placement} reads only these arrays and
 * bit sets, so a placement allocates nothing in proportion to the number of hosts.
 *
 * <p>What a host has committed already is the larger of what its agent reports as allocated
 * and the sum over the VMs it reports, in any state (a VM that is shut off keeps its room: it
 * may be started again). Network bandwidth has no allocation to report: a host's committed
 * bandwidth is the larger of what it measures in use and the reservations ({@code networkMbps})
 * of the catalog's applications whose VMs it holds.
 *
 * <p>An agent that has never reported its host stands as a row of its own, named after the
 * agent, refused as unreachable: "why not there?" has an answer for every agent. When two agents
 * report the same host id, the agent first by name is kept.
 */
final class HostTable {
    /** A VM of an application known on a host, for reasons that name it. */
    record Known(String vm, int host) {
    }

    /** Where the instances of one application are. */
    record AppInstances(BitSet hosts, BitSet sites, List<Known> instances) {
    }

    final int size;
    final String[] ids;
    final String[] agents;
    final HostStatus[] status;
    final boolean[] reachable;
    final BitSet unreachableHosts;
    final String[] healthText;
    final boolean[] cordoned;
    final BitSet cordonedHosts;
    final int[] site;
    final String[] siteNames;
    final boolean[] offsite;
    final BitSet offsiteHosts;
    final int[] security;
    final Map<String, BitSet> runtimeHosts;
    final int[] cpus;
    final long[] vcpusCommitted;
    final long[] memory;
    final long[] memoryCommitted;
    final long[] disk;
    final long[] diskCommitted;
    final long[] network;
    final long[] networkCommitted;
    final double[] cpuRate;
    final double[] storageRate;
    final double[] networkGBRate;
    final double[] packetRate;
    final long[] idHash;
    final Map<String, Integer> indexOf;
    final Map<String, Integer> siteIndexOf;
    final Map<String, AppInstances> apps;
    final Set<String> vmNames;

    private record Row(String id, InventorySnapshot.Entry entry) {
    }

    HostTable(InventorySnapshot snapshot, Catalog catalog, Set<String> cordonedIds) {
        List<Row> rows = new ArrayList<>();
        for (InventorySnapshot.Entry e : snapshot.agents().values()) {
            rows.add(new Row(e.host().map(HostStatus::hostId).orElse(e.agent()), e));
        }
        rows.sort(Comparator.comparing(Row::id).thenComparing(r -> r.entry().host().isPresent() ? 0 : 1)
                .thenComparing(r -> r.entry().agent()));
        List<Row> unique = new ArrayList<>();
        for (Row r : rows) {
            if (unique.isEmpty() || !unique.get(unique.size() - 1).id().equals(r.id())) {
                unique.add(r);
            }
        }
        size = unique.size();
        ids = new String[size];
        agents = new String[size];
        status = new HostStatus[size];
        reachable = new boolean[size];
        healthText = new String[size];
        cordoned = new boolean[size];
        site = new int[size];
        offsite = new boolean[size];
        security = new int[size];
        cpus = new int[size];
        vcpusCommitted = new long[size];
        memory = new long[size];
        memoryCommitted = new long[size];
        disk = new long[size];
        diskCommitted = new long[size];
        network = new long[size];
        networkCommitted = new long[size];
        cpuRate = new double[size];
        storageRate = new double[size];
        networkGBRate = new double[size];
        packetRate = new double[size];
        idHash = new long[size];
        indexOf = new HashMap<>(size * 2);
        unreachableHosts = new BitSet(size);
        cordonedHosts = new BitSet(size);
        offsiteHosts = new BitSet(size);

        TreeSet<String> siteSet = new TreeSet<>();
        for (Row r : unique) {
            r.entry().host().ifPresent(h -> siteSet.add(h.site() == null ? "" : h.site()));
        }
        siteNames = siteSet.toArray(new String[0]);
        siteIndexOf = new HashMap<>();
        for (int s = 0; s < siteNames.length; s++) {
            siteIndexOf.put(siteNames[s], s);
        }

        Map<String, BitSet> runtimes = new HashMap<>();
        Map<String, BitSet> appHosts = new TreeMap<>();
        Map<String, BitSet> appSites = new HashMap<>();
        Map<String, List<Known>> appVms = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < size; i++) {
            Row r = unique.get(i);
            InventorySnapshot.Entry e = r.entry();
            ids[i] = r.id();
            agents[i] = e.agent();
            idHash[i] = hash(r.id());
            indexOf.put(r.id(), i);
            cordoned[i] = cordonedIds.contains(r.id());
            HostStatus h = e.host().orElse(null);
            status[i] = h;
            reachable[i] = e.reachable() && h != null;
            unreachableHosts.set(i, !reachable[i]);
            cordonedHosts.set(i, cordoned[i]);
            healthText[i] = h == null ? "agent " + e.agent() + " has not reported its host yet"
                    : "agent " + e.agent() + " is " + e.health().state()
                    + (e.health().reason().isEmpty() ? "" : " (" + e.health().reason() + ")");
            if (h == null) {
                site[i] = -1;
                continue;
            }
            site[i] = siteIndexOf.get(h.site() == null ? "" : h.site());
            offsite[i] = h.offsite();
            offsiteHosts.set(i, offsite[i]);
            security[i] = h.securityLevel();
            for (String rt : h.runtimes()) {
                runtimes.computeIfAbsent(rt, k -> new BitSet(size)).set(i);
            }
            cpus[i] = h.cpus();
            memory[i] = h.memoryBytes();
            disk[i] = h.storageBytes();
            network[i] = h.networkBitsPerSecond();
            cpuRate[i] = h.costPerCpuSecond();
            storageRate[i] = h.costPerStorageGiBHour();
            networkGBRate[i] = h.costPerNetworkGB();
            packetRate[i] = h.costPerNetworkPacket();
            long vc = 0;
            long mem = 0;
            long dsk = 0;
            long net = 0;
            for (VmStatus v : e.vms()) {
                names.add(v.name());
                vc += Math.max(0, v.vcpus());
                mem += Math.max(0, v.memoryBytes());
                dsk += Math.max(0, v.diskBytes());
                String app = v.application() == null ? "" : v.application();
                if (app.isEmpty()) {
                    continue;
                }
                ApplicationSpec spec = catalog.applications().get(app);
                if (spec != null) {
                    net += spec.resources().networkMbps() * Placement.BITS_PER_MEGABIT;
                }
                appHosts.computeIfAbsent(app, k -> new BitSet(size)).set(i);
                appSites.computeIfAbsent(app, k -> new BitSet()).set(site[i]);
                appVms.computeIfAbsent(app, k -> new ArrayList<>()).add(new Known(v.name(), i));
            }
            vcpusCommitted[i] = Math.max(h.vcpusAllocated(), vc);
            memoryCommitted[i] = Math.max(h.memoryAllocatedBytes(), mem);
            diskCommitted[i] = Math.max(h.storageAllocatedBytes(), dsk);
            double used = h.networkUsedBitsPerSecond();
            networkCommitted[i] = Math.max(Double.isFinite(used) ? (long) Math.ceil(Math.max(0, used)) : 0, net);
        }
        runtimeHosts = runtimes;
        Map<String, AppInstances> a = new HashMap<>();
        for (Map.Entry<String, BitSet> x : appHosts.entrySet()) {
            List<Known> vms = appVms.get(x.getKey());
            vms.sort(Comparator.comparing(Known::vm));
            a.put(x.getKey(), new AppInstances(x.getValue(), appSites.get(x.getKey()), List.copyOf(vms)));
        }
        apps = a;
        vmNames = names;
    }

    /** FNV-1a over the id's characters, then mixed: a stable 64-bit identity for the tie-break. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int k = 0; k < s.length(); k++) {
            h ^= s.charAt(k);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer: every input bit moves every output bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    String siteName(int host) {
        return site[host] < 0 ? "" : siteNames[site[host]];
    }
}
