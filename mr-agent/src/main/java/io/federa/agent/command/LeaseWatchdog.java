package io.federa.agent.command;

import io.federa.agent.core.FenceCause;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.PeerVerdict;

import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Powers off the host's managed VMs when it may no longer run them: at once when its lease (or
 * its peers' grant) runs out, and whenever the latest snapshot shows a managed VM active without
 * either (started behind the agent's back, or by an operator). While the lease runs low it has
 * the host's peers asked, on a thread of their own, whether the managers are away (keep running)
 * or alive without this host (fence). Ticks on its own daemon thread, never behind the command
 * queue; fencing itself takes the same lock as the commands (see {@link AgentCommands#fence}).
 * A thread it needs that dies takes the process with it: a host that can no longer fence must not
 * go on running VMs.
 */
public final class LeaseWatchdog implements AutoCloseable {
    public static final long TICK_MILLIS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(LeaseWatchdog.class);

    /** What the watchdog calls to fence; returns how many VMs it powered off. */
    public interface Fence {
        int fence(FenceCause cause, String why);
    }

    private final LeaseKeeper lease;
    private final LeaseEnforcer enforcer;
    private final Supplier<HostSnapshot> snapshot;
    private final Fence fence;
    private final Function<LeaseKeeper.CheckPlan, PeerVerdict> peers;
    /**
     * Checks under way at once. A check waits for slow peers longer than the checks' period (see
     * {@link LeaseKeeper#checkDue}), so the next one begins while it waits: each verdict grants from
     * its own check's start, and the grants roll on as long as answers come within the wait.
     */
    static final int CHECKS_AT_ONCE = 4;
    private final java.util.concurrent.atomic.AtomicInteger checking = new java.util.concurrent.atomic.AtomicInteger();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> critical(r, "lease-watchdog"));
    private final ExecutorService ownChecker = Executors.newFixedThreadPool(CHECKS_AT_ONCE, r -> critical(r, "lease-peers"));
    private final Executor checker;

    /**
     * @param peers asks the peers of a plan and judges them (blocking); null when it cannot.
     *              Runs on a thread of the watchdog's own, so that a slow peer never delays a tick.
     */
    public LeaseWatchdog(LeaseKeeper lease, Supplier<HostSnapshot> snapshot, Fence fence,
                         Function<LeaseKeeper.CheckPlan, PeerVerdict> peers) {
        this(lease, snapshot, fence, peers, null, LeaseEnforcer.NONE);
    }

    /** As above, feeding {@code enforcer} the deadline at every tick. */
    public LeaseWatchdog(LeaseKeeper lease, Supplier<HostSnapshot> snapshot, Fence fence,
                         Function<LeaseKeeper.CheckPlan, PeerVerdict> peers, LeaseEnforcer enforcer) {
        this(lease, snapshot, fence, peers, null, enforcer);
    }

    /** As above, asking the peers on {@code checker} instead (tests: the ticking thread itself). */
    LeaseWatchdog(LeaseKeeper lease, Supplier<HostSnapshot> snapshot, Fence fence,
                  Function<LeaseKeeper.CheckPlan, PeerVerdict> peers, Executor checker, LeaseEnforcer enforcer) {
        this.enforcer = enforcer;
        this.lease = lease;
        this.snapshot = snapshot;
        this.fence = fence;
        this.peers = peers;
        this.checker = checker == null ? ownChecker : checker;
    }

    private static Thread critical(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        t.setUncaughtExceptionHandler((th, e) -> {
            LOG.error("thread " + th.getName() + " died; the agent stops, since it could no longer fence", e);
            Runtime.getRuntime().halt(70);
        });
        return t;
    }

    public void start() {
        thread.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.error("fencing failed; trying again at the next tick", e);
            } catch (Error e) {
                LOG.error("the lease watchdog failed; the agent stops, since it could no longer fence", e);
                Runtime.getRuntime().halt(70);
            }
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** One check: fences when the host just lost its permission, or when a managed VM is seen active without one. */
    public int tick() {
        enforcer.feed(lease.mayRunUntilNanos());
        if (lease.mayRun()) {
            lease.checkDue().ifPresent(this::askPeers);
            return 0;
        }
        Optional<LeaseKeeper.Expiry> expired = lease.takeExpiry();
        if (expired.isPresent()) {
            return fence.fence(expired.get().cause(), expired.get().why());
        }
        HostSnapshot s = snapshot.get();
        if (s != null && s.vms().stream().anyMatch(v -> v.epoch() > 0 && v.state().isActive())) {
            return fence.fence(FenceCause.ACTIVE_WITHOUT_LEASE, "a managed VM is active while this host holds no lease");
        }
        return 0;
    }

    private void askPeers(LeaseKeeper.CheckPlan plan) {
        if (checking.incrementAndGet() > CHECKS_AT_ONCE) {
            checking.decrementAndGet();
            return;
        }
        checker.execute(() -> {
            try {
                PeerVerdict v = peers.apply(plan);
                if (v != null) {
                    lease.record(plan, v);
                }
            } catch (RuntimeException e) {
                LOG.warn("asking the peers failed: " + e.getMessage(), e);
            } finally {
                checking.decrementAndGet();
            }
        });
    }

    @Override
    public void close() {
        thread.shutdownNow();
        ownChecker.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
