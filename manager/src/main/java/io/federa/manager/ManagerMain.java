package io.federa.manager;

import io.federa.common.clock.WallClock;
import io.federa.common.http.NetworkTransport;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.config.ManagerConfigLoader;
import io.federa.manager.store.Database;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.HistoryStore;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code federa-manager [--check] CONFIG.yaml}: polls the configured agents, keeps the inventory,
 * holds the service definitions and serves the REST API until stopped (SIGINT or SIGTERM).
 * Exit codes: 0 stopped, 2 bad configuration, 1 failed to start.
 */
public final class ManagerMain {
    private ManagerMain() {
    }

    public static void main(String[] args) throws Exception {
        java.util.Optional<String> logging = io.federa.common.logging.Logging.init();
        if (logging.isPresent()) {
            System.err.println("federa-manager: " + logging.get());
            System.exit(2);
        }
        boolean check = false;
        Path file = null;
        for (String a : args) {
            if (a.equals("--check")) {
                check = true;
            } else if (file == null && !a.startsWith("-")) {
                file = Path.of(a);
            } else {
                System.err.println("federa-manager: unexpected argument " + a + " (usage: federa-manager [--check] CONFIG.yaml)");
                System.exit(2);
            }
        }
        if (file == null) {
            System.err.println("federa-manager: missing the configuration file (usage: federa-manager [--check] CONFIG.yaml)");
            System.exit(2);
        }
        ManagerConfig config;
        try {
            config = ManagerConfigLoader.load(file);
        } catch (ManagerConfigLoader.InvalidConfigException e) {
            for (var err : e.errors()) {
                System.err.println("federa-manager: " + file + ": " + err);
            }
            System.exit(2);
            return;
        }
        if (check) {
            System.out.println(file + ": configuration is valid (" + config.agents().size() + " agents)");
            return;
        }
        if (!java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+ExitOnOutOfMemoryError")) {
            System.err.println("federa-manager: warning: started without -XX:+ExitOnOutOfMemoryError (bin/federa-manager sets it): "
                    + "out of memory, this manager could go on with dead threads instead of stopping");
        }
        try {
            WallClock.offsetWarning("this manager's").ifPresent(w -> System.err.println("federa-manager: warning: " + w));
        } catch (IllegalArgumentException e) {
            System.err.println("federa-manager: " + e.getMessage());
            System.exit(2);
        }
        // One pool of store.poolSize connections for the definitions, the history and the lifecycle.
        Database database;
        try {
            if (config.store().embedded()) {
                Files.createDirectories(config.store().file().getParent());
                database = Database.openFile(config.store().file(), config.store().poolSize(), "federa-store");
            } else {
                database = Database.open(config.store().jdbcUrl(), config.store().user(), config.store().password(),
                        config.store().poolSize(), "federa-store");
            }
        } catch (Exception e) {
            System.err.println("federa-manager: cannot open the store " + config.store() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        DefinitionStore store = DefinitionStore.on(database);
        HistoryStore history = HistoryStore.on(database);
        LifecycleStore lifecycle = LifecycleStore.on(database);
        Vertx vertx = Vertx.vertx(NetworkTransport.preferred(new VertxOptions()));
        Manager manager;
        try {
            manager = Manager.start(vertx, config, store, history, lifecycle).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("federa-manager: cannot start: " + e.getMessage());
            vertx.close();
            database.close();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                vertx.close().await(10, TimeUnit.SECONDS);
                database.close();
            } catch (Exception e) {
                System.err.println("federa-manager: stopping: " + e.getMessage());
            }
            stopped.countDown();
        }, "manager-shutdown"));
        System.out.println("federa-manager ready | api " + (config.tls().isPresent() ? "https" : "http") + "://" + config.api().address() + ":" + manager.apiPort() + "/api/v1/"
                + " | " + config.agents().size() + " agents every " + config.pollInterval().toMillis() + " ms | store " + config.store()
                + manager.snmpSummary().map(s -> " | snmp " + s).orElse("") + " | transport " + NetworkTransport.describe(vertx));
        System.out.flush();
        stopped.await();
    }
}
