package io.federa.manager.core.cost;

import java.util.List;
import java.util.Objects;

/**
 * One host between two successive samples: what its VMs used, what it offered (its capacity for
 * as long: CPU-seconds of all its CPUs, GiB-hours of all its storage), priced at the rates it
 * reported at the start of the interval.
 *
 * <p>The host's cost for the interval is its capacity's plus what its VMs sent (the network has
 * no capacity that sits idle here: it is paid by volume). What no VM used of the capacity is its
 * idle cost. So, by construction, the VMs' costs plus idle are the host's cost; attribution keeps
 * that sum whole (see {@link Attribution}).
 */
public record HostInterval(String host, String site, Rates rates, long startMillis, long endMillis, Kind kind,
                           Usage capacity, List<VmUsage> vms) {
    public enum Kind {
        /** Both ends sampled within the gap limit: billed. */
        METERED,
        /** The host's first sample (or its clock went back): a baseline, nothing billed. */
        FIRST,
        /** No sample for longer than the gap limit (the host unreachable): reported, not billed. */
        GAP
    }

    public HostInterval {
        Objects.requireNonNull(host, "host");
        site = site == null ? "" : site;
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(capacity, "capacity");
        vms = List.copyOf(vms);
        if (endMillis < startMillis) {
            throw new IllegalArgumentException("interval of " + host + " ends before it starts");
        }
    }

    public long millis() {
        return endMillis - startMillis;
    }

    /** The capacity's cost: every CPU busy and all the storage allocated for the interval. */
    public double capacityCost() {
        return rates.price(capacity);
    }

    /** The cost of what one VM used. */
    public double cost(VmUsage v) {
        return rates.price(v.usage());
    }

    /** What the VMs sent, which adds to the host's cost beyond its capacity. */
    public double networkCost() {
        double sum = 0;
        for (VmUsage v : vms) {
            sum += v.usage().bytesSent() / Usage.BYTES_PER_GB * rates.perNetworkGB() + v.usage().packetsSent() * rates.perNetworkPacket();
        }
        return sum;
    }

    /** The host's cost: its capacity and what its VMs sent. */
    public double totalCost() {
        return capacityCost() + networkCost();
    }

    /**
     * What no VM used of the capacity. Negative only when the VMs used more than the host reports
     * (storage allocated beyond the host's, CPU counted beyond its CPUs by sampling jitter): the
     * bill still closes, and the figure shows the over-commitment.
     */
    public double idleCost() {
        double used = 0;
        for (VmUsage v : vms) {
            used += cost(v);
        }
        return totalCost() - used;
    }
}
