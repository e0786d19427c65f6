package io.federa.manager.core.inventory;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the manager knows of the hosts and their VMs, rebuilt from each round of polls:
 * for every configured agent, its reachability and the last host and VMs it reported. Immutable;
 * each poll result gives a new inventory. Pure: times are passed in.
 *
 * <p>The poll loop does not make one inventory per poll (that is N copies of an N-entry array a
 * second, quadratic in the fleet): it updates a {@link LiveInventory} in place, and an inventory
 * is made from it when someone reads one. {@link #agents()} is an {@link AgentMap}: the agents'
 * names and positions are shared by every inventory of one fleet, each inventory has its own
 * array of entries.
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

        /** This agent after a good poll: reachable, with what it said. */
        public Entry polled(HostStatus host, List<VmStatus> vms, long nowMillis) {
            return new Entry(agent, health.success(nowMillis), Optional.of(host), vms);
        }

        /** This agent after a failed poll: the miss counted, what it said last kept. */
        public Entry failed(String reason, int missesAllowed, long nowMillis) {
            return new Entry(agent, health.failure(nowMillis, reason, missesAllowed), host, vms);
        }
    }

    /** Keeps the order of {@code agents}; an {@link AgentMap} is immutable already and is kept as it is. */
    public InventorySnapshot {
        agents = agents instanceof AgentMap m ? m : AgentMap.copyOf(agents);
    }

    public static InventorySnapshot of(List<String> agentNames, long nowMillis) {
        Entry[] entries = new Entry[agentNames.size()];
        for (int i = 0; i < entries.length; i++) {
            String a = agentNames.get(i);
            entries[i] = new Entry(a, AgentHealth.initial(nowMillis), Optional.empty(), List.of());
        }
        return new InventorySnapshot(AgentMap.of(entries), nowMillis);
    }

    public InventorySnapshot polled(String agent, HostStatus host, List<VmStatus> vms, long nowMillis) {
        return with(require(agent).polled(host, vms, nowMillis), nowMillis);
    }

    /** A failed poll keeps what the agent said last, and counts the miss. */
    public InventorySnapshot failed(String agent, String reason, int missesAllowed, long nowMillis) {
        return with(require(agent).failed(reason, missesAllowed, nowMillis), nowMillis);
    }

    private Entry require(String agent) {
        Entry e = agents.get(agent);
        if (e == null) {
            throw new IllegalArgumentException("no agent named " + agent + " in the inventory");
        }
        return e;
    }

    private InventorySnapshot with(Entry e, long nowMillis) {
        return new InventorySnapshot(((AgentMap) agents).with(e), nowMillis);
    }

    /** Every VM last reported, by name, with the reachability of the host it is on. */
    public List<VmStatus> vms() {
        List<VmStatus> out = new ArrayList<>();
        agents.values().forEach(e -> out.addAll(e.vms()));
        out.sort(Comparator.comparing(VmStatus::host).thenComparing(VmStatus::name));
        return out;
    }

    /** This inventory with the VMs of the given agents forgotten (their hosts kept): for placing their replacements. */
    public InventorySnapshot withoutVmsOf(java.util.Collection<String> agentNames) {
        InventorySnapshot out = this;
        for (String a : agentNames) {
            Entry e = require(a);
            out = out.with(new Entry(a, e.health(), e.host(), List.of()), takenAtMillis);
        }
        return out;
    }

    /** This inventory without the VM of that name, wherever it is: for asking where it would go now. */
    public InventorySnapshot withoutVm(String vmName) {
        InventorySnapshot out = this;
        for (Entry e : agents.values()) {
            if (e.vms().stream().anyMatch(v -> v.name().equals(vmName))) {
                out = out.with(new Entry(e.agent(), e.health(), e.host(),
                        e.vms().stream().filter(v -> !v.name().equals(vmName)).toList()), takenAtMillis);
            }
        }
        return out;
    }

    public Optional<Entry> agentOfHost(String hostId) {
        return agents.values().stream().filter(e -> e.host().map(h -> h.hostId().equals(hostId)).orElse(false)).findFirst();
    }

    /**
     * The agents of one inventory, in the order they were given: an immutable map whose keys and
     * positions are shared by every inventory derived from the same fleet, with one array of entries
     * of its own. Lookups are a hash lookup of the position; iteration is in position order.
     */
    static final class AgentMap extends AbstractMap<String, InventorySnapshot.Entry> {
        private final Map<String, Integer> positions;
        private final String[] names;
        private final InventorySnapshot.Entry[] entries;

        private AgentMap(Map<String, Integer> positions, String[] names, InventorySnapshot.Entry[] entries) {
            this.positions = positions;
            this.names = names;
            this.entries = entries;
        }

        /** An inventory of the same fleet with these entries (one per position, owned from now on). */
        AgentMap withEntries(InventorySnapshot.Entry[] newEntries) {
            if (newEntries.length != entries.length) {
                throw new IllegalArgumentException(newEntries.length + " entries for a fleet of " + entries.length);
            }
            return new AgentMap(positions, names, newEntries);
        }

        /** The position of {@code agent}, or -1. */
        int position(String agent) {
            Integer i = positions.get(agent);
            return i == null ? -1 : i;
        }

        static AgentMap of(InventorySnapshot.Entry[] entries) {
            String[] names = new String[entries.length];
            Map<String, Integer> positions = new HashMap<>(entries.length * 2);
            for (int i = 0; i < entries.length; i++) {
                names[i] = entries[i].agent();
                if (positions.put(names[i], i) != null) {
                    throw new IllegalArgumentException("agent " + names[i] + " is listed twice");
                }
            }
            return new AgentMap(positions, names, entries);
        }

        static AgentMap copyOf(Map<String, InventorySnapshot.Entry> agents) {
            InventorySnapshot.Entry[] entries = new InventorySnapshot.Entry[agents.size()];
            int i = 0;
            for (Map.Entry<String, InventorySnapshot.Entry> e : agents.entrySet()) {
                if (!e.getKey().equals(e.getValue().agent())) {
                    throw new IllegalArgumentException("agent " + e.getKey() + " holds the entry of " + e.getValue().agent());
                }
                entries[i++] = e.getValue();
            }
            return of(entries);
        }

        /** This map with the entry of {@code e.agent()} replaced: one array copy, the keys shared. */
        AgentMap with(InventorySnapshot.Entry e) {
            Integer i = positions.get(e.agent());
            if (i == null) {
                throw new IllegalArgumentException("no agent named " + e.agent() + " in the inventory");
            }
            InventorySnapshot.Entry[] copy = entries.clone();
            copy[i] = e;
            return new AgentMap(positions, names, copy);
        }

        @Override
        public InventorySnapshot.Entry get(Object key) {
            Integer i = positions.get(key);
            return i == null ? null : entries[i];
        }

        @Override
        public boolean containsKey(Object key) {
            return positions.containsKey(key);
        }

        @Override
        public int size() {
            return entries.length;
        }

        @Override
        public Collection<InventorySnapshot.Entry> values() {
            return new AbstractCollection<>() {
                @Override
                public Iterator<InventorySnapshot.Entry> iterator() {
                    return new Positions<>() {
                        @Override
                        InventorySnapshot.Entry at(int i) {
                            return entries[i];
                        }
                    };
                }

                @Override
                public int size() {
                    return entries.length;
                }
            };
        }

        @Override
        public Set<Map.Entry<String, InventorySnapshot.Entry>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, InventorySnapshot.Entry>> iterator() {
                    return new Positions<>() {
                        @Override
                        Map.Entry<String, InventorySnapshot.Entry> at(int i) {
                            return Map.entry(names[i], entries[i]);
                        }
                    };
                }

                @Override
                public int size() {
                    return entries.length;
                }
            };
        }

        /** Walks the positions in order; read-only. */
        private abstract class Positions<T> implements Iterator<T> {
            private int next;

            abstract T at(int i);

            @Override
            public boolean hasNext() {
                return next < entries.length;
            }

            @Override
            public T next() {
                if (next >= entries.length) {
                    throw new NoSuchElementException();
                }
                return at(next++);
            }
        }
    }
}
