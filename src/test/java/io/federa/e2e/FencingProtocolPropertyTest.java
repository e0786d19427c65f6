package io.federa.e2e;

import io.federa.agent.command.LeaseKeeper;
import io.federa.agent.command.LeaseStatements;
import io.federa.agent.core.LeaseStatement;
import io.federa.agent.core.PeerVerdict;
import io.federa.manager.core.lease.LeaseLedger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease protocol as a whole, over random fault sequences: the agents' real lease keepers and
 * peer verdicts (MR agent) and the manager's real lease ledger, driven on one simulated clock in
 * 100 ms steps for two minutes. The manager polls every agent each second, renews those it
 * reaches, and places an instance again once its host is unreachable past the grace period and
 * its fencing deadline, as long as it holds a majority. Faults: the manager killed and restarted
 * (a new term, its clock up to 500 ms off), links between the manager and an agent cut one way or
 * both, links between agents cut, agents killed and restarted, hosts isolated. At no step may the
 * instance run on two hosts.
 */
class FencingProtocolPropertyTest {
    private static final long STEP = 100;
    private static final long INTERVAL = 1_000;
    private static final long LEASE = 5_000;
    private static final long GRANT = LEASE / 2;
    private static final long SKEW = 500;
    private static final long GAP = 2 * INTERVAL + SKEW;
    private static final long GRACE = 3_000;
    private static final long MARGIN = 50;
    private static final long DURATION = 120_000;
    private static final LeaseStatements UNSIGNED = new LeaseStatements(List.of());

    enum Kind { MANAGER_DOWN, MANAGER_UP, CUT_TO_AGENT, CUT_FROM_AGENT, HEAL_MANAGER_LINK, CUT_PEERS, HEAL_PEERS,
        KILL_AGENT, RESTART_AGENT, ISOLATE, HEAL_ALL, CUT_MANAGER_FROM_SET, HEAL_MANAGER_TO_SET }

    record Fault(long at, Kind kind, int a, int b) {
    }

    record Scenario(int agents, List<Fault> faults) {
    }

    private Path dir;

    @BeforeTry
    void folder() throws IOException {
        dir = Files.createTempDirectory("fencing-sim");
    }

    @AfterTry
    void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        // a: an agent, or for the *_SET kinds a bit set of agents; b: another agent.
        Arbitrary<Fault> fault = Combinators.combine(Arbitraries.longs().between(10_000, DURATION - 10_000),
                Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 127), Arbitraries.integers().between(0, 6))
                .as((at, k, a, b) -> new Fault(at / STEP * STEP, k, a, b));
        return Combinators.combine(Arbitraries.integers().between(3, 7), fault.list().ofMinSize(1).ofMaxSize(16))
                .as((n, f) -> new Scenario(n, f.stream().map(x -> new Fault(x.at(), x.kind(),
                                x.kind().name().endsWith("_SET") ? x.a() : x.a() % n, x.b() % n))
                        .sorted(Comparator.comparingLong(Fault::at)).toList()));
    }

    @Property(tries = 300)
    void no_instance_ever_runs_on_two_hosts(@ForAll("scenarios") Scenario s) throws IOException {
        run(s);
    }

    /**
     * The case the fencing deadline exists for: the manager loses its majority (h0, h1, h2 cut off
     * from it), h0 reaches only h1 and h2, none of which holds anything fresher, so its peers keep
     * granting it a run long after its lease ended; then the manager regains its majority. Its
     * lease end is long past, yet h0 may be running on a grant: the instance may move only a grant
     * after the majority holds fresher statements.
     */
    @net.jqwik.api.Example
    void a_manager_that_regains_its_majority_waits_for_the_grants_the_peers_gave_meanwhile() throws IOException {
        World w = run(new Scenario(5, List.of(
                new Fault(10_000, Kind.CUT_MANAGER_FROM_SET, 0b00111, 0),
                new Fault(10_000, Kind.CUT_PEERS, 0, 3),
                new Fault(10_000, Kind.CUT_PEERS, 0, 4),
                new Fault(30_000, Kind.HEAL_MANAGER_TO_SET, 0b00110, 0))));
        assertThat(w.instanceHost).as("the instance moved off the cut-off host").isNotZero();
    }

    private World run(Scenario s) throws IOException {
        World w = new World(s.agents(), dir);
        int next = 0;
        for (long now = 0; now < DURATION; now += STEP) {
            while (next < s.faults().size() && s.faults().get(next).at() <= now) {
                w.apply(s.faults().get(next++), now);
            }
            w.step(now);
            List<Integer> running = w.running();
            assertThat(running).as("hosts running web-1 at " + now + " ms in " + s).hasSizeLessThanOrEqualTo(1);
        }
        return w;
    }

    /** Everything simulated: agents, links, the manager and the one instance it keeps running. */
    static final class World {
        final int n;
        final Path dir;
        final long[] clock = {0};
        final LeaseKeeper[] keepers;
        final boolean[] alive;
        final boolean[] toAgent;   // manager → agent link up
        final boolean[] fromAgent; // agent → manager link up
        final boolean[][] peers;   // agent ↔ agent link up
        final boolean[] copyRuns;  // the instance's copy on that host runs (when the agent may run it)
        // The manager.
        boolean managerUp = true;
        long term = 1;
        long offset;
        LeaseLedger ledger;
        final int[] misses;
        final long[] unreachableSince;
        int instanceHost = 0;

        World(int n, Path dir) throws IOException {
            this.n = n;
            this.dir = dir;
            keepers = new LeaseKeeper[n];
            alive = new boolean[n];
            toAgent = new boolean[n];
            fromAgent = new boolean[n];
            peers = new boolean[n][n];
            copyRuns = new boolean[n];
            misses = new int[n];
            unreachableSince = new long[n];
            for (int i = 0; i < n; i++) {
                keepers[i] = keeper(i);
                alive[i] = true;
                toAgent[i] = true;
                fromAgent[i] = true;
                for (int j = 0; j < n; j++) {
                    peers[i][j] = true;
                }
            }
            startManager(0);
            // Before the first step: the manager's first round, then the instance starts on host 0.
            for (int i = 0; i < n; i++) {
                poll(i, 0);
            }
            copyRuns[0] = true;
        }

        private LeaseKeeper keeper(int i) {
            return new LeaseKeeper(() -> clock[0] * 1_000_000L, Optional.of(dir.resolve("h" + i + ".json")), UNSIGNED);
        }

        private static String name(int i) {
            return "h" + i;
        }

        private void startManager(long now) {
            managerUp = true;
            List<String> fleet = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fleet.add(name(i));
            }
            // As the manager does: a leader before it may have issued statements up to the clock skew later.
            ledger = new LeaseLedger(fleet, new LeaseLedger.Timing(LEASE, INTERVAL, GAP, GRANT), now + offset + SKEW);
            java.util.Arrays.fill(misses, 0);
            java.util.Arrays.fill(unreachableSince, -1);
        }

        String statement(long issuedAt) {
            StringBuilder members = new StringBuilder();
            for (int i = 0; i < n; i++) {
                members.append(i == 0 ? "" : ",").append("{\"name\":\"").append(name(i)).append("\",\"url\":\"sim://")
                        .append(name(i)).append("\"}");
            }
            String s = "{\"holder\":\"m\",\"term\":" + term + ",\"issuedAtMillis\":" + issuedAt + ",\"leaseMillis\":" + LEASE
                    + ",\"peerGrantMillis\":" + GRANT + ",\"gapMillis\":" + GAP + ",\"fleet\":{\"version\":\"v\",\"size\":" + n
                    + ",\"members\":[" + members + "]}}";
            return "{\"lease\":" + io.vertx.core.json.Json.encode(s) + ",\"signature\":\"\"}";
        }

        void apply(Fault f, long now) {
            switch (f.kind()) {
                case MANAGER_DOWN -> managerUp = false;
                case MANAGER_UP -> {
                    if (!managerUp) {
                        term++;
                        offset = (term * 7919) % (SKEW + 1) - SKEW / 2;
                        startManager(now);
                    }
                }
                case CUT_TO_AGENT -> toAgent[f.a()] = false;
                case CUT_FROM_AGENT -> fromAgent[f.a()] = false;
                case HEAL_MANAGER_LINK -> {
                    toAgent[f.a()] = true;
                    fromAgent[f.a()] = true;
                }
                case CUT_PEERS -> {
                    peers[f.a()][f.b()] = false;
                    peers[f.b()][f.a()] = false;
                }
                case HEAL_PEERS -> {
                    peers[f.a()][f.b()] = true;
                    peers[f.b()][f.a()] = true;
                }
                case KILL_AGENT -> {
                    alive[f.a()] = false;
                    copyRuns[f.a()] = false;
                }
                case RESTART_AGENT -> {
                    if (!alive[f.a()]) {
                        alive[f.a()] = true;
                        keepers[f.a()] = keeper(f.a());
                    }
                }
                case ISOLATE -> {
                    toAgent[f.a()] = false;
                    fromAgent[f.a()] = false;
                    for (int j = 0; j < n; j++) {
                        peers[f.a()][j] = false;
                        peers[j][f.a()] = false;
                    }
                }
                case CUT_MANAGER_FROM_SET, HEAL_MANAGER_TO_SET -> {
                    for (int i = 0; i < n; i++) {
                        if ((f.a() & (1 << i)) != 0) {
                            toAgent[i] = f.kind() == Kind.HEAL_MANAGER_TO_SET;
                            fromAgent[i] = f.kind() == Kind.HEAL_MANAGER_TO_SET;
                        }
                    }
                }
                case HEAL_ALL -> {
                    for (int i = 0; i < n; i++) {
                        toAgent[i] = true;
                        fromAgent[i] = true;
                        for (int j = 0; j < n; j++) {
                            peers[i][j] = true;
                        }
                    }
                }
            }
        }

        /** One poll of agent i by the manager: a renewal while it counts as reachable, a read otherwise. */
        void poll(int i, long now) {
            long mine = now + offset;
            boolean renew = misses[i] < 2;
            if (!alive[i]) {
                // A dead process refuses the connection: nothing reached it.
                miss(i, now);
                return;
            }
            long issuedAt = mine;
            boolean delivered = toAgent[i];
            if (renew) {
                ledger.sent(name(i), issuedAt, mine);
                if (delivered) {
                    keepers[i].renew(statement(issuedAt), name(i));
                }
            }
            if (delivered && fromAgent[i]) {
                if (renew) {
                    ledger.acknowledged(name(i), issuedAt, mine);
                }
                misses[i] = 0;
                unreachableSince[i] = -1;
            } else {
                miss(i, now);
            }
        }

        private void miss(int i, long now) {
            misses[i]++;
            if (misses[i] == 2) {
                unreachableSince[i] = now + offset;
            }
        }

        void step(long now) {
            clock[0] = now;
            // Agents: the watchdog's tick, the peers asked at once.
            for (int i = 0; i < n; i++) {
                if (!alive[i]) {
                    continue;
                }
                LeaseKeeper k = keepers[i];
                if (k.mayRun()) {
                    Optional<LeaseKeeper.CheckPlan> plan = k.checkDue();
                    if (plan.isPresent()) {
                        Map<String, PeerVerdict.Answer> answers = new LinkedHashMap<>();
                        for (LeaseStatement.Member m : plan.get().peers()) {
                            int j = Integer.parseInt(m.name().substring(1));
                            Optional<String> latest = alive[j] && peers[i][j] ? keepers[j].latestEnvelope() : Optional.empty();
                            answers.put(m.name(), latest.isPresent() ? PeerVerdict.Answer.of(UNSIGNED.read(latest.get()).statement())
                                    : PeerVerdict.Answer.failed("no answer"));
                        }
                        k.record(plan.get(), PeerVerdict.judge(plan.get().own(), answers));
                    }
                }
                if (!k.mayRun()) {
                    k.takeExpiry();
                    copyRuns[i] = false;
                }
            }
            if (!managerUp) {
                return;
            }
            // The manager's polls, each agent at its own phase of the interval.
            for (int i = 0; i < n; i++) {
                if ((now / STEP) % (INTERVAL / STEP) == i % (INTERVAL / STEP)) {
                    poll(i, now);
                }
            }
            // The reconcile pass, once a second.
            if (now % INTERVAL == 0 && ledger.holdsMajority(now + offset)) {
                reconcile(now + offset);
            }
        }

        private boolean reachable(int i) {
            return misses[i] == 0;
        }

        private void reconcile(long mine) {
            int h = instanceHost;
            if (reachable(h)) {
                // Its copy stopped (fenced, or its agent restarted): started again there, under the lease.
                if (!copyRuns[h] && alive[h] && keepers[h].isValid()) {
                    copyRuns[h] = true;
                }
                return;
            }
            if (unreachableSince[h] < 0 || mine - unreachableSince[h] < GRACE) {
                return;
            }
            Map<String, Long> deadline = ledger.fencingDeadlines(List.of(name(h)));
            if (!deadline.containsKey(name(h)) || mine < deadline.get(name(h)) + MARGIN) {
                return;
            }
            for (int j = 0; j < n; j++) {
                if (j != h && reachable(j) && alive[j] && keepers[j].isValid()) {
                    // The copy left behind runs on until its host fences it, and is never started
                    // again (its epoch is stale).
                    instanceHost = j;
                    copyRuns[j] = true;
                    return;
                }
            }
        }

        /** Hosts where the instance runs now: a copy started there, its agent alive and allowed to run it. */
        List<Integer> running() {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (copyRuns[i] && alive[i] && keepers[i].mayRun()) {
                    out.add(i);
                }
            }
            return out;
        }
    }
}
