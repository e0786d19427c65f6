package io.federa.manager.cost;

import io.federa.manager.core.cost.Ledger;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.forecast.Outlook;
import io.federa.manager.core.forecast.Peak;
import io.federa.manager.core.scaling.Expected;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.ScalingPolicy;
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
import java.util.Optional;
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

    /** The step of an application's load forecast, and how much of the minutes it reads (their retention at least). */
    public static final Duration LOAD_STEP = Duration.ofMinutes(5);
    public static final Duration LOAD_HISTORY = Duration.ofDays(7);
    /** A load forecast older than this is not acted on. */
    static final long LOAD_STALE_MILLIS = 15 * 60_000L;

    private final Supplier<InventorySnapshot> inventory;
    private final Supplier<Catalog> catalog;
    private final CostStore store;
    private final Duration grace;
    private final LongSupplier clock;
    private final long firstAfterMillis;
    private final long everyMillis;
    private volatile List<Outlook> outlooks = List.of();
    private volatile Map<String, Expected> expected = Map.of();
    private volatile long expectedAtMillis;
    private boolean loadRunning;
    private long loadTimer;
    private volatile long madeAtMillis;
    private boolean running;
    private long timer;

    /**
     * @param grace           the cost verticle's grace: an hour is summed once it and the grace passed
     * @param firstAfterMillis the first forecast this long after the start (the store's hours are there already)
     */
    public ForecastVerticle(Supplier<InventorySnapshot> inventory, Supplier<Catalog> catalog, CostStore store, Duration grace,
                            LongSupplier clock, long firstAfterMillis, long everyMillis) {
        this.inventory = inventory;
        this.catalog = catalog;
        this.store = store;
        this.grace = grace;
        this.clock = clock;
        this.firstAfterMillis = firstAfterMillis;
        this.everyMillis = everyMillis;
    }

    @Override
    public Future<?> start() {
        timer = vertx.setPeriodic(Math.max(1, firstAfterMillis), Math.max(1, everyMillis), id -> forecast());
        loadTimer = vertx.setPeriodic(Math.max(1, firstAfterMillis), LOAD_STEP.toMillis(), id -> forecastLoads());
        return Future.succeededFuture();
    }

    /**
     * Every {@link #LOAD_STEP}: for each application whose scaling looks ahead, the CPUs its
     * instances together kept busy per step over the last {@link #LOAD_HISTORY}, forecast, and the
     * peak of the 80 % upper bound within its {@code ahead}.
     */
    private void forecastLoads() {
        Catalog c = catalog.get();
        if (loadRunning || c == null) {
            return;
        }
        Map<String, Duration> ahead = new HashMap<>();
        for (ApplicationSpec a : c.applications().values()) {
            a.scaling().filter(ScalingPolicy::scalesAhead).ifPresent(p -> ahead.put(a.name(), p.ahead()));
        }
        if (ahead.isEmpty()) {
            expected = Map.of();
            return;
        }
        loadRunning = true;
        long now = clock.getAsLong();
        long step = LOAD_STEP.toMillis();
        // The last step whose minutes are all written: it ended a grace ago.
        long last = Ledger.bucket(now - grace.toMillis(), step) - step;
        vertx.executeBlocking(() -> {
            Map<String, java.util.TreeMap<Long, Double>> cpus = store.applicationCpus(ahead.keySet(),
                    last - LOAD_HISTORY.toMillis(), last + step, step);
            Map<String, Expected> out = new HashMap<>();
            // The history ends a grace and a step or two before now: the forecast reaches ahead from now.
            long lag = now - (last + step);
            cpus.forEach((app, history) -> Peak.within(history, last, LOAD_STEP, ahead.get(app).plusMillis(lag), Outlook.LEVEL)
                    .ifPresent(p -> out.put(app, new Expected(p.value(), p.atMillis()))));
            return out;
        }).onComplete(ar -> {
            loadRunning = false;
            if (ar.succeeded()) {
                expected = Map.copyOf(ar.result());
                expectedAtMillis = now;
            } else {
                LOG.warn("cannot forecast the applications' load (scaling ahead waits): {}", ar.cause().getMessage());
            }
        });
    }

    /** The peak the last load forecast expects of {@code application} within its policy's ahead; empty when stale. Any thread. */
    public Optional<Expected> expected(String application) {
        if (clock.getAsLong() - expectedAtMillis > LOAD_STALE_MILLIS) {
            return Optional.empty();
        }
        return Optional.ofNullable(expected.get(application));
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
        vertx.cancelTimer(loadTimer);
        return Future.succeededFuture();
    }
}
