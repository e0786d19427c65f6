package io.federa.manager.cost;

import io.federa.manager.core.cost.Ledger;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.forecast.Outlook;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.store.CostStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Forecasts each host's and site's use of its CPUs, storage and network (docs/cost.md,
 * "Forecasts") from the hours the store summed, against the capacities the inventory shows now:
 * every {@link #EVERY}, on a worker, the last {@link #HISTORY} of hours, {@link #HORIZON} ahead.
 * Every manager forecasts for its own metrics; nothing is written.
 */
public final class ForecastVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ForecastVerticle.class);
    public static final Duration STEP = Duration.ofHours(1);
    public static final Duration HISTORY = Duration.ofDays(56);
    public static final Duration HORIZON = Duration.ofDays(14);
    public static final Duration EVERY = Duration.ofHours(1);

    private final Supplier<InventorySnapshot> inventory;
    private final CostStore store;
    private final Duration grace;
    private final LongSupplier clock;
    private final long firstAfterMillis;
    private final long everyMillis;
    private volatile List<Outlook> outlooks = List.of();
    private volatile long madeAtMillis;
    private boolean running;
    private long timer;

    /**
     * @param grace           the cost verticle's grace: an hour is summed once it and the grace passed
     * @param firstAfterMillis the first forecast this long after the start (the store's hours are there already)
     */
    public ForecastVerticle(Supplier<InventorySnapshot> inventory, CostStore store, Duration grace, LongSupplier clock,
                            long firstAfterMillis, long everyMillis) {
        this.inventory = inventory;
        this.store = store;
        this.grace = grace;
        this.clock = clock;
        this.firstAfterMillis = firstAfterMillis;
        this.everyMillis = everyMillis;
    }

    @Override
    public Future<?> start() {
        timer = vertx.setPeriodic(Math.max(1, firstAfterMillis), Math.max(1, everyMillis), id -> forecast());
        return Future.succeededFuture();
    }

    private void forecast() {
        if (running) {
            return;
        }
        running = true;
        long now = clock.getAsLong();
        Map<String, Outlook.Capacity> capacities = new HashMap<>();
        for (InventorySnapshot.Entry e : inventory.get().agents().values()) {
            e.host().ifPresent(h -> capacities.put(h.hostId(), capacity(h)));
        }
        long to = Ledger.bucket(now - grace.toMillis(), STEP.toMillis());
        vertx.executeBlocking(() -> {
            long started = System.nanoTime();
            List<Outlook.HostStep> steps = store.hostSteps(Resolution.HOUR, to - HISTORY.toMillis(), to);
            List<Outlook> made = Outlook.of(steps, capacities, STEP, HORIZON);
            LOG.debug("forecast {} outlooks from {} host-hours in {} ms", made.size(), steps.size(),
                    (System.nanoTime() - started) / 1_000_000);
            return made;
        }).onComplete(ar -> {
            running = false;
            if (ar.succeeded()) {
                outlooks = ar.result();
                madeAtMillis = now;
            } else {
                LOG.warn("cannot forecast capacity (the last forecast stays): {}", ar.cause().getMessage());
            }
        });
    }

    private static Outlook.Capacity capacity(HostStatus h) {
        return new Outlook.Capacity(h.hostId(), h.site(), h.cpus(), h.storageBytes(), h.networkBitsPerSecond() / 8.0);
    }

    /** The last forecast's outlooks, hosts then sites. Any thread. */
    public List<Outlook> outlooks() {
        return outlooks;
    }

    /** When the last forecast was made (ms since the epoch), 0 before the first. */
    public long madeAtMillis() {
        return madeAtMillis;
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        return Future.succeededFuture();
    }
}
