package io.federa.manager.core.inventory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the manager knows of the hosts and their VMs, rebuilt from each round of polls:
 * for every configured agent, its reachability and the last host and VMs it reported. Immutable;
 * each poll result gives a new inventory. Pure: times are passed in.
 */
public record InventorySnapshot(Map<String, Entry> agents, long takenAtMillis) {
    /** One agent: its reachability, and what it last said (empty until its first good answer). */
    public record Entry(String agent, AgentHealth health, Optional<HostStatus> host, List<VmStatus> vms) {
        public Entry {
            vms = List.copyOf(vms);
        }

        public boolean reachable() {
            return health.state() == AgentHealth.State.REACHABLE;
        }
    }

    public InventorySnapshot {
        agents = Collections.unmodifiableMap(new LinkedHashMap<>(agents));
    }

    public static InventorySnapshot of(List<String> agentNames, long nowMillis) {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (String a : agentNames) {
            m.put(a, new Entry(a, AgentHealth.initial(nowMillis), Optional.empty(), List.of()));
        }
        return new InventorySnapshot(m, nowMillis);
    }

    public InventorySnapshot polled(String agent, HostStatus host, List<VmStatus> vms, long nowMillis) {
        Entry e = require(agent);
        return with(new Entry(agent, e.health().success(nowMillis), Optional.of(host), vms), nowMillis);
    }

    /** A failed poll keeps what the agent said last, and counts the miss. */
    public InventorySnapshot failed(String agent, String reason, int missesAllowed, long nowMillis) {
        Entry e = require(agent);
        return with(new Entry(agent, e.health().failure(nowMillis, reason, missesAllowed), e.host(), e.vms()), nowMillis);
    }

    private Entry require(String agent) {
        Entry e = agents.get(agent);
        if (e == null) {
            throw new IllegalArgumentException("no agent named " + agent + " in the inventory");
        }
        return e;
    }

    private InventorySnapshot with(Entry e, long nowMillis) {
        Map<String, Entry> m = new LinkedHashMap<>(agents);
        m.put(e.agent(), e);
        return new InventorySnapshot(m, nowMillis);
    }

    /** Every VM last reported, by name, with the reachability of the host it is on. */
    public List<VmStatus> vms() {
        List<VmStatus> out = new ArrayList<>();
        agents.values().forEach(e -> out.addAll(e.vms()));
        out.sort(Comparator.comparing(VmStatus::host).thenComparing(VmStatus::name));
        return out;
    }

    public Optional<Entry> agentOfHost(String hostId) {
        return agents.values().stream().filter(e -> e.host().map(h -> h.hostId().equals(hostId)).orElse(false)).findFirst();
    }
}
