package io.federa.agent.command;

import io.federa.agent.core.HostSnapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lease as the agent keeps it, and when the watchdog fences: driven by a hand-moved clock. */
class LeaseWatchdogTest {
    private final FakeTicker ticker = new FakeTicker();
    private final LeaseKeeper lease = new LeaseKeeper(ticker);
    private final List<String> fences = new ArrayList<>();
    private final AtomicReference<HostSnapshot> snapshot = new AtomicReference<>();
    private final LeaseWatchdog watchdog = new LeaseWatchdog(lease, snapshot::get, why -> {
        fences.add(why);
        return 1;
    });

    @Test
    void an_agent_starts_without_a_lease() {
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.remainingMillis()).isZero();
        assertThat(lease.holder()).isEmpty();
        assertThat(lease.takeExpiry()).isFalse();
    }

    @Test
    void renewals_extend_the_lease_from_the_moment_they_arrive() {
        assertThat(lease.renew("manager-1", 3_000)).isEqualTo(3_000);
        ticker.advanceMillis(2_000);
        assertThat(lease.remainingMillis()).isEqualTo(1_000);
        assertThat(lease.renew("manager-1", 3_000)).isEqualTo(3_000);
        ticker.advanceMillis(2_999);
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.holder()).isEqualTo("manager-1");
        ticker.advanceMillis(1);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.holder()).isEmpty();
    }

    @Test
    void a_shorter_renewal_shortens_the_lease_and_another_holder_takes_it_over() {
        lease.renew("manager-1", 10_000);
        assertThat(lease.renew("manager-2", 1_000)).isEqualTo(1_000);
        assertThat(lease.holder()).isEqualTo("manager-2");
        ticker.advanceMillis(1_000);
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void a_bad_renewal_changes_nothing() {
        lease.renew("manager-1", 5_000);
        assertThatThrownBy(() -> lease.renew("manager-1", 600_001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lease.renew("man ager", 5_000)).isInstanceOf(IllegalArgumentException.class);
        assertThat(lease.remainingMillis()).isEqualTo(5_000);
    }

    @Test
    void the_watchdog_fences_once_when_the_lease_runs_out_and_not_before() {
        lease.renew("manager-1", 1_000);
        assertThat(watchdog.tick()).isZero();
        ticker.advanceMillis(999);
        assertThat(watchdog.tick()).isZero();
        assertThat(fences).isEmpty();
        ticker.advanceMillis(1);
        assertThat(watchdog.tick()).isEqualTo(1);
        assertThat(fences).containsExactly("the lease ran out");
        // Without a lease and with no managed VM seen active, nothing more happens.
        assertThat(watchdog.tick()).isZero();
        assertThat(fences).hasSize(1);
        assertThat(lease.remainingMillis()).isZero();
    }

    @Test
    void without_a_lease_a_managed_vm_seen_active_is_fenced_an_unmanaged_one_is_not() {
        snapshot.set(Snapshots.host(Snapshots.vm("app-1", io.federa.agent.core.VmState.RUNNING, 0)));
        assertThat(watchdog.tick()).isZero();
        snapshot.set(Snapshots.host(Snapshots.vm("app-1", io.federa.agent.core.VmState.RUNNING, 0),
                Snapshots.vm("web-2", io.federa.agent.core.VmState.SHUT_OFF, 4)));
        assertThat(watchdog.tick()).isZero();
        snapshot.set(Snapshots.host(Snapshots.vm("web-2", io.federa.agent.core.VmState.PAUSED, 4)));
        assertThat(watchdog.tick()).isEqualTo(1);
        assertThat(fences).containsExactly("a managed VM is active while this host holds no lease");
        lease.renew("manager-1", 1_000);
        assertThat(watchdog.tick()).isZero();
    }
}
