package io.federa.manager;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.store.Database;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.HistoryStore;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A whole manager on its own Vert.x, its stores sharing one pool as the manager's main opens them
 * (in a temporary folder, or on the configuration's store), for the API and CLI tests.
 */
public final class TestManager implements AutoCloseable {
    public final Vertx vertx = Vertx.vertx();
    public final Database database;
    public final DefinitionStore definitions;
    public final HistoryStore history;
    public final LifecycleStore lifecycle;
    public final Manager manager;

    public TestManager(Path dir, List<ManagerConfig.Agent> agents, int maxBodyBytes, List<ManagerConfig.Token> tokens)
            throws Exception {
        this(new ManagerConfig(agents, Duration.ofMillis(200), 2, 16, new ManagerConfig.Store(dir.resolve("federa"), "", "", ""),
                new ManagerConfig.Api("127.0.0.1", 0, maxBodyBytes), tokens));
    }

    public TestManager(ManagerConfig config) throws Exception {
        ManagerConfig.Store store = config.store();
        database = store.embedded() ? Database.openFile(store.file(), store.poolSize(), "test-store")
                : Database.open(store.jdbcUrl(), store.user(), store.password(), store.poolSize(), "test-store");
        definitions = DefinitionStore.on(database);
        history = HistoryStore.on(database);
        lifecycle = LifecycleStore.on(database);
        manager = Manager.start(vertx, config, definitions, history, lifecycle).await(10, TimeUnit.SECONDS);
    }

    public int port() {
        return manager.apiPort();
    }

    @Override
    public void close() throws java.util.concurrent.TimeoutException {
        vertx.close().await(10, TimeUnit.SECONDS);
        database.close();
    }
}
