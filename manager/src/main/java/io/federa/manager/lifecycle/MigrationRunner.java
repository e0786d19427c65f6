package io.federa.manager.lifecycle;

import io.federa.manager.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.events.Event;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.lifecycle.Action;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.lifecycle.RefusalCode;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.migration.MigrationMachine;
import io.federa.manager.core.migration.Phase;
import io.federa.manager.core.placement.Explanation;
import io.federa.manager.core.placement.HostVerdict;
import io.federa.manager.core.placement.Outcome;
import io.federa.manager.core.placement.Placed;
import io.federa.manager.core.placement.Placement;
import io.federa.manager.core.placement.PlacementRequest;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Carries migrations out, on the lifecycle's event loop: each phase of a {@link Migration} is
 * journaled before its step is sent, a step's outcome goes through {@link MigrationMachine}, and
 * the result is journaled again. The agents do the work: the source shuts the VM down and offers
 * its data under a one-time token, the destination pulls and verifies it, defines and starts the
 * VM, and the source removes its copy. The manager carries no bytes.
 *
 * <p>A migration's VM is left alone by the reconcile pass from the moment its source is asked to
 * stop until it ends. A manager that restarts loads the unfinished migrations before its first pass
 * and goes on from each one's journaled phase; every step it sends again carries the same
 * operation id, so an agent that did it already does nothing.
 */
final class MigrationRunner {
    private static final Logger LOG = Logger.getLogger(MigrationRunner.class.getName());
    private static final int KEEP_FINISHED = 200;
    private static final long STATUS_EVERY_MILLIS = 250;
    private static final int STATUS_FAILURES_ALLOWED = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the runner needs of the lifecycle it lives in (all on its event loop). */
    interface Host {
        InventorySnapshot inventory();

        Catalog catalog();

        /** The instances the manager placed, by name; the runner moves one when it passes the point of no return. */
        Map<String, ManagedInstance> instances();

        void instanceMoved(ManagedInstance now);

        /** Hosts that take no new VMs: cordoned, or polled over SNMP. */
        Set<String> closedHosts(InventorySnapshot inventory);

        /** VMs with a lifecycle step in flight. */
        Set<String> lifecycleBusy();

        Optional<ManagerConfig.Agent> agentOfHost(String host);

        Placement placement(InventorySnapshot inventory, Set<String> closed, Catalog catalog);

        Future<Boolean> cordon(String host, String by);
    }

    private final Vertx vertx;
    private final Host lifecycle;
    private final LifecycleStore store;
    private final AgentCommander commander;
    private final Consumer<Event> events;
    private final ManagerConfig.Migration settings;
    private final MigrationMachine.Limits limits;
    private final Map<String, Migration> active = new LinkedHashMap<>();
    private final Deque<Migration> finished = new ArrayDeque<>();
    private final Set<String> inFlight = new HashSet<>();
    private final Map<String, Long> notBefore = new HashMap<>();
    private final Map<String, Integer> importing = new HashMap<>();
    private final Map<String, Integer> statusFailures = new HashMap<>();
    private final Map<String, Long> runningSince = new HashMap<>();
    private final Set<String> destroySent = new HashSet<>();
    private final Map<String, Long> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
    private long lastNumber;
    private volatile List<Migration> published = List.of();

    MigrationRunner(Vertx vertx, Host lifecycle, LifecycleStore store, AgentCommander commander, Consumer<Event> events,
                    ManagerConfig.Migration settings) {
        this.vertx = vertx;
        this.lifecycle = lifecycle;
        this.store = store;
        this.commander = commander;
        this.events = events;
        this.settings = settings;
        this.limits = new MigrationMachine.Limits(settings.copyAttempts(), 10);
    }

    /** Loads the journal (blocking: call on a worker before the first pass). */
    void load() throws java.sql.SQLException {
        List<Migration> journal = store.migrations(KEEP_FINISHED);
        finished.clear();
        active.clear();
        for (Migration m : journal) {
            if (m.phase().finished()) {
                finished.addLast(m);
            } else {
                active.put(m.id(), m);
            }
        }
        lastNumber = store.lastMigrationNumber();
    }

    /** After {@link #load}, on the event loop: the instances of migrations past the point of no return are the destination's. */
    void resume() {
        for (Migration m : active.values()) {
            if (m.phase().committed()) {
                ManagedInstance moved = new ManagedInstance(m.vm(), m.application(), m.service(), m.destination().orElseThrow(),
                        m.destinationEpoch());
                if (!moved.equals(lifecycle.instances().get(m.vm()))) {
                    lifecycle.instanceMoved(moved);
                }
            }
            if (m.phase() != Phase.REQUESTED) {
                LOG.info("resuming migration " + m.id() + " of " + m.vm() + " at " + m.phase());
            }
        }
        publish();
    }

    /** VMs a migration holds: the reconcile pass leaves them alone. */
    Set<String> holding() {
        Set<String> out = new HashSet<>();
        for (Migration m : active.values()) {
            if (m.phase() != Phase.REQUESTED) {
                out.add(m.vm());
            }
        }
        return out;
    }

    /** Every migration the runner knows: the latest finished ones, then the unfinished ones (any thread). */
    List<Migration> migrations() {
        return published;
    }

    /** Migrations ended, by outcome ("done", "rolled-back"), since the manager started (any thread). */
    Map<String, Long> outcomes() {
        return Map.copyOf(outcomes);
    }

    private void publish() {
        List<Migration> all = new ArrayList<>(finished);
        all.addAll(active.values());
        published = List.copyOf(all);
    }

    // ---- requests --------------------------------------------------------------------------------

    /** Asks to move one managed VM, to {@code to} or wherever placement says. */
    Future<Migration> request(String vm, Optional<String> to, String by) {
        Migration m;
        try {
            m = newMigration(vm, to, Optional.empty(), by);
        } catch (MigrationRefused r) {
            return Future.failedFuture(r);
        }
        return journal(m, Optional.empty()).map(x -> {
            events.accept(new Event(WallClock.millis(), Event.Severity.INFO, "migration.requested", m.service(),
                    "migration " + m.id() + ": " + m.vm() + " from " + m.source() + to.map(t -> " to " + t).orElse("")
                            + " requested by " + by));
            kick();
            return m;
        });
    }

    /**
     * Cordons a host and queues a move for every VM the manager placed there, in start order
     * (dependencies first), one at a time; VMs it did not place stay, and are named.
     */
    Future<Drain> drain(String host, String by) {
        InventorySnapshot inv = lifecycle.inventory();
        Optional<InventorySnapshot.Entry> entry = inv.agentOfHost(host);
        if (entry.isEmpty()) {
            return Future.failedFuture(new MigrationRefused("host", "no host " + host + " in the inventory", true));
        }
        Catalog catalog = lifecycle.catalog();
        Map<String, Integer> order = new HashMap<>();
        if (catalog != null) {
            int k = 0;
            for (String service : catalog.services().keySet()) {
                for (ApplicationSpec app : catalog.startOrder(service)) {
                    order.putIfAbsent(app.name(), k++);
                }
            }
        }
        List<ManagedInstance> here = lifecycle.instances().values().stream().filter(i -> i.host().equals(host))
                .sorted(Comparator.comparingInt((ManagedInstance i) -> order.getOrDefault(i.application(), Integer.MAX_VALUE))
                        .thenComparing(ManagedInstance::name))
                .toList();
        List<String> left = new ArrayList<>();
        for (VmStatus v : entry.get().vms()) {
            if (!lifecycle.instances().containsKey(v.name()) || !lifecycle.instances().get(v.name()).host().equals(host)) {
                left.add(v.name() + ": not placed by Federa (no started service holds it); move it by hand");
            }
        }
        return lifecycle.cordon(host, by).compose(x -> {
            List<Migration> queued = new ArrayList<>();
            Future<Void> chain = Future.succeededFuture();
            for (ManagedInstance i : here) {
                if (active.values().stream().anyMatch(m -> m.vm().equals(i.name()))) {
                    left.add(i.name() + ": already migrating");
                    continue;
                }
                Migration m;
                try {
                    m = newMigration(i.name(), Optional.empty(), Optional.of(host), by);
                } catch (MigrationRefused r) {
                    left.add(i.name() + ": " + r.getMessage());
                    continue;
                }
                queued.add(m);
                chain = chain.compose(y -> journal(m, Optional.empty()));
            }
            return chain.map(y -> {
                events.accept(new Event(WallClock.millis(), Event.Severity.INFO, "host.draining", host, "host " + host
                        + " drained by " + by + ": " + queued.size() + " moves queued"
                        + (left.isEmpty() ? "" : ", " + left.size() + " VMs left (" + String.join("; ", left) + ")")));
                kick();
                return new Drain(host, queued, left);
            });
        });
    }

    private Migration newMigration(String vm, Optional<String> to, Optional<String> drain, String by) throws MigrationRefused {
        ManagedInstance i = lifecycle.instances().get(vm);
        if (i == null) {
            throw new MigrationRefused("vm", vm + " is not a VM Federa placed (only instances of started services migrate)", true);
        }
        for (Migration m : active.values()) {
            if (m.vm().equals(vm)) {
                throw new MigrationRefused("vm", vm + " is already migrating (" + m.id() + ", " + m.phase() + ")", false);
            }
        }
        InventorySnapshot inv = lifecycle.inventory();
        InventorySnapshot.Entry source = inv.agentOfHost(i.host()).filter(InventorySnapshot.Entry::reachable)
                .orElseThrow(() -> new MigrationRefused("vm", vm + "'s host " + i.host() + " does not answer; its data cannot be copied", false));
        VmStatus status = source.vms().stream().filter(v -> v.name().equals(vm)).findFirst()
                .orElseThrow(() -> new MigrationRefused("vm", vm + " is not on " + i.host() + " yet; try again once it is", false));
        if (status.uuid() == null || status.uuid().isEmpty()) {
            throw new MigrationRefused("vm", i.host() + " does not report " + vm + "'s UUID", false);
        }
        if (to.isPresent()) {
            checkDestination(i, to.get(), inv);
        }
        String id = "m-" + (++lastNumber);
        return Migration.requested(id, vm, status.uuid(), i.application(), i.service(), i.host(), i.epoch(), status.running(),
                to, drain, by, WallClock.millis());
    }

    private void checkDestination(ManagedInstance i, String to, InventorySnapshot inv) throws MigrationRefused {
        if (to.equals(i.host())) {
            throw new MigrationRefused("to", i.name() + " is on " + to + " already", false);
        }
        if (inv.agentOfHost(to).isEmpty()) {
            throw new MigrationRefused("to", "no host " + to + " in the inventory", true);
        }
        Optional<HostVerdict> verdict = verdicts(i.name(), i.application(), i.host(), inv).stream()
                .filter(v -> v.host().equals(to)).findFirst();
        if (verdict.isEmpty()) {
            throw new MigrationRefused("to", to + " cannot take VMs now (cordoned, or its agent cannot be commanded)", false);
        }
        if (!verdict.get().fits()) {
            throw new MigrationRefused("to", to + " refuses " + i.name() + ":\n" + Explanation.of(List.of(verdict.get())).stripTrailing(), false);
        }
    }

    private List<HostVerdict> verdicts(String vm, String application, String source, InventorySnapshot inv) {
        Placement engine = engine(vm, source, inv);
        return engine.explain(new PlacementRequest(application, vm), plannedElsewhere(vm));
    }

    private Placement engine(String vm, String source, InventorySnapshot inv) {
        Set<String> closed = new HashSet<>(lifecycle.closedHosts(inv));
        closed.add(source);
        return lifecycle.placement(inv.withoutVm(vm), closed, lifecycle.catalog());
    }

    /** Where other migrations in flight are taking their VMs: counted as placed already. */
    private List<Placed> plannedElsewhere(String vm) {
        List<Placed> out = new ArrayList<>();
        for (Migration m : active.values()) {
            if (!m.vm().equals(vm) && m.destination().isPresent() && m.phase().ordinal() < Phase.STARTING.ordinal()) {
                out.add(new Placed(m.vm(), m.application(), m.destination().get()));
            }
        }
        return out;
    }

    // ---- driving ---------------------------------------------------------------------------------

    /** Drives every migration that is not waiting on a step or a back-off (event loop). */
    void kick() {
        long now = WallClock.millis();
        for (Migration m : List.copyOf(active.values())) {
            if (!inFlight.contains(m.id()) && now >= notBefore.getOrDefault(m.id(), 0L)) {
                drive(m);
            }
        }
    }

    private void drive(Migration m) {
        inFlight.add(m.id());
        Future<Migration> next;
        try {
            next = step(m);
        } catch (RuntimeException e) {
            next = Future.failedFuture(e);
        }
        next.onComplete(ar -> {
            if (ar.failed()) {
                inFlight.remove(m.id());
                LOG.warning("migration " + m.id() + ": " + ar.cause());
                notBefore.put(m.id(), WallClock.millis() + 1_000);
                return;
            }
            Migration n = ar.result();
            Future<Void> saved = n.equals(m) ? Future.succeededFuture() : save(m, n);
            saved.onComplete(s -> {
                inFlight.remove(m.id());
                if (s.failed()) {
                    LOG.warning("cannot journal migration " + m.id() + " (" + n.phase() + "), retrying: " + s.cause().getMessage());
                    notBefore.put(m.id(), WallClock.millis() + 1_000);
                    return;
                }
                if (n.phase() != m.phase() && !n.phase().finished()) {
                    drive(n);
                }
            });
        });
    }

    /** Journals the new state (moving the instance at the point of no return), then tells the world. */
    private Future<Void> save(Migration was, Migration now) {
        boolean phaseChanged = was.phase() != now.phase();
        boolean journaled = phaseChanged || was.attempt() != now.attempt() || was.failures() != now.failures()
                || was.sourceRestarted() != now.sourceRestarted() || was.destinationCleared() != now.destinationCleared()
                || !was.note().equals(now.note());
        Optional<ManagedInstance> moved = Optional.empty();
        if (phaseChanged && (now.phase() == Phase.STARTING || (now.phase() == Phase.CLEANUP && was.phase() == Phase.DEFINING))) {
            moved = Optional.of(new ManagedInstance(now.vm(), now.application(), now.service(), now.destination().orElseThrow(),
                    now.destinationEpoch()));
        }
        Optional<ManagedInstance> instance = moved;
        Future<Void> written = journaled ? journal(now, instance) : Future.succeededFuture();
        return written.map(x -> {
            instance.ifPresent(lifecycle::instanceMoved);
            if (now.phase().finished()) {
                active.remove(now.id());
                finished.addLast(now);
                while (finished.size() > KEEP_FINISHED) {
                    finished.removeFirst();
                }
                forget(now.id());
                outcomes.merge(now.phase() == Phase.DONE ? "done" : "rolled-back", 1L, Long::sum);
            } else {
                active.put(now.id(), now);
            }
            if (phaseChanged || (journaled && now.phase() != Phase.REQUESTED)) {
                say(now, phaseChanged);
            }
            publish();
            return null;
        });
    }

    private Future<Void> journal(Migration m, Optional<ManagedInstance> instance) {
        return vertx.executeBlocking(() -> {
            store.putMigration(m, instance);
            return null;
        }).map(x -> {
            if (!m.phase().finished()) {
                active.put(m.id(), m);
            }
            publish();
            return null;
        });
    }

    private void forget(String id) {
        notBefore.remove(id);
        importing.remove(id);
        statusFailures.remove(id);
        runningSince.remove(id);
        destroySent.remove(id);
    }

    private void say(Migration m, boolean phaseChanged) {
        Event.Severity sev = m.phase() == Phase.ROLLING_BACK || m.phase() == Phase.ROLLED_BACK || m.failures() > 0
                ? Event.Severity.WARNING : Event.Severity.INFO;
        String kind = phaseChanged ? "migration." + m.phase().word() : "migration.retry";
        events.accept(new Event(WallClock.millis(), sev, kind, m.service(), "migration " + m.id() + ": " + m.vm()
                + " " + m.source() + " → " + m.destinationOrNone() + ": " + m.phase() + ", " + m.note()));
    }

    private void backOff(Migration m, long millis) {
        notBefore.put(m.id(), WallClock.millis() + millis);
    }

    private static long backOffMillis(int failures) {
        return Math.min(10_000L, 250L << Math.min(failures, 6));
    }

    /** The step of the migration's phase; the future holds the migration as it is afterwards. */
    private Future<Migration> step(Migration m) {
        return switch (m.phase()) {
            case REQUESTED -> Future.succeededFuture(begin(m));
            case STOPPING -> stop(m);
            case COPYING -> copy(m);
            case DEFINING -> define(m);
            case STARTING -> command(m, new Action.Start(m.vm(), dest(m), m.destinationEpoch()), op(m, "start-" + m.starts()))
                    .map(r -> MigrationMachine.started(m, WallClock.millis()))
                    .recover(e -> failed(m, e));
            case VERIFYING -> Future.succeededFuture(verify(m));
            case CLEANUP -> command(m, new Action.Remove(m.vm(), m.source(), m.destinationEpoch()), op(m, "remove"))
                    .map(r -> MigrationMachine.cleaned(m, WallClock.millis()))
                    .recover(e -> failed(m, e));
            case ROLLING_BACK -> rollBack(m);
            case DONE, ROLLED_BACK -> Future.succeededFuture(m);
        };
    }

    private static String dest(Migration m) {
        return m.destination().orElseThrow();
    }

    private Migration begin(Migration m) {
        long now = WallClock.millis();
        long running = active.values().stream().filter(o -> o.phase() != Phase.REQUESTED).count();
        if (running >= settings.concurrent()) {
            return MigrationMachine.waiting(m, "waiting: " + running + " migrations in flight (migration.concurrent is "
                    + settings.concurrent() + ")", now);
        }
        if (m.drain().isPresent()) {
            for (Migration o : active.values()) {
                if (!o.id().equals(m.id()) && o.drain().equals(m.drain()) && seq(o) < seq(m)) {
                    return MigrationMachine.waiting(m, "waits for " + o.id() + " (" + o.vm() + "), queued before it in the drain of "
                            + m.drain().get(), now);
                }
            }
        }
        ManagedInstance i = lifecycle.instances().get(m.vm());
        if (i == null || !i.host().equals(m.source()) || i.epoch() != m.epoch()) {
            return MigrationMachine.abandon(m, m.vm() + " is no longer on " + m.source() + " under epoch " + m.epoch(), now);
        }
        if (lifecycle.lifecycleBusy().contains(m.vm())) {
            return MigrationMachine.waiting(m, "waiting: a lifecycle step on " + m.vm() + " is in flight", now);
        }
        InventorySnapshot inv = lifecycle.inventory();
        // A manager that just started has not heard from every agent: placement would take the
        // silent ones for unreachable hosts.
        Optional<String> unheard = inv.agents().values().stream()
                .filter(e -> e.health().state() == io.federa.manager.core.inventory.AgentHealth.State.UNKNOWN)
                .map(InventorySnapshot.Entry::agent).findFirst();
        if (unheard.isPresent()) {
            return MigrationMachine.waiting(m, "waiting: no answer yet from agent " + unheard.get() + " since the manager started", now);
        }
        Optional<InventorySnapshot.Entry> source = inv.agentOfHost(m.source());
        if (source.isEmpty() || !source.get().reachable()) {
            return MigrationMachine.waiting(m, "waiting: " + m.source() + " does not answer", now);
        }
        Optional<VmStatus> vm = source.get().vms().stream().filter(v -> v.name().equals(m.vm())).findFirst();
        if (vm.isEmpty()) {
            return MigrationMachine.abandon(m, m.vm() + " is gone from " + m.source(), now);
        }
        Catalog catalog = lifecycle.catalog();
        ApplicationSpec app = catalog == null ? null : catalog.applications().get(m.application());
        if (app == null) {
            return MigrationMachine.abandon(m, "application " + m.application() + " is no longer defined", now);
        }
        if (vm.get().running() && app.replicas() > app.minAvailable()) {
            Set<String> moving = holding();
            long others = 0;
            for (InventorySnapshot.Entry e : inv.agents().values()) {
                if (e.reachable()) {
                    others += e.vms().stream().filter(v -> v.running() && v.application().equals(m.application())
                            && !v.name().equals(m.vm()) && !moving.contains(v.name())).count();
                }
            }
            if (others < app.minAvailable()) {
                return MigrationMachine.waiting(m, "waiting: moving " + m.vm() + " now would leave " + m.application() + " with "
                        + others + " of " + app.minAvailable() + " needed instances running", now);
            }
        }
        String destination;
        if (m.requestedTo().isPresent()) {
            try {
                checkDestination(i, m.requestedTo().get(), inv);
            } catch (MigrationRefused r) {
                return MigrationMachine.abandon(m, r.getMessage(), now);
            }
            destination = m.requestedTo().get();
        } else {
            Outcome o = engine(m.vm(), m.source(), inv).place(new PlacementRequest(m.application(), m.vm()), plannedElsewhere(m.vm()));
            if (o instanceof Outcome.Fits f) {
                destination = f.host();
            } else {
                return MigrationMachine.abandon(m, "no other host takes it:\n" + Explanation.of(o).stripTrailing(), now);
            }
        }
        return MigrationMachine.begin(m, destination, now);
    }

    private static long seq(Migration m) {
        return io.federa.manager.store.MigrationJson.sequence(m.id());
    }

    private Future<Migration> stop(Migration m) {
        if (!m.wasRunning()) {
            return Future.succeededFuture(MigrationMachine.stopped(m, WallClock.millis()));
        }
        return command(m, new Action.Shutdown(m.vm(), m.source(), m.epoch()), op(m, "shutdown"))
                .map(r -> MigrationMachine.stopped(m, WallClock.millis()))
                .recover(e -> failed(m, e));
    }

    private Future<Migration> copy(Migration m) {
        Optional<ManagerConfig.Agent> src = lifecycle.agentOfHost(m.source());
        Optional<ManagerConfig.Agent> dst = lifecycle.agentOfHost(dest(m));
        if (src.isEmpty() || dst.isEmpty()) {
            backOff(m, 1_000);
            return Future.succeededFuture(m);
        }
        Integer started = importing.get(m.id());
        if (started == null) {
            // Nothing known of this attempt in this process (a new attempt, or a manager that
            // restarted): ask the destination first; it may be copying it or have it already.
            return commander.call(dst.get(), "transferStatus", m.id()).compose(status -> {
                String phase = status.getString("phase", "UNKNOWN");
                int attempt = status.getInteger("attempt", -1);
                if (attempt == m.attempt() && ("RUNNING".equals(phase) || "VERIFIED".equals(phase))) {
                    importing.put(m.id(), m.attempt());
                    return Future.succeededFuture(progressOrDone(m, status));
                }
                if (attempt == m.attempt() || ("VERIFIED".equals(phase) && attempt > 0)) {
                    // FAILED for this attempt, or VERIFIED by an older one (already verified data stays good).
                    return Future.succeededFuture(progressOrDone(m, status));
                }
                return startCopy(m, src.get(), dst.get());
            }, e -> Future.succeededFuture(MigrationMachine.copyFailed(m, dest(m) + " does not answer: " + e.getMessage(),
                    true, limits, WallClock.millis())));
        }
        return commander.call(dst.get(), "transferStatus", m.id()).map(status -> {
            statusFailures.remove(m.id());
            Migration n = progressOrDone(m, status);
            if (n.phase() == Phase.COPYING && n.attempt() == m.attempt()) {
                backOff(m, STATUS_EVERY_MILLIS);
            }
            return n;
        }).recover(e -> {
            int failures = statusFailures.merge(m.id(), 1, Integer::sum);
            if (failures >= STATUS_FAILURES_ALLOWED) {
                statusFailures.remove(m.id());
                importing.remove(m.id());
                return Future.succeededFuture(MigrationMachine.copyFailed(m, dest(m) + " stopped answering while copying: "
                        + e.getMessage(), true, limits, WallClock.millis()));
            }
            backOff(m, 500);
            return Future.succeededFuture(m);
        });
    }

    /** Reads a destination's transfer status into the migration. */
    private Migration progressOrDone(Migration m, JsonObject status) {
        long now = WallClock.millis();
        String phase = status.getString("phase", "UNKNOWN");
        int attempt = status.getInteger("attempt", -1);
        switch (phase) {
            case "VERIFIED" -> {
                importing.remove(m.id());
                return MigrationMachine.copied(m, status.getString("sha256", "?"), status.getLong("bytesDone", 0L), now);
            }
            case "RUNNING" -> {
                if (attempt != m.attempt()) {
                    break;
                }
                return MigrationMachine.progress(m, status.getLong("bytesDone", 0L), status.getLong("bytesTotal", m.bytesTotal()),
                        status.getDouble("rateBytesPerSecond", 0.0), now);
            }
            case "FAILED" -> {
                importing.remove(m.id());
                Migration n = MigrationMachine.copyFailed(m, status.getString("error", "the copy failed"), true, limits, now);
                backOff(n, backOffMillis(n.attempt()));
                return n;
            }
            default -> {
            }
        }
        importing.remove(m.id());
        Migration n = MigrationMachine.copyFailed(m, dest(m) + " has no record of attempt " + m.attempt()
                + " (its agent restarted?)", true, limits, now);
        backOff(n, backOffMillis(n.attempt()));
        return n;
    }

    private Future<Migration> startCopy(Migration m, ManagerConfig.Agent src, ManagerConfig.Agent dst) {
        String token = token();
        JsonObject offer = new JsonObject().put("migrationId", m.id()).put("attempt", m.attempt()).put("uuid", m.uuid())
                .put("vm", m.vm()).put("token", token);
        return commander.call(src, "offerData", offer).compose(offered -> {
            JsonObject pull = new JsonObject().put("migrationId", m.id()).put("attempt", m.attempt()).put("uuid", m.uuid())
                    .put("vm", m.vm()).put("url", src.dataUrlFor(offered.getString("url", ""))).put("token", token)
                    .put("dataBytes", offered.getLong("dataBytes", 0L));
            return commander.call(dst, "importData", pull).map(status -> {
                importing.put(m.id(), m.attempt());
                backOff(m, STATUS_EVERY_MILLIS);
                return MigrationMachine.progress(m, status.getLong("bytesDone", 0L),
                        offered.getLong("dataBytes", 0L), 0, WallClock.millis());
            }).recover(e -> Future.succeededFuture(MigrationMachine.copyFailed(m, dest(m) + ": " + e.getMessage(),
                    !(e instanceof AgentCommander.Refused), limits, WallClock.millis())));
        }, e -> {
            long now = WallClock.millis();
            if (e instanceof AgentCommander.Refused refused && refused.code() == RefusalCode.VM_RUNNING) {
                // Still shutting down: power it off once it has had its time.
                if (now - m.phaseSinceMillis() > settings.stopTimeout().toMillis() && destroySent.add(m.id())) {
                    return command(m, new Action.Destroy(m.vm(), m.source(), m.epoch()), op(m, "destroy")).map(r -> m)
                            .recover(x -> Future.succeededFuture(m));
                }
                backOff(m, 500);
                return Future.succeededFuture(m);
            }
            Migration n = MigrationMachine.copyFailed(m, m.source() + ": " + e.getMessage(),
                    !(e instanceof AgentCommander.Refused), limits, now);
            backOff(n, backOffMillis(n.attempt()));
            return Future.succeededFuture(n);
        });
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private Future<Migration> define(Migration m) {
        Catalog catalog = lifecycle.catalog();
        ApplicationSpec app = catalog == null ? null : catalog.applications().get(m.application());
        if (app == null) {
            return Future.succeededFuture(MigrationMachine.failed(m, "application " + m.application() + " is no longer defined",
                    true, limits, WallClock.millis()));
        }
        return command(m, new Action.Define(m.vm(), dest(m), m.destinationEpoch(), m.application(), m.service(),
                app.resources(), Optional.of(m.uuid())), op(m, "define"))
                .map(r -> MigrationMachine.defined(m, WallClock.millis()))
                .recover(e -> failed(m, e));
    }

    private Migration verify(Migration m) {
        long now = WallClock.millis();
        Optional<InventorySnapshot.Entry> entry = lifecycle.inventory().agentOfHost(dest(m));
        if (entry.isEmpty() || !entry.get().reachable()) {
            runningSince.remove(m.id());
            backOff(m, 500);
            return m;
        }
        long polled = entry.get().health().lastSuccessMillis();
        Optional<VmStatus> vm = entry.get().vms().stream().filter(v -> v.name().equals(m.vm())).findFirst();
        if (polled <= m.phaseSinceMillis()) {
            backOff(m, 100);
            return m;
        }
        if (vm.isPresent() && vm.get().running() && vm.get().epoch() == m.destinationEpoch()) {
            long since = runningSince.computeIfAbsent(m.id(), k -> polled);
            if (polled - since >= settings.settle().toMillis()) {
                runningSince.remove(m.id());
                return MigrationMachine.settled(m, now);
            }
            backOff(m, 100);
            return m;
        }
        runningSince.remove(m.id());
        return MigrationMachine.stoppedWhileVerifying(m, m.vm() + " is " + vm.map(VmStatus::state).orElse("missing")
                + " on " + dest(m), now);
    }

    private Future<Migration> rollBack(Migration m) {
        if (!m.sourceRestarted()) {
            return command(m, new Action.Start(m.vm(), m.source(), m.epoch()), op(m, "restart"))
                    .map(r -> MigrationMachine.sourceRestarted(m, WallClock.millis()))
                    .recover(e -> failed(m, e));
        }
        Optional<ManagerConfig.Agent> dst = lifecycle.agentOfHost(dest(m));
        if (dst.isEmpty()) {
            backOff(m, 1_000);
            return Future.succeededFuture(m);
        }
        return command(m, new Action.Undefine(m.vm(), dest(m), m.destinationEpoch()), op(m, "undefine"))
                .compose(r -> commander.call(dst.get(), "discardData", new JsonObject().put("migrationId", m.id())
                        .put("uuid", m.uuid())))
                .map(r -> MigrationMachine.destinationCleared(m, WallClock.millis()))
                .recover(e -> failed(m, e));
    }

    private Future<Migration> failed(Migration m, Throwable e) {
        boolean refused = e instanceof AgentCommander.Refused;
        Migration n = MigrationMachine.failed(m, e.getMessage(), refused, limits, WallClock.millis());
        if (n.phase() == m.phase()) {
            backOff(n, backOffMillis(n.failures()));
        }
        return Future.succeededFuture(n);
    }

    /**
     * The operation id of a step: the same for every send of it until it fails, so a manager that
     * restarts sends the same id again and an agent that did it answers from its operation log; a
     * new one after each failure, since an agent repeats its first answer (a refusal too) to an id
     * it has seen. Every step is idempotent at the agent, so a step done under an older id is
     * answered "already" under the new one.
     */
    private static String op(Migration m, String step) {
        return m.id() + "-" + step + "-" + m.failures();
    }

    /** Sends one lifecycle action to its host's agent (refusals and failures as failed futures). */
    private Future<JsonObject> command(Migration m, Action a, String operationId) {
        Optional<ManagerConfig.Agent> agent = lifecycle.agentOfHost(a.host());
        if (agent.isEmpty()) {
            return Future.failedFuture("no agent of this manager serves " + a.host());
        }
        return commander.send(agent.get(), a, operationId);
    }
}
