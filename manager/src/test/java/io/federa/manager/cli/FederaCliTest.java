package io.federa.manager.cli;

import io.federa.manager.TestManager;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.http.ApiVerticle;
import io.federa.manager.store.DefinitionStore;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The federa command line against a real API server. */
class FederaCliTest {
    private static final String VIEWER = "viewer-token-0123456789";
    private static final String OPERATOR = "operator-token-0123456789";
    private TestManager manager;
    private DefinitionStore store;
    private String server;
    private Path shop;

    record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        shop = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize().resolve("examples/shop.yaml");
        manager = new TestManager(dir, List.of(new ManagerConfig.Agent("host-1", "127.0.0.1", 9, ManagerConfig.Transport.JOLOKIA,
                "federa", "secret-password")), 1024 * 1024, List.of(
                new ManagerConfig.Token("noc", VIEWER, ManagerConfig.Role.VIEWER),
                new ManagerConfig.Token("ops", OPERATOR, ManagerConfig.Role.OPERATOR)));
        store = manager.definitions;
        server = "http://127.0.0.1:" + manager.port();
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
    }

    private Run federa(String token, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--server", server));
        if (token != null) {
            all.addAll(List.of("--token", token));
        }
        all.addAll(List.of(args));
        int exit = FederaCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void apply_then_read_services_and_status() throws Exception {
        Run applied = federa(OPERATOR, "apply", "-f", shop.toString());
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("as version 1 (services: shop, backoffice)");

        // Defined, never started: STOPPED (once the view of the next poll interval has it).
        Run services = federa(VIEWER, "services");
        for (int i = 0; i < 50 && !services.out().contains("STOPPED"); i++) {
            Thread.sleep(100);
            services = federa(VIEWER, "services");
        }
        assertThat(services.exit()).isZero();
        assertThat(services.out().lines().toList()).first().asString().startsWith("SERVICE").contains("STATE");
        assertThat(services.out()).containsPattern("shop +STOPPED +\\S+ +\\S+ +web,catalog-db,payment");
        assertThat(federa(VIEWER, "status", "shop").out()).startsWith("shop: STOPPED (desired STOPPED)");

        // Started (what fits: nothing, no agent answers): DOWN, with the reasons.
        assertThat(federa(OPERATOR, "start", "shop", "--partial", "--no-wait").exit()).isZero();
        Run status = federa(VIEWER, "status", "shop");
        for (int i = 0; i < 50 && !status.out().startsWith("shop: DOWN"); i++) {
            Thread.sleep(100);
            status = federa(VIEWER, "status", "shop");
        }
        assertThat(status.out()).startsWith("shop: DOWN (desired STARTED)").contains("  - catalog-db: 0 of 1 instances running")
                .contains("running/wanted: web 0/2, catalog-db 0/1, payment 0/1")
                .containsPattern("availability: [0-9.]+% last hour, [0-9.]+% last day, [0-9.]+% last 30 days");

        Run json = federa(VIEWER, "-o", "json", "services");
        assertThat(json.exit()).isZero();
        assertThat(json.out().trim()).startsWith("{").contains("\"state\" : \"DOWN\"");

        // The configured agent has nothing listening: after two missed polls it is UNREACHABLE, with why.
        Run hosts = federa(VIEWER, "hosts");
        for (int i = 0; i < 50 && !hosts.out().contains("UNREACHABLE"); i++) {
            Thread.sleep(100);
            hosts = federa(VIEWER, "hosts");
        }
        assertThat(hosts.out()).containsPattern("host-1 +UNREACHABLE .* connection refused");

        assertThat(federa(VIEWER, "delete", "service", "backoffice").err().trim())
                .isEqualTo("federa: forbidden: this needs the operator role; the token is viewer");
        Run deleted = federa(OPERATOR, "delete", "service", "backoffice");
        assertThat(deleted.out().trim()).isEqualTo("deleted service backoffice (definitions now at version 2)");
        assertThat(federa(VIEWER, "services").out()).doesNotContain("backoffice").contains("shop");

        // Both changes are events, newest first; -o json gives them whole.
        Run events = federa(VIEWER, "events", "--kind", "definitions.", "--since", "1h");
        for (int i = 0; i < 50 && events.out().lines().count() < 3; i++) {
            Thread.sleep(100);
            events = federa(VIEWER, "events", "--kind", "definitions.", "--since", "1h");
        }
        assertThat(events.out().lines().toList()).first().asString().startsWith("TIME").contains("SEVERITY");
        assertThat(events.out()).containsPattern("INFO +definitions.applied +ops +definitions version 1 applied by ops");
        Run all = federa(VIEWER, "-o", "json", "events", "--limit", "5");
        assertThat(all.out()).contains("\"kind\" : \"service.deleted\"").contains("service backoffice deleted by ops");
        assertThat(federa(VIEWER, "events", "--since", "last week").err().trim()).startsWith("federa: bad request: since must be");
        assertThat(federa(OPERATOR, "delete", "service", "backoffice").err().trim())
                .isEqualTo("federa: not found: no service named backoffice (name)");
    }

    @Test
    void every_error_is_one_line_and_a_non_zero_exit() throws Exception {
        Run noToken = federa(null, "services");
        assertThat(noToken.exit()).isEqualTo(1);
        assertThat(noToken.err().trim()).isEqualTo("federa: no API token: pass --token or set FEDERA_TOKEN");

        Run viewerApply = federa(VIEWER, "apply", "-f", shop.toString());
        assertThat(viewerApply.exit()).isEqualTo(1);
        assertThat(viewerApply.err().trim()).isEqualTo("federa: forbidden: this needs the operator role; the token is viewer");

        Path bad = Files.createTempFile("bad", ".yaml");
        Files.writeString(bad, Files.readString(shop).replace("vcpus: 4,", "vcpus: 0,"));
        Run invalid = federa(OPERATOR, "apply", "-f", bad.toString());
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err().trim()).isEqualTo(
                "federa: invalid definition: must be between 1 and 256, got 0 (applications[0].resources.vcpus)");

        Run unknown = federa(VIEWER, "status", "nope");
        assertThat(unknown.err().trim()).isEqualTo("federa: not found: no service named nope (name)");

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        server = "http://127.0.0.1:" + closed;
        Run down = federa(VIEWER, "services");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err()).startsWith("federa: cannot reach the manager at http://127.0.0.1:" + closed);

        Run usage = federa(VIEWER, "frobnicate");
        assertThat(usage.exit()).isEqualTo(2);
    }
}
