package io.federa.manager.cost;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.cost.Attribution;
import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.HostInterval;
import io.federa.manager.core.cost.Ledger;
import io.federa.manager.core.cost.Meter;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.cost.Shares;
import io.federa.manager.core.cost.VmUsage;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.store.CostStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Meters the inventory each poll interval (docs/cost.md): every new sample of a host goes through
 * the {@link Meter} into a per-minute {@link Ledger}; minutes closed for longer than the grace are
 * queued and written on a worker, one batch at a time, then summed into hours and days and pruned
 * past their retention. A store that fails keeps the lines queued and retried, up to a bound past
 * which the oldest are dropped and counted (the history's pattern). Only the leader writes; every
 * manager meters, for its own metrics: the current rate of spending per service and currency.
 */
public final class CostVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(CostVerticle.class);
    /** Lines waiting to be written at most: a day of minutes for about 140 host-application pairs, or an hour for 3,000. */
    static final int MAX_PENDING = 200_000;
    /** Lines written per transaction at most. */
    static final int BATCH = 5_000;
    private static final long HOUR = 3_600_000L;

    private final Supplier<InventorySnapshot> inventory;
    private final Supplier<Catalog> catalog;
    private final CostStore store;
    private final ManagerConfig.Cost config;
    private final long intervalMillis;
    private final BooleanSupplier records;
    private final LongSupplier clock;
    private final Meter meter;
    private final Ledger ledger = new Ledger(Resolution.MINUTE.millis);
    private final Deque<CostLine> pending = new ArrayDeque<>();
    private final Map<String, HostInterval> latest = new HashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private volatile Map<String, Map<String, Double>> spending = Map.of();
    private Catalog sharesOf;
    private Shares shares = Shares.of(null, Map.of());
    private boolean writing;
    private long lastRollUp;
    private long timer;

    /**
     * @param records whether this manager writes (the leader); the others meter for their metrics only
     * @param clock   the manager's clock (ms since the epoch): when a minute is old enough to write
     */
    public CostVerticle(Supplier<InventorySnapshot> inventory, Supplier<Catalog> catalog, CostStore store,
                        ManagerConfig.Cost config, long intervalMillis, BooleanSupplier records, LongSupplier clock) {
        this.inventory = inventory;
        this.catalog = catalog;
        this.store = store;
        this.config = config;
        this.intervalMillis = intervalMillis;
        this.records = records;
        this.clock = clock;
        this.meter = new Meter(config.gap().toMillis());
    }

    @Override
    public Future<?> start() {
        timer = vertx.setPeriodic(intervalMillis, intervalMillis, id -> step());
        return Future.succeededFuture();
    }

    /** One interval: meter what is new, publish the spending, queue and write the minutes closed. On this verticle's event loop. */
    void step() {
        long now = clock.getAsLong();
        InventorySnapshot snapshot = inventory.get();
        Set<String> hosts = new HashSet<>();
        for (InventorySnapshot.Entry e : snapshot.agents().values()) {
            if (e.host().isEmpty()) {
                continue;
            }
            String host = e.host().get().hostId();
            hosts.add(host);
            if (!e.reachable()) {
                latest.remove(host);
                continue;
            }
            meter.observe(e.host().get(), e.vms()).ifPresent(i -> {
                ledger.add(i);
                if (i.kind() == HostInterval.Kind.METERED) {
                    latest.put(host, i);
                    resets.addAndGet(i.vms().stream().filter(v -> v.counted() == VmUsage.Counted.RESET).count());
                } else if (i.kind() == HostInterval.Kind.GAP) {
                    latest.remove(host);
                    gaps.incrementAndGet();
                }
            });
        }
        meter.retain(hosts);
        latest.keySet().retainAll(hosts);
        spending = spending(shares());
        List<CostLine> closed = ledger.closeBefore(now - config.grace().toMillis());
        if (!records.getAsBoolean()) {
            return;
        }
        pending.addAll(closed);
        while (pending.size() > MAX_PENDING) {
            pending.removeFirst();
            dropped.incrementAndGet();
        }
        flush(now);
    }

    private Shares shares() {
        Catalog c = catalog.get();
        if (c != sharesOf) {
            sharesOf = c;
            shares = Shares.of(c, config.split());
        }
        return shares;
    }

    /** Per service and currency, per second, over each host's latest interval: its VMs' costs split as billed, and idle. */
    private Map<String, Map<String, Double>> spending(Shares s) {
        List<CostLine> lines = new ArrayList<>();
        for (HostInterval i : latest.values()) {
            Ledger one = new Ledger(Long.MAX_VALUE / 4);
            one.add(i);
            double seconds = Math.max(1, i.millis()) / 1000.0;
            for (CostLine l : one.open()) {
                lines.add(new CostLine(0, l.host(), l.site(), l.application(), l.currency(), l.usage(), l.cost() / seconds,
                        l.gapMillis()));
            }
        }
        Map<String, Map<String, Double>> out = new TreeMap<>();
        for (Attribution.Row r : Attribution.of(lines, Attribution.By.SERVICE, s, Long.MAX_VALUE / 4).rows()) {
            out.computeIfAbsent(r.key(), k -> new TreeMap<>()).merge(r.currency(), r.cost(), Double::sum);
        }
        return out;
    }

    private void flush(long now) {
        boolean rollUp = now - lastRollUp >= Resolution.MINUTE.millis;
        if (writing || (pending.isEmpty() && !rollUp)) {
            return;
        }
        writing = true;
        List<CostLine> batch = new ArrayList<>(Math.min(BATCH, pending.size()));
        for (CostLine l : pending) {
            if (batch.size() == BATCH) {
                break;
            }
            batch.add(l);
        }
        long settled = now - config.grace().toMillis();
        boolean prune = rollUp && Math.floorDiv(now, HOUR) != Math.floorDiv(lastRollUp, HOUR);
        vertx.executeBlocking(() -> {
            store.writeMinutes(batch);
            if (rollUp) {
                store.rollUp(settled);
            }
            if (prune) {
                store.prune(Map.of(Resolution.MINUTE, now - config.minutes().toMillis(),
                        Resolution.HOUR, now - config.hours().toMillis(), Resolution.DAY, now - config.days().toMillis()));
            }
            return null;
        }).onComplete(ar -> {
            writing = false;
            if (ar.succeeded()) {
                // What was written leaves the queue (the oldest may have been dropped meanwhile).
                // The batch was the queue's head; only the head is ever dropped, so what is left of the batch heads the queue.
                for (CostLine l : batch) {
                    if (pending.peekFirst() == l) {
                        pending.pollFirst();
                    }
                }
                if (rollUp) {
                    lastRollUp = now;
                }
            } else {
                writeFailures.incrementAndGet();
                LOG.warn("cannot record {} cost lines yet (kept, retried next interval): {}", batch.size(),
                        ar.cause().getMessage());
            }
        });
    }

    /** Service → currency → what it costs now, per second; idle capacity as service {@value Attribution#IDLE}. Any thread. */
    public Map<String, Map<String, Double>> spending() {
        return spending;
    }

    /** Lines queued for the store and not written yet (for tests and the metrics). */
    public int pending() {
        return pending.size();
    }

    public long droppedLines() {
        return dropped.get();
    }

    public long writeFailures() {
        return writeFailures.get();
    }

    /** VM intervals counted after a counter reset, and gaps, since the start. */
    public long resets() {
        return resets.get();
    }

    public long gaps() {
        return gaps.get();
    }

    /** Closes the store, which this verticle owns (the API's reports read it until the manager stops). */
    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        return vertx.executeBlocking(() -> {
            store.close();
            return null;
        });
    }
}
