package io.federa.manager.lifecycle;

import io.federa.common.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.events.Event;
import io.federa.manager.core.events.Notices;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.lifecycle.Action;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.lifecycle.RefusalCode;
import io.federa.manager.core.migration.Admission;
import io.federa.manager.core.migration.Command;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.migration.MigrationMachine;
import io.federa.manager.core.migration.Phase;
import io.federa.manager.core.migration.Stuck;
import io.federa.manager.core.placement.PlacementConfig;
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
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(MigrationRunner.class);
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

        /** A surge's VM at the source is replaced by the new instance: the runner removes it. */
        void instanceForgotten(String name);

        /** Hosts that take no new VMs: cordoned, or polled over SNMP. */
        Set<String> closedHosts(InventorySnapshot inventory);

        /** Hosts an operator cordoned. */
        Set<String> cordoned();

        /** VMs with a lifecycle step in flight. */
        Set<String> lifecycleBusy();

        Optional<ManagerConfig.Agent> agentOfHost(String host);

        PlacementConfig placementConfig();

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
    /** Moves whose change of phase is decided and being journaled: admission counts them as they will be. */
    private final Map<String, Migration> deciding = new HashMap<>();
    private final Map<String, Long> notBefore = new HashMap<>();
    private final Map<String, Integer> importing = new HashMap<>();
    private final Map<String, Integer> statusFailures = new HashMap<>();
    private final Map<String, Long> runningSince = new HashMap<>();
    private final Set<String> destroySent = new HashSet<>();
    private final Map<String, Long> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
    /** The migrations told stuck, with the phase they stuck in: told again only in another phase. */
    private final Map<String, Phase> toldStuck = new HashMap<>();
    private volatile Notices notices = Notices.NONE;
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

    /** Who hears of migrations that finish or stick (the SNMP notifications). */
    void notices(Notices n) {
        notices = n;
    }

    /** Loads the journal (blocking: call on a worker before the first pass). */
    void load() throws java.sql.SQLException {
        List<Migration> journal = store.migrations(KEEP_FINISHED);
        finished.clear();
        active.clear();
        toldStuck.clear();
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
            MigrationMachine.InstanceChange change = MigrationMachine.instanceOnResume(m);
            change.put().filter(i -> !i.equals(lifecycle.instances().get(i.name()))).ifPresent(lifecycle::instanceMoved);
            change.forget().filter(lifecycle.instances()::containsKey).ifPresent(lifecycle::instanceForgotten);
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
                out.add(m.destinationVm());
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

    /**
     * Asks to move one managed VM, to {@code to} or wherever placement says. With
     * {@code allowDowntime}, the move may take its application below {@code minAvailable}; asked of a
     * VM whose move waits for that consent (to the same destination, or without one), it gives it.
     */
    Future<Migration> request(String vm, Optional<String> to, String by, boolean allowDowntime) {
        Optional<Migration> waiting = allowDowntime ? waitingForDowntime(vm) : Optional.empty();
        if (waiting.isPresent() && (to.isEmpty() || to.equals(waiting.get().requestedTo()))) {
            return allowDowntime(waiting.get(), by);
        }
        Migration m;
        try {
            m = newMigration(vm, to, Optional.empty(), by, allowDowntime);
        } catch (MigrationRefused r) {
            return Future.failedFuture(r);
        }
        return journal(m, MigrationMachine.InstanceChange.NONE).map(x -> {
            events.accept(new Event(WallClock.millis(), Event.Severity.INFO, "migration.requested", m.service(),
                    "migration " + m.id() + ": " + m.vm() + " from " + m.source() + to.map(t -> " to " + t).orElse("")
                            + " requested by " + by + (allowDowntime ? ", downtime allowed" : "")));
            kick();
            return m;
        });
    }

    /** The VM's move that waits for the operator's consent to downtime, if there is one. */
    private Optional<Migration> waitingForDowntime(String vm) {
        return active.values().stream().filter(m -> m.vm().equals(vm) && m.phase() == Phase.REQUESTED
                && !m.allowDowntime()).findFirst();
    }

    private Future<Migration> allowDowntime(Migration m, String by) {
        Migration n = m.withAllowDowntime(true);
        return journal(n, MigrationMachine.InstanceChange.NONE).map(x -> {
            events.accept(new Event(WallClock.millis(), Event.Severity.WARNING, "migration.requested", n.service(),
                    "migration " + n.id() + ": " + n.vm() + " may now take " + n.application() + " below minAvailable ("
                            + by + " allowed downtime)"));
            kick();
            return n;
        });
    }

    /**
     * Cordons a host and queues a move for every VM the manager placed there, in start order
     * (dependencies first), one at a time; VMs it did not place stay, and are named. Moves that
     * would take an application below {@code minAvailable} are listed as waiting unless
     * {@code allowDowntime}; with it, the moves of an earlier drain that wait for it go ahead.
     */
    Future<Drain> drain(String host, String by, boolean allowDowntime) {
        InventorySnapshot inv = lifecycle.inventory();
        if (inv.agentOfHost(host).isEmpty()) {
            return Future.failedFuture(new MigrationRefused("host", "no host " + host + " in the inventory", true));
        }
        Admission.DrainQueue queue = Admission.drainQueue(host, world(inv));
        List<String> left = new ArrayList<>(queue.left());
        return lifecycle.cordon(host, by).compose(x -> {
            List<Migration> queued = new ArrayList<>();
            Future<Void> chain = Future.succeededFuture();
            if (allowDowntime) {
                for (Migration w : List.copyOf(active.values())) {
                    if (w.source().equals(host) && w.phase() == Phase.REQUESTED && !w.allowDowntime()) {
                        Migration n = w.withAllowDowntime(true);
                        queued.add(n);
                        left.remove(n.vm() + ": already migrating");
                        chain = chain.compose(y -> journal(n, MigrationMachine.InstanceChange.NONE));
                    }
                }
            }
            for (ManagedInstance i : queue.moves()) {
                Migration m;
                try {
                    m = newMigration(i.name(), Optional.empty(), Optional.of(host), by, allowDowntime);
                } catch (MigrationRefused r) {
                    left.add(i.name() + ": " + r.getMessage());
                    continue;
                }
                queued.add(m);
                chain = chain.compose(y -> journal(m, MigrationMachine.InstanceChange.NONE));
            }
            return chain.map(y -> {
                List<Drain.Waiting> waiting = allowDowntime ? List.of() : waitingForDowntime(queued);
                events.accept(new Event(WallClock.millis(), Event.Severity.INFO, "host.draining", host, "host " + host
                        + " drained by " + by + ": " + queued.size() + " moves queued"
                        + (allowDowntime ? ", downtime allowed" : "")
                        + (waiting.isEmpty() ? "" : ", " + waiting.size() + " waiting for downtime to be allowed ("
                        + String.join("; ", waiting.stream().map(Drain.Waiting::text).toList()) + ")")
                        + (left.isEmpty() ? "" : ", " + left.size() + " VMs left (" + String.join("; ", left) + ")")));
                kick();
                return new Drain(host, queued, waiting, left);
            });
        });
    }

    /** The queued moves that cannot be made now without taking their application below {@code minAvailable}. */
    private List<Drain.Waiting> waitingForDowntime(List<Migration> queued) {
        return Admission.heldForDowntime(queued, world(lifecycle.inventory())).stream()
                .map(h -> new Drain.Waiting(h.migration().id(), h.migration().vm(), h.migration().application(),
                        h.migration().service(), h.code(), h.why()))
                .toList();
    }

    private Migration newMigration(String vm, Optional<String> to, Optional<String> drain, String by, boolean allowDowntime)
            throws MigrationRefused {
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
            if (inv.agentOfHost(to.get()).isEmpty()) {
                throw new MigrationRefused("to", "no host " + to.get() + " in the inventory", true);
            }
            Optional<String> refused = Admission.destinationRefusal(vm, i.application(), i.host(), to.get(), "", world(inv));
            if (refused.isPresent()) {
                throw new MigrationRefused("to", refused.get(), false);
            }
        }
        String id = "m-" + (++lastNumber);
        return Migration.requested(id, vm, status.uuid(), i.application(), i.service(), i.host(), i.epoch(), status.running(),
                to, drain, by, allowDowntime, WallClock.millis());
    }

    /** What admission looks at, now. */
    private Admission.World world(InventorySnapshot inv) {
        Map<String, Migration> now = new LinkedHashMap<>(active);
        now.putAll(deciding);
        return new Admission.World(inv, lifecycle.catalog(), lifecycle.instances(),
                now.values().stream().filter(m -> !m.phase().finished()).toList(),
                settings.concurrent(), lifecycle.lifecycleBusy(), lifecycle.cordoned(), lifecycle.closedHosts(inv),
                lifecycle.placementConfig());
    }

    // ---- driving ---------------------------------------------------------------------------------

    /** Drives every migration that is not waiting on a step or a back-off (event loop). */
    void kick() {
        long now = WallClock.millis();
        for (Migration m : List.copyOf(active.values())) {
            if (toldStuck.get(m.id()) != m.phase()) {
                Optional<String> stuck = Stuck.reason(m, now, settings.stuckAfter().toMillis());
                if (stuck.isPresent()) {
                    toldStuck.put(m.id(), m.phase());
                    events.accept(new Event(now, Event.Severity.WARNING, "migration.stuck", m.service(), "migration "
                            + m.id() + ": " + m.vm() + " " + m.source() + " → " + m.destinationOrNone() + ": " + stuck.get()));
                    notices.migrationStuck(m, stuck.get());
                }
            }
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
                LOG.warn("migration " + m.id() + ": " + ar.cause());
                notBefore.put(m.id(), WallClock.millis() + 1_000);
                return;
            }
            Migration n = ar.result();
            if (n.phase() != m.phase()) {
                // Admission of the next move in this same kick must see this one as begun, though
                // its journal write has not come back yet.
                deciding.put(n.id(), n);
            }
            Future<Void> saved = n.equals(m) ? Future.succeededFuture() : save(m, n);
            saved.onComplete(s -> {
                deciding.remove(n.id());
                inFlight.remove(m.id());
                if (s.failed()) {
                    LOG.warn("cannot journal migration " + m.id() + " (" + n.phase() + "), retrying: " + s.cause().getMessage());
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
        MigrationMachine.InstanceChange change = MigrationMachine.instanceAt(was, now);
        Future<Void> written = journaled ? journal(now, change) : Future.succeededFuture();
        return written.map(x -> {
            change.put().ifPresent(lifecycle::instanceMoved);
            change.forget().ifPresent(lifecycle::instanceForgotten);
            if (now.phase().finished()) {
                active.remove(now.id());
                finished.addLast(now);
                while (finished.size() > KEEP_FINISHED) {
                    finished.removeFirst();
                }
                forget(now.id());
                toldStuck.remove(now.id());
                notices.migrationFinished(now);
                outcomes.merge(now.phase() == Phase.DONE ? "done" : now.phase() == Phase.NOT_STARTED ? "not-started"
                        : "rolled-back", 1L, Long::sum);
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

    private Future<Void> journal(Migration m, MigrationMachine.InstanceChange change) {
        return vertx.executeBlocking(() -> {
            store.putMigration(m, change.put(), change.forget());
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
        Event.Severity sev = m.phase() == Phase.ROLLING_BACK || m.phase() == Phase.ROLLED_BACK
                || m.phase() == Phase.NOT_STARTED || m.failures() > 0
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

    /** The step the machine asks for next, carried out; the future holds the migration as it is afterwards. */
    private Future<Migration> step(Migration m) {
        Command c = MigrationMachine.next(m);
        if (c instanceof Command.Admit) {
            return Future.succeededFuture(Admission.next(m, world(lifecycle.inventory()), WallClock.millis()));
        }
        if (c instanceof Command.Proceed) {
            return Future.succeededFuture(MigrationMachine.stopped(m, WallClock.millis()));
        }
        if (c instanceof Command.ShutDown d) {
            return command(m, new Action.Shutdown(d.vm(), d.host(), d.epoch()), d.operationId())
                    .map(r -> MigrationMachine.stopped(m, WallClock.millis()))
                    .recover(e -> failed(m, e));
        }
        if (c instanceof Command.Copy) {
            return copy(m);
        }
        if (c instanceof Command.Define d) {
            return define(m, d);
        }
        if (c instanceof Command.Start s && m.phase() == Phase.ROLLING_BACK) {
            return command(m, new Action.Start(s.vm(), s.host(), s.epoch()), s.operationId())
                    .map(r -> MigrationMachine.sourceRestarted(m, WallClock.millis()))
                    .recover(e -> failed(m, e));
        }
        if (c instanceof Command.Start s) {
            return command(m, new Action.Start(s.vm(), s.host(), s.epoch()), s.operationId())
                    .map(r -> MigrationMachine.started(m, WallClock.millis()))
                    .recover(e -> failed(m, e));
        }
        if (c instanceof Command.Watch) {
            return Future.succeededFuture(verify(m));
        }
        if (c instanceof Command.Remove r) {
            boolean rollingBack = m.phase() == Phase.ROLLING_BACK;
            return command(m, new Action.Remove(r.vm(), r.host(), r.epoch()), r.operationId())
                    .map(x -> rollingBack ? MigrationMachine.destinationCleared(m, WallClock.millis())
                            : MigrationMachine.cleaned(m, WallClock.millis()))
                    .recover(e -> {
                        // A surge's VM still shutting down at its source: powered off once it has had its time.
                        if (m.surge() && !rollingBack && e instanceof AgentCommander.Refused refused
                                && refused.code() == RefusalCode.VM_RUNNING
                                && WallClock.millis() - m.phaseSinceMillis() > settings.stopTimeout().toMillis()
                                && destroySent.add(m.id())) {
                            return command(m, new Action.Destroy(r.vm(), r.host(), r.epoch()),
                                    MigrationMachine.operationId(m, "destroy")).map(x -> m).recover(x -> Future.succeededFuture(m));
                        }
                        return failed(m, e);
                    });
        }
        if (c instanceof Command.ClearDestination d) {
            return clearDestination(m, d);
        }
        return Future.succeededFuture(m);
    }

    private static String dest(Migration m) {
        return m.destination().orElseThrow();
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
                    return command(m, new Action.Destroy(m.vm(), m.source(), m.epoch()), MigrationMachine.operationId(m, "destroy")).map(r -> m)
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

    private Future<Migration> define(Migration m, Command.Define d) {
        Catalog catalog = lifecycle.catalog();
        ApplicationSpec app = catalog == null ? null : catalog.applications().get(d.application());
        if (app == null) {
            return Future.succeededFuture(MigrationMachine.failed(m, "application " + d.application() + " is no longer defined",
                    true, limits, WallClock.millis()));
        }
        return command(m, new Action.Define(d.vm(), d.host(), d.epoch(), d.application(), d.service(),
                app.resources(), d.uuid().isEmpty() ? Optional.empty() : Optional.of(d.uuid()), catalog.guestPorts(app.name())), d.operationId())
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
        Optional<VmStatus> vm = entry.get().vms().stream().filter(v -> v.name().equals(m.destinationVm())).findFirst();
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
        return MigrationMachine.stoppedWhileVerifying(m, m.destinationVm() + " is " + vm.map(VmStatus::state).orElse("missing")
                + " on " + dest(m), now);
    }

    private Future<Migration> clearDestination(Migration m, Command.ClearDestination d) {
        Optional<ManagerConfig.Agent> dst = lifecycle.agentOfHost(d.host());
        if (dst.isEmpty()) {
            backOff(m, 1_000);
            return Future.succeededFuture(m);
        }
        return command(m, new Action.Undefine(d.vm(), d.host(), d.epoch()), d.operationId())
                .compose(r -> commander.call(dst.get(), "discardData", new JsonObject().put("migrationId", m.id())
                        .put("uuid", d.uuid())))
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

    /** Sends one lifecycle action to its host's agent (refusals and failures as failed futures). */
    private Future<JsonObject> command(Migration m, Action a, String operationId) {
        Optional<ManagerConfig.Agent> agent = lifecycle.agentOfHost(a.host());
        if (agent.isEmpty()) {
            return Future.failedFuture("no agent of this manager serves " + a.host());
        }
        return commander.send(agent.get(), a, operationId);
    }
}
