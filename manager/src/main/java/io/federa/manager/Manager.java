package io.federa.manager;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.history.HistoryVerticle;
import io.federa.manager.http.ApiVerticle;
import io.federa.manager.metrics.ManagerMetrics;
import io.federa.manager.metrics.PollMetrics;
import io.federa.manager.core.lease.LeaseLedger;
import io.federa.manager.poll.LeaseSigner;
import io.federa.manager.poll.PollingVerticle;
import io.federa.manager.spec.CatalogYaml;
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
    /** How this manager signs the leases it renews on agents. */
    public static final String LEASE_HOLDER = "federa-manager";

    private final PollingVerticle polling;
    private final HistoryVerticle history;
    private final ApiVerticle api;

    private Manager(PollingVerticle polling, HistoryVerticle history, ApiVerticle api) {
        this.polling = polling;
        this.history = history;
        this.api = api;
    }

    /** Deploys the manager's verticles; the stores stay the caller's to close. */
    public static Future<Manager> start(Vertx vertx, ManagerConfig config, DefinitionStore definitions, HistoryStore historyStore,
                                        LifecycleStore lifecycleStore) throws SQLException {
        AtomicReference<Catalog> catalog = new AtomicReference<>();
        definitions.current().flatMap(doc -> CatalogYaml.parse(doc).catalog()).ifPresent(catalog::set);
        PrometheusRegistry registry = new PrometheusRegistry();
        PollMetrics pollMetrics = new PollMetrics(registry);
        Map<String, String> transports = config.agents().stream().collect(Collectors.toMap(ManagerConfig.Agent::name,
                a -> a.transport().name().toLowerCase(java.util.Locale.ROOT)));
        long interval = config.pollInterval().toMillis();
        ManagerConfig.Lifecycle lc = config.lifecycle();
        // Every start takes the lead with a new term: agents refuse renewals of an older one, so a
        // manager that was replaced can no longer extend a lease.
        long startedAt = System.currentTimeMillis();
        long term = lifecycleStore.claimTerm(LEASE_HOLDER, startedAt);
        java.util.List<String> fleet = PollingVerticle.leaseFleet(config.agents());
        LeaseLedger ledger = new LeaseLedger(fleet, new LeaseLedger.Timing(lc.lease().toMillis(), interval,
                lc.gapMillis(config.pollInterval()), lc.peerGrantMillis()), startedAt);
        LeaseSigner signer = new LeaseSigner(LEASE_HOLDER, term, lc.lease().toMillis(), lc.peerGrantMillis(),
                lc.gapMillis(config.pollInterval()), interval, fleet, lc.signingKey());
        PollingVerticle polling = new PollingVerticle(config.agents(), interval, config.missedPollsAllowed(),
                config.maxConcurrentPolls(), signer, ledger, (agent, nanos, failure, next) ->
                pollMetrics.observe(agent, transports.get(agent), nanos, failure));
        HistoryVerticle history = new HistoryVerticle(polling::inventory, catalog::get, historyStore, interval);
        LifecycleVerticle lifecycle = new LifecycleVerticle(polling::inventory, ledger, catalog::get,
                lifecycleStore, config.agents(), history::record, new LifecycleVerticle.Settings(interval,
                lc.grace().toMillis(), lc.leaseMargin().toMillis(),
                new PlacementConfig(lc.cpuOvercommit(), lc.strategy(), lc.seed(), 1.0)), config.migration());
        registry.register(new ManagerMetrics(new ManagerMetrics.Sources() {
            @Override
            public io.federa.manager.core.inventory.InventorySnapshot inventory() {
                return polling.inventory();
            }

            @Override
            public Map<String, io.federa.manager.core.availability.ServiceAvailability> services() {
                return history.states();
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
            public long leaderTerm() {
                return term;
            }

            @Override
            public int leaseFleet() {
                return ledger.fleetSize();
            }

            @Override
            public int leasesRenewed() {
                return ledger.renewedWithinLease(System.currentTimeMillis());
            }
        }, System::currentTimeMillis));
        ApiVerticle api = new ApiVerticle(config.api(), config.tokens(), new ApiVerticle.Sources(polling::inventory,
                catalog::get, catalog::set, definitions, historyStore, history, registry, lifecycle));
        return vertx.deployVerticle(polling)
                .compose(id -> vertx.deployVerticle(history))
                .compose(id -> vertx.deployVerticle(lifecycle))
                .compose(id -> vertx.deployVerticle(api))
                .map(id -> new Manager(polling, history, api));
    }

    public int apiPort() {
        return api.actualPort();
    }

    /** Every route the API serves, as "METHOD /path/{param}". */
    public java.util.SortedSet<String> routes() {
        return api.routes();
    }

    public PollingVerticle polling() {
        return polling;
    }

    public HistoryVerticle history() {
        return history;
    }
}
