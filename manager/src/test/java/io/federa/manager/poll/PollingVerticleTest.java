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
            // Answer a little later, so that polls overlap if the loop lets them.
            vertx.setTimer(20, id -> {
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
        vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);
        long followedFrom = System.nanoTime();
        Thread.sleep(4_000);
        long followedMillis = (System.nanoTime() - followedFrom) / 1_000_000;
        int followed = polls.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
        // One turn of ten at 200 ms: at most one poll per agent every two seconds (and one to start with).
        assertThat(followed).as("polls of one agent in " + followedMillis + " ms while following")
                .isLessThanOrEqualTo((int) (followedMillis / 2_000) + 1);

        polling.lead(1, System.currentTimeMillis());
        polls.clear();
        // Leading: every turn. Over as long again, each agent is polled more often than any was while following.
        Thread.sleep(followedMillis);
        assertThat(polls.values().stream().mapToInt(AtomicInteger::get).min().orElse(0))
                .as("polls of the least polled agent in " + followedMillis + " ms while leading (" + followed + " following)")
                .isGreaterThan(followed);
    }
}
