package io.federa.manager.core.cost;

import io.federa.manager.core.inventory.HostStatus;

import java.util.Objects;

/**
 * A host's prices, in its currency: per CPU-second used, per GiB of storage allocated for an
 * hour, per GB (10⁹ bytes, as networks sell them) sent, per packet sent.
 */
public record Rates(String currency, double perCpuSecond, double perStorageGiBHour, double perNetworkGB,
                    double perNetworkPacket) {
    public Rates {
        Objects.requireNonNull(currency, "currency");
        for (double r : new double[] {perCpuSecond, perStorageGiBHour, perNetworkGB, perNetworkPacket}) {
            if (!(r >= 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("a rate must be a finite number of at least 0, got " + r);
            }
        }
    }

    public static Rates of(HostStatus h) {
        return new Rates(h.currency(), h.costPerCpuSecond(), h.costPerStorageGiBHour(), h.costPerNetworkGB(),
                h.costPerNetworkPacket());
    }

    /** What the usage costs at these rates, in {@link #currency}. */
    public double price(Usage u) {
        return u.cpuSeconds() * perCpuSecond + u.storageGiBHours() * perStorageGiBHour
                + u.bytesSent() / Usage.BYTES_PER_GB * perNetworkGB + u.packetsSent() * perNetworkPacket;
    }
}
