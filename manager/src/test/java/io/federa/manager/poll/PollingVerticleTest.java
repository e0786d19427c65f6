package io.federa.manager.poll;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The poll loop against a fake agent: a fleet larger than the concurrency cap is still polled
 * agent after agent, never more at once than the cap, and every agent keeps being polled.
 */
class PollingVerticleTest {
    private Vertx vertx;
    private HttpServer fake;
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger mostConcurrent = new AtomicInteger();
    private final Map<String, java.util.Set<Object>> connections = new ConcurrentHashMap<>();
    private static final long SLOW_INTERVAL_MILLIS = 400;
    private static final long SLOW_ANSWER_MILLIS = 600;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        String answer;
        try (InputStream in = getClass().getResourceAsStream("host-1-bulk.json")) {
            answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        fake = vertx.createHttpServer().requestHandler(req -> {
            int now = concurrent.incrementAndGet();
            mostConcurrent.accumulateAndGet(now, Math::max);
            // A request ends when it is answered, or when the manager gives up on it and closes its
            // connection (a poll past its deadline, on a machine too slow for it), whichever comes first.
            java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable end = () -> {
                if (ended.compareAndSet(false, true)) {
                    concurrent.decrementAndGet();
                }
            };
            req.connection().closeHandler(v -> end.run());
            // Each agent is a host of its own: the answer names the host after the user that asks.
            String user = new String(java.util.Base64.getDecoder().decode(req.getHeader("Authorization").substring(6)),
                    StandardCharsets.UTF_8).split(":")[0];
            connections.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(req.connection());
            // Answer a little later, so that polls overlap if the loop lets them; a "slow" agent
            // takes one and a half intervals of the slow test.
            vertx.setTimer(user.startsWith("slow") ? SLOW_ANSWER_MILLIS : 20, id -> {
                end.run();
                req.response().putHeader("Content-Type", "application/json")
                        .end(answer.replace("\"HostId\": \"host-1\"", "\"HostId\": \"" + user + "\""));
            });
        });
        fake.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void a_fleet_larger_than_the_cap_is_polled_agent_after_agent_within_the_cap() throws Exception {
        List<ManagerConfig.Agent> agents = IntStream.rangeClosed(1, 6)
                .mapToObj(i -> new ManagerConfig.Agent("agent-" + i, "127.0.0.1", fake.actualPort(),
                        ManagerConfig.Transport.JOLOKIA, "agent-" + i, "password-1"))
                .toList();
        Map<String, AtomicInteger> good = new ConcurrentHashMap<>();
        CountDownLatch everyAgentTwice = new CountDownLatch(agents.size());
        // An interval long enough that a cold JVM's first polls meet their deadline: a poll given up
        // at its deadline is closed on the agent's side a moment after the next one has begun, and
        // this fake agent, counting what it is asked at once, would count both.
        PollingVerticle polling = new PollingVerticle(agents, 1_000, 3, 2, (agent, nanos, failure, entry) -> {
            if (failure == null && good.computeIfAbsent(agent, a -> new AtomicInteger()).incrementAndGet() == 2) {
                everyAgentTwice.countDown();
            }
        });
        vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);

        assertThat(everyAgentTwice.await(60, TimeUnit.SECONDS)).as("every agent polled twice").isTrue();
        assertThat(mostConcurrent.get()).isLessThanOrEqualTo(2);
        InventorySnapshot inventory = polling.inventory();
        assertThat(inventory.agents().values()).allSatisfy(e -> assertThat(e.reachable()).isTrue());
        assertThat(inventory.agents().values()).allSatisfy(e -> assertThat(e.vms()).hasSize(3));
    }

    @Test
    void a_follower_polls_each_agent_on_one_turn_of_its_share_and_every_turn_once_it_leads() throws Exception {
        List<ManagerConfig.Agent> agents = IntStream.rangeClosed(1, 3)
                .mapToObj(i -> new ManagerConfig.Agent("agent-" + i, "127.0.0.1", fake.actualPort(),
                        ManagerConfig.Transport.JOLOKIA, "agent-" + i, "password-1"))
                .toList();
        Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
        PollingVerticle polling = new PollingVerticle(agents, 200, 3, 8, null, () -> false, 10,
                (agent, nanos, failure, entry) -> polls.computeIfAbsent(agent, a -> new AtomicInteger()).incrementAndGet());
        polling.follow();
        List<String> stretches = new java.util.concurrent.CopyOnWriteArrayList<>();
        polling.onStretch((yes, message) -> stretches.add(message));
        vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);
        long followedFrom = System.nanoTime();
        Thread.sleep(4_000);
        // A follower's slow pace is what it means to do, not a stretch.
        assertThat(polling.intendedCycleMillis()).isEqualTo(2_000);
        assertThat(stretches).as("stretches reported while following").isEmpty();
        long followedMillis = (System.nanoTime() - followedFrom) / 1_000_000;
        int followed = polls.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
        // One turn of ten at 200 ms: at most one poll per agent every two seconds (and one to start with).
        assertThat(followed).as("polls of one agent in " + followedMillis + " ms while following")
                .isLessThanOrEqualTo((int) (followedMillis / 2_000) + 1);

        polling.lead(1, System.currentTimeMillis());
        polls.clear();
        assertThat(polling.intendedCycleMillis()).isEqualTo(200);
        // Leading: every turn. Over as long again, each agent is polled more often than any was while following.
        Thread.sleep(followedMillis);
        assertThat(polls.values().stream().mapToInt(AtomicInteger::get).min().orElse(0))
                .as("polls of the least polled agent in " + followedMillis + " ms while leading (" + followed + " following)")
                .isGreaterThan(followed);
    }

    @Test
    void the_agents_are_shared_between_poll_loops_on_event_loops_of_their_own() throws Exception {
        List<ManagerConfig.Agent> agents = IntStream.rangeClosed(1, 4)
                .mapToObj(i -> new ManagerConfig.Agent("agent-" + i, "127.0.0.1", fake.actualPort(),
                        ManagerConfig.Transport.JOLOKIA, "agent-" + i, "password-1"))
                .toList();
        Map<String, java.util.Set<String>> threads = new ConcurrentHashMap<>();
        CountDownLatch everyAgent = new CountDownLatch(agents.size());
        PollingVerticle polling = new PollingVerticle(agents, 500, 3, 8, null, () -> false, 1, 2, (agent, nanos, failure, entry) -> {
            if (failure == null && threads.computeIfAbsent(agent, a -> ConcurrentHashMap.newKeySet()).add(Thread.currentThread().getName())
                    && threads.get(agent).size() == 1) {
                everyAgent.countDown();
            }
        });
        vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);
        assertThat(everyAgent.await(60, TimeUnit.SECONDS)).as("every agent polled").isTrue();
        // Each agent stays with its loop; two loops, two event loops.
        assertThat(threads.values()).allSatisfy(t -> assertThat(t).hasSize(1));
        assertThat(threads.values().stream().flatMap(java.util.Set::stream).distinct().count()).isEqualTo(2);
        assertThat(polling.concurrencyLimit()).isEqualTo(8);
    }

    @Test
    void an_agent_slower_than_the_interval_is_still_polled_on_the_same_connection_and_the_stretch_is_reported() throws Exception {
        List<ManagerConfig.Agent> agents = List.of(new ManagerConfig.Agent("slow-1", "127.0.0.1", fake.actualPort(),
                ManagerConfig.Transport.JOLOKIA, "slow-1", "password-1"));
        AtomicInteger good = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch stretched = new CountDownLatch(1);
        PollingVerticle polling = new PollingVerticle(agents, SLOW_INTERVAL_MILLIS, 3, 8, null, () -> false, 1, 1,
                (agent, nanos, failure, entry) -> {
                    if (failure == null) {
                        good.incrementAndGet();
                    } else {
                        failures.add(failure);
                    }
                });
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        polling.onStretch((yes, message) -> {
            told.add(message);
            if (yes) {
                stretched.countDown();
            }
        });
        vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);
        // Each answer takes one and a half intervals: the first poll, with no answer time known yet,
        // meets a deadline of one interval; the next ones wait as long as the agent has been taking.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (good.get() < 5 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(good.get()).as("good polls of an agent that answers in " + SLOW_ANSWER_MILLIS + " ms (failures: " + failures + ")")
                .isGreaterThanOrEqualTo(5);
        assertThat(failures).as("only the first poll, before the agent's answer time was known, may time out").hasSizeLessThanOrEqualTo(1);
        // Polls after the first are answered, so the connection is kept: a reset one is replaced once at most.
        assertThat(connections.get("slow-1")).as("connections opened to the slow agent").hasSizeLessThanOrEqualTo(2);
        assertThat(stretched.await(30, TimeUnit.SECONDS)).as("the stretch reported").isTrue();
        assertThat(told.get(0)).contains("polling stretched: each of the 1 agents is polled every").contains("instead of every 0.4 s");
        assertThat(polling.cycleMillis()).isGreaterThan(SLOW_INTERVAL_MILLIS * 3 / 2);
    }

    @Test
    void the_cycle_is_the_fleet_over_the_polls_finished_a_second() {
        PollingVerticle.Cycle c = new PollingVerticle.Cycle();
        c.sample(0, 0, 100, 1_000);
        assertThat(c.millis()).as("one sample says nothing yet").isZero();
        c.sample(1_000, 100, 100, 1_000);
        assertThat(c.millis()).as("every agent once a second").isEqualTo(1_000);
        c.sample(2_000, 125, 100, 1_000);
        assertThat(c.millis()).as("125 polls over 2 s for 100 agents: 1.6 s").isEqualTo(1_600);
        for (int t = 3; t <= 12; t++) {
            c.sample(t * 1_000L, 125 + (t - 2) * 25L, 100, 1_000);
        }
        assertThat(c.millis()).as("25 polls a second over the last nine intervals: 4 s").isEqualTo(4_000);
        c.sample(13_000, 375, 100, 1_000);
        c.sample(14_000, 375, 100, 1_000);
        assertThat(c.millis()).as("no poll in the last two seconds: 175 over the last nine").isEqualTo(100L * 9_000 / 175);
        PollingVerticle.Cycle none = new PollingVerticle.Cycle();
        none.sample(0, 0, 10, 1_000);
        none.sample(1_000, 0, 10, 1_000);
        assertThat(none.millis()).as("no poll finished").isEqualTo(Long.MAX_VALUE);
        none.reset();
        assertThat(none.millis()).as("a new window says nothing until it has two samples").isZero();
        none.sample(2_000, 0, 10, 1_000);
        assertThat(none.millis()).isZero();
    }
}
