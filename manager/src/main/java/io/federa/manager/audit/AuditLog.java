package io.federa.manager.audit;

import io.federa.common.clock.WallClock;
import io.federa.manager.core.audit.AuditEntry;
import io.federa.manager.store.HistoryStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: entries are recorded from any thread without blocking, and written every
 * {@value #FLUSH_MILLIS} ms, off the event loop, to the store (for {@code federa audit}) and, when
 * configured, appended to a file of JSON lines for the site's log system. At most
 * {@value #QUEUE} entries wait at once; beyond that an entry is dropped and counted
 * ({@link #dropped()}, {@code federa_audit_dropped_total}) rather than let memory grow. An entry the
 * store refused is kept and tried again at the next flush.
 */
public final class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    static final int QUEUE = 10_000;
    static final long FLUSH_MILLIS = 200;

    private final Vertx vertx;
    private final HistoryStore store;
    private final Optional<Path> file;
    private final BlockingQueue<AuditEntry> waiting = new ArrayBlockingQueue<>(QUEUE);
    private final List<AuditEntry> retry = new ArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicBoolean flushing = new AtomicBoolean();
    /** The flush under way, or the last one. */
    private volatile Future<Void> underWay = Future.succeededFuture();
    private long timer = -1;

    public AuditLog(Vertx vertx, HistoryStore store, Optional<Path> file) {
        this.vertx = vertx;
        this.store = store;
        this.file = file;
    }

    /** Writes what was recorded every {@value #FLUSH_MILLIS} ms from now on. */
    public AuditLog start() {
        timer = vertx.setPeriodic(FLUSH_MILLIS, id -> flush());
        return this;
    }

    /** Records one entry, now. Any thread; never blocks. */
    public void record(String actor, String source, String action, String target, String result) {
        record(new AuditEntry(WallClock.millis(), actor, source, action, target, result));
    }

    public void record(AuditEntry e) {
        if (!waiting.offer(e)) {
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 1_000 == 0) {
                LOG.warn("audit log: " + n + " entries dropped (more than " + QUEUE + " waiting to be written)");
            }
        }
    }

    /** Entries dropped because too many waited to be written. */
    public long dropped() {
        return dropped.get();
    }

    /** Entries written to the store. */
    public long written() {
        return written.get();
    }

    /** Writes what waits, on a worker; one flush at a time (asked during one, the one under way). */
    public Future<Void> flush() {
        if (!flushing.compareAndSet(false, true)) {
            return underWay;
        }
        Future<Void> flush = vertx.<Void>executeBlocking(() -> {
            List<AuditEntry> batch = new ArrayList<>(retry);
            retry.clear();
            waiting.drainTo(batch);
            if (batch.isEmpty()) {
                return null;
            }
            try {
                store.writeAudit(batch);
                written.addAndGet(batch.size());
            } catch (java.sql.SQLException e) {
                LOG.warn("audit log: cannot write " + batch.size() + " entries to the store (tried again): " + e.getMessage());
                retry.addAll(batch.subList(0, Math.min(batch.size(), QUEUE)));
                return null;
            }
            file.ifPresent(f -> append(f, batch));
            return null;
        }, true).eventually(() -> {
            flushing.set(false);
            return Future.succeededFuture();
        });
        underWay = flush;
        return flush;
    }

    private static void append(Path f, List<AuditEntry> batch) {
        StringBuilder lines = new StringBuilder();
        for (AuditEntry e : batch) {
            lines.append(json(e).encode()).append('\n');
        }
        try {
            Files.writeString(f, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            LOG.warn("audit log: cannot append to " + f + ": " + e.getMessage() + " (the entries are in the store)");
        }
    }

    /** One entry as the API and the file show it. */
    public static JsonObject json(AuditEntry e) {
        return new JsonObject().put("at", Instant.ofEpochMilli(e.atMillis()).toString()).put("actor", e.actor())
                .put("source", e.source()).put("action", e.action()).put("target", e.target()).put("result", e.result());
    }

    /**
     * Stops the timer and writes what waits, once a flush under way has ended: Vert.x interrupts
     * its workers after the manager stops, and an interrupted write leaves the store's file in
     * error (H2 closes it).
     */
    public Future<Void> close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return underWay.transform(ar -> flush());
    }
}
