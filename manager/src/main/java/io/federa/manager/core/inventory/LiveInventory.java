package io.federa.manager.core.inventory;

import java.util.List;

/**
 * The inventory as the poll loop keeps it: one entry per agent, replaced in place when its poll
 * ends (constant work per poll, whatever the fleet's size), and an immutable
 * {@link InventorySnapshot} made only when someone reads one and something changed since the last
 * (one copy of the entries' array per read, not per poll). Thread-safe: several poll loops may
 * update their agents while the lifecycle, the API and the metrics read. Pure: times are given.
 */
public final class LiveInventory {
    private final InventorySnapshot.AgentMap shape;
    private final InventorySnapshot.Entry[] entries;
    /** Per agent, the host id it first reported; which agent holds each host id. */
    private final String[] pinned;
    private final java.util.Map<String, Integer> holders = new java.util.HashMap<>();
    private long changes;
    private long takenAtMillis;
    private InventorySnapshot published;
    private long publishedChanges = -1;

    /** The most VMs this inventory holds (its share of the heap, {@link HeapBudget}); the VMs it holds now. */
    private final long maxVms;
    private long vms;

    public LiveInventory(List<String> agentNames, long nowMillis) {
        this(agentNames, nowMillis, Long.MAX_VALUE);
    }

    /** @param maxVms the most VMs the inventory may hold, over every agent ({@link HeapBudget#maxVms}) */
    public LiveInventory(List<String> agentNames, long nowMillis, long maxVms) {
        this.maxVms = maxVms;
        InventorySnapshot first = InventorySnapshot.of(agentNames, nowMillis);
        shape = (InventorySnapshot.AgentMap) first.agents();
        entries = first.agents().values().toArray(InventorySnapshot.Entry[]::new);
        pinned = new String[entries.length];
        takenAtMillis = nowMillis;
    }

    /**
     * Why an answer over a connection whose certificate has fingerprint {@code presented} (empty:
     * none, a plain connection) is not the pinned agent's, or null when it is (or nothing is
     * pinned). An agent's identity thus has two pins, both refused with an {@code identity:}
     * reason that the poll loop counts as a miss ({@link #failed}): the certificate, checked by the
     * clients once the connection is made and before anything is sent (a renewal or a command never
     * reaches an impostor), and the host id, checked here on the answer.
     */
    public static String certificateRefusal(String pinned, String presented) {
        if (pinned == null || pinned.isEmpty() || pinned.equals(presented)) {
            return null;
        }
        if (presented.isEmpty()) {
            return "identity: presented no certificate, but its certificate is pinned to sha256 " + pinned;
        }
        return "identity: presents a certificate with sha256 " + presented + ", not the pinned " + pinned
                + " (another host at this agent's address? give its new fingerprint in agents[].fingerprint once the change is intended)";
    }

    /** The position of {@code agent} in this fleet: the handle for {@link #polled} and {@link #failed}. */
    public int position(String agent) {
        int i = shape.position(agent);
        if (i < 0) {
            throw new IllegalArgumentException("no agent named " + agent + " in the inventory");
        }
        return i;
    }

    /** The agent at position {@code i} as it stands. */
    public synchronized InventorySnapshot.Entry entry(int i) {
        return entries[i];
    }

    /**
     * Takes a good answer, unless the host id it reports is not this agent's: each agent keeps the
     * host id it first reported, and no two agents hold one host id (an agent that claims another
     * host's id would otherwise have its VMs and capacity counted as that host's).
     *
     * @return null when taken; otherwise why not, for the caller to count as a failed poll
     */
    public synchronized String polled(int i, HostStatus host, List<VmStatus> vms, long nowMillis) {
        String id = host.hostId();
        if (pinned[i] != null && !pinned[i].equals(id)) {
            return "identity: reports host id \"" + clip(id) + "\", not \"" + pinned[i] + "\" as before (another host at this "
                    + "agent's address? restart the manager once the change is intended)";
        }
        Integer holder = holders.get(id);
        if (holder != null && holder != i) {
            return "identity: reports host id \"" + clip(id) + "\", which agent " + entries[holder].agent() + " reports";
        }
        long total = this.vms - entries[i].vms().size() + vms.size();
        if (total > maxVms) {
            return "capacity: this manager's inventory holds at most " + maxVms + " VMs in its heap, and with this agent's "
                    + vms.size() + " it would hold " + total + " (raise the manager's -Xmx)";
        }
        if (pinned[i] == null) {
            pinned[i] = id;
            holders.put(id, i);
        }
        this.vms = total;
        set(i, entries[i].polled(host, vms, nowMillis), nowMillis);
        return null;
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    public synchronized void failed(int i, String reason, int missesAllowed, long nowMillis) {
        set(i, entries[i].failed(reason, missesAllowed, nowMillis), nowMillis);
    }

    private void set(int i, InventorySnapshot.Entry e, long nowMillis) {
        entries[i] = e;
        changes++;
        takenAtMillis = Math.max(takenAtMillis, nowMillis);
    }

    /** The inventory as of now; the same instance while nothing changed. */
    public synchronized InventorySnapshot snapshot() {
        if (publishedChanges != changes) {
            published = new InventorySnapshot(shape.withEntries(entries.clone()), takenAtMillis);
            publishedChanges = changes;
        }
        return published;
    }
}
