package io.federa.manager.core.lease;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What this manager knows of the leases it renews, and what follows from it. Pure (no clock,
 * no I/O: every time is given, in the manager's wall-clock milliseconds); thread-safe, since the
 * polls write it and the lifecycle reads it.
 *
 * <p>For each agent of the fleet (the agents that hold leases):
 * <ul>
 *   <li>the last statement sent that may have reached it (its {@code issuedAt}) and the latest time
 *       a lease it granted may still hold there (the poll's deadline plus the lease);</li>
 *   <li>the last few acknowledged renewals: which statement, and when the answer came.</li>
 * </ul>
 *
 * <p><b>Majority.</b> This manager acts only while a majority of the fleet acknowledged a renewal
 * within one lease. <b>Fencing deadline</b> of an agent X that stopped answering: the first
 * moment at which a majority M of the fleet (X aside) had acknowledged statements issued more than
 * the gap after the last one sent to X, plus one peer grant, and no earlier than X's lease end;
 * X's peers may have granted it a run of {@code peerGrant} on checks begun before
 * M was complete, never after (any majority X reaches then meets M, which shows a fresher
 * statement); so by the deadline X has powered its VMs off, or is not running them. (The
 * lifecycle adds its margin for the fencing itself to take.)
 */
public final class LeaseLedger {
    /**
     * Acknowledgements kept per agent: more than a gap and a grant's worth at any sensible poll
     * interval. Once older ones are forgotten, the first fresher one kept stands in for the first
     * one there was: a deadline can only come later, never earlier.
     */
    static final int KEPT = 16;

    /** The timing the deadline depends on, all in milliseconds. */
    public record Timing(long leaseMillis, long intervalMillis, long gapMillis, long peerGrantMillis) {
        public Timing {
            if (leaseMillis <= 0 || intervalMillis <= 0 || gapMillis <= 0 || peerGrantMillis <= 0) {
                throw new IllegalArgumentException("lease timing must be positive: " + leaseMillis + ", " + intervalMillis
                        + ", " + gapMillis + ", " + peerGrantMillis);
            }
        }
    }

    private final Timing timing;
    private final Map<String, Integer> index = new HashMap<>();
    private final String[] names;
    private final long[] lastSentIssuedAt;
    private final long[] leaseEnd;
    private final long[] lastAckAt;
    private final long[][] ackIssuedAt;
    private final long[][] ackAt;
    private final int[] acks;

    /**
     * A ledger for a manager that starts at {@code startMillis}: it cannot know what leases the one
     * before it granted, so every agent may hold one until a full poll and lease from now, under a
     * statement issued up to now.
     */
    public LeaseLedger(List<String> fleet, Timing timing, long startMillis) {
        this.timing = timing;
        int n = fleet.size();
        names = fleet.toArray(String[]::new);
        lastSentIssuedAt = new long[n];
        leaseEnd = new long[n];
        lastAckAt = new long[n];
        ackIssuedAt = new long[n][KEPT];
        ackAt = new long[n][KEPT];
        acks = new int[n];
        for (int i = 0; i < n; i++) {
            if (index.put(names[i], i) != null) {
                throw new IllegalArgumentException("agent " + names[i] + " is listed twice in the fleet");
            }
            lastSentIssuedAt[i] = startMillis;
            leaseEnd[i] = startMillis + timing.intervalMillis() + timing.leaseMillis();
            lastAckAt[i] = Long.MIN_VALUE;
        }
    }

    public int fleetSize() {
        return names.length;
    }

    public Timing timing() {
        return timing;
    }

    /** The smallest number of agents that is more than half of {@code n}. */
    public static int majority(int n) {
        return n / 2 + 1;
    }

    /**
     * A renewal under the statement issued at {@code issuedAt} was sent to {@code agent} at
     * {@code polledAt} and may have reached it (the connection was not refused).
     */
    public void sent(String agent, long issuedAt, long polledAt) {
        sent(agent, issuedAt, polledAt, timing.intervalMillis());
    }

    /**
     * The same, for a renewal whose answer was awaited for at most {@code deadlineMillis}: it may
     * have reached the agent as late as that, and the lease holds from then.
     */
    public synchronized void sent(String agent, long issuedAt, long polledAt, long deadlineMillis) {
        Integer i = index.get(agent);
        if (i == null) {
            return;
        }
        lastSentIssuedAt[i] = Math.max(lastSentIssuedAt[i], issuedAt);
        leaseEnd[i] = Math.max(leaseEnd[i], leaseEnd(polledAt, deadlineMillis));
    }

    /**
     * The latest a lease granted by a renewal sent at {@code polledAt}, awaited for at most
     * {@code deadlineMillis}, may hold: the renewal tells the agent so (less the clock skew allowed),
     * and the agent grants nothing past it, however late it reads the renewal.
     */
    public long leaseEnd(long polledAt, long deadlineMillis) {
        return polledAt + deadlineMillis + timing.leaseMillis();
    }

    /** {@code agent} acknowledged the renewal under the statement issued at {@code issuedAt}; the answer came at {@code atMillis}. */
    public synchronized void acknowledged(String agent, long issuedAt, long atMillis) {
        Integer i = index.get(agent);
        if (i == null) {
            return;
        }
        int slot = acks[i] % KEPT;
        ackIssuedAt[i][slot] = issuedAt;
        ackAt[i][slot] = atMillis;
        acks[i]++;
        lastAckAt[i] = Math.max(lastAckAt[i], atMillis);
    }

    /** Agents that acknowledged a renewal within one lease of {@code now}. */
    public synchronized int renewedWithinLease(long now) {
        int n = 0;
        for (long at : lastAckAt) {
            if (at != Long.MIN_VALUE && now - at <= timing.leaseMillis()) {
                n++;
            }
        }
        return n;
    }

    /** Whether this manager renews a majority of the fleet; a fleet of none needs no majority. */
    public boolean holdsMajority(long now) {
        return names.length == 0 || renewedWithinLease(now) >= majority(names.length);
    }

    /** The latest time a lease this manager granted may still hold on {@code agent}. */
    public synchronized long leaseEnd(String agent) {
        Integer i = index.get(agent);
        return i == null ? 0 : leaseEnd[i];
    }

    /**
     * When {@code agent}'s VMs may run elsewhere (see the class comment); empty while no majority
     * of the fleet has acknowledged statements fresher than the last one sent to it. An agent that
     * holds no lease (not of the fleet) has no deadline: 0.
     */
    public synchronized OptionalLong fencingDeadline(String agent) {
        Integer x = index.get(agent);
        if (x == null) {
            return OptionalLong.of(0);
        }
        long threshold = lastSentIssuedAt[x] + timing.gapMillis();
        long[] firsts = new long[names.length];
        int found = 0;
        for (int y = 0; y < names.length; y++) {
            if (y == x) {
                continue;
            }
            long first = Long.MAX_VALUE;
            int kept = Math.min(acks[y], KEPT);
            for (int k = 0; k < kept; k++) {
                if (ackIssuedAt[y][k] > threshold) {
                    first = Math.min(first, ackAt[y][k]);
                }
            }
            if (first != Long.MAX_VALUE) {
                firsts[found++] = first;
            }
        }
        int need = majority(names.length);
        if (found < need) {
            return OptionalLong.empty();
        }
        Arrays.sort(firsts, 0, found);
        long majorityAt = firsts[need - 1];
        return OptionalLong.of(Math.max(leaseEnd[x], majorityAt + timing.peerGrantMillis()));
    }

    /** The fencing deadlines of {@code agents}, leaving out those that have none yet. */
    public Map<String, Long> fencingDeadlines(Collection<String> agents) {
        Map<String, Long> out = new HashMap<>();
        for (String a : agents) {
            OptionalLong d = fencingDeadline(a);
            if (d.isPresent()) {
                out.put(a, d.getAsLong());
            }
        }
        return out;
    }

    /** The fleet's agents, in the order given. */
    public List<String> fleet() {
        return new ArrayList<>(Arrays.asList(names));
    }
}
