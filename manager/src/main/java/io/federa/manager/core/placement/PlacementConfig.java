package io.federa.manager.core.placement;

/**
 * The manager's placement settings.
 *
 * @param cpuOvercommit    vCPUs a host may give per physical CPU (1.0: none; at least 1.0)
 * @param strategy         spread or bin-pack, for the fit scorer
 * @param seed             seeds the tie-break; the same seed and inputs give the same placements
 * @param networkLoadRatio share of its reserved bandwidth an instance is assumed to send, for the
 *                         cost scorer's bytes and packets per hour (0–1; 1: the reservation, full time)
 */
public record PlacementConfig(double cpuOvercommit, Strategy strategy, long seed, double networkLoadRatio) {
    public PlacementConfig {
        if (!(cpuOvercommit >= 1.0) || Double.isInfinite(cpuOvercommit)) {
            throw new IllegalArgumentException("cpuOvercommit must be a number of at least 1.0, got " + cpuOvercommit);
        }
        if (strategy == null) {
            throw new IllegalArgumentException("strategy is required");
        }
        if (!(networkLoadRatio >= 0 && networkLoadRatio <= 1)) {
            throw new IllegalArgumentException("networkLoadRatio must be between 0 and 1, got " + networkLoadRatio);
        }
    }

    /**
     * The vCPUs a host with that many CPUs may give: CPUs × overcommit, rounded down. A tiny
     * epsilon makes 3 CPUs × 1.1 give 3 (3.3) and 10 × 1.1 give 11, not 10.999….
     */
    public long vcpuCapacity(int cpus) {
        return (long) Math.floor(cpus * cpuOvercommit + 1e-9);
    }

    /** No overcommit, spread, seed 0, reserved bandwidth fully used. */
    public static PlacementConfig defaults() {
        return new PlacementConfig(1.0, Strategy.SPREAD, 0, 1.0);
    }

    public PlacementConfig withSeed(long newSeed) {
        return new PlacementConfig(cpuOvercommit, strategy, newSeed, networkLoadRatio);
    }

    public PlacementConfig withStrategy(Strategy newStrategy) {
        return new PlacementConfig(cpuOvercommit, newStrategy, seed, networkLoadRatio);
    }

    public PlacementConfig withCpuOvercommit(double ratio) {
        return new PlacementConfig(ratio, strategy, seed, networkLoadRatio);
    }
}
