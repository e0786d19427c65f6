package io.federa.agent.sampler;

import io.federa.agent.core.HostIdentity;
import io.federa.agent.core.HostObservation;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.SnapshotBuilder;
import io.federa.agent.libvirt.LibvirtHost;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the hypervisor every interval and publishes one immutable {@link HostSnapshot}.
 *
 * <p>All reads run on one thread, so two passes never overlap and a slow hypervisor delays the
 * next pass instead of piling passes up. A lifecycle event asks for an immediate pass; requests
 * that arrive while one is already queued are folded into it.
 */
public final class Sampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sampler.class);

    private final LibvirtHost host;
    private final HostIdentity identity;
    private volatile java.util.function.Supplier<io.federa.agent.core.Fencing> fencing = () -> io.federa.agent.core.Fencing.NONE;
    private final Duration interval;
    private final ScheduledExecutorService thread;
    private final AtomicReference<HostSnapshot> latest = new AtomicReference<>();
    private final AtomicBoolean immediateQueued = new AtomicBoolean();
    private final List<Consumer<HostSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Double> simulatedLoads = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();
    private volatile long previousMono;
    private volatile String lastError = "";

    public Sampler(LibvirtHost host, HostIdentity identity, Duration interval) {
        this.host = host;
        this.identity = identity;
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sampler");
            t.setDaemon(true);
            return t;
        });
    }

    public void addListener(Consumer<HostSnapshot> listener) {
        listeners.add(listener);
    }

    /** Takes the first sample synchronously (so every face has data from the start), then samples periodically. */
    public HostSnapshot start() throws Exception {
        HostSnapshot first = thread.submit(this::pass).get();
        if (first == null) {
            throw new IllegalStateException("the first read of the hypervisor failed: " + lastError);
        }
        thread.scheduleWithFixedDelay(this::pass, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return first;
    }

    public HostSnapshot latest() {
        return latest.get();
    }

    /** Asks for a pass as soon as possible; cheap to call from any thread, many times. */
    public void requestSample() {
        if (immediateQueued.compareAndSet(false, true)) {
            thread.execute(() -> {
                immediateQueued.set(false);
                pass();
            });
        }
    }

    /** A snapshot taken after this call, for read-your-writes after a command. */
    public CompletableFuture<HostSnapshot> sampleNow() {
        CompletableFuture<HostSnapshot> f = new CompletableFuture<>();
        thread.execute(() -> f.complete(pass()));
        return f;
    }

    public void simulateLoad(String uuid, double ratio) {
        simulatedLoads.put(uuid, ratio);
    }

    public void clearSimulatedLoad(String uuid) {
        simulatedLoads.remove(uuid);
    }

    /** Where each snapshot reads what the agent fenced so far (the commands, which fence). */
    public void fencing(java.util.function.Supplier<io.federa.agent.core.Fencing> source) {
        fencing = source;
    }

    public long failures() {
        return failures.get();
    }

    private HostSnapshot pass() {
        try {
            HostObservation obs = host.observe();
            HostSnapshot prev = latest.get();
            HostSnapshot next = SnapshotBuilder.build(identity, host.uri(), obs, prev, previousMono, Map.copyOf(simulatedLoads),
                    fencing.get());
            previousMono = obs.monotonicNanos();
            latest.set(next);
            for (Consumer<HostSnapshot> l : listeners) {
                try {
                    l.accept(next);
                } catch (RuntimeException e) {
                    LOG.warn("a snapshot listener failed", e);
                }
            }
            return next;
        } catch (Exception e) {
            failures.incrementAndGet();
            lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.warn("reading the hypervisor failed; the previous snapshot stays published: " + lastError);
            return latest.get();
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
