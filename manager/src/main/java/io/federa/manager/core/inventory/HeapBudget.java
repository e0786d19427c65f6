package io.federa.manager.core.inventory;

import java.util.Locale;

/**
 * How much of the manager's heap its inventory may take, and what that holds. Measured with
 * {@code bench/manager-fleet-poll.sh} (docs/benchmarks.md): about 3 KiB a VM polled with the
 * lifecycle, history, leases, cost meter and probes running; an agent costs some 8 KiB more (its
 * entry, schedule, lease ledger row, metric series). Together, at ten VMs an agent, 37.8 MiB per
 * 10,000 VMs, where the benchmark measured 31–38 MiB (December 2026). Half the heap is left for what
 * polls, the API and the reconcile passes allocate while they run. A manager refuses to start with
 * a fleet its heap cannot hold at {@value #NOMINAL_VMS_PER_AGENT} VMs an agent, and refuses an
 * answer that would take its inventory past what its heap holds (a failed poll with a
 * {@code capacity:} reason), rather than running out of memory. Pure.
 */
public final class HeapBudget {
    public static final long BYTES_PER_VM = 3 * 1024;
    public static final long BYTES_PER_AGENT = 8 * 1024;
    public static final int NOMINAL_VMS_PER_AGENT = 10;
    /** The share of the heap the inventory may take. */
    public static final double SHARE = 0.5;

    private HeapBudget() {
    }

    /** The heap, in bytes, a fleet of {@code agents} needs at the nominal VMs an agent. */
    public static long neededBytes(int agents) {
        return (long) Math.ceil(agents * (BYTES_PER_AGENT + NOMINAL_VMS_PER_AGENT * BYTES_PER_VM) / SHARE);
    }

    /** Why a heap of {@code maxHeapBytes} cannot hold a fleet of {@code agents}, or null when it can. */
    public static String refusal(int agents, long maxHeapBytes) {
        long needed = neededBytes(agents);
        if (needed <= maxHeapBytes) {
            return null;
        }
        return String.format(Locale.ROOT, "%,d agents need a heap of at least %,d MiB to be polled (%,d VMs an agent at "
                + "about %d KiB each, with as much again for the work of the polls); this manager has %,d MiB: raise -Xmx "
                + "(FEDERA_JAVA_OPTS=-Xmx%dm) or share the agents between managers", agents, mib(needed), NOMINAL_VMS_PER_AGENT,
                BYTES_PER_VM / 1024, mib(maxHeapBytes), Math.max(mib(needed) * 5 / 4, mib(needed) + 64));
    }

    /** How many VMs the inventory of {@code agents} agents may hold in a heap of {@code maxHeapBytes}. */
    public static long maxVms(int agents, long maxHeapBytes) {
        return Math.max(0, (long) (maxHeapBytes * SHARE - (double) agents * BYTES_PER_AGENT) / BYTES_PER_VM);
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
