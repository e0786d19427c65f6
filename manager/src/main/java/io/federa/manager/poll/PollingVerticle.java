package io.federa.manager.poll;

import io.federa.manager.agent.JolokiaClient;
import io.federa.manager.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.LiveInventory;
import io.federa.manager.core.lease.LeaseLedger;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Polls every agent each interval and keeps the {@link InventorySnapshot} current. Polls run on
 * the event loop without blocking (every transport is asynchronous). Each agent has its own turn
 * in the interval ({@link PollSchedule}): spread evenly at first, then just after the agent takes
 * a new sample, so that polls do not all start at once and what the manager shows is as fresh as
 * the agent makes it. An agent whose previous poll has not finished when its turn comes misses
 * that turn, so a slow agent costs one connection, not a growing queue. At most
 * {@code maxConcurrentPolls} polls run at once; agents whose turn comes beyond that wait, in
 * order, and start as earlier polls finish. Each result replaces its agent's entry in a
 * {@link LiveInventory} (constant work per poll); readers get an immutable snapshot made when they
 * read. The observer is told each poll's duration and outcome. The loop's totals (good, failed
 * and skipped polls) are published as the MXBean {@value PollCountersMXBean#OBJECT_NAME}.
 */
public final class PollingVerticle extends VerticleBase {
    /** Told of every finished poll, on the event loop: keep it short. */
    @FunctionalInterface
    public interface PollObserver {
        /**
         * @param failure the reason of a failed poll, null when it succeeded
         * @param entry   the agent as it stands after this poll
         */
        void polled(String agent, long durationNanos, String failure, InventorySnapshot.Entry entry);
    }

    private static final long SLOT_MILLIS = 10;
    /** How leases are made, for whichever term this manager leads with. */
    public record LeaseSettings(String holder, long leaseMillis, long peerGrantMillis, long gapMillis, String signingKey) {
    }

    /** This manager's part while it leads: the statements it signs and the ledger of what they reached. */
    public record LeaseRole(LeaseSigner signer, LeaseLedger ledger) {
    }

    private final LeaseSettings leaseSettings;
    /** While following, an agent is polled on one turn of this many; every turn while leading or alone. */
    private final int followerTurns;
    private long[] turnsSkipped;
    private volatile boolean followingAnother;
    private final java.util.function.BooleanSupplier leadsNow;
    private volatile LeaseRole role;
    private final Map<String, String> peerUrls = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean[] renewing;
    /** Per agent, the fleet version it last said it knows; null until its first renewal answered. */
    private String[] knownFleet;
    private final MembersBudget membersBudget = new MembersBudget();
    private final List<ManagerConfig.Agent> agents;
    private final Map<String, String> refusals = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, ManagerConfig.Agent> byName = new java.util.HashMap<>();
    private final long intervalMillis;
    private final int missesAllowed;
    private final int maxInFlight;
    private final PollObserver observer;
    private final LiveInventory live;
    private final Map<String, AgentClient> clients = new LinkedHashMap<>();
    // Event loop only. Agent i is always in exactly one place: waiting for its turn (timers[i]),
    // due and waiting for a free slot (in `due`), or being polled.
    private String[] agentNames;
    private AgentClient[] agentClients;
    private long[] dueAt;
    private long[] sampleDelay;
    private long[] timers;
    private final ArrayDeque<Integer> due = new ArrayDeque<>();
    private int running;
    private boolean stopped;
    private JolokiaPoller jolokia;
    private SnmpPoller snmp;
    // Written on the event loop only; volatile so that a JMX reader sees recent values.
    private volatile long goodPolls;
    private volatile long failedPolls;
    private volatile long skippedPolls;
    private volatile int pollsInFlight;
    private ObjectName registered;

    public PollingVerticle(List<ManagerConfig.Agent> agents, long intervalMillis, int missesAllowed, int maxConcurrentPolls,
                           PollObserver observer) {
        this(agents, intervalMillis, missesAllowed, maxConcurrentPolls, null, () -> false, 1, observer);
    }

    /**
     * @param leases   how lease statements are made (null: no leases); each Jolokia poll renews the
     *                 lease of an agent that answers while this manager leads ({@link #lead}); an
     *                 agent found unreachable gets read-only polls, so its lease runs out
     * @param leadsNow whether this manager may act as the leader at this very moment
     * @param followerTurns while this manager follows another, each agent is polled on one turn of
     *                      this many (a warm inventory at a fraction of the leader's cost)
     */
    public PollingVerticle(List<ManagerConfig.Agent> agents, long intervalMillis, int missesAllowed, int maxConcurrentPolls,
                           LeaseSettings leases, java.util.function.BooleanSupplier leadsNow, int followerTurns,
                           PollObserver observer) {
        this.leaseSettings = leases;
        this.followerTurns = Math.max(1, followerTurns);
        this.leadsNow = leadsNow;
        this.agents = agents.stream().sorted(java.util.Comparator.comparing(ManagerConfig.Agent::name)).toList();
        this.agents.forEach(a -> byName.put(a.name(), a));
        this.intervalMillis = intervalMillis;
        this.missesAllowed = missesAllowed;
        this.maxInFlight = maxConcurrentPolls;
        this.observer = observer;
        this.live = new LiveInventory(names(), WallClock.millis());
    }

    private java.util.Optional<io.federa.manager.tls.ManagerTls> tls = java.util.Optional.empty();

    /** Jolokia agents are polled over TLS with this; set before deploying. */
    public void tls(java.util.Optional<io.federa.manager.tls.ManagerTls> tls) {
        this.tls = tls;
    }

    private List<String> names() {
        return agents.stream().map(ManagerConfig.Agent::name).toList();
    }

    /** The Jolokia agents, which hold leases: the fleet of the lease statements, in a stable order. */
    public static List<String> leaseFleet(List<ManagerConfig.Agent> agents) {
        return agents.stream().filter(a -> a.transport() == ManagerConfig.Transport.JOLOKIA).map(ManagerConfig.Agent::name)
                .sorted().toList();
    }

    @Override
    public Future<?> start() {
        // The answer deadline is the interval: a poll slower than that is a miss, not a backlog.
        int connectTimeout = (int) Math.min(intervalMillis, 2_000);
        for (ManagerConfig.Agent a : agents) {
            AgentClient c = switch (a.transport()) {
                case JOLOKIA -> {
                    if (jolokia == null) {
                        jolokia = new JolokiaPoller(vertx, connectTimeout, intervalMillis, 64 * 1024 * 1024, tls);
                    }
                    JolokiaClient.Target t = new JolokiaClient.Target("agent " + a.name(), a.address(), a.port(), "/jolokia/",
                            a.user(), a.password(), a.fingerprint());
                    JolokiaPoller p = jolokia;
                    yield request -> p.poll(t, request);
                }
                case SNMP -> {
                    if (snmp == null) {
                        snmp = new SnmpPoller(vertx, intervalMillis);
                    }
                    yield snmp.client(a);
                }
            };
            clients.put(a.name(), c);
        }
        int n = agents.size();
        agentNames = names().toArray(String[]::new);
        agentClients = new AgentClient[n];
        renewing = new boolean[n];
        knownFleet = new String[n];
        dueAt = new long[n];
        sampleDelay = new long[n];
        timers = new long[n];
        turnsSkipped = new long[n];
        // A follower too polls every agent on its first turn: its inventory is warm from the start.
        java.util.Arrays.fill(turnsSkipped, followerTurns - 1);
        long start = WallClock.millis();
        for (int i = 0; i < n; i++) {
            agentClients[i] = clients.get(agentNames[i]);
            dueAt[i] = PollSchedule.first(start, intervalMillis, i, n);
            arm(i);
        }
        register();
        return Future.succeededFuture();
    }

    /** Per agent, the last refusal of a renewal (a term older than one the agent has seen, a signature it does not believe). */
    public Map<String, String> leaseRefusals() {
        return Map.copyOf(refusals);
    }

    /** The inventory as of now: made when read, from the entries the polls keep up to date. Any thread. */
    public InventorySnapshot inventory() {
        return live.snapshot();
    }

    /**
     * This manager leads with {@code term} from {@code nowMillis}: it signs statements of that term
     * and keeps a new ledger, which assumes that every agent may hold a lease and a statement of
     * the leader before it, issued up to now. Any thread.
     */
    public void lead(long term, long nowMillis) {
        followingAnother = false;
        if (leaseSettings == null) {
            return;
        }
        List<String> fleet = leaseFleet(agents);
        LeaseSigner signer = new LeaseSigner(leaseSettings.holder(), term, leaseSettings.leaseMillis(),
                leaseSettings.peerGrantMillis(), leaseSettings.gapMillis(), intervalMillis, fleet, leaseSettings.signingKey());
        peerUrls.forEach(signer::peerUrl);
        role = new LeaseRole(signer, new LeaseLedger(fleet, new LeaseLedger.Timing(leaseSettings.leaseMillis(), intervalMillis,
                leaseSettings.gapMillis(), leaseSettings.peerGrantMillis()), nowMillis));
    }

    /**
     * Another manager leads: read-only polls from now on, each agent on one turn of
     * {@code followerTurns}. Any thread.
     */
    public void follow() {
        role = null;
        followingAnother = true;
    }

    /** What this manager knows of the leases it renews as the leader; null while it does not lead. */
    public LeaseLedger leases() {
        LeaseRole r = role;
        return r == null ? null : r.ledger();
    }

    /**
     * Waits for agent i's turn. Turns are rounded up to the next {@value #SLOT_MILLIS} ms so that
     * the agents due within one slot start together, in one wake-up of the event loop: with every
     * agent at its own phase, a thousand agents otherwise wake it a thousand times a second for the
     * timers alone. Timers are wall-clock, clamped so that a clock step cannot stall a poll.
     */
    private void arm(int i) {
        long slot = Math.floorDiv(dueAt[i] + SLOT_MILLIS - 1, SLOT_MILLIS) * SLOT_MILLIS;
        long delay = Math.max(1, Math.min(2 * intervalMillis, slot - WallClock.millis()));
        timers[i] = vertx.setTimer(delay, id -> {
            timers[i] = -1;
            if (following() && ++turnsSkipped[i] < followerTurns) {
                // A follower's turn passed without a poll: the agent keeps its place in the schedule.
                dueAt[i] += intervalMillis;
                arm(i);
                return;
            }
            turnsSkipped[i] = 0;
            due.add(i);
            startDue();
        });
    }

    /** Another manager leads: this one keeps a warm inventory only. */
    private boolean following() {
        return followerTurns > 1 && followingAnother;
    }

    private void startDue() {
        while (!stopped && running < maxInFlight && !due.isEmpty()) {
            poll(due.poll());
        }
    }

    private void poll(int i) {
        running++;
        pollsInFlight = running;
        String agent = agentNames[i];
        long started = System.nanoTime();
        long polledAt = WallClock.millis();
        // Renew the lease only while the agent answers: once it is unreachable, its lease runs out,
        // and only then may its VMs be started elsewhere.
        LeaseRole leaseRole = role;
        renewing[i] = leaseRole != null && leadsNow.getAsBoolean()
                && live.entry(i).health().state() != AgentHealth.State.UNREACHABLE;
        boolean renewed = renewing[i];
        LeaseSigner signer = renewed ? leaseRole.signer() : null;
        LeaseLedger ledger = renewed ? leaseRole.ledger() : null;
        // The members go only to an agent that said it lacks this fleet's version, and no more of
        // them an interval than the budget allows: with 10,000 agents, the members are some 700 kB,
        // and a new leader sending them to every agent at once would need gigabytes.
        boolean withMembers = renewed && knownFleet[i] != null && !signer.fleetVersion().equals(knownFleet[i])
                && membersBudget.take(signer.membersBytes(), polledAt, intervalMillis);
        LeaseSigner.Signed statement = renewed ? signer.statement(polledAt, withMembers) : null;
        String request = renewed ? JolokiaPollParser.renewing(statement.envelope(), agent) : JolokiaPollParser.POLL;
        agentClients[i].poll(request).onComplete(ar -> {
            running--;
            pollsInFlight = running;
            long now = WallClock.millis();
            String failure = ar.succeeded() ? null : ar.cause() instanceof PollFailure
                    ? ar.cause().getMessage() : "poll failed: " + ar.cause();
            // A renewal may have reached the agent unless the connection was refused: the lease may
            // then hold until the answer's deadline plus its length, and no VM of that agent's may be
            // started elsewhere before.
            if (renewed && (failure == null || !failure.contains("refused"))) {
                ledger.sent(agent, statement.issuedAtMillis(), polledAt);
            }
            if (renewed && failure == null) {
                AgentReport.LeaseAnswer lease = ar.result().lease();
                if (lease.renewed()) {
                    ledger.acknowledged(agent, statement.issuedAtMillis(), now);
                    knownFleet[i] = lease.fleetVersion();
                    refusals.remove(agent);
                    if (!lease.peerUrl().isEmpty()) {
                        String url = byName.get(agent).dataUrlFor(lease.peerUrl());
                        peerUrls.put(agent, url);
                        signer.peerUrl(agent, url);
                    }
                } else if (!lease.refusal().isEmpty()) {
                    refusals.put(agent, lease.refusal());
                }
            }
            // The next turn is set first: whatever happens below, the agent stays on the schedule.
            PollSchedule.Turn turn = PollSchedule.next(dueAt[i], intervalMillis, polledAt, now,
                    failure == null ? ar.result().host().sampleTimestampMillis() : 0, sampleDelay[i]);
            dueAt[i] = turn.dueMillis();
            sampleDelay[i] = turn.delayMillis();
            skippedPolls += turn.skipped();
            if (!stopped) {
                arm(i);
            }
            try {
                String refused = failure == null ? live.polled(i, ar.result().host(), ar.result().vms(), now) : failure;
                if (refused == null) {
                    goodPolls++;
                } else {
                    live.failed(i, refused, missesAllowed, now);
                    failedPolls++;
                }
                observer.polled(agent, System.nanoTime() - started, refused, live.entry(i));
            } finally {
                startDue();
            }
        });
    }

    /**
     * How many bytes of fleet members the renewals may carry per interval: enough for a fleet of a
     * few thousand agents to learn a new fleet within seconds, and a bound on what a new leader of
     * a large fleet sends (and holds) at once. One statement is always allowed per interval, however
     * large. Event loop only.
     */
    static final class MembersBudget {
        static final long BYTES_PER_INTERVAL = 8L << 20;
        private long intervalStart = Long.MIN_VALUE;
        private long spent;

        boolean take(long bytes, long nowMillis, long intervalMillis) {
            if (nowMillis - intervalStart >= intervalMillis) {
                intervalStart = nowMillis;
                spent = 0;
            }
            if (spent > 0 && spent + bytes > BYTES_PER_INTERVAL) {
                return false;
            }
            spent += bytes;
            return true;
        }
    }

    /** One loop per JVM is published; a second one (tests deploy several) keeps its counters to itself. */
    private void register() {
        PollingVerticle self = this;
        PollCountersMXBean counters = new PollCountersMXBean() {
            @Override
            public long getGoodPolls() {
                return self.goodPolls;
            }

            @Override
            public long getFailedPolls() {
                return self.failedPolls;
            }

            @Override
            public long getSkippedPolls() {
                return self.skippedPolls;
            }

            @Override
            public int getAgents() {
                return self.agents.size();
            }

            @Override
            public int getPollsInFlight() {
                return self.pollsInFlight;
            }
        };
        try {
            ObjectName name = new ObjectName(PollCountersMXBean.OBJECT_NAME);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            if (!server.isRegistered(name)) {
                server.registerMBean(counters, name);
                registered = name;
            }
        } catch (JMException e) {
            registered = null;
        }
    }

    @Override
    public Future<?> stop() {
        stopped = true;
        for (int i = 0; timers != null && i < timers.length; i++) {
            if (timers[i] >= 0) {
                vertx.cancelTimer(timers[i]);
            }
        }
        if (registered != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registered);
            } catch (JMException e) {
                // already gone: nothing to undo
            }
        }
        List<Future<?>> closing = new ArrayList<>();
        if (jolokia != null) {
            closing.add(jolokia.close());
        }
        if (snmp != null) {
            closing.add(snmp.close());
        }
        return Future.all(closing);
    }
}
