package io.federa.manager.core.forecast;

import io.federa.manager.core.cost.Usage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a host, or a site, will use of its capacity over the coming days: its stored usage per step
 * (the cost lines summed per host, docs/cost.md) as a series per resource, forecast by
 * {@link HoltWinters}, and the time until the upper bound of the 80 % interval reaches the
 * capacity. A site is the sum of its hosts, against the sum of their capacities.
 *
 * @param scope    {@code host} or {@code site}
 * @param last     the last value observed, in the resource's unit
 * @param capacity the capacity, in the resource's unit
 * @param lastMillis the start of the last step observed (ms since the epoch)
 * @param fullIn   from the end of the last step observed to the first step whose 80 % upper bound
 *                 reaches the capacity; empty when it stays below within the horizon
 */
public record Outlook(String scope, String key, Resource resource, double last, double capacity, long lastMillis,
                      Forecast forecast, Optional<Duration> fullIn) {
    /** The level of the interval whose upper bound says when a capacity is reached. */
    public static final double LEVEL = 0.8;
    /** Fewer observed steps than this give no forecast. */
    public static final int MIN_OBSERVED = 12;

    public enum Resource {
        /** The CPUs used on average over a step. */
        CPU("CPUs"),
        /** The storage allocated on average over a step. */
        STORAGE("GiB"),
        /** What was sent, on average over a step. */
        NETWORK("bytes/s");

        public final String unit;

        Resource(String unit) {
            this.unit = unit;
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One host's usage over one step, summed over its VMs, and how long it went unsampled in it. */
    public record HostStep(String host, String site, long bucketMillis, Usage usage, long gapMillis) {
    }

    /** What a host offers, from the inventory. {@code networkBytesPerSecond} 0 when unknown. */
    public record Capacity(String host, String site, int cpus, long storageBytes, double networkBytesPerSecond) {
        double of(Resource r) {
            return switch (r) {
                case CPU -> cpus;
                case STORAGE -> storageBytes / Usage.BYTES_PER_GIB;
                case NETWORK -> networkBytesPerSecond;
            };
        }
    }

    /**
     * Outlooks of every host with a capacity and enough history, then of every site, each per
     * resource with a capacity above 0. {@code history}: the steps, in any order, of
     * {@code step} each; a step missing, or unsampled for more than nine tenths of it, is a gap.
     */
    public static List<Outlook> of(List<HostStep> history, Map<String, Capacity> capacities, Duration step, Duration horizon) {
        long stepMillis = step.toMillis();
        if (stepMillis <= 0) {
            throw new IllegalArgumentException("the step must be positive, was " + step);
        }
        long first = Long.MAX_VALUE;
        long lastBucket = Long.MIN_VALUE;
        for (HostStep s : history) {
            if (capacities.containsKey(s.host())) {
                first = Math.min(first, s.bucketMillis());
                lastBucket = Math.max(lastBucket, s.bucketMillis());
            }
        }
        List<Outlook> out = new ArrayList<>();
        if (first == Long.MAX_VALUE) {
            return out;
        }
        int n = (int) ((lastBucket - first) / stepMillis) + 1;
        Map<String, double[][]> byHost = new TreeMap<>();
        for (HostStep s : history) {
            if (!capacities.containsKey(s.host())) {
                continue;
            }
            double[][] v = byHost.computeIfAbsent(s.host(), h -> nans(n));
            int i = (int) ((s.bucketMillis() - first) / stepMillis);
            double covered = stepMillis - Math.min(stepMillis, s.gapMillis());
            if (covered < stepMillis / 10.0) {
                continue;
            }
            double seconds = covered / 1000.0;
            v[Resource.CPU.ordinal()][i] = nz(v[Resource.CPU.ordinal()][i]) + s.usage().cpuSeconds() / seconds;
            v[Resource.STORAGE.ordinal()][i] = nz(v[Resource.STORAGE.ordinal()][i])
                    + s.usage().storageGiBHours() / (covered / Usage.MILLIS_PER_HOUR);
            v[Resource.NETWORK.ordinal()][i] = nz(v[Resource.NETWORK.ordinal()][i]) + s.usage().bytesSent() / seconds;
        }
        Map<String, double[][]> bySite = new TreeMap<>();
        Map<String, double[]> siteCapacity = new HashMap<>();
        for (Map.Entry<String, double[][]> e : byHost.entrySet()) {
            Capacity c = capacities.get(e.getKey());
            double[][] site = bySite.computeIfAbsent(c.site(), x -> zeros(n));
            double[] cap = siteCapacity.computeIfAbsent(c.site(), x -> new double[Resource.values().length]);
            for (Resource r : Resource.values()) {
                cap[r.ordinal()] += c.of(r);
                for (int i = 0; i < n; i++) {
                    // A host unsampled for a step makes the site's step unknown, not smaller.
                    site[r.ordinal()][i] += e.getValue()[r.ordinal()][i];
                }
            }
            for (Resource r : Resource.values()) {
                outlook("host", e.getKey(), r, e.getValue()[r.ordinal()], c.of(r), first, step, horizon).ifPresent(out::add);
            }
        }
        for (Map.Entry<String, double[][]> e : bySite.entrySet()) {
            for (Resource r : Resource.values()) {
                outlook("site", e.getKey(), r, e.getValue()[r.ordinal()], siteCapacity.get(e.getKey())[r.ordinal()], first,
                        step, horizon).ifPresent(out::add);
            }
        }
        return out;
    }

    private static Optional<Outlook> outlook(String scope, String key, Resource r, double[] values, double capacity,
                                             long firstMillis, Duration step, Duration horizon) {
        if (!(capacity > 0)) {
            return Optional.empty();
        }
        // The series starts at this key's first observed step.
        int from = 0;
        while (from < values.length && Double.isNaN(values[from])) {
            from++;
        }
        double[] own = Arrays.copyOfRange(values, from, values.length);
        Series series = Series.of(step, own);
        if (series.observed() < MIN_OBSERVED) {
            return Optional.empty();
        }
        int lastIndex = own.length - 1;
        while (Double.isNaN(own[lastIndex])) {
            lastIndex--;
        }
        Forecast f = HoltWinters.fit(series).forecast(horizon);
        return Optional.of(new Outlook(scope, key, r, own[lastIndex], capacity,
                firstMillis + (from + (long) own.length - 1) * step.toMillis(), f, TimeUntilFull.atUpper(f, LEVEL, capacity)));
    }

    private static double nz(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static double[][] nans(int n) {
        double[][] v = new double[Resource.values().length][n];
        for (double[] row : v) {
            Arrays.fill(row, Double.NaN);
        }
        return v;
    }

    private static double[][] zeros(int n) {
        return new double[Resource.values().length][n];
    }
}
