package io.federa.agent.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What running on a host costs, in one currency: per CPU-second used, per GiB of storage held
 * for an hour, per GB (10^9 bytes) and per packet sent on the network.
 */
public record CostRates(String currency, double perCpuSecond, double perStorageGiBHour,
                        double perNetworkGB, double perNetworkPacket) {
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    public CostRates {
        Objects.requireNonNull(currency, "currency");
        if (!CURRENCY.matcher(currency).matches()) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code such as EUR, got " + currency);
        }
        requireRate("perCpuSecond", perCpuSecond);
        requireRate("perStorageGiBHour", perStorageGiBHour);
        requireRate("perNetworkGB", perNetworkGB);
        requireRate("perNetworkPacket", perNetworkPacket);
    }

    private static void requireRate(String name, double v) {
        if (!Double.isFinite(v) || v < 0) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + v);
        }
    }
}
