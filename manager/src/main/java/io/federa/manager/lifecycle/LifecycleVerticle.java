package io.federa.manager.lifecycle;

import io.federa.common.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.events.Event;
import io.federa.manager.core.events.Notices;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.lease.LeaseLedger;
import io.federa.manager.core.lifecycle.Action;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.InstanceLedger;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.lifecycle.Plan;
import io.federa.manager.core.lifecycle.Reconciler;
import io.federa.manager.core.placement.Explanation;
import io.federa.manager.core.placement.Outcome;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.scaling.ScalingDecision;
import io.federa.manager.core.scaling.ScalingEvaluator;
import io.federa.manager.core.scaling.ScalingState;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the reconcile pass every poll interval and carries out its plan through the agents: the
 * steps of one plan run side by side, the actions of one step in order, each with an operation id
 * that a retry repeats. Holds, on its event loop, what the lifecycle remembers (desired states,
 * instances, cordons: written through to the store), what is in flight and what is settled. Every
 * step done or refused is an event; so is an instance that fits nowhere, once per new reason.
 */
public final class LifecycleVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleVerticle.class);

    /** The lifecycle's settings. */
    public record Settings(long intervalMillis, long graceMillis, long leaseMarginMillis, PlacementConfig placement) {
    }

    private final Supplier<InventorySnapshot> inventory;
    private final Supplier<LeaseLedger> leases;
    private final java.util.function.BooleanSupplier leadsNow;
    private volatile Quorum quorum = new Quorum(false, 0, 0);
    private volatile boolean leading;
    private volatile long term;
    private int followerTicks;
    private final Supplier<Catalog> catalog;
    private final LifecycleStore store;
    private final Consumer<Event> events;
    private final Map<String, ManagerConfig.Agent> agents = new HashMap<>();
    private final Settings settings;
    private final long startedAt = WallClock.millis();
    private final String bootId = Long.toString(startedAt, 36);
    private final AtomicLong sequence = new AtomicLong();
    private AgentCommander commander;
    private volatile AgentCommander.Audit commandAudit = (agent, term, action, result) -> { };
    private MigrationRunner migrations;
    private volatile Notices notices = Notices.NONE;
    private final ManagerConfig.Migration migrationSettings;
    private long timer;
    private long migrationTimer;
    /** Plans reconcile passes, one at a time, off the event loop. */
    private io.vertx.core.WorkerExecutor planner;
    /** A pass is being planned (event loop only). */
    private boolean planning;
    /** Passes dropped in a row because what they read changed while they were planned (event loop only). */
    private int droppedInARow;
    // Event loop only, published through volatile copies for the API.
    private final Map<String, DesiredState> desired = new HashMap<>();
    private final Map<String, ManagedInstance> instances = new HashMap<>();
    private final Set<String> cordoned = new TreeSet<>();
    private final Set<String> busy = new HashSet<>();
    private final Map<String, Long> settledAfter = new HashMap<>();
    private final Map<String, String> unschedulableSaid = new HashMap<>();
    private volatile Plan lastPlan = new Plan(List.of(), List.of(), List.of(), List.of(), List.of());
    /** The failover headroom as the last pass's snapshot gives it (computed with the pass, on its worker). */
    private volatile java.util.Optional<io.federa.manager.core.placement.Failover> failover = java.util.Optional.empty();
    private final Map<String, String> busyService = new HashMap<>();
    private final Map<String, Long> desiredAt = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long lastPlanAt;
    private volatile Set<String> unsettled = Set.of();
    private final Map<String, ScalingState> scaling = new HashMap<>();
    private final Set<String> applicationLoadSaid = new HashSet<>();
    private Supplier<io.federa.manager.core.probe.ProbeBook> probes = () -> io.federa.manager.core.probe.ProbeBook.EMPTY;
    private volatile Map<String, Integer> publishedTargets = Map.of();
    /** Orphaned instances the operator asked to remove with their data, until a pass removes them. */
    private final Set<String> pruning = new HashSet<>();
    private volatile List<ManagedInstance> publishedOrphaned = List.of();
    private volatile long definitionsAt;
    private volatile Map<String, ManagedInstance> publishedInstances = Map.of();
    private volatile Map<String, DesiredState> publishedDesired = Map.of();
    /** Whether the desired states were read from the store once: before, a service absent from them may have been started. */
    private volatile boolean loaded;
    private volatile Set<String> publishedCordoned = Set.of();

    /**
     * Whether this manager renews a majority of the fleet's leases, and how many of how many:
     * without a majority it acts on nothing (docs/lifecycle.md).
     */
    public record Quorum(boolean held, int renewed, int fleet) {
        public String describe() {
            return held ? "renews leases on " + renewed + " of " + fleet + " agents (a majority)"
                    : "renews leases on only " + renewed + " of " + fleet + " agents, no majority ("
                    + LeaseLedger.majority(fleet) + "): acting on nothing";
        }
    }

    /**
     * @param leases   the lease ledger of this manager's current term; null while it does not lead
     * @param leadsNow whether this manager may act as the leader at this very moment
     */
    private java.util.Optional<io.federa.manager.tls.ManagerTls> tls = java.util.Optional.empty();

    /** Commands go to the agents over TLS with this; set before deploying. */
    public void tls(java.util.Optional<io.federa.manager.tls.ManagerTls> tls) {
        this.tls = tls;
    }

    public LifecycleVerticle(Supplier<InventorySnapshot> inventory, Supplier<LeaseLedger> leases,
                             java.util.function.BooleanSupplier leadsNow,
                             Supplier<Catalog> catalog, LifecycleStore store, List<ManagerConfig.Agent> agents,
                             Consumer<Event> events, Settings settings, ManagerConfig.Migration migration) {
        this.migrationSettings = migration;
        this.inventory = inventory;
        this.leases = leases;
        this.leadsNow = leadsNow;
        this.catalog = catalog;
        this.store = store;
        this.events = events;
        this.settings = settings;
        agents.forEach(a -> this.agents.put(a.name(), a));
    }

    @Override
    public Future<?> start() {
        planner = vertx.createSharedWorkerExecutor("federa-reconcile", 1);
        commander = new AgentCommander(vertx, 60_000, () -> term, tls);
        commander.audit(commandAudit);
        migrations = new MigrationRunner(vertx, new RunnerHost(), store, commander, events, migrationSettings);
        migrations.notices(notices);
        return load().onSuccess(v -> {
            timer = vertx.setPeriodic(settings.intervalMillis(), settings.intervalMillis(), id -> tick());
            migrationTimer = vertx.setPeriodic(250, id -> {
                if (actsNow()) {
                    migrations.kick();
                }
            });
        });
    }

    /** What the lifecycle remembers, read from the store (at start, on taking the lead, and while following). */
    private Future<Void> load() {
        return vertx.executeBlocking(() -> {
            Remembered r = new Remembered(store.desired(), store.instances(), store.cordoned(), store.scalingTargets());
            migrations.load();
            return r;
        }).map(r -> {
            desired.clear();
            desired.putAll(r.desired());
            instances.clear();
            instances.putAll(r.instances());
            cordoned.clear();
            cordoned.addAll(r.cordoned());
            scaling.clear();
            r.scaling().forEach((app, t) -> scaling.put(app, ScalingState.changed((int) t[0], t[1])));
            publishedTargets = targets();
            publish();
            loaded = true;
            return null;
        });
    }

    private record Remembered(Map<String, DesiredState> desired, Map<String, ManagedInstance> instances, Set<String> cordoned,
                              Map<String, long[]> scaling) {
    }

    /**
     * This manager leads with {@code term}: it reads what the leader before it left in the store,
     * then acts. Until then, and while following, it acts on nothing. Any thread.
     */
    public Future<Void> lead(long newTerm) {
        io.vertx.core.Promise<Void> loaded = io.vertx.core.Promise.promise();
        context.runOnContext(v -> {
            if (leading && term == newTerm) {
                loaded.complete();
                return;
            }
            leading = false;
            term = newTerm;
            store.guard(newTerm);
            load().onSuccess(x -> {
                if (term == newTerm) {
                    leading = true;
                    migrations.resume();
                    events.accept(new Event(WallClock.millis(), Event.Severity.INFO, "manager.leading", "fleet",
                            "this manager leads with term " + newTerm));
                }
                loaded.complete();
            }).onFailure(e -> {
                LOG.warn("cannot read the lifecycle's state to take the lead: " + e.getMessage());
                loaded.fail(e);
            });
        });
        return loaded.future();
    }

    /** Who is told of every command sent to an agent (the audit log); before this verticle starts. */
    public void auditCommands(AgentCommander.Audit a) {
        commandAudit = a;
    }

    /** Whether this manager's lifecycle acts now: it leads, its claim holds, and it has read what the leader before left. */
    public boolean acting() {
        return actsNow();
    }

    /** This manager no longer leads: it stops acting at once. Any thread. */
    public void follow() {
        context.runOnContext(v -> leading = false);
    }

    /** Whether a pass may act now: this manager leads, and its claim still holds at this moment. */
    private boolean actsNow() {
        return leading && leadsNow.getAsBoolean();
    }

    private void publish() {
        publishedInstances = Map.copyOf(instances);
        publishedDesired = Map.copyOf(desired);
        publishedCordoned = Set.copyOf(cordoned);
    }

    /** Hosts that take no new VMs: cordoned, or polled over SNMP (this manager cannot command their agents). */
    private Set<String> closedHosts(InventorySnapshot inv) {
        Set<String> closed = new HashSet<>(cordoned);
        for (InventorySnapshot.Entry e : inv.agents().values()) {
            ManagerConfig.Agent a = agents.get(e.agent());
            if (a != null && a.transport() != ManagerConfig.Transport.JOLOKIA) {
                e.host().ifPresent(h -> closed.add(h.hostId()));
            }
        }
        return closed;
    }

    /** This manager's standing with the fleet, as of the last pass. */
    public Quorum quorum() {
        return quorum;
    }

    /**
     * Takes this pass's standing with the fleet; says so when it changes. Without a majority the
     * pass plans nothing: another manager, or the agents' peers, may be acting on what this one
     * cannot see, and the hosts this one cannot reach may still be running their VMs.
     */
    private boolean quorate(long now, LeaseLedger leases) {
        Quorum q = new Quorum(leases.holdsMajority(now), leases.renewedWithinLease(now), leases.fleetSize());
        Quorum before = quorum;
        quorum = q;
        if (before.held() != q.held() && (q.held() || before.renewed() > 0 || now - startedAt > leases.timing().leaseMillis())) {
            events.accept(new Event(now, q.held() ? Event.Severity.INFO : Event.Severity.CRITICAL,
                    q.held() ? "manager.majority" : "manager.minority", "fleet", "this manager " + q.describe()));
        }
        return q.held();
    }

    private void tick() {
        long now = WallClock.millis();
        InventorySnapshot inv = inventory.get();
        if (!actsNow()) {
            // A follower shows what the leader decided: read back every few passes.
            if (!leading && ++followerTicks % 3 == 0) {
                load().onFailure(e -> LOG.debug("cannot read the lifecycle's state: " + e.getMessage()));
            }
            return;
        }
        LeaseLedger ledger = leases.get();
        if (ledger == null || !quorate(now, ledger)) {
            return;
        }
        if (planning) {
            // The previous pass is still being planned: this one is skipped, not queued.
            return;
        }
        Set<String> closed = closedHosts(inv);
        scale(catalog.get(), inv, now);
        // A migrating VM is the migration's: no pass starts, stops or replaces it meanwhile.
        Set<String> held = new HashSet<>(busy);
        held.addAll(migrations.holding());
        Reconciler.World world = new Reconciler.World(catalog.get(), inv, desired, instances, closed,
                ledger.fencingDeadlines(unreachable(inv)), settledAfter, held, settings.placement(), settings.graceMillis(),
                settings.leaseMarginMillis(), now, targets(), pruning, probes.get());
        // A pass's cost grows with the catalog and the fleet (docs/benchmarks.md, "One reconcile
        // pass"): it is planned on a worker of its own, and carried out here, on the event loop,
        // only if nothing it was planned from has changed meanwhile.
        planning = true;
        planner.<Plan>executeBlocking(() -> {
            Plan p = Reconciler.plan(world);
            if (world.catalog() != null) {
                failover = io.federa.manager.core.placement.Failover.ofLargestHost(world.inventory(), world.cordoned(),
                        world.catalog(), world.placement());
            }
            return p;
        }).onComplete(ar -> {
            planning = false;
            if (ar.failed()) {
                LOG.warn("a reconcile pass failed; the next one plans again", ar.cause());
                return;
            }
            String stale = staleness(world, ledger);
            if (stale != null) {
                // Once in a while is the race it guards against; every pass would be a manager stuck.
                if (++droppedInARow % 10 == 0) {
                    LOG.warn(droppedInARow + " reconcile passes in a row dropped, the last for its " + stale
                            + " having changed while it was planned");
                }
                return;
            }
            droppedInARow = 0;
            carryOut(ar.result(), now, inv);
        });
    }

    /**
     * Why a plan made from {@code world} under {@code plannedUnder} may no longer be carried out,
     * or null: this manager no longer acts, leads under another term or lost its majority, or what the pass was planned from changed meanwhile (a
     * service started or stopped, a migration began, an instance moved, a host cordoned, a
     * catalog applied). Polls are not compared: a plan is as fresh as the snapshot it read, as
     * it is when planned on the event loop.
     */
    private String staleness(Reconciler.World world, LeaseLedger plannedUnder) {
        long now = WallClock.millis();
        LeaseLedger ledger = leases.get();
        // Another ledger is another term: its fencing deadlines are not the ones the plan read.
        if (!actsNow() || ledger != plannedUnder || !ledger.holdsMajority(now)) {
            return "standing (no longer acting with a majority under the term it was planned in)";
        }
        if (catalog.get() != world.catalog()) {
            return "definitions";
        }
        if (!desired.equals(world.desired())) {
            return "desired states";
        }
        if (!instances.equals(world.instances())) {
            return "instances";
        }
        Set<String> held = new HashSet<>(busy);
        held.addAll(migrations.holding());
        if (!held.equals(world.busy())) {
            return "VMs held by commands or migrations";
        }
        if (!world.cordoned().containsAll(cordoned)) {
            return "cordons";
        }
        if (!pruning.equals(world.prune()) || !targets().equals(world.targets())) {
            return "pruning or scaling targets";
        }
        return null;
    }

    private void carryOut(Plan plan, long now, InventorySnapshot inv) {
        lastPlan = plan;
        Set<String> open = new HashSet<>(busyService.values());
        plan.steps().forEach(st -> open.add(st.service()));
        // A service with instances still to remove is not converged while they wait (for their
        // dependants, for minAvailable, for their host) as much as while their steps run.
        open.addAll(plan.reducing());
        unsettled = Set.copyOf(open);
        lastPlanAt = now;
        sayUnschedulable(plan, now);
        sayOrphaned(inv, now);
        if (plan.isEmpty() && plan.removed().isEmpty()) {
            return;
        }
        // Where instances go is remembered before anything is sent: a step that fails leaves the
        // instance recorded on a host without its VM, which the next pass places again.
        for (ManagedInstance i : plan.placed()) {
            instances.put(i.name(), i);
        }
        plan.removed().forEach(instances::remove);
        pruning.removeAll(plan.removed());
        publish();
        List<ManagedInstance> placed = plan.placed();
        List<String> removed = plan.removed();
        Future<Void> saved = placed.isEmpty() && removed.isEmpty() ? Future.succeededFuture() : vertx.executeBlocking(() -> {
            for (ManagedInstance i : placed) {
                store.putInstance(i);
            }
            for (String r : removed) {
                store.removeInstance(r);
            }
            return null;
        });
        for (Plan.Step s : plan.steps()) {
            busy.add(s.vm());
            busyService.put(s.vm(), s.service());
        }
        saved.onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("cannot record where instances go, nothing sent this pass: " + ar.cause().getMessage());
                plan.steps().forEach(s -> {
                    busy.remove(s.vm());
                    busyService.remove(s.vm());
                });
                return;
            }
            for (Plan.Step s : plan.steps()) {
                run(s, 0, System.nanoTime());
            }
        });
    }

    private static List<String> unreachable(InventorySnapshot inv) {
        List<String> out = new java.util.ArrayList<>();
        for (InventorySnapshot.Entry e : inv.agents().values()) {
            if (!e.reachable()) {
                out.add(e.agent());
            }
        }
        return out;
    }

    private Map<String, Integer> targets() {
        Map<String, Integer> t = new HashMap<>();
        scaling.forEach((app, st) -> t.put(app, st.target()));
        return t;
    }

    /**
     * Each started service's applications with a scaling policy: their load (the mean CPU load of
     * their running VMs on hosts that answer) against the policy; a decision is an event.
     */
    private void scale(Catalog c, InventorySnapshot inv, long now) {
        if (c == null) {
            return;
        }
        Set<String> seen = new HashSet<>();
        RunningInstances running = RunningInstances.of(inv);
        for (Map.Entry<String, DesiredState> d : desired.entrySet()) {
            if (d.getValue() != DesiredState.STARTED || !c.services().containsKey(d.getKey())) {
                continue;
            }
            for (ApplicationSpec app : c.startOrder(d.getKey())) {
                if (app.scaling().isEmpty() || !seen.add(app.name())) {
                    continue;
                }
                java.util.OptionalDouble load;
                if (app.scaling().get().metric() == io.federa.manager.core.spec.ScalingPolicy.Metric.CPU_LOAD) {
                    load = ScalingEvaluator.cpuLoad(running, app.name());
                } else if (app.probe().flatMap(io.federa.manager.core.spec.ProbeSpec::loadField).isPresent()) {
                    // The application's own load, as its serving instances' probes report it.
                    load = probes.get().load(app.name());
                } else {
                    // Nothing reports this application's own load: such a policy scales on alerts only.
                    if (applicationLoadSaid.add(app.name())) {
                        events.accept(new Event(now, Event.Severity.WARNING, "scaling.ignored", d.getKey(), app.name()
                                + " scales on the application's own load, which no probe of it reports (no probe.loadField):"
                                + " only alerts scale it"));
                    }
                    continue;
                }
                ScalingState st = ScalingEvaluator.current(app, scaling.get(app.name()));
                ScalingEvaluator.Result r = ScalingEvaluator.evaluate(d.getKey(), app, st, load, expected.apply(app.name()), now);
                scaling.put(app.name(), r.state());
                r.decision().ifPresent(this::decided);
            }
        }
        publishedTargets = targets();
    }

    /** Scaling decisions taken, by "service/application/direction/source" (direction out or in; source rule, alert or forecast). */
    private final Map<String, Long> decisions = new java.util.concurrent.ConcurrentHashMap<>();

    public Map<String, Long> scalingDecisions() {
        return Map.copyOf(decisions);
    }

    private void decided(ScalingDecision d) {
        vertx.executeBlocking(() -> {
            store.setScalingTarget(d.application(), d.to(), d.atMillis());
            return null;
        }).onFailure(e -> LOG.warn("cannot record " + d.application() + "'s scaling target " + d.to()
                + " (kept in memory): " + e.getMessage()));
        decisions.merge(d.service() + "/" + d.application() + "/" + (d.scaleOut() ? "out" : "in") + "/"
                + (d.why().startsWith("alert ") ? "alert" : d.why().startsWith("forecast") ? "forecast" : "rule"), 1L, Long::sum);
        events.accept(new Event(d.atMillis(), Event.Severity.INFO, "scaling.decision", d.service(), d.service() + ": "
                + d.application() + " " + d.from() + " → " + d.to() + " instances: " + d.why()));
        notices.scaled(d);
    }

    /**
     * Where the applications' probes are read from: an instance whose probe calls for it is
     * restarted, and an application's own load comes from its probes. Set before the verticle starts.
     */
    public void probes(Supplier<io.federa.manager.core.probe.ProbeBook> p) {
        this.probes = p;
    }

    /** What the load forecast expects of an application within its policy's ahead (scaling ahead); set before the verticle starts. */
    public void expected(java.util.function.Function<String, java.util.Optional<io.federa.manager.core.scaling.Expected>> e) {
        expected = e;
    }

    private java.util.function.Function<String, java.util.Optional<io.federa.manager.core.scaling.Expected>> expected =
            a -> java.util.Optional.empty();

    /** Who hears of scaling decisions and of migrations that finish or stick; set before the verticle starts. */
    public void notices(Notices n) {
        notices = n;
    }

    /**
     * An alert asking to scale an application out or in (any thread). Refused quietly by the
     * policy's bounds and cooldown; the outcome is an event either way.
     */
    public void alert(String service, String application, boolean out, String alertName) {
        context.runOnContext(v -> {
            Catalog c = catalog.get();
            ApplicationSpec app = c == null ? null : c.applications().get(application);
            long now = WallClock.millis();
            if (c == null || !c.scales(service, application)) {
                events.accept(new Event(now, Event.Severity.WARNING, "scaling.ignored", service, "alert " + alertName
                        + " names " + service + "/" + application + ", which has no scaling policy"));
                return;
            }
            ScalingState st = ScalingEvaluator.current(app, scaling.get(application));
            ScalingEvaluator.Result r = ScalingEvaluator.alert(service, app, st, out, alertName, now);
            scaling.put(application, r.state());
            publishedTargets = targets();
            if (r.decision().isPresent()) {
                decided(r.decision().get());
            } else {
                events.accept(new Event(now, Event.Severity.INFO, "scaling.held", service, "alert " + alertName
                        + " asks to scale " + application + (out ? " out" : " in") + "; held at " + st.target()
                        + " instances (bounds or cooldown)"));
            }
        });
    }

    /** The instances each scaled application wants now. */
    public Map<String, Integer> scalingTargets() {
        return publishedTargets;
    }

    /**
     * The instances of applications no service has any more, not being pruned: an event naming
     * them whenever that set changes and is not empty, and the list the API and metrics read.
     */
    private void sayOrphaned(InventorySnapshot inv, long now) {
        List<ManagedInstance> orphaned = InstanceLedger.of(instances, inv, Set.of(), catalog.get()).orphaned().stream()
                .filter(i -> !pruning.contains(i.name())).toList();
        if (!orphaned.equals(publishedOrphaned) && !orphaned.isEmpty()) {
            events.accept(new Event(now, Event.Severity.WARNING, "lifecycle.orphaned", "fleet", orphaned.size()
                    + " VMs in no service, stopped and kept with their data (federa apply --prune removes them): "
                    + String.join(", ", orphaned.stream().map(i -> i.name() + " on " + i.host()).toList())));
        }
        publishedOrphaned = orphaned;
    }

    /** The instances of applications no service has any more, kept defined (not being pruned), by name. */
    public List<ManagedInstance> orphaned() {
        return publishedOrphaned;
    }

    /**
     * New definitions were applied (any thread): no service reads converged until a pass has run
     * over them; with {@code prune}, the instances they leave in no service are removed with their
     * data by the next passes.
     */
    public Future<Void> definitionsApplied(boolean prune) {
        Promise<Void> p = Promise.promise();
        context.runOnContext(v -> {
            definitionsAt = WallClock.millis();
            if (prune) {
                InstanceLedger.of(instances, inventory.get(), Set.of(), catalog.get()).orphaned()
                        .forEach(i -> pruning.add(i.name()));
                publishedOrphaned = publishedOrphaned.stream().filter(i -> !pruning.contains(i.name())).toList();
            }
            p.complete();
        });
        return p.future();
    }

    private void sayUnschedulable(Plan plan, long now) {
        Set<String> current = new HashSet<>();
        for (Outcome.Unschedulable u : plan.unschedulable()) {
            current.add(u.instance());
            String text = Explanation.of(u).trim();
            if (!text.equals(unschedulableSaid.get(u.instance()))) {
                unschedulableSaid.put(u.instance(), text);
                events.accept(new Event(now, Event.Severity.WARNING, "placement.unschedulable", u.instance(), text));
            }
        }
        unschedulableSaid.keySet().retainAll(current);
    }

    private void run(Plan.Step step, int index, long startedNanos) {
        if (index >= step.actions().size()) {
            busy.remove(step.vm());
            busyService.remove(step.vm());
            settledAfter.put(step.vm(), WallClock.millis());
            return;
        }
        Action a = step.actions().get(index);
        ManagerConfig.Agent agent = inventory.get().agentOfHost(a.host()).map(e -> agents.get(e.agent())).orElse(null);
        if (agent == null) {
            busy.remove(step.vm());
            busyService.remove(step.vm());
            events.accept(new Event(WallClock.millis(), Event.Severity.WARNING, "lifecycle.failed", step.service(),
                    step.service() + ": " + a.verb() + " " + a.vm() + " on " + a.host() + ": no agent of this manager serves that host"));
            return;
        }
        String operationId = "op-" + bootId + "-" + sequence.incrementAndGet();
        send(agent, a, operationId, 3).onComplete(ar -> {
            long now = WallClock.millis();
            String elapsed = String.format(java.util.Locale.ROOT, "%.2f s", (System.nanoTime() - startedNanos) / 1e9);
            if (ar.succeeded()) {
                String outcome = ar.result().getString("outcome", "done");
                events.accept(new Event(now, Event.Severity.INFO, "lifecycle.step", step.service(),
                        step.service() + ": " + step.application() + " " + a.vm() + " on " + a.host() + ": " + past(a.verb())
                                + ("already".equals(outcome) ? " (already so)" : "") + ", epoch " + a.epoch() + ", " + elapsed
                                + " — " + step.why()));
                run(step, index + 1, startedNanos);
            } else {
                boolean refused = ar.cause() instanceof AgentCommander.Refused;
                events.accept(new Event(now, Event.Severity.WARNING, refused ? "lifecycle.refused" : "lifecycle.failed",
                        step.service(), step.service() + ": " + a.verb() + " " + a.vm() + " on " + a.host() + " "
                        + (refused ? "refused" : "failed") + ": " + ar.cause().getMessage()));
                busy.remove(step.vm());
                busyService.remove(step.vm());
                settledAfter.put(step.vm(), now);
            }
        });
    }

    /** Sends once, and again with the same operation id after a failure that was not a refusal. */
    private Future<io.vertx.core.json.JsonObject> send(ManagerConfig.Agent agent, Action a, String operationId, int tries) {
        Promise<io.vertx.core.json.JsonObject> p = Promise.promise();
        commander.send(agent, a, operationId).onComplete(ar -> {
            if (ar.succeeded() || ar.cause() instanceof AgentCommander.Refused || tries <= 1) {
                p.handle(ar);
            } else {
                vertx.setTimer(200, id -> send(agent, a, operationId, tries - 1).onComplete(p));
            }
        });
        return p.future();
    }

    private static String past(String verb) {
        return switch (verb) {
            case "define" -> "defined";
            case "start" -> "started";
            case "shutdown" -> "shut down";
            case "destroy" -> "powered off";
            case "undefine" -> "undefined";
            case "remove" -> "removed with its data";
            default -> verb;
        };
    }

    // ------------------------------------------------------------------------------------------
    // What operators change (any thread: hopped onto the event loop)

    /** Records the desired state; the next pass acts on it. */
    public Future<Void> setDesired(String service, DesiredState state, String by) {
        Promise<Void> p = Promise.promise();
        context.runOnContext(v -> vertx.executeBlocking(() -> {
            store.setDesired(service, state, by, WallClock.millis());
            return null;
        }).onSuccess(x -> {
            desired.put(service, state);
            desiredAt.put(service, WallClock.millis());
            publish();
            events.accept(new Event(WallClock.millis(), Event.Severity.INFO, "lifecycle.desired", service,
                    "service " + service + " set to " + state + " by " + by));
        }).<Void>mapEmpty().onComplete(p));
        return p.future();
    }

    /** @return whether anything changed */
    public Future<Boolean> cordon(String host, boolean on, String by) {
        Promise<Boolean> p = Promise.promise();
        context.runOnContext(v -> vertx.executeBlocking(() -> store.cordon(host, on, by, WallClock.millis()))
                .onSuccess(changed -> {
                    if (on) {
                        cordoned.add(host);
                    } else {
                        cordoned.remove(host);
                    }
                    publish();
                    if (changed) {
                        events.accept(new Event(WallClock.millis(), Event.Severity.INFO,
                                on ? "host.cordoned" : "host.uncordoned", host,
                                "host " + host + (on ? " cordoned" : " uncordoned") + " by " + by));
                    }
                }).onComplete(p));
        return p.future();
    }

    public Map<String, DesiredState> desired() {
        return publishedDesired;
    }

    /**
     * What operators and the passes ask of the services now, for the service view: the desired
     * states (once read from the store), the scaling targets, and what the last pass held back.
     * Any thread.
     */
    public ServiceView.Asked asked() {
        return loaded ? new ServiceView.Asked(true, publishedDesired, publishedTargets, lastPlan.waits()) : ServiceView.Asked.UNREAD;
    }

    public Map<String, ManagedInstance> instances() {
        return publishedInstances;
    }

    public Set<String> cordoned() {
        return publishedCordoned;
    }

    /**
     * Whether a pass has run since the service's desired state last changed and left nothing to do
     * for it: no step planned, none in flight.
     */
    public boolean converged(String service) {
        return publishedDesired.containsKey(service) && lastPlanAt > desiredAt.getOrDefault(service, 0L)
                && lastPlanAt > definitionsAt && !unsettled.contains(service);
    }

    /** The last pass's plan: what waits and why, what fits nowhere. */
    public Plan lastPlan() {
        return lastPlan;
    }

    public PlacementConfig placement() {
        return settings.placement();
    }

    /** Could the fleet take its largest host's running instances now: as the last pass planned it; empty before. */
    public java.util.Optional<io.federa.manager.core.placement.Failover> failover() {
        return failover;
    }

    // ------------------------------------------------------------------------------------------
    // Migrations

    /** Asks to move a managed VM with its data (any thread); fails with the reason it cannot. */
    public Future<io.federa.manager.core.migration.Migration> migrate(String vm, java.util.Optional<String> to, String by,
                                                                      boolean allowDowntime) {
        Promise<io.federa.manager.core.migration.Migration> p = Promise.promise();
        context.runOnContext(v -> migrations.request(vm, to, by, allowDowntime).onComplete(p));
        return p.future();
    }

    /** Cordons a host and moves every VM the manager placed there (any thread). */
    public Future<Drain> drain(String host, String by, boolean allowDowntime) {
        Promise<Drain> p = Promise.promise();
        context.runOnContext(v -> migrations.drain(host, by, allowDowntime).onComplete(p));
        return p.future();
    }

    /** An operator's command to one VM through its host's agent, by the VM's name. */
    public enum VmCommand {
        /** Power it off at once (the agent's destroyVm); a VM a started service wants is started again by the next pass. */
        DESTROY,
        /** Fix its CPU load to a ratio (the VM's simulateLoad): libvirt's test driver only, the agent refuses it elsewhere. */
        SET_LOAD,
        /** Back to its measured load (the VM's clearSimulatedLoad). */
        CLEAR_LOAD
    }

    /** Why a VM command was not carried out: what it named does not exist, is ambiguous, or the agent said no or failed. */
    public static final class VmCommandFailed extends Exception {
        private static final long serialVersionUID = 1L;

        public enum Kind { NOT_FOUND, AMBIGUOUS, REFUSED, FAILED }

        private final Kind kind;
        private final String field;

        VmCommandFailed(Kind kind, String field, String message) {
            super(message, null, false, false);
            this.kind = kind;
            this.field = field;
        }

        public Kind kind() {
            return kind;
        }

        public String field() {
            return field;
        }
    }

    /** What a VM command did: on which host, and the agent's answer (null for an operation that answers nothing). */
    public record VmCommandDone(String vm, String host, Object answer) {
    }

    /**
     * Runs a command on a VM named as the operator knows it (any thread): its host is the one the
     * inventory lists it on; a name on two hosts (a stale copy) means the one the manager placed,
     * else {@code host} must say which.
     */
    public Future<VmCommandDone> vmCommand(String vm, java.util.Optional<String> host, VmCommand command, double ratio,
                                           String by) {
        Promise<VmCommandDone> p = Promise.promise();
        context.runOnContext(v -> {
            InventorySnapshot inv = inventory.get();
            List<String> on = inv.vms().stream().filter(x -> x.name().equals(vm))
                    .filter(x -> host.map(h -> h.equals(x.host())).orElse(true)).map(x -> x.host()).distinct().sorted().toList();
            if (on.size() > 1 && instances.containsKey(vm) && on.contains(instances.get(vm).host())) {
                on = List.of(instances.get(vm).host());
            }
            if (on.isEmpty()) {
                p.fail(new VmCommandFailed(VmCommandFailed.Kind.NOT_FOUND, "name", "no VM named " + vm
                        + host.map(h -> " on " + h).orElse("") + " in the inventory (federa vms lists them)"));
                return;
            }
            if (on.size() > 1) {
                p.fail(new VmCommandFailed(VmCommandFailed.Kind.AMBIGUOUS, "host", vm + " is on " + String.join(" and ", on)
                        + ", and the manager placed none of them; say which with host"));
                return;
            }
            String where = on.get(0);
            ManagerConfig.Agent agent = inv.agentOfHost(where).map(e -> agents.get(e.agent())).orElse(null);
            if (agent == null) {
                p.fail(new VmCommandFailed(VmCommandFailed.Kind.FAILED, "name", vm + " is on " + where
                        + ", which no agent of this manager serves"));
                return;
            }
            String vmBean = "federa:type=VirtualMachine,name=" + vm;
            Future<Object> sent = switch (command) {
                case DESTROY -> commander.operate(agent, "federa:type=Agent", "destroyVm",
                        new io.vertx.core.json.JsonArray().add(vm), "destroyVm " + vm + " (asked by " + by + ")");
                case SET_LOAD -> commander.operate(agent, vmBean, "simulateLoad", new io.vertx.core.json.JsonArray().add(ratio),
                        "simulateLoad " + vm + " " + ratio + " (asked by " + by + ")");
                case CLEAR_LOAD -> commander.operate(agent, vmBean, "clearSimulatedLoad", new io.vertx.core.json.JsonArray(),
                        "clearSimulatedLoad " + vm + " (asked by " + by + ")");
            };
            sent.onSuccess(answer -> p.complete(new VmCommandDone(vm, where, answer)))
                    .onFailure(e -> p.fail(new VmCommandFailed(e instanceof AgentCommander.Refused ? VmCommandFailed.Kind.REFUSED
                            : VmCommandFailed.Kind.FAILED, "name", e.getMessage())));
        });
        return p.future();
    }

    /** The latest finished migrations, then the unfinished ones. */
    public List<io.federa.manager.core.migration.Migration> migrations() {
        return migrations == null ? List.of() : migrations.migrations();
    }

    /** Migrations ended since start, by outcome ("done", "rolled-back"). */
    public Map<String, Long> migrationOutcomes() {
        return migrations == null ? Map.of() : migrations.outcomes();
    }

    /** The lifecycle as its migration runner sees it. */
    private final class RunnerHost implements MigrationRunner.Host {
        @Override
        public InventorySnapshot inventory() {
            return inventory.get();
        }

        @Override
        public Catalog catalog() {
            return catalog.get();
        }

        @Override
        public Map<String, ManagedInstance> instances() {
            return instances;
        }

        @Override
        public void instanceMoved(ManagedInstance now) {
            instances.put(now.name(), now);
            settledAfter.put(now.name(), WallClock.millis());
            publish();
        }

        @Override
        public void instanceForgotten(String name) {
            instances.remove(name);
            settledAfter.remove(name);
            publish();
        }

        @Override
        public Set<String> closedHosts(InventorySnapshot inv) {
            return LifecycleVerticle.this.closedHosts(inv);
        }

        @Override
        public Set<String> lifecycleBusy() {
            return busy;
        }

        @Override
        public java.util.Optional<ManagerConfig.Agent> agentOfHost(String host) {
            return inventory.get().agentOfHost(host).map(e -> agents.get(e.agent()));
        }

        @Override
        public Set<String> cordoned() {
            return Set.copyOf(cordoned);
        }

        @Override
        public PlacementConfig placementConfig() {
            return settings.placement();
        }

        @Override
        public Future<Boolean> cordon(String host, String by) {
            return LifecycleVerticle.this.cordon(host, true, by);
        }
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        vertx.cancelTimer(migrationTimer);
        return commander.close();
    }
}
