package io.federa.agent.command;

import io.federa.agent.core.Lease;

import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Holds the host's {@link Lease}, counted on a monotonic ticker (System::nanoTime in the agent,
 * a hand-moved one in tests). Not persisted: an agent that starts holds no lease.
 */
public final class LeaseKeeper {
    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class.getName());

    private final LongSupplier ticker;
    private Lease lease = Lease.NONE;

    public LeaseKeeper(LongSupplier nanoTicker) {
        this.ticker = nanoTicker;
    }

    /**
     * Grants or extends the lease to {@code durationMillis} from now (a shorter duration shortens
     * it). Any holder may renew: when the manager fails over, the new one takes the lease over
     * without a gap, since a gap would power off every managed VM. Returns the remaining millis.
     */
    public synchronized long renew(String holder, long durationMillis) {
        long now = ticker.getAsLong();
        Lease next = Lease.granted(holder, durationMillis, now);
        if (lease.validAt(now) && !lease.holder().equals(holder)) {
            LOG.info("lease taken over by " + holder + " from " + lease.holder());
        } else if (!lease.validAt(now)) {
            LOG.info("lease granted to " + holder + " for " + durationMillis + " ms");
        }
        lease = next;
        return next.remainingMillis(now);
    }

    public synchronized boolean isValid() {
        return lease.validAt(ticker.getAsLong());
    }

    /** Milliseconds left, 0 when no lease is held. */
    public synchronized long remainingMillis() {
        return lease.remainingMillis(ticker.getAsLong());
    }

    /** Who holds the lease now; empty when none is held. */
    public synchronized String holder() {
        return lease.validAt(ticker.getAsLong()) ? lease.holder() : "";
    }

    /**
     * Whether a lease ran out since the last call: true once per lease that expired, after which
     * the host holds none.
     */
    public synchronized boolean takeExpiry() {
        if (lease.isHeld() && !lease.validAt(ticker.getAsLong())) {
            LOG.warning("lease of " + lease.holder() + " ran out");
            lease = Lease.NONE;
            return true;
        }
        return false;
    }
}
