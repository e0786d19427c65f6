package io.federa.manager.poll;

import io.federa.manager.core.inventory.Inventory;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Polls every agent each interval and keeps the {@link Inventory} current. Polls run on the
 * event loop without blocking (the poller is asynchronous); an agent whose previous poll has not
 * finished is not polled again, so a slow agent costs one connection, not a growing queue; at
 * most {@code maxInFlight} polls run at once. Each result folds into a new immutable inventory,
 * handed to the listener.
 */
public final class PollingVerticle extends VerticleBase {
    private final Map<String, JolokiaPoller.Target> targets;
    private final long intervalMillis;
    private final int missesAllowed;
    private final int maxInFlight;
    private final Consumer<Inventory> listener;
    private final AtomicReference<Inventory> current = new AtomicReference<>();
    private final Set<String> inFlight = new HashSet<>();
    private JolokiaPoller poller;
    private long timer;

    public PollingVerticle(Map<String, JolokiaPoller.Target> targets, long intervalMillis, int missesAllowed,
                           int maxInFlight, Consumer<Inventory> listener) {
        this.targets = Map.copyOf(targets);
        this.intervalMillis = intervalMillis;
        this.missesAllowed = missesAllowed;
        this.maxInFlight = maxInFlight;
        this.listener = listener;
    }

    @Override
    public Future<?> start() {
        // The answer deadline is the interval: a poll slower than that is a miss, not a backlog.
        poller = new JolokiaPoller(vertx, (int) Math.min(intervalMillis, 2_000), intervalMillis, 64 * 1024 * 1024, maxInFlight);
        current.set(Inventory.of(new ArrayList<>(new java.util.TreeSet<>(targets.keySet())), System.currentTimeMillis()));
        timer = vertx.setPeriodic(0, intervalMillis, id -> round());
        return Future.succeededFuture();
    }

    public Inventory inventory() {
        return current.get();
    }

    private void round() {
        List<String> names = new ArrayList<>(new java.util.TreeSet<>(targets.keySet()));
        for (String agent : names) {
            if (inFlight.size() >= maxInFlight) {
                break;
            }
            if (!inFlight.add(agent)) {
                continue;
            }
            poller.poll(targets.get(agent)).onComplete(ar -> {
                inFlight.remove(agent);
                long now = System.currentTimeMillis();
                Inventory next = ar.succeeded()
                        ? current.get().polled(agent, ar.result().host(), ar.result().vms(), now)
                        : current.get().failed(agent, ar.cause().getMessage(), missesAllowed, now);
                current.set(next);
                listener.accept(next);
            });
        }
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        return poller.close();
    }
}
