package io.federa.agent.core;

/**
 * The host's permission to run managed VMs, granted by the manager's polls for a duration and
 * counted on a monotonic clock (nanoseconds of an arbitrary origin, passed in: the core reads no
 * clock). A host without a valid lease may not run a managed VM; the manager restarts a host's
 * VMs elsewhere only after the last lease it granted plus a margin has passed.
 *
 * @param holder         who renewed it last (the manager's name); empty for {@link #NONE}
 * @param expiresAtNanos monotonic time at which it runs out
 */
public record Lease(String holder, long expiresAtNanos) {
    public static final long MIN_MILLIS = 1_000;
    public static final long MAX_MILLIS = 600_000;
    /** No lease: what an agent holds when it starts, and after its lease ran out. */
    public static final Lease NONE = new Lease("", 0);

    public Lease {
        if (holder == null) {
            throw new IllegalArgumentException("holder: is required");
        }
    }

    /** A lease for {@code holder}, valid from {@code nowNanos} for {@code durationMillis}. */
    public static Lease granted(String holder, long durationMillis, long nowNanos) {
        if (!Names.isToken(holder)) {
            throw new IllegalArgumentException("holder: must be " + Names.TOKEN_RULE + ", got " + VmSpec.quote(holder));
        }
        if (durationMillis < MIN_MILLIS || durationMillis > MAX_MILLIS) {
            throw new IllegalArgumentException("durationMillis: must be between " + MIN_MILLIS + " and " + MAX_MILLIS
                    + ", got " + durationMillis);
        }
        return new Lease(holder, nowNanos + durationMillis * 1_000_000);
    }

    /**
     * This lease, ending no later than {@code latestNanos}: a renewal read late grants only what
     * the manager counted with (see {@code LeaseKeeper}).
     */
    public Lease endingBy(long latestNanos) {
        return latestNanos - expiresAtNanos >= 0 ? this : new Lease(holder, latestNanos);
    }

    public boolean isHeld() {
        return !holder.isEmpty();
    }

    /** Whether the lease still runs at {@code nowNanos}; compared by difference, as nanoTime requires. */
    public boolean validAt(long nowNanos) {
        return isHeld() && expiresAtNanos - nowNanos > 0;
    }

    /** Whole milliseconds left at {@code nowNanos}, rounded down (never overstated); 0 when none. */
    public long remainingMillis(long nowNanos) {
        return validAt(nowNanos) ? (expiresAtNanos - nowNanos) / 1_000_000 : 0;
    }
}
