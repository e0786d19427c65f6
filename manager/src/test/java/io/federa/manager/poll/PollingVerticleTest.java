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
            // Answer a little later, so that polls overlap if the loop lets them.
            vertx.setTimer(20, id -> {
                end.run();
                req.response().putHeader("Content-Type", "application/json").end(answer);
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
                        ManagerConfig.Transport.JOLOKIA, "federa", "password-1"))
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
}
