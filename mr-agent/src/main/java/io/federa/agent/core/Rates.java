package io.federa.agent.core;

/**
 * Rates from two readings of a counter. A counter that went backwards was reset (the VM was
 * restarted, or the hypervisor lost it): that interval gives no rate rather than a negative or
 * absurd one. A counter the hypervisor could not report (-1) gives no rate either.
 */
public final class Rates {
    private Rates() {
    }

    /** Units per second between two readings taken {@code elapsedNanos} apart; 0 when unknown. */
    public static double perSecond(long before, long after, long elapsedNanos) {
        if (before < 0 || after < 0 || after < before || elapsedNanos <= 0) {
            return 0.0;
        }
        return (after - before) * 1e9 / elapsedNanos;
    }

    /**
     * CPU load as a ratio of the VM's capacity: CPU time used over wall time elapsed times the
     * number of vCPUs, clamped to [0, 1] (a hypervisor's accounting can run slightly ahead).
     */
    public static double cpuLoad(long cpuNanosBefore, long cpuNanosAfter, long elapsedNanos, int vcpus) {
        if (vcpus <= 0) {
            return 0.0;
        }
        double busy = perSecond(cpuNanosBefore, cpuNanosAfter, elapsedNanos) / 1e9;
        double ratio = busy / vcpus;
        if (ratio < 0 || Double.isNaN(ratio)) {
            return 0.0;
        }
        return Math.min(1.0, ratio);
    }
}
