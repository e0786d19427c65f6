package io.federa.agent.command;

import io.federa.agent.core.HostSnapshot;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Powers off the host's managed VMs when it holds no valid lease: at once when a lease runs out,
 * and whenever the latest snapshot shows a managed VM active without one (started behind the
 * agent's back, or by an operator). Ticks on its own daemon thread, never behind the command
 * queue; fencing itself takes the same lock as the commands (see {@link AgentCommands#fence}).
 */
public final class LeaseWatchdog implements AutoCloseable {
    public static final long TICK_MILLIS = 100;
    private static final Logger LOG = Logger.getLogger(LeaseWatchdog.class.getName());

    /** What the watchdog calls to fence; returns how many VMs it powered off. */
    public interface Fence {
        int fence(String why);
    }

    private final LeaseKeeper lease;
    private final Supplier<HostSnapshot> snapshot;
    private final Fence fence;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-watchdog");
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        return t;
    });

    public LeaseWatchdog(LeaseKeeper lease, Supplier<HostSnapshot> snapshot, Fence fence) {
        this.lease = lease;
        this.snapshot = snapshot;
        this.fence = fence;
    }

    public void start() {
        thread.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "fencing failed; trying again at the next tick", e);
            }
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** One check: fences when the lease just ran out, or when a managed VM is seen active without one. */
    public int tick() {
        if (lease.isValid()) {
            return 0;
        }
        if (lease.takeExpiry()) {
            return fence.fence("the lease ran out");
        }
        HostSnapshot s = snapshot.get();
        if (s != null && s.vms().stream().anyMatch(v -> v.epoch() > 0 && v.state().isActive())) {
            return fence.fence("a managed VM is active while this host holds no lease");
        }
        return 0;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
