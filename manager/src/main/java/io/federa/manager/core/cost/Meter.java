package io.federa.manager.core.cost;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns successive samples of each host into intervals of usage (docs/cost.md). Times are the
 * samples' own ({@link HostStatus#sampleTimestampMillis}, the agent's reading of its clock when it
 * read the counters): no clock is read here, and a test drives a month through it in a second.
 *
 * <p>The rules, per counter of a VM between two samples of its host:
 * <ul>
 *   <li>both known and the second not lower: the difference;</li>
 *   <li>the second lower (the VM, or the hypervisor's count, started again): the second value —
 *       what was used since it started again. Never negative; what was used before the restart
 *       was billed by the intervals before; what was used between the last sample and the restart
 *       is lost (a few seconds at most, under-billed rather than guessed);</li>
 *   <li>either unknown (-1): nothing.</li>
 * </ul>
 * Storage is what the VM had allocated at the start of the interval, for the interval's length.
 * A VM seen for the first time is a baseline. An interval longer than {@code maxGapMillis} is a
 * {@link HostInterval.Kind#GAP}: no usage and no capacity billed (nobody knows what happened), and
 * every VM of the host starts again from the sample after it.
 *
 * <p>Not thread-safe: one caller (the cost verticle) feeds it.
 */
public final class Meter {
    private record Last(long atMillis, Rates rates, Map<String, VmStatus> vms) {
    }

    private final long maxGapMillis;
    private final Map<String, Last> hosts = new HashMap<>();

    /** @param maxGapMillis the longest interval billed; longer is a gap */
    public Meter(long maxGapMillis) {
        if (maxGapMillis <= 0) {
            throw new IllegalArgumentException("the gap limit must be positive, got " + maxGapMillis + " ms");
        }
        this.maxGapMillis = maxGapMillis;
    }

    /**
     * One sample of a host and its VMs. Empty when the sample was seen already (the manager polls
     * faster than, or as fast as, the agent samples).
     */
    public Optional<HostInterval> observe(HostStatus host, List<VmStatus> vms) {
        long at = host.sampleTimestampMillis();
        Last last = hosts.get(host.hostId());
        if (last != null && at == last.atMillis) {
            return Optional.empty();
        }
        Map<String, VmStatus> now = new HashMap<>(vms.size() * 2);
        for (VmStatus v : vms) {
            now.put(v.name(), v);
        }
        Rates rates = Rates.of(host);
        hosts.put(host.hostId(), new Last(at, rates, now));
        if (last == null || at < last.atMillis) {
            // First sample, or the agent's clock went back: a baseline, nothing billed.
            return Optional.of(new HostInterval(host.hostId(), host.site(), rates, at, at, HostInterval.Kind.FIRST,
                    Usage.ZERO, List.of()));
        }
        long millis = at - last.atMillis;
        if (millis > maxGapMillis) {
            return Optional.of(new HostInterval(host.hostId(), host.site(), last.rates, last.atMillis, at,
                    HostInterval.Kind.GAP, Usage.ZERO, List.of()));
        }
        List<VmUsage> out = new ArrayList<>(vms.size());
        for (VmStatus v : vms) {
            VmStatus before = last.vms.get(v.name());
            if (before == null) {
                out.add(new VmUsage(v.name(), v.application(), v.service(), Usage.ZERO, VmUsage.Counted.FIRST));
                continue;
            }
            VmStatus.Counters a = before.counters();
            VmStatus.Counters b = v.counters();
            boolean reset = wentDown(a.cpuTimeNanoseconds(), b.cpuTimeNanoseconds())
                    || wentDown(a.transmittedBytes(), b.transmittedBytes())
                    || wentDown(a.transmittedPackets(), b.transmittedPackets());
            Usage u = new Usage(delta(a.cpuTimeNanoseconds(), b.cpuTimeNanoseconds()),
                    Usage.gibHours(Math.max(0, before.diskBytes()), millis),
                    delta(a.transmittedBytes(), b.transmittedBytes()), delta(a.transmittedPackets(), b.transmittedPackets()));
            out.add(new VmUsage(v.name(), v.application(), v.service(), u,
                    reset ? VmUsage.Counted.RESET : VmUsage.Counted.METERED));
        }
        Usage capacity = new Usage(Math.max(0, host.cpus()) * millis * 1_000_000L,
                Usage.gibHours(Math.max(0, host.storageBytes()), millis), 0, 0);
        return Optional.of(new HostInterval(host.hostId(), host.site(), last.rates, last.atMillis, at,
                HostInterval.Kind.METERED, capacity, out));
    }

    /** Forgets hosts no longer polled (removed from the configuration). */
    public void retain(Set<String> hostIds) {
        hosts.keySet().retainAll(hostIds);
    }

    static boolean wentDown(long before, long after) {
        return before >= 0 && after >= 0 && after < before;
    }

    /** The rule for one counter: the difference, what was counted since a restart, or nothing when unknown. */
    static long delta(long before, long after) {
        if (before < 0 || after < 0) {
            return 0;
        }
        return after >= before ? after - before : after;
    }
}
