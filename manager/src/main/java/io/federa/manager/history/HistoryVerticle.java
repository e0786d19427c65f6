package io.federa.manager.history;

import io.federa.common.clock.WallClock;
import io.federa.manager.core.availability.AvailabilityHistory;
import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.availability.ServiceStates;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.events.Event;
import io.federa.manager.core.events.InventoryChanges;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.store.HistoryStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the inventory each poll interval, works out what changed (agents, VMs, services' states)
 * and records it in the store, in order, on a worker. The services' states come from the
 * interval's {@link ServiceView}, which this verticle publishes for the API and the metrics. A store that fails keeps the records queued
 * and retried, up to a bound past which the oldest are dropped and counted. Keeps the last 30 days
 * of each service's transitions in memory for the API and the metrics.
 */
public final class HistoryVerticle extends VerticleBase {
    public static final long HOUR = 3_600_000L;
    public static final long DAY = 24 * HOUR;
    public static final long RETENTION = 30 * DAY;
    private static final Logger LOG = LoggerFactory.getLogger(HistoryVerticle.class);
    private static final int MAX_PENDING = 100_000;
    /** Events of one kind recorded at most: on average a second, and at once. */
    static final double EVENTS_PER_SECOND = 50;
    static final int EVENT_BURST = 1_000;
    private final io.federa.manager.core.events.EventBudget budget =
            new io.federa.manager.core.events.EventBudget(EVENTS_PER_SECOND, EVENT_BURST);
    private volatile Map<String, Long> droppedEvents = Map.of();

    private final Supplier<InventorySnapshot> inventory;
    private final Supplier<Catalog> catalog;
    private final Supplier<ServiceView.Asked> asked;
    private Supplier<io.federa.manager.core.probe.ProbeBook> probes = () -> io.federa.manager.core.probe.ProbeBook.EMPTY;
    private final HistoryStore store;
    private final long intervalMillis;
    private final java.util.function.BooleanSupplier records;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final Deque<Event> pendingEvents = new ArrayDeque<>();
    private final Deque<ServiceStates.Change> pendingChanges = new ArrayDeque<>();
    private volatile ServiceStates states = ServiceStates.of(Map.of());
    private volatile Map<String, List<AvailabilityHistory.Transition>> transitions = Map.of();
    private InventorySnapshot previous;
    private boolean writing;
    /** The write to the store under way, if any: the verticle stops once it has ended. */
    private Future<Void> written = Future.succeededFuture();
    private long timer;
    private long lastPrune;
    private volatile Recorded listener = (changes, events) -> { };
    private volatile io.federa.manager.core.events.Notices notices = io.federa.manager.core.events.Notices.NONE;

    /** A service's recorded transition, with the state it left (empty when none was recorded). */
    public record Transition(ServiceStates.Change change, java.util.Optional<ServiceAvailability.State> previous) {
    }

    /** Told what the leading manager records each interval: the services' transitions and the events. */
    public interface Recorded {
        void recorded(List<Transition> transitions, List<Event> events);
    }

    /** Sets who hears of VMs the agents fenced (on this verticle's event loop, by the leading manager only). */
    public void notices(io.federa.manager.core.events.Notices n) {
        this.notices = n;
    }

    /** Sets who is told what is recorded (on this verticle's event loop: hand anything slow to another thread). */
    public void onRecorded(Recorded listener) {
        this.listener = listener;
    }

    /** Nobody asks anything of the services: every one reads STOPPED. */
    public HistoryVerticle(Supplier<InventorySnapshot> inventory, Supplier<Catalog> catalog, HistoryStore store,
                           long intervalMillis) {
        this(inventory, catalog, () -> ServiceView.Asked.NOTHING, store, intervalMillis, () -> true);
    }

    /**
     * @param asked   what operators and the lifecycle ask of the services (desired states, scaling
     *                targets, what the last pass held back), read at each interval
     * @param records whether this manager writes what it sees to the store: with several managers
     *                only the leader does (each sees the same fleet; three would write every event
     *                three times); the others still derive the states for their own metrics
     */
    public HistoryVerticle(Supplier<InventorySnapshot> inventory, Supplier<Catalog> catalog, Supplier<ServiceView.Asked> asked,
                           HistoryStore store, long intervalMillis, java.util.function.BooleanSupplier records) {
        this.records = records;
        this.inventory = inventory;
        this.catalog = catalog;
        this.asked = asked;
        this.store = store;
        this.intervalMillis = intervalMillis;
    }

    /** Where the applications' probes are read from (none until set); set before the verticle starts. */
    public void probes(Supplier<io.federa.manager.core.probe.ProbeBook> p) {
        this.probes = p;
    }

    @Override
    public Future<?> start() {
        return vertx.executeBlocking(() -> {
            long now = WallClock.millis();
            Map<String, ServiceAvailability> last = store.lastStates();
            Map<String, List<AvailabilityHistory.Transition>> loaded = new HashMap<>();
            for (String service : last.keySet()) {
                loaded.put(service, store.transitions(service, now - RETENTION).stream()
                        .map(c -> new AvailabilityHistory.Transition(c.atMillis(), c.availability().state())).toList());
            }
            transitions = Map.copyOf(loaded);
            return ServiceStates.of(last);
        }).onSuccess(s -> {
            // A view at once, from what was recorded: the API and the metrics have one before the first interval.
            states = s.viewed(catalog.get(), inventory.get(), asked.get(), probes.get());
            previous = inventory.get();
            timer = vertx.setPeriodic(intervalMillis, intervalMillis, id -> step());
        });
    }

    private void step() {
        long now = WallClock.millis();
        InventorySnapshot current = inventory.get();
        boolean recording = records.getAsBoolean();
        // A follower keeps its baseline current too: a new leader records what changes from the
        // moment it leads, not a burst of what its predecessor already recorded.
        List<Event> events = new ArrayList<>(InventoryChanges.between(previous, current, now));
        List<InventoryChanges.Fenced> fenced = InventoryChanges.fenced(previous, current);
        previous = current;
        ServiceStates.Step step = states.step(catalog.get(), current, asked.get(), probes.get(), now);
        states = step.states();
        List<Transition> told = new ArrayList<>();
        if (!step.changes().isEmpty()) {
            Map<String, List<AvailabilityHistory.Transition>> next = new HashMap<>(transitions);
            for (ServiceStates.Change c : step.changes()) {
                List<AvailabilityHistory.Transition> l = new ArrayList<>(next.getOrDefault(c.service(), List.of()));
                told.add(new Transition(c, l.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(l.get(l.size() - 1).state())));
                l.add(new AvailabilityHistory.Transition(c.atMillis(), c.availability().state()));
                // Keep the window, and the last transition before it: the state the window opens in.
                while (l.size() > 1 && l.get(1).atMillis() < now - RETENTION) {
                    l.remove(0);
                }
                next.put(c.service(), List.copyOf(l));
                events.add(c.event());
            }
            transitions = Map.copyOf(next);
        }
        if (!recording) {
            return;
        }
        if (!told.isEmpty() || !events.isEmpty()) {
            try {
                listener.recorded(List.copyOf(told), List.copyOf(events));
            } catch (RuntimeException e) {
                LOG.warn("a listener of the history failed", e);
            }
        }
        for (InventoryChanges.Fenced f : fenced) {
            try {
                notices.vmsFenced(f);
            } catch (RuntimeException e) {
                LOG.warn("a listener of the history failed", e);
            }
        }
        List<Event> admitted = budget.admit(events, now);
        droppedEvents = budget.dropped();
        admitted.forEach(e -> log(e));
        queue(admitted, step.changes());
        flush(now);
    }

    private static void log(Event e) {
        if (e.severity() == Event.Severity.INFO) {
            LOG.info("{} {}: {}", e.kind(), e.subject(), e.message());
        } else {
            LOG.warn("{} {}: {}", e.kind(), e.subject(), e.message());
        }
    }

    /** Records an event from elsewhere in the manager (an applied definition, say). Any thread. */
    public void record(Event e) {
        // On this verticle's context, whichever thread calls: vertx.runOnContext would run it on the
        // caller's (the lifecycle's event loop), and the queue below, written from two threads at
        // once, lost events (scaling events that never reached the store).
        context.runOnContext(v -> {
            long now = WallClock.millis();
            List<Event> admitted = budget.admit(List.of(e), now);
            droppedEvents = budget.dropped();
            admitted.forEach(HistoryVerticle::log);
            queue(admitted, List.of());
            flush(now);
        });
    }

    /** Events dropped by the budget since the start, by kind (on the history's event loop; read any time). */
    public Map<String, Long> droppedEvents() {
        return droppedEvents;
    }

    private void queue(List<Event> events, List<ServiceStates.Change> changes) {
        pendingEvents.addAll(events);
        pendingChanges.addAll(changes);
        while (pendingEvents.size() + pendingChanges.size() > MAX_PENDING) {
            if (!pendingEvents.isEmpty()) {
                pendingEvents.removeFirst();
            } else {
                pendingChanges.removeFirst();
            }
            dropped.incrementAndGet();
        }
    }

    private void flush(long now) {
        if (writing || (pendingEvents.isEmpty() && pendingChanges.isEmpty() && now - lastPrune < HOUR)) {
            return;
        }
        writing = true;
        List<Event> events = List.copyOf(pendingEvents);
        List<ServiceStates.Change> changes = List.copyOf(pendingChanges);
        boolean prune = now - lastPrune >= HOUR;
        written = vertx.<Void>executeBlocking(() -> {
            store.write(events, changes);
            if (prune) {
                store.prune(now - RETENTION);
            }
            return null;
        }).onComplete(ar -> {
            writing = false;
            if (ar.succeeded()) {
                // What was written leaves the queue (the oldest may have been dropped meanwhile).
                events.forEach(e -> pendingEvents.removeFirstOccurrence(e));
                changes.forEach(c -> pendingChanges.removeFirstOccurrence(c));
                if (prune) {
                    lastPrune = now;
                }
            } else {
                writeFailures.incrementAndGet();
                LOG.warn("cannot record " + events.size() + " events and " + changes.size()
                        + " transitions yet (kept, retried next interval): " + ar.cause().getMessage());
            }
        });
    }

    /**
     * Every service as the last interval saw it: what the API, the metrics and the alerts read
     * (computed once an interval, on every manager, leader or not).
     */
    public ServiceView view() {
        return states.view();
    }

    /** The share (0–1) of the time in the last {@code windowMillis} the service was meant to run during which it was not DOWN. */
    public double ratio(String service, long nowMillis, long windowMillis) {
        return new AvailabilityHistory(transitions.getOrDefault(service, List.of())).ratio(nowMillis, windowMillis);
    }

    /** When the service last changed state, as the recorded transitions have it; empty when none is recorded. */
    public java.util.OptionalLong lastChangeMillis(String service) {
        List<AvailabilityHistory.Transition> ts = transitions.getOrDefault(service, List.of());
        return ts.isEmpty() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(ts.get(ts.size() - 1).atMillis());
    }

    /** Records that could not be stored and were given up; writes that failed (and were retried). */
    public long droppedRecords() {
        return dropped.get();
    }

    public long writeFailures() {
        return writeFailures.get();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        // A write still under way ends first: Vert.x interrupts its workers once every verticle has
        // stopped, and an interrupted write leaves the store's file in error (H2 closes it).
        return written.transform(ar -> Future.succeededFuture());
    }
}
