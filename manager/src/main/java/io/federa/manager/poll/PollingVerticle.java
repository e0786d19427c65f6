package io.federa.manager.poll;

import io.federa.manager.agent.JolokiaClient;
import io.federa.common.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.HeapBudget;
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
 * event loops without blocking (every transport is asynchronous), spread over several
 * {@link Loop}s — one per core by default, each on an event loop of its own and with its own
 * connections — that share the agents between them (agent i goes to loop i mod k). Each agent has
 * its own turn in the interval ({@link PollSchedule}): spread evenly at first, then just after the
 * agent takes a new sample, so that polls do not all start at once and what the manager shows is
 * as fresh as the agent makes it. An agent whose previous poll has not finished when its turn
 * comes misses that turn (its late answer is still used), so a slow agent costs one connection,
 * not a growing queue.
 *
 * <p><b>Overload stretches polling; it does not collapse it.</b> Each agent's deadline follows
 * what it has been answering in (three times its recent answer time, between one and three
 * intervals), so that a manager or agent slowed down by load does not turn its answers into
 * timeouts, reset connections and reconnections. Each loop caps its polls at once by what it
 * measures: a poll slower than half an interval or timed out lowers the cap by a quarter, quick
 * answers raise it again, up to {@code maxConcurrentPolls} over all loops. Agents whose turn
 * comes beyond the cap wait, in order. When the fleet is more than the manager can poll in an
 * interval, each agent is polled less often: {@link #cycleMillis()} says how often, and the
 * manager reports it (a metric, a warning in its log).
 *
 * <p>Each result replaces its agent's entry in a {@link LiveInventory} (constant work per poll);
 * readers get an immutable snapshot made when they read. The observer is told each poll's
 * duration and outcome, on the loop's event loop. The totals (good, failed and skipped polls) are
 * published as the MXBean {@value PollCountersMXBean#OBJECT_NAME}.
 */
public final class PollingVerticle extends VerticleBase {
    /** Told of every finished poll, on the event loop of the agent's loop: keep it short and thread-safe. */
    @FunctionalInterface
    public interface PollObserver {
        /**
         * @param failure the reason of a failed poll, null when it succeeded
         * @param entry   the agent as it stands after this poll
         */
        void polled(String agent, long durationNanos, String failure, InventorySnapshot.Entry entry);
    }

    /** Deadlines follow an agent's recent answer times up to this many intervals. */
    static final int MAX_DEADLINE_INTERVALS = 3;

    /** How lease statements are made, for whichever term this manager leads with. */
    /**
     * How this manager's leases are made: its name, the lease, the peers' grant and gap, the clock
     * skew allowed between any two processes (a renewal grants no lease that would end later than
     * the ledger counts, on a clock up to that much ahead of this one), and the signing key.
     */
    public record LeaseSettings(String holder, long leaseMillis, long peerGrantMillis, long gapMillis, long clockSkewMillis,
                                String signingKey) {
    }

    /** This manager's part while it leads: the statements it signs and the ledger of what they reached. */
    public record LeaseRole(LeaseSigner signer, LeaseLedger ledger) {
    }

    private final LeaseSettings leaseSettings;
    /** While following, an agent is polled on one turn of this many; every turn while leading or alone. */
    private final int followerTurns;
    private volatile boolean followingAnother;
    private final java.util.function.BooleanSupplier leadsNow;
    private volatile LeaseRole role;
    private final Map<String, String> peerUrls = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<ManagerConfig.Agent> agents;
    private final Map<String, String> refusals = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, ManagerConfig.Agent> byName = new java.util.HashMap<>();
    private final long intervalMillis;
    private final int missesAllowed;
    private final int maxInFlight;
    private final int loopCount;
    private final PollObserver observer;
    private final LiveInventory live;
    // Per agent; agent i is read and written only by its loop, on that loop's event loop.
    private String[] agentNames;
    /** Per agent, the fleet version it last said it knows; null until its first renewal answered. */
    private String[] knownFleet;
    private final List<Loop> loops = new ArrayList<>();
    private SnmpPoller snmp;
    private final java.util.concurrent.atomic.LongAdder goodPolls = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder failedPolls = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder skippedPolls = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.AtomicInteger pollsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final Cycle cycle = new Cycle();
    private volatile boolean stopped;
    private ObjectName registered;

    public PollingVerticle(List<ManagerConfig.Agent> agents, long intervalMillis, int missesAllowed, int maxConcurrentPolls,
                           PollObserver observer) {
        this(agents, intervalMillis, missesAllowed, maxConcurrentPolls, null, () -> false, 1, observer);
    }

    public PollingVerticle(List<ManagerConfig.Agent> agents, long intervalMillis, int missesAllowed, int maxConcurrentPolls,
                           LeaseSettings leases, java.util.function.BooleanSupplier leadsNow, int followerTurns,
                           PollObserver observer) {
        this(agents, intervalMillis, missesAllowed, maxConcurrentPolls, leases, leadsNow, followerTurns,
                Runtime.getRuntime().availableProcessors(), observer);
    }

    /**
     * @param leases   how lease statements are made (null: no leases); each Jolokia poll renews the
     *                 lease of an agent that answers while this manager leads ({@link #lead}); an
     *                 agent found unreachable gets read-only polls, so its lease runs out
     * @param leadsNow whether this manager may act as the leader at this very moment
     * @param followerTurns while this manager follows another, each agent is polled on one turn of
     *                      this many (a warm inventory at a fraction of the leader's cost)
     * @param loops    poll loops, each on an event loop of its own (no more than there are agents)
     */
    public PollingVerticle(List<ManagerConfig.Agent> agents, long intervalMillis, int missesAllowed, int maxConcurrentPolls,
                           LeaseSettings leases, java.util.function.BooleanSupplier leadsNow, int followerTurns, int loops,
                           PollObserver observer) {
        this.leaseSettings = leases;
        this.followerTurns = Math.max(1, followerTurns);
        this.leadsNow = leadsNow;
        this.agents = agents.stream().sorted(java.util.Comparator.comparing(ManagerConfig.Agent::name)).toList();
        this.agents.forEach(a -> byName.put(a.name(), a));
        this.intervalMillis = intervalMillis;
        this.missesAllowed = missesAllowed;
        this.maxInFlight = maxConcurrentPolls;
        this.loopCount = Math.max(1, Math.min(loops, this.agents.size()));
        this.observer = observer;
        this.live = new LiveInventory(names(), WallClock.millis(),
                HeapBudget.maxVms(this.agents.size(), Runtime.getRuntime().maxMemory()));
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
        int n = agents.size();
        agentNames = names().toArray(String[]::new);
        knownFleet = new String[n];
        long startMillis = WallClock.millis();
        List<Future<?>> deployed = new ArrayList<>();
        for (int k = 0; k < loopCount; k++) {
            int share = k;
            int[] mine = java.util.stream.IntStream.range(0, n).filter(i -> i % loopCount == share).toArray();
            // The cap is shared out between the loops: its sum is maxConcurrentPolls.
            int cap = Math.max(1, maxInFlight / loopCount + (k < maxInFlight % loopCount ? 1 : 0));
            Loop loop = new Loop(mine, cap, startMillis, n);
            loops.add(loop);
            deployed.add(vertx.deployVerticle(loop));
        }
        vertx.setPeriodic(intervalMillis, id -> {
            if (stopped) {
                vertx.cancelTimer(id);
                return;
            }
            // One sample per cycle meant (an interval; a follower's turn of several): the window
            // then spans nine cycles whatever the pace, and a follower's quiet intervals are no stretch.
            if (cycle.due(WallClock.millis(), intendedCycleMillis())) {
                cycle.sample(WallClock.millis(), goodPolls.sum() + failedPolls.sum(), n, intendedCycleMillis());
                reportStretch();
            }
        });
        register();
        return Future.all(deployed);
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
     * How long it takes now, in milliseconds, to poll every agent once: the fleet's size over the
     * polls finished a second, averaged over the last nine cycles meant
     * ({@link #intendedCycleMillis}); that cycle while the manager keeps up, more when it cannot
     * (each agent polled less often, what it shows older in proportion). 0 until the first cycle
     * ends. Any thread.
     */
    public long cycleMillis() {
        return cycle.millis();
    }

    /**
     * Told when polling starts to stretch (the fleet takes more than one and a half intervals to
     * poll) and when it keeps up again: {@code true} and what is wrong, {@code false} and that it
     * is over. Set before deploying.
     */
    public void onStretch(java.util.function.BiConsumer<Boolean, String> listener) {
        this.stretchListener = listener;
    }

    private java.util.function.BiConsumer<Boolean, String> stretchListener = (stretched, message) -> { };
    private boolean stretched;

    /** On the event loop of this verticle, once an interval. */
    private void reportStretch() {
        long c = cycle.millis();
        long meant = intendedCycleMillis();
        // Judged over a full window only: over one or two cycles, a small fleet's polls come in too
        // few to tell a stretch from the luck of where the window falls.
        if (c == 0 || !cycle.full()) {
            return;
        }
        if (!stretched && c > meant * 3 / 2) {
            stretched = true;
            stretchListener.accept(true, "polling stretched: each of the " + agents.size() + " agents is polled every "
                    + seconds(c) + " instead of every " + seconds(meant) + " (more agents than this manager polls in "
                    + "an interval: what it shows is that much older; give it more cores or fewer agents)");
        } else if (stretched && c <= meant * 5 / 4) {
            stretched = false;
            stretchListener.accept(false, "polling keeps up again: every agent polled every " + seconds(c));
        }
    }

    /**
     * How often this manager means to poll each agent now, in ms: the interval, or while it
     * follows another manager one turn of {@code followerTurns} — a follower's slower cycle is its
     * design, not a stretch. Any thread.
     */
    public long intendedCycleMillis() {
        return following() ? followerTurns * intervalMillis : intervalMillis;
    }

    private static String seconds(long millis) {
        return millis == Long.MAX_VALUE ? "(no poll finished)" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** The loops' caps on polls at once, as they adapted, summed. Any thread. */
    public int concurrencyLimit() {
        int sum = 0;
        for (Loop l : loops) {
            sum += l.capNow;
        }
        return sum;
    }

    /**
     * This manager leads with {@code term} from {@code nowMillis}: it signs statements of that term
     * and keeps a new ledger, which assumes that every agent may hold a lease and a statement of
     * the leader before it, issued up to now. Any thread.
     */
    public void lead(long term, long nowMillis) {
        followingAnother = false;
        cycle.reset();
        if (leaseSettings == null) {
            return;
        }
        List<String> fleet = leaseFleet(agents);
        LeaseSigner signer = new LeaseSigner(leaseSettings.holder(), term, leaseSettings.leaseMillis(),
                leaseSettings.peerGrantMillis(), leaseSettings.gapMillis(), intervalMillis, fleet, leaseSettings.signingKey());
        peerUrls.forEach(signer::peerUrl);
        // A ledger starts as if every agent had been sent a renewal just now, with the longest
        // deadline a poll may have (the leader before may have sent one).
        role = new LeaseRole(signer, new LeaseLedger(fleet, new LeaseLedger.Timing(leaseSettings.leaseMillis(),
                MAX_DEADLINE_INTERVALS * intervalMillis, leaseSettings.gapMillis(), leaseSettings.peerGrantMillis()), nowMillis));
    }

    /**
     * Another manager leads: read-only polls from now on, each agent on one turn of
     * {@code followerTurns}. Any thread.
     */
    public void follow() {
        role = null;
        followingAnother = true;
        cycle.reset();
    }

    /** What this manager knows of the leases it renews as the leader; null while it does not lead. */
    public LeaseLedger leases() {
        LeaseRole r = role;
        return r == null ? null : r.ledger();
    }

    /** Another manager leads: this one keeps a warm inventory only. */
    private boolean following() {
        return followerTurns > 1 && followingAnother;
    }

    private synchronized SnmpPoller snmp() {
        if (snmp == null) {
            snmp = new SnmpPoller(vertx, intervalMillis);
        }
        return snmp;
    }

    /**
     * How long a poll of the whole fleet takes now: the polls finished over the last nine
     * intervals, against the fleet's size. Thread-safe.
     */
    static final class Cycle {
        private static final int KEPT = 10;
        private final long[] at = new long[KEPT];
        private final long[] finished = new long[KEPT];
        private int samples;
        private long millis;

        synchronized void sample(long nowMillis, long finishedTotal, int agents, long intervalMillis) {
            int slot = samples % KEPT;
            int oldest = samples < KEPT ? 0 : (samples + 1) % KEPT;
            at[slot] = nowMillis;
            finished[slot] = finishedTotal;
            samples++;
            if (samples < 2) {
                return;
            }
            long polls = finishedTotal - finished[oldest];
            long span = nowMillis - at[oldest];
            millis = agents == 0 ? intervalMillis : polls <= 0 ? Long.MAX_VALUE : Math.max(intervalMillis, agents * span / polls);
        }

        synchronized long millis() {
            return millis;
        }

        /** Whether the window spans all its samples (nine cycles). */
        synchronized boolean full() {
            return samples >= KEPT;
        }

        /** Whether a cycle meant has passed since the last sample (always before the first). */
        synchronized boolean due(long nowMillis, long meantMillis) {
            return samples == 0 || nowMillis - at[(samples - 1) % KEPT] >= meantMillis - meantMillis / 10;
        }

        /** Starts the window again (the pace meant changed): 0 until two samples are taken. */
        synchronized void reset() {
            samples = 0;
            millis = 0;
        }
    }

    /**
     * One poll loop: a share of the agents, polled from one event loop with connections of its
     * own. Its state is its event loop's alone.
     */
    private final class Loop extends VerticleBase {
        private final int[] mine;
        private final long startMillis;
        private final AgentClient[] clients;
        private final long[] dueAt;
        private final long[] sampleDelay;
        private final long[] timers;
        private final long[] turnsSkipped;
        /** Per agent, its recent answer time in ms (exponentially weighted); 0 before its first answer. */
        private final double[] answerMillis;
        private final ArrayDeque<Integer> due = new ArrayDeque<>();
        private final MembersBudget membersBudget;
        private final InFlightCap cap;
        /** The width of the slots this loop's turns start in ({@link PollSchedule#slotMillis}). */
        private final long slotMillis;
        /** The cap as it stands, for readers on other threads (the metric). */
        private volatile int capNow;
        private int running;
        private JolokiaPoller jolokia;

        Loop(int[] mine, int cap, long startMillis, int fleet) {
            this.mine = mine;
            this.cap = new InFlightCap(cap, intervalMillis);
            this.slotMillis = PollSchedule.slotMillis(intervalMillis, mine.length, cap);
            this.capNow = cap;
            this.startMillis = startMillis;
            this.clients = new AgentClient[fleet];
            this.dueAt = new long[fleet];
            this.sampleDelay = new long[fleet];
            this.timers = new long[fleet];
            this.turnsSkipped = new long[fleet];
            this.answerMillis = new double[fleet];
            this.membersBudget = new MembersBudget(MembersBudget.BYTES_PER_INTERVAL / loopCount);
        }

        @Override
        public Future<?> start() {
            // A connection must be made within the interval (at most 2 s): beyond that, a miss.
            int connectTimeout = (int) Math.min(intervalMillis, 2_000);
            for (int i : mine) {
                ManagerConfig.Agent a = byName.get(agentNames[i]);
                clients[i] = switch (a.transport()) {
                    case JOLOKIA -> {
                        if (jolokia == null) {
                            jolokia = new JolokiaPoller(vertx, connectTimeout, intervalMillis, MAX_ANSWER_BYTES, tls);
                        }
                        JolokiaClient.Target t = new JolokiaClient.Target("agent " + a.name(), a.address(), a.port(), "/jolokia/",
                                a.user(), a.password(), a.fingerprint());
                        yield jolokia.client(t);
                    }
                    case SNMP -> snmp().client(a);
                };
            }
            // A follower too polls every agent on its first turn: its inventory is warm from the start.
            for (int i : mine) {
                turnsSkipped[i] = followerTurns - 1;
                dueAt[i] = PollSchedule.first(startMillis, intervalMillis, i, agentNames.length);
                arm(i);
            }
            return Future.succeededFuture();
        }

        /**
         * Waits for agent i's turn. Turns are rounded up to the end of their slot so that the agents
         * due within one slot start together, in one wake-up of the event loop: with every agent at its
         * own phase, a thousand agents otherwise wake it a thousand times a second for the timers
         * alone, and each poll pays a wake-up of its own. Timers are wall-clock, clamped so that a
         * clock step cannot stall a poll.
         */
        private void arm(int i) {
            long slot = PollSchedule.slotted(dueAt[i], slotMillis);
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

        private void startDue() {
            while (!stopped && running < cap.limit() && !due.isEmpty()) {
                poll(due.poll());
            }
        }

        /** The deadline of agent i's next poll: what it has been answering in, three times over, within bounds. */
        private long deadline(int i) {
            return Math.max(intervalMillis, Math.min(MAX_DEADLINE_INTERVALS * intervalMillis, (long) (3 * answerMillis[i])));
        }

        private void poll(int i) {
            running++;
            pollsInFlight.incrementAndGet();
            String agent = agentNames[i];
            long started = System.nanoTime();
            long polledAt = WallClock.millis();
            long deadline = deadline(i);
            // Renew the lease only while the agent answers: once it is unreachable, its lease runs out,
            // and only then may its VMs be started elsewhere.
            LeaseRole leaseRole = role;
            boolean renewed = leaseRole != null && leadsNow.getAsBoolean()
                    && live.entry(i).health().state() != AgentHealth.State.UNREACHABLE;
            LeaseSigner signer = renewed ? leaseRole.signer() : null;
            LeaseLedger ledger = renewed ? leaseRole.ledger() : null;
            // The members go only to an agent that said it lacks this fleet's version, and no more of
            // them an interval than the budget allows: with 10,000 agents, the members are some 700 kB,
            // and a new leader sending them to every agent at once would need gigabytes.
            boolean withMembers = renewed && knownFleet[i] != null && !signer.fleetVersion().equals(knownFleet[i])
                    && membersBudget.take(signer.membersBytes(), polledAt, intervalMillis);
            LeaseSigner.Signed statement = renewed ? signer.statement(polledAt, withMembers) : null;
            // The agent grants no lease ending after what the ledger will count for this poll, less the
            // skew its clock may have: a renewal it reads late (stopped, or held back) grants less or nothing.
            String request = renewed ? JolokiaPollParser.renewing(statement, agent,
                    ledger.leaseEnd(polledAt, deadline) - leaseSettings.clockSkewMillis()) : JolokiaPollParser.POLL;
            clients[i].poll(request, deadline).onComplete(ar -> {
                running--;
                pollsInFlight.decrementAndGet();
                long now = WallClock.millis();
                long tookMillis = (System.nanoTime() - started) / 1_000_000;
                String failure = ar.succeeded() ? null : ar.cause() instanceof PollFailure
                        ? ar.cause().getMessage() : "poll failed: " + ar.cause();
                adapt(i, tookMillis, failure, now);
                // A renewal may have reached the agent unless the connection was refused: the lease may
                // then hold until the answer's deadline plus its length, and no VM of that agent's may be
                // started elsewhere before.
                if (renewed && (failure == null || !failure.contains("refused"))) {
                    ledger.sent(agent, statement.issuedAtMillis(), polledAt, deadline);
                }
                if (renewed && failure == null) {
                    lease(i, agent, signer, ledger, statement, ar.result().lease(), now);
                }
                // The next turn is set first: whatever happens below, the agent stays on the schedule.
                PollSchedule.Turn turn = PollSchedule.next(dueAt[i], intervalMillis, polledAt, now,
                        failure == null ? ar.result().host().sampleTimestampMillis() : 0, sampleDelay[i]);
                dueAt[i] = turn.dueMillis();
                sampleDelay[i] = turn.delayMillis();
                skippedPolls.add(turn.skipped());
                if (!stopped) {
                    arm(i);
                }
                try {
                    String refused = failure == null ? live.polled(i, ar.result().host(), ar.result().vms(), now) : failure;
                    if (refused == null) {
                        goodPolls.increment();
                    } else {
                        live.failed(i, refused, missesAllowed, now);
                        failedPolls.increment();
                    }
                    observer.polled(agent, System.nanoTime() - started, refused, live.entry(i));
                } finally {
                    startDue();
                }
            });
        }

        private void lease(int i, String agent, LeaseSigner signer, LeaseLedger ledger, LeaseSigner.Signed statement,
                           AgentReport.LeaseAnswer lease, long now) {
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

        /** Learns from one poll: the agent's answer time (for its deadline), and this loop's cap on polls at once. */
        private void adapt(int i, long tookMillis, String failure, long now) {
            boolean timedOut = failure != null && failure.startsWith("timeout");
            if (failure == null) {
                answerMillis[i] = answerMillis[i] == 0 ? tookMillis : 0.7 * answerMillis[i] + 0.3 * tookMillis;
            } else if (timedOut) {
                answerMillis[i] = Math.max(answerMillis[i], tookMillis);
            }
            cap.ended(tookMillis, timedOut, failure == null, now);
            capNow = cap.limit();
        }

        @Override
        public Future<?> stop() {
            for (int i : mine) {
                if (timers[i] >= 0) {
                    vertx.cancelTimer(timers[i]);
                }
            }
            return jolokia == null ? Future.succeededFuture() : jolokia.close();
        }
    }

    /**
     * The most a poll's answer may weigh: a host at {@link JolokiaPollParser#MAX_VMS} VMs. What the
     * polls hold at once is bounded by this times the polls in flight, most of them far smaller.
     */
    static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    /**
     * How many bytes of fleet members the renewals may carry per interval: enough for a fleet of a
     * few thousand agents to learn a new fleet within seconds, and a bound on what a new leader of
     * a large fleet sends (and holds) at once. One statement is always allowed per interval, however
     * large. Event loop only.
     */
    static final class MembersBudget {
        static final long BYTES_PER_INTERVAL = 8L << 20;
        private final long bytesPerInterval;
        private long intervalStart = Long.MIN_VALUE;
        private long spent;

        /** @param bytesPerInterval this budget's share of {@link #BYTES_PER_INTERVAL} (each poll loop has its own) */
        MembersBudget(long bytesPerInterval) {
            this.bytesPerInterval = bytesPerInterval;
        }

        boolean take(long bytes, long nowMillis, long intervalMillis) {
            if (nowMillis - intervalStart >= intervalMillis) {
                intervalStart = nowMillis;
                spent = 0;
            }
            if (spent > 0 && spent + bytes > bytesPerInterval) {
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
                return self.goodPolls.sum();
            }

            @Override
            public long getFailedPolls() {
                return self.failedPolls.sum();
            }

            @Override
            public long getSkippedPolls() {
                return self.skippedPolls.sum();
            }

            @Override
            public int getAgents() {
                return self.agents.size();
            }

            @Override
            public int getPollsInFlight() {
                return self.pollsInFlight.get();
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
        if (registered != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registered);
            } catch (JMException e) {
                // already gone: nothing to undo
            }
        }
        // The loops are this verticle's children: Vert.x undeploys them (and they close their clients).
        return snmp == null ? Future.succeededFuture() : snmp.close();
    }
}
