package io.federa.agent.supervisor;

import java.util.OptionalLong;

/**
 * What the lease supervisor enforces, as a pure state: the latest deadline the agent fed it, and
 * whether the agent is still there to feed it. Times are monotonic nanoseconds passed in (the
 * supervisor reads no clock here), compared by difference as {@code System.nanoTime} requires.
 *
 * <p>The rule is the agent's own: managed VMs may run until the deadline {@code LeaseKeeper}
 * computes, and not after. The supervisor acts {@link #GRACE_NANOS} after it, so that a living
 * agent, whose watchdog ticks every 100 ms, powers its VMs off itself and counts them; the
 * manager places them elsewhere only a lease margin (1 s by default) after the deadline, which
 * covers the grace, a tick of the supervisor and the power-off.
 *
 * <p>Before the first deadline is fed the supervisor enforces nothing: the agent powers off every
 * managed VM when it starts, before it can be renewed. The latest deadline fed holds, earlier or
 * later than the one before (a new manager's lease may be shorter), since the agent sends them in
 * order. Once the agent is gone (its end of the pipe closed: killed, out of memory, stopped) the
 * last deadline still holds; the supervisor fences at it and then exits.
 */
public final class Enforcement {
    /** How long after the deadline the supervisor acts: one watchdog tick and a half. */
    public static final long GRACE_NANOS = 150_000_000L;

    private boolean fed;
    private OptionalLong until = OptionalLong.empty();
    private boolean agentGone;

    /** The agent's latest deadline; empty: managed VMs may not run at all. */
    public synchronized void feed(OptionalLong deadline) {
        fed = true;
        until = deadline;
    }

    /** The agent closed its end: nothing more will be fed. */
    public synchronized void agentGone() {
        agentGone = true;
    }

    public synchronized boolean isAgentGone() {
        return agentGone;
    }

    /** What is enforced now: empty before the first feed and when managed VMs may not run. */
    public synchronized OptionalLong holds() {
        return until;
    }

    /** Whether every active managed VM must be powered off at {@code now}. */
    public synchronized boolean mustFence(long now) {
        if (!fed) {
            return false;
        }
        return until.isEmpty() || now - (until.getAsLong() + GRACE_NANOS) >= 0;
    }

    /**
     * Whether the supervisor may exit at {@code now}: the agent is gone, and either it never fed a
     * deadline or the deadline has passed and no managed VM is left active.
     */
    public synchronized boolean mayExit(long now, boolean managedActive) {
        if (!agentGone) {
            return false;
        }
        return !fed || (mustFence(now) && !managedActive);
    }
}
