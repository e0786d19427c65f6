package io.federa.e2e;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.poll.PollingVerticle;
import io.federa.manager.spec.CatalogYaml;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager's poller against the demo's agents as real processes: the inventory fills, the
 * shop service's availability follows a VM stopped through its agent, a killed agent's host goes
 * UNREACHABLE within 3 s and comes back when the agent returns.
 */
class InventoryEndToEndTest {
    private static final long INTERVAL_MS = 500;

    private static InventorySnapshot await(java.util.function.Supplier<InventorySnapshot> inv, Predicate<InventorySnapshot> condition, long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            InventorySnapshot i = inv.get();
            if (i != null && condition.test(i)) {
                return i;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not within " + millis + " ms; last inventory: " + inv.get());
    }

    private static boolean reachable(InventorySnapshot i, String agent) {
        return i.agents().get(agent).health().state() == AgentHealth.State.REACHABLE;
    }

    /** The shop as the manager's view judges it once started, over an inventory polled here. */
    private static ServiceAvailability shop(Catalog catalog, InventorySnapshot inventory) {
        return ServiceView.of(catalog, inventory, new ServiceView.Asked(true, java.util.Map.of("shop", DesiredState.STARTED),
                java.util.Map.of(), List.of()), java.util.Map.of()).service("shop").orElseThrow().availability().orElseThrow();
    }

    @Test
    void the_inventory_follows_vms_and_agents(@TempDir Path dir) throws Exception {
        Catalog shop = CatalogYaml.parse(Files.readString(AgentProcess.root().resolve("examples/shop.yaml"))).catalog().orElseThrow();
        int p1 = AgentProcess.freePort();
        int p2 = AgentProcess.freePort();
        Path c1 = AgentProcess.demoConfig("host-1", dir, p1);
        Path c2 = AgentProcess.demoConfig("host-2", dir, p2);
        AgentProcess a1 = AgentProcess.start(c1);
        AgentProcess a2 = AgentProcess.start(c2);
        Vertx vertx = Vertx.vertx();
        try {
            a1.awaitJolokiaUrl(Duration.ofSeconds(60));
            a2.awaitJolokiaUrl(Duration.ofSeconds(60));
                        PollingVerticle polling = new PollingVerticle(List.of(
                    new ManagerConfig.Agent("host-1", "127.0.0.1", p1, ManagerConfig.Transport.JOLOKIA, "federa", "demo-password-1"),
                    new ManagerConfig.Agent("host-2", "127.0.0.1", p2, ManagerConfig.Transport.JOLOKIA, "federa", "demo-password-2")),
                    INTERVAL_MS, 2, 16, (agent, nanos, failure, entry) -> { });
            vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);

            InventorySnapshot full = await(polling::inventory, i -> reachable(i, "host-1") && reachable(i, "host-2"), 10_000);
            assertThat(full.vms()).extracting(v -> v.name()).contains("web-1", "catalog-db-1", "web-2", "payment-1");
            assertThat(shop(shop, full).state())
                    .isEqualTo(ServiceAvailability.State.UP);

            // A component VM stopped through its agent: DEGRADED, with the reason (on a quiet machine
            // within two poll intervals; how fast is measured by benchmarks, not asserted here).
            post(p2, "demo-password-2", "{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\",\"operation\":\"destroyVm\",\"arguments\":[\"web-2\"]}");
            InventorySnapshot degraded = await(polling::inventory, i -> shop(shop, i).state()
                    == ServiceAvailability.State.DEGRADED, 30_000);
            assertThat(shop(shop, degraded).reasons())
                    .containsExactly("web: 1 of 2 instances running (minAvailable 1); web-2 on host-2: VM SHUT_OFF");

            // The agent killed: UNREACHABLE; payment is on it, so the shop is DOWN.
            a2.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            InventorySnapshot gone = await(polling::inventory, i -> i.agents().get("host-2").health().state() == AgentHealth.State.UNREACHABLE, 30_000);
            assertThat(gone.agents().get("host-2").health().reason()).isIn("connection refused", "connection closed by the agent");
            ServiceAvailability down = shop(shop, gone);
            assertThat(down.state()).isEqualTo(ServiceAvailability.State.DOWN);
            assertThat(down.reasons()).anySatisfy(r -> assertThat(r).contains("payment-1 on host-2: host unreachable"));

            // It comes back at the same address: REACHABLE again.
            a2 = AgentProcess.start(c2);
            a2.awaitJolokiaUrl(Duration.ofSeconds(60));
            await(polling::inventory, i -> reachable(i, "host-2"), 30_000);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
            a1.close();
            a2.close();
        }
    }

    private static void post(int port, String password, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jolokia/"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("federa:" + password).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).contains("\"status\":200");
    }
}
