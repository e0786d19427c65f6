package io.federa.manager.cost;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.HostInterval;
import io.federa.manager.core.cost.Ledger;
import io.federa.manager.core.cost.Meter;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.cost.Shares;
import io.federa.manager.core.cost.Spending;
import io.federa.manager.core.cost.Usage;
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
    /** Lines written per transaction at most (a host's lines of one minute are never split). */
    static final int BATCH = 5_000;
    /** How long a manager that does not write keeps the minutes closed, for when it takes the lead. */
    static final long HANDOVER_HOLD_MILLIS = 15 * 60_000L;
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
    /** The spans of the minutes in {@link #pending}, by minute and host: what a batch written accounts for. */
    private final TreeMap<Long, Map<String, Ledger.Span>> pendingSpans = new TreeMap<>();
    /**
     * While writing, per host whose first minute since taking the lead has not closed yet: how far
     * the store accounted for it ({@code cost_watermark}). Null while not writing, or while it is
     * read.
     */
    private Map<String, Long> unsettled;
    private boolean leading;
    private boolean loadingWatermarks;
    private final Map<String, HostInterval> latest = new HashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    /** Each host's latest metered interval and the shares, as of the last interval: what {@link #spending()} is made from. */
    private record Basis(List<HostInterval> latest, Shares shares) {
    }

    /** The spending made from one basis. */
    private record Made(Basis from, Spending spending) {
    }

    private volatile Basis basis = new Basis(List.of(), Shares.of(null, Map.of()));
    private volatile Made made = new Made(basis, Spending.NONE);
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
        // The spending itself is made when asked (a scrape, every 15 s or so): made every interval
        // over every host, it was a fifth of the manager's CPU at 5,000 agents (JFR).
        basis = new Basis(List.copyOf(latest.values()), shares());
        admit(ledger.close(now - config.grace().toMillis()));
        boolean lead = records.getAsBoolean();
        if (!lead) {
            if (leading) {
                leading = false;
                unsettled = null;
            }
            // Kept a while, to be written if this manager takes the lead before they are.
            while (!pending.isEmpty() && (pending.size() > MAX_PENDING
                    || pending.peekFirst().bucketMillis() < now - HANDOVER_HOLD_MILLIS)) {
                pending.removeFirst();
            }
            forgetSpansBeforePending();
            return;
        }
        // Bounded whether the store answers or not, and while its watermarks are still being read.
        if (pending.size() > MAX_PENDING) {
            while (pending.size() > MAX_PENDING) {
                pending.removeFirst();
                dropped.incrementAndGet();
            }
            forgetSpansBeforePending();
        }
        if (!leading) {
            takeLead();
            return;
        }
        flush(now);
    }

    /**
     * Taking the lead (or starting): reads how far the store accounts for each host, then sorts
     * what this manager holds against it — minutes the former leader wrote are left out, and the
     * time between its last and this manager's first is reported as a gap (docs/cost.md, "Gaps").
     */
    private void takeLead() {
        if (loadingWatermarks) {
            return;
        }
        loadingWatermarks = true;
        vertx.executeBlocking(store::watermarks).onComplete(ar -> {
            loadingWatermarks = false;
            if (ar.failed()) {
                LOG.warn("cannot read how far the cost lines go (nothing written until it can): {}", ar.cause().getMessage());
                return;
            }
            if (!records.getAsBoolean()) {
                return;
            }
            leading = true;
            unsettled = new HashMap<>(ar.result());
            List<CostLine> held = new ArrayList<>(pending);
            List<Ledger.Span> heldSpans = new ArrayList<>();
            pendingSpans.values().forEach(m -> heldSpans.addAll(m.values()));
            pending.clear();
            pendingSpans.clear();
            admit(new Ledger.Closed(held, heldSpans));
        });
    }

    /**
     * Queues closed minutes. A host not yet settled since taking the lead: its minutes up to the
     * store's watermark were written by the former leader and are left out; from the watermark to
     * its first minute left is a gap, on that minute's idle line. A first interval that began
     * before the watermark (this manager missed a sample the former leader saw) would count part
     * of it twice: that minute is reported as a gap from the watermark instead, and nothing of it
     * billed.
     */
    private void admit(Ledger.Closed closed) {
        Set<String> skipped = new HashSet<>();
        Map<String, Long> gapped = new HashMap<>();
        Set<String> replaced = new HashSet<>();
        for (Ledger.Span sp : closed.spans()) {
            Long w = unsettled == null ? null : unsettled.get(sp.host());
            String key = sp.bucketMillis() + " " + sp.host();
            if (w != null) {
                if (sp.bucketMillis() <= Ledger.bucket(w, Resolution.MINUTE.millis)) {
                    skipped.add(key);
                    continue;
                }
                unsettled.remove(sp.host());
                if (sp.fromMillis() < w) {
                    replaced.add(key);
                    gapped.put(key, sp.throughMillis() - w);
                } else if (sp.fromMillis() > w) {
                    gapped.put(key, sp.fromMillis() - w);
                }
                if (gapped.containsKey(key)) {
                    gaps.incrementAndGet();
                    LOG.info("cost: {} unaccounted for {} s before {} (a manager stopped, or the lead changed hands): reported as a gap",
                            sp.host(), gapped.get(key) / 1000, java.time.Instant.ofEpochMilli(sp.bucketMillis()));
                }
            }
            pendingSpans.computeIfAbsent(sp.bucketMillis(), b -> new HashMap<>()).put(sp.host(), sp);
        }
        for (CostLine l : closed.lines()) {
            String key = l.bucketMillis() + " " + l.host();
            if (skipped.contains(key) || (replaced.contains(key) && !l.idle())) {
                continue;
            }
            Long gap = gapped.get(key);
            if (gap != null && l.idle()) {
                l = replaced.contains(key)
                        ? new CostLine(l.bucketMillis(), l.host(), l.site(), l.application(), l.currency(), Usage.ZERO, 0, gap)
                        : l.plus(new CostLine(l.bucketMillis(), l.host(), l.site(), l.application(), l.currency(), Usage.ZERO, 0, gap));
            }
            pending.addLast(l);
        }
    }

    private void forgetSpansBeforePending() {
        if (pending.isEmpty()) {
            pendingSpans.clear();
        } else {
            pendingSpans.headMap(pending.peekFirst().bucketMillis()).clear();
        }
    }

    private Shares shares() {
        Catalog c = catalog.get();
        if (c != sharesOf) {
            sharesOf = c;
            shares = Shares.of(c, config.split());
        }
        return shares;
    }

    private void flush(long now) {
        boolean rollUp = now - lastRollUp >= Resolution.MINUTE.millis;
        if (writing || (pending.isEmpty() && !rollUp)) {
            return;
        }
        writing = true;
        List<CostLine> batch = new ArrayList<>(Math.min(BATCH, pending.size()));
        Map<String, Long> through = new HashMap<>();
        for (CostLine l : pending) {
            CostLine last = batch.isEmpty() ? null : batch.get(batch.size() - 1);
            if (batch.size() >= BATCH && (last.bucketMillis() != l.bucketMillis() || !last.host().equals(l.host()))) {
                break;
            }
            batch.add(l);
            Ledger.Span sp = pendingSpans.getOrDefault(l.bucketMillis(), Map.of()).get(l.host());
            if (sp != null) {
                through.merge(l.host(), sp.throughMillis(), Math::max);
            }
        }
        long settled = now - config.grace().toMillis();
        boolean prune = rollUp && Math.floorDiv(now, HOUR) != Math.floorDiv(lastRollUp, HOUR);
        vertx.executeBlocking(() -> {
            store.writeMinutes(batch, through);
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
                forgetSpansBeforePending();
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

    /**
     * What is being spent now, per second, per service, application and host (idle), over each
     * host's latest interval. Any thread; made at the first call after an interval, by the caller.
     */
    public Spending spending() {
        Basis b = basis;
        Made m = made;
        if (m.from() != b) {
            m = new Made(b, Spending.of(b.latest(), b.shares()));
            made = m;
        }
        return m.spending();
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
