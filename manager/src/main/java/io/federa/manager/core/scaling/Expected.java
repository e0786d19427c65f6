package io.federa.manager.core.scaling;

import java.time.Instant;

/**
 * What a forecast expects of an application within its policy's {@code ahead}: the most CPUs its
 * instances together may be busy (the upper bound of the forecast's 80 % interval) and when.
 *
 * @param cpus     CPUs busy, all instances together
 * @param atMillis when that is expected (ms since the epoch)
 */
public record Expected(double cpus, long atMillis) {
    public Expected {
        if (!(cpus >= 0) || Double.isInfinite(cpus)) {
            throw new IllegalArgumentException("expected CPUs must be a figure of at least 0, got " + cpus);
        }
    }

    /** The mean load (0–1) of {@code instances} instances of {@code vcpus} each, were this the demand. */
    public double loadOn(int instances, int vcpus) {
        return instances <= 0 || vcpus <= 0 ? Double.POSITIVE_INFINITY : cpus / ((double) instances * vcpus);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.2f CPUs at %s", cpus, Instant.ofEpochMilli(atMillis));
    }
}
