package io.federa.manager;

import io.federa.manager.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.config.ManagerConfigLoader;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.HistoryStore;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Vertx;

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
        long offset;
        try {
            offset = WallClock.offsetMillis();
        } catch (ExceptionInInitializerError e) {
            System.err.println("federa-manager: " + e.getCause().getMessage());
            System.exit(2);
            return;
        }
        if (offset != 0) {
            System.err.println("federa-manager: warning: this manager's clock runs " + offset + " ms off the system's (-D"
                    + WallClock.OFFSET_PROPERTY + "): for testing the cluster's tolerance to clock skew only");
        }
        DefinitionStore store;
        HistoryStore history;
        LifecycleStore lifecycle;
        try {
            if (config.store().embedded()) {
                Files.createDirectories(config.store().file().getParent());
                store = DefinitionStore.openFile(config.store().file());
                history = HistoryStore.openFile(config.store().file());
                lifecycle = LifecycleStore.openFile(config.store().file());
            } else {
                store = DefinitionStore.open(config.store().jdbcUrl(), config.store().user(), config.store().password());
                history = HistoryStore.open(config.store().jdbcUrl(), config.store().user(), config.store().password());
                lifecycle = LifecycleStore.open(config.store().jdbcUrl(), config.store().user(), config.store().password());
            }
        } catch (Exception e) {
            System.err.println("federa-manager: cannot open the store " + config.store() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        Vertx vertx = Vertx.vertx();
        Manager manager;
        try {
            manager = Manager.start(vertx, config, store, history, lifecycle).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("federa-manager: cannot start: " + e.getMessage());
            vertx.close();
            store.close();
            history.close();
            lifecycle.close();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                vertx.close().await(10, TimeUnit.SECONDS);
                store.close();
                history.close();
                lifecycle.close();
            } catch (Exception e) {
                System.err.println("federa-manager: stopping: " + e.getMessage());
            }
            stopped.countDown();
        }, "manager-shutdown"));
        System.out.println("federa-manager ready | api " + (config.tls().isPresent() ? "https" : "http") + "://" + config.api().address() + ":" + manager.apiPort() + "/api/v1/"
                + " | " + config.agents().size() + " agents every " + config.pollInterval().toMillis() + " ms | store " + config.store()
                + manager.snmpSummary().map(s -> " | snmp " + s).orElse(""));
        System.out.flush();
        stopped.await();
    }
}
