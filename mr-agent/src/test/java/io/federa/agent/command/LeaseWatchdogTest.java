package io.federa.agent.command;

import io.federa.agent.Leases;
import io.federa.agent.core.FenceCause;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.LeaseStatement;
import io.federa.agent.core.PeerVerdict;
import io.federa.agent.core.VmState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lease as the agent keeps it, the peers' grant, and when the watchdog fences: driven by a
 * hand-moved clock and verdicts a test chooses (the peers' HTTP side is in PeerCheckerTest).
 */
class LeaseWatchdogTest {
    private static final Map<String, String> FLEET = fleet("host-1", "host-2", "host-3");
    private final FakeTicker ticker = new FakeTicker();
    private LeaseKeeper lease = new LeaseKeeper(ticker);
    private final List<String> fences = new ArrayList<>();
    private final AtomicReference<HostSnapshot> snapshot = new AtomicReference<>();
    private final List<LeaseKeeper.CheckPlan> asked = new ArrayList<>();
    /** What the watchdog fed the lease supervisor, tick by tick. */
    private final List<java.util.OptionalLong> fed = new ArrayList<>();
    private Function<LeaseKeeper.CheckPlan, PeerVerdict> peers = plan -> null;
    private final LeaseWatchdog watchdog = watchdog();

    private LeaseWatchdog watchdog() {
        return new LeaseWatchdog(lease, snapshot::get, (cause, why) -> {
            fences.add(cause.label() + ": " + why);
            return 1;
        }, plan -> {
            asked.add(plan);
            return peers.apply(plan);
        }, Runnable::run, new LeaseEnforcer() {
            @Override
            public void feed(java.util.OptionalLong until) {
                fed.add(until);
            }

            @Override
            public boolean holdsAfter(long nowNanos, long waitMillis) {
                return true;
            }

            @Override
            public String why() {
                return "";
            }
        });
    }

    private static Map<String, String> fleet(String... names) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, "http://127.0.0.1:9/" + n);
        }
        return m;
    }

    private static Leases.Statement statement(long issuedAt) {
        return Leases.statement().issuedAt(issuedAt).lease(4_000).grant(2_000).gap(2_500).members(FLEET);
    }

    private LeaseKeeper.Renewal renew(Leases.Statement s) {
        return lease.renew(s.unsigned(), "host-1");
    }

    /** One tick; a check of the peers it asks for runs at once, on this thread. */
    private int tick() {
        return watchdog.tick();
    }

    private static PeerVerdict verdict(LeaseKeeper.CheckPlan plan, Map<String, PeerVerdict.Answer> answers) {
        return PeerVerdict.judge(plan.own(), answers);
    }

    private static LeaseStatement peer(long issuedAt) {
        return new LeaseStatement("manager-1", 1, issuedAt, 4_000, 2_000, 2_500,
                new LeaseStatement.Fleet("v", 3, Optional.empty()));
    }

    @Test
    void an_agent_starts_without_a_lease() {
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.mayRun()).isFalse();
        assertThat(lease.remainingMillis()).isZero();
        assertThat(lease.holder()).isEmpty();
        assertThat(lease.term()).isZero();
        assertThat(lease.takeExpiry()).isEmpty();
        assertThat(lease.checkDue()).isEmpty();
    }

    @Test
    void renewals_extend_the_lease_from_the_moment_they_arrive() {
        assertThat(renew(Leases.statement().lease(3_000)).remainingMillis()).isEqualTo(3_000);
        ticker.advanceMillis(2_000);
        assertThat(lease.remainingMillis()).isEqualTo(1_000);
        assertThat(renew(Leases.statement().lease(3_000)).remainingMillis()).isEqualTo(3_000);
        ticker.advanceMillis(2_999);
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.holder()).isEqualTo("manager-1");
        ticker.advanceMillis(1);
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.holder()).isEmpty();
    }

    /** A keeper on the hand-moved ticker and a wall clock the test sets, as a host's clock would read. */
    private LeaseKeeper keeperWithWallClock(long[] wallMillis) {
        return new LeaseKeeper(ticker, () -> wallMillis[0], Optional.empty(), new LeaseStatements(List.of()));
    }

    @Test
    void a_renewal_grants_its_whole_lease_when_read_well_before_the_latest_end_its_manager_allowed() {
        long[] wall = {1_800_000_000_000L};
        lease = keeperWithWallClock(wall);
        // As the manager sends it: the poll's deadline (1 s) plus the lease (4 s), less a skew of 0.5 s.
        LeaseKeeper.Renewal r = lease.renew(statement(wall[0]).unsigned(), "host-1", wall[0] + 1_000 + 4_000 - 500);
        assertThat(r.remainingMillis()).isEqualTo(4_000);
        assertThat(lease.lateRenewalsShortened()).isZero();
        assertThat(lease.lateRenewalsRefused()).isZero();
    }

    @Test
    void a_renewal_read_late_grants_no_lease_past_the_latest_end_its_manager_allowed() {
        long[] wall = {1_800_000_000_000L};
        lease = keeperWithWallClock(wall);
        long latestEnd = wall[0] + 4_500;
        // Read 2 s after it was sent (the agent was busy, or its clock runs 2 s ahead of the manager's).
        wall[0] += 2_000;
        LeaseKeeper.Renewal r = lease.renew(statement(wall[0]).unsigned(), "host-1", latestEnd);
        assertThat(r.remainingMillis()).isEqualTo(2_500);
        assertThat(lease.lateRenewalsShortened()).isEqualTo(1);
        ticker.advanceMillis(2_499);
        assertThat(lease.isValid()).isTrue();
        ticker.advanceMillis(1);
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void a_renewal_read_after_the_latest_end_its_manager_allowed_is_refused_and_the_host_fences() {
        long[] wall = {1_800_000_000_000L};
        lease = keeperWithWallClock(wall);
        LeaseWatchdog dog = watchdog();
        lease.renew(statement(wall[0]).unsigned(), "host-1", wall[0] + 4_500);
        // The manager sends the next renewal; the agent is stopped (SIGSTOP) with it unread in its
        // socket, for 12 s, while the manager counts its lease out and starts its VMs elsewhere.
        long issued = wall[0] + 1_000;
        long latestEnd = issued + 1_000 + 4_000 - 500;
        ticker.advanceMillis(13_000);
        wall[0] += 13_000;
        // Resumed, it reads the renewal before its watchdog's next tick.
        assertThatThrownBy(() -> lease.renew(statement(issued).unsigned(), "host-1", latestEnd))
                .isInstanceOf(CommandRefusedException.class)
                .hasMessageStartingWith("LATE_RENEWAL: renewal read 7500 ms after the latest end the manager allowed");
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.mayRun()).isFalse();
        assertThat(lease.lateRenewalsRefused()).isEqualTo(1);
        // The refused statement is not kept: the host still shows its peers the older one.
        assertThat(lease.latestEnvelope()).hasValueSatisfying(e -> assertThat(e).contains("\\\"issuedAtMillis\\\":" + (issued - 1_000)));
        dog.tick();
        assertThat(fences).singleElement().asString().startsWith("lease_expired");
    }

    @Test
    void a_shorter_renewal_shortens_the_lease_and_another_leader_takes_it_over() {
        renew(Leases.statement().lease(10_000));
        LeaseKeeper.Renewal r = renew(Leases.statement().holder("manager-2").term(2).lease(1_000));
        assertThat(r.remainingMillis()).isEqualTo(1_000);
        assertThat(r.term()).isEqualTo(2);
        assertThat(lease.holder()).isEqualTo("manager-2");
        ticker.advanceMillis(1_000);
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void a_deposed_leaders_renewal_is_refused_and_changes_nothing() {
        renew(Leases.statement().holder("manager-2").term(3).lease(5_000));
        assertThatThrownBy(() -> renew(Leases.statement().holder("manager-1").term(2).lease(60_000)))
                .isInstanceOf(CommandRefusedException.class)
                .hasMessage("STALE_TERM: stale term 2 from manager-1: this host has seen term 3");
        assertThat(lease.remainingMillis()).isEqualTo(5_000);
        assertThat(lease.holder()).isEqualTo("manager-2");
    }

    @Test
    void a_bad_statement_changes_nothing() {
        renew(Leases.statement().lease(5_000));
        assertThatThrownBy(() -> renew(Leases.statement().lease(600_001)))
                .hasMessageContaining("leaseMillis: must be between 1000 and 600000");
        assertThatThrownBy(() -> renew(Leases.statement().holder("man ager")))
                .hasMessageContaining("holder: must be");
        assertThatThrownBy(() -> lease.renew("{\"lease\":\"{}\",\"signature\":\"\",\"extra\":1}", "host-1"))
                .hasMessageContaining("extra: unknown field");
        assertThatThrownBy(() -> lease.renew(Leases.statement().unsigned(), "host 1"))
                .hasMessageContaining("member: must be");
        assertThat(lease.remainingMillis()).isEqualTo(5_000);
    }

    @Test
    void with_a_managers_key_only_its_signature_is_believed() {
        KeyPair manager = Leases.keyPair();
        KeyPair other = Leases.keyPair();
        lease = new LeaseKeeper(ticker, Optional.empty(),
                new LeaseStatements(List.of(LeaseStatements.publicKey(Leases.publicKey(manager)))));
        assertThatThrownBy(() -> lease.renew(Leases.statement().unsigned(), "host-1"))
                .hasMessage("signature: is not a manager's: the statement is not believed");
        assertThatThrownBy(() -> lease.renew(Leases.statement().signed(other.getPrivate()), "host-1"))
                .hasMessage("signature: is not a manager's: the statement is not believed");
        String forged = Leases.statement().signed(manager.getPrivate()).replace("\\\"term\\\":1", "\\\"term\\\":9");
        assertThatThrownBy(() -> lease.renew(forged, "host-1")).hasMessageContaining("not a manager's");
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.renew(Leases.statement().signed(manager.getPrivate()), "host-1").remainingMillis()).isEqualTo(5_000);
    }

    @Test
    void without_a_fleet_the_watchdog_fences_once_when_the_lease_runs_out() {
        renew(Leases.statement().lease(1_000));
        assertThat(tick()).isZero();
        ticker.advanceMillis(999);
        assertThat(tick()).isZero();
        assertThat(fences).isEmpty();
        assertThat(asked).isEmpty();
        ticker.advanceMillis(1);
        assertThat(tick()).isEqualTo(1);
        assertThat(fences).containsExactly("lease_expired: the lease ran out (no fleet known to ask)");
        // Without a lease and with no managed VM seen active, nothing more happens.
        assertThat(tick()).isZero();
        assertThat(fences).hasSize(1);
    }

    @Test
    void the_peers_are_asked_once_less_than_a_grant_is_left_and_no_more_often_than_a_quarter_grant() {
        peers = plan -> verdict(plan, Map.of("host-2", PeerVerdict.Answer.of(peer(1_000_000)),
                "host-3", PeerVerdict.Answer.failed("refused")));
        renew(statement(1_000_000));
        ticker.advanceMillis(1_999);
        tick();
        assertThat(asked).isEmpty();
        ticker.advanceMillis(1);
        tick();
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).peers()).extracting(LeaseStatement.Member::name).containsExactly("host-2", "host-3");
        ticker.advanceMillis(499);
        tick();
        assertThat(asked).hasSize(1);
        ticker.advanceMillis(1);
        tick();
        assertThat(asked).hasSize(2);
    }

    @Test
    void while_the_managers_are_away_the_vms_run_on_for_a_grant_from_each_check_and_nothing_may_start() {
        // host-2 holds the same round's statement, host-3 does not answer: 2 of 3 reached, none fresher.
        peers = plan -> verdict(plan, Map.of("host-2", PeerVerdict.Answer.of(peer(1_000_400)),
                "host-3", PeerVerdict.Answer.failed("refused")));
        renew(statement(1_000_000));
        ticker.advanceMillis(2_000);
        tick();
        assertThat(lease.verdict()).map(PeerVerdict::kind).contains(PeerVerdict.Kind.MANAGERS_AWAY);
        // Ten minutes without a manager, the peers asked every half second: no VM is powered off.
        for (int i = 0; i < 1_200; i++) {
            ticker.advanceMillis(500);
            assertThat(tick()).isZero();
            assertThat(lease.mayRun()).isTrue();
        }
        assertThat(fences).isEmpty();
        assertThat(lease.isValid()).as("only a manager's lease lets a VM start").isFalse();
        // The peers stop answering: the last grant runs out 2 s after the check that gave it began,
        // not at the first check that fails.
        peers = plan -> verdict(plan, Map.of("host-2", PeerVerdict.Answer.failed("refused"),
                "host-3", PeerVerdict.Answer.failed("refused")));
        ticker.advanceMillis(500);
        assertThat(tick()).isZero();
        assertThat(lease.verdict()).map(PeerVerdict::kind).contains(PeerVerdict.Kind.ISOLATED);
        assertThat(lease.mayRun()).isTrue();
        ticker.advanceMillis(1_499);
        assertThat(tick()).isZero();
        ticker.advanceMillis(1);
        assertThat(lease.mayRun()).isFalse();
        assertThat(tick()).isEqualTo(1);
        assertThat(fences).singleElement().asString().startsWith("isolated: isolated: reached 1 of 3 agents");
    }

    @Test
    void every_tick_feeds_the_supervisor_the_later_of_the_leases_end_and_the_grants_end() {
        long t0 = ticker.getAsLong();
        tick();
        assertThat(fed).last().isEqualTo(java.util.OptionalLong.empty());
        renew(statement(1_000_000)); // a lease of 4 s, grants of 2 s
        tick();
        assertThat(fed).last().isEqualTo(java.util.OptionalLong.of(t0 + 4_000_000_000L));
        peers = plan -> verdict(plan, Map.of("host-2", PeerVerdict.Answer.of(peer(1_000_400)),
                "host-3", PeerVerdict.Answer.failed("refused")));
        ticker.advanceMillis(2_500); // a check at 2.5 s grants until 4.5 s, past the lease
        tick();
        assertThat(lease.verdict()).map(PeerVerdict::kind).contains(PeerVerdict.Kind.MANAGERS_AWAY);
        tick();
        assertThat(fed).last().isEqualTo(java.util.OptionalLong.of(t0 + 4_500_000_000L));
        assertThat(lease.mayRunUntilNanos()).hasValue(t0 + 4_500_000_000L);
        peers = plan -> null; // no verdict any more: the grant runs out
        ticker.advanceMillis(2_000);
        tick();
        assertThat(fed).last().isEqualTo(java.util.OptionalLong.empty());
        assertThat(lease.mayRunUntilNanos()).isEmpty();
    }

    @Test
    void a_peer_with_a_fresher_lease_means_this_host_is_cut_off_and_fences_when_the_lease_ends() {
        peers = plan -> verdict(plan, Map.of("host-2", PeerVerdict.Answer.of(peer(1_003_000)),
                "host-3", PeerVerdict.Answer.failed("refused")));
        renew(statement(1_000_000));
        ticker.advanceMillis(2_000);
        assertThat(tick()).isZero();
        assertThat(lease.verdict()).map(PeerVerdict::kind).contains(PeerVerdict.Kind.CUT_OFF);
        ticker.advanceMillis(1_999);
        assertThat(tick()).isZero();
        ticker.advanceMillis(1);
        assertThat(tick()).isEqualTo(1);
        assertThat(fences).singleElement().asString()
                .startsWith("cut_off: cut off from the managers: host-2 (issued 3000 ms later, term 1)");
    }

    @Test
    void a_cut_off_verdict_while_the_lease_still_runs_is_a_warning_that_says_how_long_the_vms_may_run() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LeaseKeeper.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen = new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            // Peers renewed first, as a manager that just started renews host by host: 2 s of lease left.
            peers = plan -> verdict(plan, Map.of("host-2", PeerVerdict.Answer.of(peer(1_003_000)),
                    "host-3", PeerVerdict.Answer.failed("refused")));
            renew(statement(1_000_000));
            ticker.advanceMillis(2_000);
            tick();
            assertThat(seen.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                    .singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
                assertThat(e.getFormattedMessage()).startsWith("no renewal from the managers yet; cut off from the managers: host-2")
                        .endsWith("This host may still run its managed VMs for 2000 ms: they are powered off only if no renewal"
                                + " comes by then");
            });
            // The same verdict once nothing is left: an error (and the VMs are fenced).
            seen.list.clear();
            lease = new LeaseKeeper(ticker);
            renew(statement(1_000_000));
            ticker.advanceMillis(2_000);
            LeaseKeeper.CheckPlan plan = lease.checkDue().orElseThrow();
            ticker.advanceMillis(2_100);
            lease.record(plan, PeerVerdict.judge(plan.own(), Map.of("host-2", PeerVerdict.Answer.of(peer(1_003_000)))));
            assertThat(seen.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                    .singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
                assertThat(e.getFormattedMessage()).startsWith("no renewal from the managers; cut off from the managers: host-2");
            });
        } finally {
            logger.detachAppender(seen);
        }
    }

    @Test
    void a_check_may_wait_for_its_peers_a_grant_less_a_period_and_never_past_the_lease_nor_less_than_its_period() {
        renew(statement(1_000_000));
        // Lease 4 s, grant 2 s: checks begin with less than a grant left, every 500 ms.
        ticker.advanceMillis(2_100);
        assertThat(lease.checkDue().orElseThrow().waitMillis()).isEqualTo(2_000 - 500 - LeaseKeeper.CHECK_MARGIN_MILLIS);
        ticker.advanceMillis(700);
        assertThat(lease.checkDue().orElseThrow().waitMillis()).as("1.2 s left").isEqualTo(1_200 - LeaseKeeper.CHECK_MARGIN_MILLIS);
        ticker.advanceMillis(1_000);
        assertThat(lease.checkDue().orElseThrow().waitMillis()).as("200 ms left: the period still").isEqualTo(500);
    }

    @Test
    void a_renewal_that_arrives_during_a_check_makes_its_verdict_moot() {
        renew(statement(1_000_000));
        ticker.advanceMillis(2_500);
        LeaseKeeper.CheckPlan plan = lease.checkDue().orElseThrow();
        renew(statement(1_002_500));
        lease.record(plan, PeerVerdict.judge(plan.own(), Map.of("host-2", PeerVerdict.Answer.of(peer(1_009_000)))));
        assertThat(lease.verdict()).isEmpty();
        ticker.advanceMillis(3_999);
        assertThat(lease.takeExpiry()).isEmpty();
    }

    @Test
    void a_restarted_agent_remembers_the_term_and_what_to_show_its_peers_but_holds_no_lease(@TempDir Path dir) {
        Path file = dir.resolve("lease-statement.json");
        LeaseStatements unsigned = new LeaseStatements(List.of());
        lease = new LeaseKeeper(ticker, Optional.of(file), unsigned);
        renew(statement(1_000_000).term(4));
        LeaseKeeper again = new LeaseKeeper(ticker, Optional.of(file), unsigned);
        assertThat(again.term()).isEqualTo(4);
        assertThat(again.latestEnvelope()).isEqualTo(lease.latestEnvelope());
        assertThat(again.isValid()).isFalse();
        assertThat(again.mayRun()).isFalse();
        assertThat(again.checkDue()).as("peers cannot carry on a lease this agent never held").isEmpty();
        assertThatThrownBy(() -> again.renew(statement(2_000_000).term(3).unsigned(), "host-1"))
                .hasMessageContaining("stale term 3");
    }

    @Test
    void a_statement_that_cannot_be_kept_on_disk_still_renews_the_lease(@TempDir Path dir) {
        lease = new LeaseKeeper(ticker, Optional.of(dir.resolve("missing-folder/lease-statement.json")),
                new LeaseStatements(List.of()));
        assertThat(renew(Leases.statement().lease(5_000)).remainingMillis()).isEqualTo(5_000);
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    void without_a_lease_a_managed_vm_seen_active_is_fenced_an_unmanaged_one_is_not() {
        snapshot.set(Snapshots.host(Snapshots.vm("app-1", VmState.RUNNING, 0)));
        assertThat(tick()).isZero();
        snapshot.set(Snapshots.host(Snapshots.vm("app-1", VmState.RUNNING, 0), Snapshots.vm("web-2", VmState.SHUT_OFF, 4)));
        assertThat(tick()).isZero();
        snapshot.set(Snapshots.host(Snapshots.vm("web-2", VmState.PAUSED, 4)));
        assertThat(tick()).isEqualTo(1);
        assertThat(fences).containsExactly(FenceCause.ACTIVE_WITHOUT_LEASE.label()
                + ": a managed VM is active while this host holds no lease");
        renew(Leases.statement().lease(1_000));
        assertThat(tick()).isZero();
    }
}
