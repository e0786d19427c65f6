package io.federa.manager.core.migration;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MigrationMachineTest {
    private static final MigrationMachine.Limits LIMITS = new MigrationMachine.Limits(3, 4);

    private static Migration fresh(boolean running) {
        return Migration.requested("m-1", "web-1", "2f1c0d9e-0000-4000-8000-000000000001", "web", "shop", "host-1", 4,
                running, Optional.empty(), Optional.empty(), "operator", 0);
    }

    @Test
    void theHappyPathVisitsEveryPhaseInOrder() {
        Migration m = fresh(true);
        List<Phase> seen = new ArrayList<>(List.of(m.phase()));
        m = MigrationMachine.begin(m, "host-2", 1);
        seen.add(m.phase());
        m = MigrationMachine.stopped(m, 2);
        seen.add(m.phase());
        m = MigrationMachine.progress(m, 10, 100, 5.0, 3);
        assertThat(m.bytesDone()).isEqualTo(10);
        assertThat(m.progressAtMillis()).isEqualTo(3);
        m = MigrationMachine.copied(m, "ab12", 100, 4);
        seen.add(m.phase());
        m = MigrationMachine.defined(m, 5);
        seen.add(m.phase());
        m = MigrationMachine.started(m, 6);
        seen.add(m.phase());
        m = MigrationMachine.settled(m, 7);
        seen.add(m.phase());
        m = MigrationMachine.cleaned(m, 8);
        seen.add(m.phase());
        assertThat(seen).containsExactly(Phase.REQUESTED, Phase.STOPPING, Phase.COPYING, Phase.DEFINING, Phase.STARTING,
                Phase.VERIFYING, Phase.CLEANUP, Phase.DONE);
        assertThat(m.destination()).contains("host-2");
        assertThat(m.destinationEpoch()).isEqualTo(5);
        assertThat(m.sha256()).contains("ab12");
        assertThat(m.note()).isEqualTo("moved from host-1 to host-2");
    }

    @Test
    void aShutOffVmIsDefinedAtTheDestinationAndNotStarted() {
        Migration m = MigrationMachine.copied(MigrationMachine.stopped(MigrationMachine.begin(fresh(false), "host-2", 1), 2), "x", 1, 3);
        assertThat(MigrationMachine.defined(m, 4).phase()).isEqualTo(Phase.CLEANUP);
    }

    @Test
    void aFailedCopyIsTriedAgainWithANewAttemptThenRollsBack() {
        Migration m = MigrationMachine.stopped(MigrationMachine.begin(fresh(true), "host-2", 1), 2);
        m = MigrationMachine.copyFailed(m, "digest mismatch", true, LIMITS, 3);
        assertThat(m.phase()).isEqualTo(Phase.COPYING);
        assertThat(m.attempt()).isEqualTo(2);
        assertThat(m.note()).contains("digest mismatch").contains("attempt 2 of 3");
        m = MigrationMachine.copyFailed(m, "connection reset", true, LIMITS, 4);
        m = MigrationMachine.copyFailed(m, "connection reset", true, LIMITS, 5);
        assertThat(m.phase()).isEqualTo(Phase.ROLLING_BACK);
        assertThat(m.note()).isEqualTo("rolling back: copy failed (3 attempts): connection reset");
        m = MigrationMachine.destinationCleared(m, 6);
        assertThat(m.phase()).isEqualTo(Phase.ROLLING_BACK);
        m = MigrationMachine.sourceRestarted(m, 7);
        assertThat(m.phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(m.note()).isEqualTo("rolled back, web-1 stays on host-1: copy failed (3 attempts): connection reset");
    }

    @Test
    void aRefusedCopyRollsBackAtOnce() {
        Migration m = MigrationMachine.stopped(MigrationMachine.begin(fresh(true), "host-2", 1), 2);
        m = MigrationMachine.failed(m, "disk full on host-2: the copy needs 50.0 MiB, 12.0 MiB free", true, LIMITS, 3);
        assertThat(m.phase()).isEqualTo(Phase.ROLLING_BACK);
        assertThat(m.note()).contains("disk full on host-2");
    }

    @Test
    void aShutOffVmNeedsNoRestartWhenRollingBack() {
        Migration m = MigrationMachine.stopped(MigrationMachine.begin(fresh(false), "host-2", 1), 2);
        m = MigrationMachine.failed(m, "no", true, LIMITS, 3);
        assertThat(m.sourceRestarted()).isTrue();
        assertThat(MigrationMachine.destinationCleared(m, 4).phase()).isEqualTo(Phase.ROLLED_BACK);
    }

    @Test
    void pastThePointOfNoReturnFailuresNeverRollBack() {
        Migration m = MigrationMachine.defined(MigrationMachine.copied(MigrationMachine.stopped(
                MigrationMachine.begin(fresh(true), "host-2", 1), 2), "x", 1, 3), 4);
        for (int i = 0; i < 50; i++) {
            m = MigrationMachine.failed(m, "no lease", true, LIMITS, 5 + i);
        }
        assertThat(m.phase()).isEqualTo(Phase.STARTING);
        assertThat(m.failures()).isEqualTo(50);
        Migration committed = m;
        assertThatThrownBy(() -> MigrationMachine.rollBack(committed, "why not", 99))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot roll back");
        m = MigrationMachine.started(m, 100);
        m = MigrationMachine.stoppedWhileVerifying(m, "web-1 is SHUT_OFF on host-2", 101);
        assertThat(m.phase()).isEqualTo(Phase.STARTING);
        assertThat(m.starts()).isEqualTo(2);
    }

    @Test
    void aSurgeStartsTheNewInstanceFirstAndNeverRollsBackOnceItSettled() {
        Migration m = MigrationMachine.beginSurge(fresh(true), "host-2", "web-3", 1);
        assertThat(MigrationMachine.next(m)).hasToString("define web-3@host-2 e1");
        m = MigrationMachine.started(MigrationMachine.defined(m, 2), 3);
        assertThat(MigrationMachine.next(m)).hasToString("watch web-3@host-2 e1");
        assertThat(MigrationMachine.instanceAt(fresh(true), m).isEmpty()).isTrue();
        Migration verifying = m;
        m = MigrationMachine.settled(m, 4);
        assertThat(MigrationMachine.next(m)).hasToString("shutdown web-1@host-1 e4");
        MigrationMachine.InstanceChange change = MigrationMachine.instanceAt(verifying, m);
        assertThat(change.put()).contains(new io.federa.manager.core.lifecycle.ManagedInstance("web-3", "web", "shop", "host-2", 1));
        assertThat(change.forget()).contains("web-1");
        for (int i = 0; i < 20; i++) {
            m = MigrationMachine.failed(m, "agent restarting", true, LIMITS, 5 + i);
        }
        assertThat(m.phase()).isEqualTo(Phase.STOPPING);
        m = MigrationMachine.cleaned(MigrationMachine.stopped(m, 30), 31);
        assertThat(m.note()).isEqualTo("replaced by web-3 on host-2 (surge), web-1 removed from host-1");
    }

    @Test
    void aMoveThatNeverBeganEndsNotStartedWithItsCode() {
        Migration m = MigrationMachine.notStarted(fresh(true), AdmissionCode.NO_HOST_FITS, "no host but its source host-1 takes web-1", 1);
        assertThat(m.phase()).isEqualTo(Phase.NOT_STARTED);
        assertThat(m.phase().finished()).isTrue();
        assertThat(m.code()).contains(AdmissionCode.NO_HOST_FITS);
        assertThat(m.note()).isEqualTo("not started: no host but its source host-1 takes web-1");
        assertThatThrownBy(() -> MigrationMachine.notStarted(fresh(true), AdmissionCode.MIN_AVAILABLE, "x", 1))
                .hasMessageContaining("holds a move");
        assertThatThrownBy(() -> MigrationMachine.waiting(fresh(true), AdmissionCode.VM_GONE, "x", 1))
                .hasMessageContaining("ends a move");
    }

    @Test
    void stepsOutOfOrderAreRefusedWithTheirPhase() {
        assertThatThrownBy(() -> MigrationMachine.cleaned(fresh(true), 1))
                .hasMessage("cannot finish cleaning up migration m-1: it is REQUESTED, not CLEANUP");
        assertThatThrownBy(() -> MigrationMachine.begin(fresh(true), "host-1", 1)).hasMessageContaining("must differ");
    }

    /** One outcome of whatever step a migration is at. */
    enum Outcome { OK, TRANSIENT, REFUSED }

    @Provide
    Arbitrary<List<Outcome>> outcomes() {
        return Arbitraries.of(Outcome.class).list().ofMaxSize(60);
    }

    /**
     * Whatever happens to its steps: the source is never started again once the destination may
     * have run, a surge stops the VM at its source only once the new instance ran its settle period
     * there, and once the faults stop every migration ends DONE or ROLLED_BACK.
     */
    @Property(tries = 2000)
    void neverTwoRunningCopiesAndAlwaysAnEnd(@ForAll("outcomes") List<Outcome> faults, @ForAll boolean running,
                                             @ForAll boolean surge) {
        Migration m = surge && running ? MigrationMachine.beginSurge(fresh(true), "host-2", "web-3", 0)
                : MigrationMachine.begin(fresh(running), "host-2", 0);
        boolean committedOnce = false;
        boolean settled = false;
        long t = 1;
        for (Outcome o : faults) {
            if (m.phase().finished()) {
                break;
            }
            Phase before = m.phase();
            m = step(m, o, t++);
            settled |= before == Phase.VERIFYING && m.phase() != Phase.VERIFYING && m.phase() != Phase.STARTING;
            committedOnce |= m.committed();
            if (committedOnce) {
                assertThat(m.phase()).isNotIn(Phase.ROLLING_BACK, Phase.ROLLED_BACK);
            }
            if (m.surge() && MigrationMachine.next(m) instanceof Command.ShutDown) {
                assertThat(settled).as("the source stops its VM only after the new instance settled").isTrue();
            }
        }
        for (int i = 0; i < 20 && !m.phase().finished(); i++) {
            m = step(m, Outcome.OK, t++);
        }
        assertThat(m.phase()).isIn(Phase.DONE, Phase.ROLLED_BACK);
        if (m.phase() == Phase.ROLLED_BACK) {
            assertThat(committedOnce).isFalse();
        }
    }

    private static Migration step(Migration m, Outcome o, long t) {
        if (o != Outcome.OK) {
            return MigrationMachine.failed(m, "fault", o == Outcome.REFUSED, LIMITS, t);
        }
        return switch (m.phase()) {
            case STOPPING -> MigrationMachine.stopped(m, t);
            case COPYING -> MigrationMachine.copied(m, "d", 1, t);
            case DEFINING -> MigrationMachine.defined(m, t);
            case STARTING -> MigrationMachine.started(m, t);
            case VERIFYING -> MigrationMachine.settled(m, t);
            case CLEANUP -> MigrationMachine.cleaned(m, t);
            case ROLLING_BACK -> m.sourceRestarted() ? MigrationMachine.destinationCleared(m, t) : MigrationMachine.sourceRestarted(m, t);

            default -> throw new IllegalStateException(m.phase().name());
        };
    }
}
