package io.federa.manager.core.migration;

import java.util.Optional;

/**
 * The migration state machine: what each outcome of a step makes of a migration. Pure: no I/O, no
 * clock (the time comes in as an argument); the caller journals what it returns before it acts on
 * it.
 *
 * <p>The rules it keeps: a failure before STARTING rolls back once retries are used up (the VM
 * starts again at the source, the destination's copy goes); from STARTING on, a migration only
 * goes forward, however often a step fails, because the destination may have run the VM and two
 * copies must never run. A copy that fails is tried again with a new attempt (and a new one-time
 * token) up to {@link Limits#copyAttempts}; a refusal that no retry can change (the destination
 * says no) rolls back at once.
 */
public final class MigrationMachine {
    /**
     * @param copyAttempts    copy attempts before rolling back
     * @param stepFailures    failures in a row of STOPPING or DEFINING before rolling back
     */
    public record Limits(int copyAttempts, int stepFailures) {
        public static final Limits DEFAULT = new Limits(5, 10);

        public Limits {
            if (copyAttempts < 1 || stepFailures < 1) {
                throw new IllegalArgumentException("copyAttempts and stepFailures must be 1 or more");
            }
        }
    }

    private MigrationMachine() {
    }

    /**
     * What the migration needs next, from its phase alone: the runner carries it out and hands the
     * outcome back to one of the transitions below.
     */
    public static Command next(Migration m) {
        if (m.surge()) {
            return nextOfSurge(m);
        }
        return switch (m.phase()) {
            case REQUESTED -> new Command.Admit();
            case STOPPING -> m.wasRunning() ? new Command.ShutDown(m.source(), m.vm(), m.epoch(), operationId(m, "shutdown"))
                    : new Command.Proceed();
            case COPYING -> new Command.Copy(m.source(), destination(m), m.vm(), m.uuid(), m.attempt());
            case DEFINING -> new Command.Define(destination(m), m.vm(), m.destinationEpoch(), m.uuid(), m.application(),
                    m.service(), operationId(m, "define"));
            case STARTING -> new Command.Start(destination(m), m.vm(), m.destinationEpoch(), operationId(m, "start-" + m.starts()));
            case VERIFYING -> new Command.Watch(destination(m), m.vm(), m.destinationEpoch());
            case CLEANUP -> new Command.Remove(m.source(), m.vm(), m.destinationEpoch(), operationId(m, "remove"));
            case ROLLING_BACK -> !m.sourceRestarted()
                    ? new Command.Start(m.source(), m.vm(), m.epoch(), operationId(m, "restart"))
                    : new Command.ClearDestination(destination(m), m.vm(), m.destinationEpoch(), m.uuid(), operationId(m, "undefine"));
            case DONE, ROLLED_BACK, NOT_STARTED -> new Command.None();
        };
    }

    /**
     * A surge: the new instance is defined (no data to carry, a fresh UUID), started and watched at
     * the destination while the VM still runs at its source; only then does the source stop the VM
     * and remove it. Rolling back removes the new instance; the VM never stopped.
     */
    private static Command nextOfSurge(Migration m) {
        String fresh = m.destinationVm();
        return switch (m.phase()) {
            case REQUESTED -> new Command.Admit();
            case DEFINING -> new Command.Define(destination(m), fresh, m.destinationEpoch(), "", m.application(), m.service(),
                    operationId(m, "define"));
            case STARTING -> new Command.Start(destination(m), fresh, m.destinationEpoch(), operationId(m, "start-" + m.starts()));
            case VERIFYING -> new Command.Watch(destination(m), fresh, m.destinationEpoch());
            case STOPPING -> new Command.ShutDown(m.source(), m.vm(), m.epoch(), operationId(m, "shutdown"));
            case CLEANUP -> new Command.Remove(m.source(), m.vm(), m.epoch(), operationId(m, "remove"));
            case ROLLING_BACK -> new Command.Remove(destination(m), fresh, m.destinationEpoch(), operationId(m, "discard"));
            case COPYING -> throw new IllegalStateException("migration " + m.id() + " is a surge: it copies nothing");
            case DONE, ROLLED_BACK, NOT_STARTED -> new Command.None();
        };
    }

    /** How the lifecycle's instance records change with a step of a migration: one put, one forgotten. */
    public record InstanceChange(Optional<io.federa.manager.core.lifecycle.ManagedInstance> put, Optional<String> forget) {
        public static final InstanceChange NONE = new InstanceChange(Optional.empty(), Optional.empty());

        public boolean isEmpty() {
            return put.isEmpty() && forget.isEmpty();
        }
    }

    /**
     * How the instances must be recorded when the migration goes from {@code was} to {@code now}, in
     * the same transaction that journals {@code now}. At the point of no return the instance becomes
     * the destination's, under the next epoch (entering STARTING, or CLEANUP straight from DEFINING
     * for a VM that did not run); for a surge, once the new instance has run its settle period, the
     * new instance is recorded and the VM at the source forgotten (entering STOPPING).
     */
    public static InstanceChange instanceAt(Migration was, Migration now) {
        if (was.phase() == now.phase()) {
            return InstanceChange.NONE;
        }
        if (now.surge()) {
            return now.phase() == Phase.STOPPING ? surgeTakesOver(now) : InstanceChange.NONE;
        }
        if (now.phase() == Phase.STARTING || (now.phase() == Phase.CLEANUP && was.phase() == Phase.DEFINING)) {
            return new InstanceChange(Optional.of(atDestination(now)), Optional.empty());
        }
        return InstanceChange.NONE;
    }

    /** The instance records an unfinished migration implies, for a manager that restarts in its middle. */
    public static InstanceChange instanceOnResume(Migration m) {
        if (m.surge()) {
            return m.committed() ? surgeTakesOver(m) : InstanceChange.NONE;
        }
        return m.phase().committed() ? new InstanceChange(Optional.of(atDestination(m)), Optional.empty()) : InstanceChange.NONE;
    }

    private static InstanceChange surgeTakesOver(Migration m) {
        return new InstanceChange(Optional.of(atDestination(m)), Optional.of(m.vm()));
    }

    private static io.federa.manager.core.lifecycle.ManagedInstance atDestination(Migration m) {
        return new io.federa.manager.core.lifecycle.ManagedInstance(m.destinationVm(), m.application(), m.service(),
                destination(m), m.destinationEpoch());
    }

    /**
     * The operation id of a step: the same for every send of it until it fails, so a manager that
     * restarts sends the same id again and an agent that did it answers from its operation log; a
     * new one after each failure, since an agent repeats its first answer (a refusal too) to an id
     * it has seen. Every step is idempotent at the agent, so a step done under an older id is
     * answered "already" under the new one.
     */
    public static String operationId(Migration m, String step) {
        return m.id() + "-" + step + "-" + m.failures();
    }

    private static String destination(Migration m) {
        return m.destination().orElseThrow(() -> new IllegalStateException("migration " + m.id() + " is " + m.phase()
                + " without a destination"));
    }

    /** Still waiting for its turn, and why. */
    public static Migration waiting(Migration m, AdmissionCode code, String why, long now) {
        require(m, Phase.REQUESTED, "wait");
        if (!code.waits()) {
            throw new IllegalArgumentException(code + " ends a move, it does not hold it");
        }
        return m.with(m.phase(), m.attempt(), m.starts(), m.failures(), false, false, why, m.phaseSinceMillis(),
                m.progressAtMillis()).withCode(code);
    }

    /** Its turn came, with a destination the placement chain accepts: the source stops the VM. */
    public static Migration begin(Migration m, String destination, long now) {
        require(m, Phase.REQUESTED, "begin");
        if (destination.equals(m.source())) {
            throw new IllegalArgumentException("a migration's destination must differ from its source (" + m.source() + ")");
        }
        Migration d = m.withDestination(destination);
        return d.with(Phase.STOPPING, 0, 0, 0, false, false, "stopping " + m.vm() + " on " + m.source(), now, now);
    }

    /**
     * Its turn came, as a surge: the destination defines and starts {@code instance}, a new
     * instance of the application, while the VM runs on at its source.
     */
    public static Migration beginSurge(Migration m, String destination, String instance, long now) {
        require(m, Phase.REQUESTED, "begin");
        if (destination.equals(m.source())) {
            throw new IllegalArgumentException("a migration's destination must differ from its source (" + m.source() + ")");
        }
        if (!m.wasRunning()) {
            throw new IllegalArgumentException("only a running VM is replaced by a surge; " + m.vm() + " was not running");
        }
        Migration d = m.withDestination(destination).withSurge(instance);
        return d.with(Phase.DEFINING, 0, 0, 0, false, false, "surge: defining " + instance + " on " + destination
                + " while " + m.vm() + " runs on " + m.source(), now, now);
    }

    /** Nothing was touched and nothing will be: it ends here, with the rule that ended it (the VM vanished, no host fits …). */
    public static Migration notStarted(Migration m, AdmissionCode code, String why, long now) {
        require(m, Phase.REQUESTED, "end before it began");
        if (code.waits()) {
            throw new IllegalArgumentException(code + " holds a move, it does not end it");
        }
        return m.with(Phase.NOT_STARTED, 0, 0, 0, true, true, "not started: " + why, now, now).withCode(code);
    }

    /** The source has the VM shut off: the first copy attempt. */
    public static Migration stopped(Migration m, long now) {
        require(m, Phase.STOPPING, "finish stopping");
        if (m.surge()) {
            return m.with(Phase.CLEANUP, m.attempt(), m.starts(), 0, false, false, m.vm() + " stopped on " + m.source()
                    + "; removing it", now, now);
        }
        return m.with(Phase.COPYING, 1, 0, 0, false, false, "copying, attempt 1", now, now)
                .withCopy(0, 0, 0, Optional.empty(), now);
    }

    /** Bytes moved in the current attempt. */
    public static Migration progress(Migration m, long bytesDone, long bytesTotal, double rate, long now) {
        require(m, Phase.COPYING, "report copy progress");
        long at = bytesDone > m.bytesDone() ? now : m.progressAtMillis();
        return m.withCopy(bytesDone, bytesTotal, rate, Optional.empty(), at);
    }

    /** The destination holds the data and its digest matched the source's. */
    public static Migration copied(Migration m, String sha256, long bytes, long now) {
        require(m, Phase.COPYING, "finish copying");
        return m.withCopy(bytes, Math.max(bytes, m.bytesTotal()), m.rateBytesPerSecond(), Optional.of(sha256), now)
                .with(Phase.DEFINING, m.attempt(), 0, 0, false, false, "copied and verified (sha256 " + sha256 + ")", now, now);
    }

    /**
     * A copy attempt failed. Another attempt follows while attempts remain and the failure is one
     * a retry can mend; otherwise the migration rolls back.
     */
    public static Migration copyFailed(Migration m, String why, boolean retryable, Limits limits, long now) {
        require(m, Phase.COPYING, "fail a copy");
        if (retryable && m.attempt() < limits.copyAttempts()) {
            int next = m.attempt() + 1;
            return m.with(Phase.COPYING, next, 0, 0, false, false, "copy attempt " + m.attempt() + " failed: " + why
                    + "; attempt " + next + " of " + limits.copyAttempts(), m.phaseSinceMillis(), now)
                    .withCopy(0, m.bytesTotal(), 0, Optional.empty(), now);
        }
        String tried = retryable ? " (" + m.attempt() + " attempts)" : "";
        return rollBack(m, "copy failed" + tried + ": " + why, now);
    }

    /** The destination has the VM defined: now it belongs there, and the point of no return is passed. */
    public static Migration defined(Migration m, long now) {
        require(m, Phase.DEFINING, "finish defining");
        if (m.surge()) {
            return m.with(Phase.STARTING, m.attempt(), 1, 0, false, false, "surge: starting " + m.destinationVm() + " on "
                    + m.destinationOrNone(), now, now);
        }
        if (!m.wasRunning()) {
            // It was shut off: nothing to start; the instance is the destination's from here on.
            return m.with(Phase.CLEANUP, m.attempt(), 0, 0, false, false, "defined on " + m.destinationOrNone()
                    + " (left shut off, as it was); removing the source's copy", now, now);
        }
        return m.with(Phase.STARTING, m.attempt(), 1, 0, false, false, "starting on " + m.destinationOrNone(), now, now);
    }

    /** The destination started the VM; it must now stay running for the settle period. */
    public static Migration started(Migration m, long now) {
        require(m, Phase.STARTING, "finish starting");
        return m.with(Phase.VERIFYING, m.attempt(), m.starts(), 0, false, false, m.destinationVm() + " running on "
                + m.destinationOrNone() + "; verifying", now, now);
    }

    /** The VM stopped at the destination while it was verified: started there again (never at the source). */
    public static Migration stoppedWhileVerifying(Migration m, String why, long now) {
        require(m, Phase.VERIFYING, "restart");
        return m.with(Phase.STARTING, m.attempt(), m.starts() + 1, 0, false, false, why + "; starting it again on "
                + m.destinationOrNone(), now, m.progressAtMillis());
    }

    /** It ran at the destination for the whole settle period: the source's copy may go. */
    public static Migration settled(Migration m, long now) {
        require(m, Phase.VERIFYING, "finish verifying");
        if (m.surge()) {
            return m.with(Phase.STOPPING, m.attempt(), m.starts(), 0, false, false, m.destinationVm() + " settled on "
                    + m.destinationOrNone() + "; stopping " + m.vm() + " on " + m.source(), now, now);
        }
        return m.with(Phase.CLEANUP, m.attempt(), m.starts(), 0, false, false, "settled on " + m.destinationOrNone()
                + "; removing the source's copy", now, now);
    }

    /** The source has deleted its copy and undefined the VM. */
    public static Migration cleaned(Migration m, long now) {
        require(m, Phase.CLEANUP, "finish cleaning up");
        String how = m.surge() ? "replaced by " + m.destinationVm() + " on " + m.destinationOrNone() + " (surge), "
                + m.vm() + " removed from " + m.source() : "moved from " + m.source() + " to " + m.destinationOrNone();
        return m.with(Phase.DONE, m.attempt(), m.starts(), 0, true, true, how, now, now);
    }

    /**
     * A step failed. {@code refused}: the agent said no, and asking again will not change that.
     * Before the point of no return, a refusal or too many failures in a row roll back; from STARTING
     * on, the step is tried again, however often it fails.
     */
    public static Migration failed(Migration m, String why, boolean refused, Limits limits, long now) {
        Phase p = m.phase();
        if (p.finished() || p == Phase.REQUESTED) {
            throw new IllegalStateException("migration " + m.id() + " is " + p + ": no step of it can fail");
        }
        if (p == Phase.COPYING) {
            return copyFailed(m, why, !refused, limits, now);
        }
        int failures = m.failures() + 1;
        if ((p == Phase.STOPPING || p == Phase.DEFINING) && !m.committed() && (refused || failures >= limits.stepFailures())) {
            return rollBack(m, p.word() + " failed" + (refused ? "" : " " + failures + " times") + ": " + why, now);
        }
        return m.with(p, m.attempt(), m.starts(), failures, m.sourceRestarted(), m.destinationCleared(),
                p.word() + " failed (" + failures + " in a row), trying again: " + why, m.phaseSinceMillis(), m.progressAtMillis());
    }

    /** Gives up before the point of no return: the VM goes back to running at the source. */
    public static Migration rollBack(Migration m, String why, long now) {
        if (m.committed()) {
            throw new IllegalStateException("migration " + m.id() + " is " + m.phase()
                    + ": the destination may have run " + m.vm() + ", so it cannot roll back");
        }
        if (m.phase().finished() || m.phase() == Phase.REQUESTED || m.phase() == Phase.ROLLING_BACK) {
            throw new IllegalStateException("migration " + m.id() + " is " + m.phase() + ": nothing to roll back");
        }
        // A surge never stopped the VM at its source: there is nothing to start again there.
        return m.with(Phase.ROLLING_BACK, m.attempt(), 0, 0, !m.wasRunning() || m.surge(), false, "rolling back: " + why,
                now, now);
    }

    /** Rolling back: the source runs the VM again. */
    public static Migration sourceRestarted(Migration m, long now) {
        require(m, Phase.ROLLING_BACK, "restart the source");
        return finishRollBack(m.with(m.phase(), m.attempt(), 0, 0, true, m.destinationCleared(), m.note(), m.phaseSinceMillis(), now), now);
    }

    /** Rolling back: the destination holds neither a definition nor data of the VM. */
    public static Migration destinationCleared(Migration m, long now) {
        require(m, Phase.ROLLING_BACK, "clear the destination");
        return finishRollBack(m.with(m.phase(), m.attempt(), 0, 0, m.sourceRestarted(), true, m.note(), m.phaseSinceMillis(), now), now);
    }

    private static Migration finishRollBack(Migration m, long now) {
        if (!m.sourceRestarted() || !m.destinationCleared()) {
            return m;
        }
        String why = m.note().startsWith("rolling back: ") ? m.note().substring("rolling back: ".length()) : m.note();
        return m.with(Phase.ROLLED_BACK, m.attempt(), m.starts(), 0, true, true, "rolled back, " + m.vm() + " stays on "
                + m.source() + ": " + why, now, now);
    }

    private static void require(Migration m, Phase expected, String what) {
        if (m.phase() != expected) {
            throw new IllegalStateException("cannot " + what + " migration " + m.id() + ": it is " + m.phase()
                    + ", not " + expected);
        }
    }
}
