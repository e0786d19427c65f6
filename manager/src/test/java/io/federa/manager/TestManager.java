package io.federa.manager;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.HistoryStore;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A whole manager on its own Vert.x, with stores in a temporary folder, for the API and CLI tests. */
public final class TestManager implements AutoCloseable {
    public final Vertx vertx = Vertx.vertx();
    public final DefinitionStore definitions;
    public final HistoryStore history;
    public final LifecycleStore lifecycle;
    public final Manager manager;

    public TestManager(Path dir, List<ManagerConfig.Agent> agents, int maxBodyBytes, List<ManagerConfig.Token> tokens)
            throws Exception {
        definitions = DefinitionStore.openFile(dir.resolve("federa"));
        history = HistoryStore.openFile(dir.resolve("federa"));
        lifecycle = LifecycleStore.openFile(dir.resolve("federa"));
        ManagerConfig config = new ManagerConfig(agents, Duration.ofMillis(200), 2, 16,
                new ManagerConfig.Store(dir.resolve("federa"), "", "", ""),
                new ManagerConfig.Api("127.0.0.1", 0, maxBodyBytes), tokens);
        manager = Manager.start(vertx, config, definitions, history, lifecycle).await(10, TimeUnit.SECONDS);
    }

    public int port() {
        return manager.apiPort();
    }

    @Override
    public void close() throws java.sql.SQLException, java.util.concurrent.TimeoutException {
        vertx.close().await(10, TimeUnit.SECONDS);
        definitions.close();
        history.close();
        lifecycle.close();
    }
}
