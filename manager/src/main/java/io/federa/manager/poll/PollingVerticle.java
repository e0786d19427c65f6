package io.federa.manager.poll;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Polls every agent each interval and keeps the {@link InventorySnapshot} current. Polls run on
 * the event loop without blocking (every transport is asynchronous); an agent whose previous poll
 * has not finished is not polled again, so a slow agent costs one connection, not a growing
 * queue; at most {@code maxConcurrentPolls} polls run at once, and the agents due beyond that
 * wait their turn, each at most once, and start as earlier polls finish (so a fleet larger than
 * the cap is still polled every interval when its agents answer quickly, and no agent starves). Each result folds into a new
 * immutable snapshot, handed to the observer with the poll's duration and outcome. The loop's
 * totals (good, failed and skipped polls) are published as the MXBean
 * {@value PollCountersMXBean#OBJECT_NAME}.
 */
public final class PollingVerticle extends VerticleBase {
    /** Told of every finished poll, on the event loop: keep it short. */
    @FunctionalInterface
    public interface PollObserver {
        /** @param failure the reason of a failed poll, null when it succeeded */
        void polled(String agent, long durationNanos, String failure, InventorySnapshot next);
    }

    private final List<ManagerConfig.Agent> agents;
    private final long intervalMillis;
    private final int missesAllowed;
    private final int maxInFlight;
    private final PollObserver observer;
    private final AtomicReference<InventorySnapshot> current = new AtomicReference<>();
    // Event loop only: agents due or being polled, those due but not started, and how many run.
    private final Set<String> pending = new HashSet<>();
    private final ArrayDeque<String> due = new ArrayDeque<>();
    private int running;
    private String[] agentNames;
    private long originNanos;
    private long cycle;
    private int nextAgent;
    private final Map<String, AgentClient> clients = new LinkedHashMap<>();
    private JolokiaPoller jolokia;
    private SnmpPoller snmp;
    private long timer;
    // Written on the event loop only; volatile so that a JMX reader sees recent values.
    private volatile long goodPolls;
    private volatile long failedPolls;
    private volatile long skippedPolls;
    private volatile int pollsInFlight;
    private ObjectName registered;

    public PollingVerticle(List<ManagerConfig.Agent> agents, long intervalMillis, int missesAllowed, int maxConcurrentPolls,
                           PollObserver observer) {
        this.agents = agents.stream().sorted(java.util.Comparator.comparing(ManagerConfig.Agent::name)).toList();
        this.intervalMillis = intervalMillis;
        this.missesAllowed = missesAllowed;
        this.maxInFlight = maxConcurrentPolls;
        this.observer = observer;
        this.current.set(InventorySnapshot.of(names(), System.currentTimeMillis()));
    }

    private List<String> names() {
        return agents.stream().map(ManagerConfig.Agent::name).toList();
    }

    @Override
    public Future<?> start() {
        // The answer deadline is the interval: a poll slower than that is a miss, not a backlog.
        int connectTimeout = (int) Math.min(intervalMillis, 2_000);
        for (ManagerConfig.Agent a : agents) {
            AgentClient c = switch (a.transport()) {
                case JOLOKIA -> {
                    if (jolokia == null) {
                        jolokia = new JolokiaPoller(vertx, connectTimeout, intervalMillis, 64 * 1024 * 1024, maxInFlight);
                    }
                    JolokiaPoller.Target t = new JolokiaPoller.Target(a.address(), a.port(), "/jolokia/", a.user(), a.password());
                    JolokiaPoller p = jolokia;
                    yield () -> p.poll(t);
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
        current.set(InventorySnapshot.of(names(), System.currentTimeMillis()));
        agentNames = names().toArray(String[]::new);
        originNanos = System.nanoTime();
        // A tick releases the agents whose turn has come: every 10 ms for a large fleet, once per
        // agent's share of the interval for a small one.
        long tick = Math.max(10, Math.min(intervalMillis, intervalMillis / Math.max(1, agents.size())));
        timer = vertx.setPeriodic(0, tick, id -> release());
        register();
        return Future.succeededFuture();
    }

    public InventorySnapshot inventory() {
        return current.get();
    }

    /**
     * Makes due every agent whose turn has come since the last tick: agent {@code i} of {@code n}
     * is due {@code i × interval / n} into each interval, so polls (and the answers to parse) are
     * spread evenly over the interval instead of a thousand starting at once and sharing one
     * deadline. An agent whose previous poll is still due or running is skipped. After a stall of
     * more than an interval (a long GC pause, a suspended machine) the missed turns are skipped,
     * not made up for.
     */
    private void release() {
        int n = agentNames.length;
        if (n == 0) {
            return;
        }
        long now = (System.nanoTime() - originNanos) / 1_000_000;
        if (now - cycle * intervalMillis > 2 * intervalMillis) {
            long resume = now / intervalMillis;
            skippedPolls += (resume - cycle) * n - nextAgent;
            cycle = resume;
            nextAgent = 0;
        }
        while (cycle * intervalMillis + nextAgent * intervalMillis / n <= now) {
            String agent = agentNames[nextAgent];
            if (pending.add(agent)) {
                due.add(agent);
            } else {
                skippedPolls++;
            }
            if (++nextAgent == n) {
                nextAgent = 0;
                cycle++;
            }
        }
        startDue();
    }

    private void startDue() {
        while (running < maxInFlight && !due.isEmpty()) {
            poll(due.poll());
        }
    }

    private void poll(String agent) {
        running++;
        pollsInFlight = running;
        long started = System.nanoTime();
        clients.get(agent).poll().onComplete(ar -> {
            running--;
            pollsInFlight = running;
            pending.remove(agent);
            long now = System.currentTimeMillis();
            String failure = ar.succeeded() ? null : ar.cause() instanceof PollFailure
                    ? ar.cause().getMessage() : "poll failed: " + ar.cause();
            InventorySnapshot next = failure == null
                    ? current.get().polled(agent, ar.result().host(), ar.result().vms(), now)
                    : current.get().failed(agent, failure, missesAllowed, now);
            current.set(next);
            if (failure == null) {
                goodPolls++;
            } else {
                failedPolls++;
            }
            observer.polled(agent, System.nanoTime() - started, failure, next);
            startDue();
        });
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
        vertx.cancelTimer(timer);
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
