package io.federa.manager;

import io.federa.common.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.history.HistoryVerticle;
import io.federa.manager.http.ApiVerticle;
import io.federa.manager.metrics.ManagerMetrics;
import io.federa.manager.metrics.PollMetrics;
import io.federa.manager.core.lease.LeaseLedger;
import io.federa.manager.cluster.LeadershipVerticle;
import io.federa.manager.store.LeadershipStore;
import io.federa.manager.poll.PollingVerticle;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.HistoryStore;
import io.federa.manager.store.LifecycleStore;
import io.federa.manager.lifecycle.LifecycleVerticle;
import io.federa.manager.core.placement.PlacementConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The manager's parts wired together: polling, the history of what changed, the metrics and the
 * REST API, over the stores. {@link ManagerMain} runs one; tests start one on a Vert.x of theirs.
 */
public final class Manager {

    private final PollingVerticle polling;
    private final HistoryVerticle history;
    private final ApiVerticle api;
    private final java.util.Optional<io.federa.manager.snmp.ManagerSnmpVerticle> snmp;

    private Manager(PollingVerticle polling, HistoryVerticle history, ApiVerticle api,
                    java.util.Optional<io.federa.manager.snmp.ManagerSnmpVerticle> snmp) {
        this.polling = polling;
        this.history = history;
        this.api = api;
        this.snmp = snmp;
    }

    /** The manager's version, from its jar's manifest ("dev" when run from classes). */
    public static String version() {
        String v = Manager.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * Poll loops: one per core unless {@code -Dfedera.poll.loops=N} says otherwise (for measuring
     * what the loops bring; docs/benchmarks.md).
     */
    static final int POLL_LOOPS = Math.max(1, Integer.getInteger("federa.poll.loops", Runtime.getRuntime().availableProcessors()));
    /** Probes of applications inside VMs in flight at once, across the fleet: more wait for the next tick. */
    static final int PROBES_IN_FLIGHT = 64;

    /** Deploys the manager's verticles; the stores stay the caller's to close. */
    public static Future<Manager> start(Vertx vertx, ManagerConfig config, DefinitionStore definitions, HistoryStore historyStore,
                                        LifecycleStore lifecycleStore) throws SQLException {
        String tooBig = io.federa.manager.core.inventory.HeapBudget.refusal(config.agents().size(), Runtime.getRuntime().maxMemory());
        if (tooBig != null) {
            return Future.failedFuture(new IllegalStateException(tooBig));
        }
        AtomicReference<Catalog> catalog = new AtomicReference<>();
        definitions.catalog().ifPresent(catalog::set);
        PrometheusRegistry registry = new PrometheusRegistry();
        PollMetrics pollMetrics = new PollMetrics(registry, config.agents().stream().map(ManagerConfig.Agent::name).toList());
        io.federa.common.metrics.RuntimeMetrics.register(registry, io.prometheus.metrics.model.snapshots.Labels.EMPTY);
        Map<String, String> transports = config.agents().stream().collect(Collectors.toMap(ManagerConfig.Agent::name,
                a -> a.transport().name().toLowerCase(java.util.Locale.ROOT)));
        long interval = config.pollInterval().toMillis();
        ManagerConfig.Lifecycle lc = config.lifecycle();
        // Leadership comes from the store: the manager that leads renews the agents' leases under
        // its term and acts; the others poll read-only, serve reads, and stand by.
        ManagerConfig.Cluster cluster = config.cluster();
        LeadershipStore leadershipStore = config.store().embedded() ? LeadershipStore.openFile(config.store().file())
                : LeadershipStore.open(config.store().jdbcUrl(), config.store().user(), config.store().password());
        io.federa.manager.store.CostStore costStore = config.store().embedded()
                ? io.federa.manager.store.CostStore.openFile(config.store().file())
                : io.federa.manager.store.CostStore.open(config.store().jdbcUrl(), config.store().user(), config.store().password());
        AtomicReference<ApiVerticle> apiRef = new AtomicReference<>();
        AtomicReference<PollingVerticle> pollingRef = new AtomicReference<>();
        LeadershipVerticle leadership = new LeadershipVerticle(leadershipStore, cluster.name(),
                () -> !cluster.url().isEmpty() ? cluster.url() : apiRef.get() == null ? ""
                        : (config.tls().isPresent() ? "https://" : "http://") + config.api().address() + ":"
                        + apiRef.get().actualPort(),
                cluster.leaderTtl().toMillis(), lc.clockSkew().toMillis(),
                () -> pollingRef.get() == null ? 0 : (int) pollingRef.get().inventory().agents().values().stream()
                        .filter(io.federa.manager.core.inventory.InventorySnapshot.Entry::reachable).count(),
                config.agents().size());
        PollingVerticle polling = new PollingVerticle(config.agents(), interval, config.missedPollsAllowed(),
                config.maxConcurrentPolls(), new PollingVerticle.LeaseSettings(cluster.name(), lc.lease().toMillis(),
                lc.peerGrantMillis(), lc.gapMillis(config.pollInterval()), lc.clockSkew().toMillis(), lc.signingKey()),
                leadership::leadsNow,
                cluster.followerTurns(config.pollInterval()), POLL_LOOPS,
                (agent, nanos, failure, entry) -> pollMetrics.observe(agent, transports.get(agent), nanos, failure));
        pollingRef.set(polling);
        // Certificates were read and checked with the configuration: nothing here reads a file.
        java.util.Optional<io.federa.manager.tls.ManagerTls> tls = config.tls().map(io.federa.manager.tls.ManagerTls::new);
        polling.tls(tls);
        // The service view is computed by the history each interval, from what the lifecycle was asked.
        AtomicReference<LifecycleVerticle> lifecycleRef = new AtomicReference<>();
        HistoryVerticle history = new HistoryVerticle(polling::inventory, catalog::get,
                () -> lifecycleRef.get() == null ? ServiceView.Asked.UNREAD : lifecycleRef.get().asked(), historyStore, interval,
                leadership::leadsNow);
        // The applications' probes, read by availability, scaling and the restart of failing instances.
        io.federa.manager.probe.ProbeVerticle probes = new io.federa.manager.probe.ProbeVerticle(polling::inventory, catalog::get,
                PROBES_IN_FLIGHT);
        history.probes(probes::book);
        io.federa.manager.cost.CostVerticle cost = new io.federa.manager.cost.CostVerticle(polling::inventory, catalog::get,
                costStore, config.cost(), interval, leadership::leadsNow, WallClock::millis);
        io.federa.manager.cost.ForecastVerticle forecasts = new io.federa.manager.cost.ForecastVerticle(polling::inventory,
                catalog::get, costStore, config.cost().grace(), WallClock::millis, 60_000,
                io.federa.manager.cost.ForecastVerticle.EVERY.toMillis());
        LifecycleVerticle lifecycle = new LifecycleVerticle(polling::inventory, polling::leases, leadership::leadsNow,
                catalog::get, lifecycleStore, config.agents(), history::record, new LifecycleVerticle.Settings(interval,
                lc.grace().toMillis(), lc.leaseMargin().toMillis(),
                new PlacementConfig(lc.cpuOvercommit(), lc.strategy(), lc.seed(), 1.0)), config.migration());
        lifecycleRef.set(lifecycle);
        lifecycle.expected(forecasts::expected);
        lifecycle.probes(probes::book);
        polling.onStretch((stretched, message) -> {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PollingVerticle.class);
            if (stretched) {
                log.warn(message);
            } else {
                log.info(message);
            }
            history.record(new io.federa.manager.core.events.Event(WallClock.millis(),
                    stretched ? io.federa.manager.core.events.Event.Severity.WARNING : io.federa.manager.core.events.Event.Severity.INFO,
                    stretched ? io.federa.manager.core.events.Event.POLLING_STRETCHED : io.federa.manager.core.events.Event.POLLING_CAUGHT_UP,
                    "polling", message));
        });
        AtomicReference<Future<Void>> taking = new AtomicReference<>(Future.succeededFuture());
        // A follower reads the definitions the leader applied (every two seconds; the store parses a
        // version once, when it first sees it).
        vertx.setPeriodic(2_000, id -> {
            if (!leadership.leadsNow()) {
                vertx.executeBlocking(definitions::catalog).onSuccess(c -> c.ifPresent(catalog::set));
            }
        });
        leadership.onChange(standing -> {
            if (standing.leading()) {
                // The definitions may have changed under another leader.
                Future<Void> definitionsRead = vertx.executeBlocking(definitions::catalog).map(c -> {
                    c.ifPresent(catalog::set);
                    return null;
                });
                // A leader before this one may have issued statements until it stepped down, by a
                // clock up to the allowed skew ahead of this one's: the ledger starts that much later.
                polling.lead(standing.term(), WallClock.millis() + lc.clockSkew().toMillis());
                taking.set(Future.all(definitionsRead, lifecycle.lead(standing.term())).mapEmpty());
            } else {
                polling.follow();
                lifecycle.follow();
            }
        });
        io.federa.manager.audit.AuditLog audit = new io.federa.manager.audit.AuditLog(vertx, historyStore,
                config.audit().file()).start();
        registry.register(new ManagerMetrics(new ManagerMetrics.Sources() {
            @Override
            public io.federa.manager.core.inventory.InventorySnapshot inventory() {
                return polling.inventory();
            }

            @Override
            public ServiceView view() {
                return history.view();
            }

            @Override
            public double availabilityRatio(String service, long nowMillis, long windowMillis) {
                return history.ratio(service, nowMillis, windowMillis);
            }

            @Override
            public long historyRecordsDropped() {
                return history.droppedRecords();
            }

            @Override
            public long historyWriteFailures() {
                return history.writeFailures();
            }

            @Override
            public Catalog catalog() {
                return catalog.get();
            }

            @Override
            public Map<String, Integer> scalingTargets() {
                return lifecycle.scalingTargets();
            }

            @Override
            public Map<String, Long> scalingDecisions() {
                return lifecycle.scalingDecisions();
            }

            @Override
            public java.util.List<io.federa.manager.core.migration.Migration> migrations() {
                return lifecycle.migrations();
            }

            @Override
            public Map<String, Long> migrationOutcomes() {
                return lifecycle.migrationOutcomes();
            }

            @Override
            public int managersAlive() {
                return leadership.membersAlive();
            }

            @Override
            public int vmsOrphaned() {
                return lifecycle.orphaned().size();
            }

            @Override
            public java.util.Optional<io.federa.manager.core.placement.Failover> failover() {
                return lifecycle.acting() ? lifecycle.failover() : java.util.Optional.empty();
            }

            @Override
            public java.util.List<io.federa.manager.core.placement.Outcome.Unschedulable> unschedulable() {
                return lifecycle.acting() ? lifecycle.lastPlan().unschedulable() : java.util.List.of();
            }

            @Override
            public long leaderTerm() {
                return leadership.leadsNow() ? leadership.standing().term() : 0;
            }

            @Override
            public int leaseFleet() {
                return PollingVerticle.leaseFleet(config.agents()).size();
            }

            @Override
            public long pollCycleMillis() {
                return polling.cycleMillis();
            }

            @Override
            public long pollIntervalMillis() {
                return polling.intendedCycleMillis();
            }

            @Override
            public int pollConcurrencyLimit() {
                return polling.concurrencyLimit();
            }

            @Override
            public long auditDropped() {
                return audit.dropped();
            }

            @Override
            public Map<String, Long> eventsDropped() {
                return history.droppedEvents();
            }

            @Override
            public io.federa.manager.core.cost.Spending spending() {
                return cost.spending();
            }

            @Override
            public Map<String, io.federa.manager.core.cost.Budget> budgets() {
                return config.cost().budgets();
            }

            @Override
            public java.util.List<io.federa.manager.core.forecast.Outlook> outlooks() {
                return forecasts.outlooks();
            }

            @Override
            public long probesSent() {
                return probes.sent();
            }

            @Override
            public long probesFailed() {
                return probes.failed();
            }

            @Override
            public int leasesRenewed() {
                LeaseLedger l = polling.leases();
                return l == null ? 0 : l.renewedWithinLease(WallClock.millis());
            }
        }, WallClock::millis));
        lifecycle.auditCommands((agent, term, action, result) -> audit.record("manager " + cluster.name() + " (term " + term + ")",
                cluster.name(), action, "host/" + agent, result));
        ApiVerticle api = new ApiVerticle(config.api(), config.tokens(), new ApiVerticle.Sources(polling::inventory,
                catalog::get, catalog::set, definitions, historyStore, history, registry, lifecycle, leadership, audit,
                new io.federa.manager.cost.CostReports(costStore, config.cost(), catalog::get, forecasts::outlooks)));
        api.tls(tls);
        lifecycle.tls(tls);
        apiRef.set(api);
        io.federa.common.http.ListenerMetrics.register(registry, "federa",
                () -> api.listener() == null ? java.util.List.of() : java.util.List.of(api.listener()));
        // FEDERA-MANAGER-MIB, read by SNMP4J's threads from what the verticles above published.
        java.util.Optional<io.federa.manager.snmp.ManagerSnmpVerticle> snmp = config.snmp().map(sc ->
                new io.federa.manager.snmp.ManagerSnmpVerticle(sc, new io.federa.common.snmp.SnmpAgentEngine.SystemGroup(
                        "Federa manager " + version(), io.federa.common.snmp.FederaOids.MANAGER_PRODUCT, cluster.name(),
                        sc.location(), sc.contact()), sc.engineFile(), () -> {
                    LeaseLedger leases = polling.leases();
                    long now = WallClock.millis();
                    Map<String, Long> leaseEnds = new java.util.HashMap<>();
                    if (leases != null) {
                        leases.fleet().forEach(a -> leaseEnds.put(a, leases.leaseEnd(a)));
                    }
                    return new io.federa.manager.snmp.ManagerMib.Inputs(version(), cluster.name(), leadership.leadsNow(),
                            leadership.standing().term(), catalog.get(), history.view(), lifecycle.desired(),
                            new io.federa.manager.snmp.ManagerMib.Availability() {
                                @Override
                                public double ratio(String service, long nowMillis, long windowMillis) {
                                    return history.ratio(service, nowMillis, windowMillis);
                                }

                                @Override
                                public java.util.OptionalLong lastChangeMillis(String service) {
                                    return history.lastChangeMillis(service);
                                }
                            }, polling.inventory(), lifecycle.cordoned(), leaseEnds, lifecycle.instances().values(), now,
                            lifecycle.placement().networkLoadRatio());
                }, System::nanoTime, registry));
        snmp.ifPresent(s -> {
            history.onRecorded(s::recorded);
            history.notices(s);
            lifecycle.notices(s);
        });
        return vertx.deployVerticle(polling)
                .compose(id -> vertx.deployVerticle(probes))
                .compose(id -> vertx.deployVerticle(history))
                .compose(id -> vertx.deployVerticle(cost))
                .compose(id -> vertx.deployVerticle(forecasts))
                .compose(id -> vertx.deployVerticle(lifecycle))
                .compose(id -> vertx.deployVerticle(api))
                .compose(id -> snmp.isPresent() ? vertx.deployVerticle(snmp.get()) : Future.succeededFuture(id))
                .compose(id -> vertx.deployVerticle(leadership))
                // A manager that leads from the start is ready once it has read what it leads.
                .compose(id -> taking.get().recover(e -> Future.succeededFuture()))
                .map(id -> new Manager(polling, history, api, snmp));
    }

    public int apiPort() {
        return api.actualPort();
    }

    /** Every route the API serves, as "METHOD /path/{param}". */
    public java.util.SortedSet<String> routes() {
        return api.routes();
    }

    /** The SNMP face's UDP address, e.g. {@code udp:127.0.0.1/16170}, and engine ID; empty when SNMP is off. */
    public java.util.Optional<String> snmpSummary() {
        return snmp.flatMap(s -> s.address().map(a -> "udp:" + a.getAddress().getHostAddress() + "/" + a.getPort()
                + " engine " + s.engineId().orElse("")));
    }

    public PollingVerticle polling() {
        return polling;
    }

    public HistoryVerticle history() {
        return history;
    }

    /** The SNMP face; empty when SNMP is off. */
    public java.util.Optional<io.federa.manager.snmp.ManagerSnmpVerticle> snmp() {
        return snmp;
    }
}
