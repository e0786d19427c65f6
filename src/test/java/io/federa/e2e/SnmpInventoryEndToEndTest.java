package io.federa.e2e;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.poll.PollingVerticle;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager's poller over SNMP against a real MR agent process: the host with its
 * FEDERA-MR-MIB facts and its VMs with application and service; a VM stopped through the agent's
 * Jolokia is not running on the next polls; wrong credentials give the USM report's reason; a
 * killed agent goes UNREACHABLE with a timeout.
 */
class SnmpInventoryEndToEndTest {
    private static final long INTERVAL_MS = 500;

    static InventorySnapshot await(java.util.function.Supplier<InventorySnapshot> inv, Predicate<InventorySnapshot> condition, long millis)
            throws Exception {
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

    static boolean reachable(InventorySnapshot i, String agent) {
        return i.agents().get(agent).health().state() == AgentHealth.State.REACHABLE;
    }

    static ManagerConfig.Agent snmpAgent(String name, int port, String user, String authPassword, String privPassword) {
        return new ManagerConfig.Agent(name, "127.0.0.1", port, ManagerConfig.Transport.SNMP, user, "",
                new ManagerConfig.Snmp(ManagerConfig.AuthProtocol.SHA_256, authPassword, ManagerConfig.PrivProtocol.AES_128,
                        privPassword, ManagerConfig.HostFacts.UNDECLARED));
    }

    private static VmStatus vm(InventorySnapshot i, String agent, String name) {
        return i.agents().get(agent).vms().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void the_manager_inventories_a_federa_agent_over_snmp(@TempDir Path dir) throws Exception {
        int jolokiaPort = AgentProcess.freePort();
        AgentProcess agent = AgentProcess.start(AgentProcess.demoConfig("host-1", dir, jolokiaPort));
        Vertx vertx = Vertx.vertx();
        try {
            agent.awaitJolokiaUrl(Duration.ofSeconds(60));
            int port = agent.awaitSnmpPort(Duration.ofSeconds(1));
                        List<String> web1States = new ArrayList<>();
            PollingVerticle polling = new PollingVerticle(List.of(
                    snmpAgent("host-1", port, "noc", "demo-auth-pass", "demo-priv-pass"),
                    snmpAgent("stranger", port, "nobody", "demo-auth-pass", "demo-priv-pass")),
                    INTERVAL_MS, 2, 16, (name, nanos, failure, entry) -> {
                        if (name.equals("host-1") && failure == null) {
                            synchronized (web1States) {
                                web1States.add(entry.vms().stream().filter(v -> v.name().equals("web-1")).findFirst()
                                        .orElseThrow().state());
                            }
                        }
                    });
            vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);

            InventorySnapshot full = await(polling::inventory, i -> reachable(i, "host-1"), 10_000);
            HostStatus h = full.agents().get("host-1").host().orElseThrow();
            assertThat(h.hostId()).isEqualTo("host-1");
            assertThat(h.site()).isEqualTo("paris");
            assertThat(h.offsite()).isFalse();
            assertThat(h.securityLevel()).isEqualTo(3);
            assertThat(h.runtimes()).containsExactly("kvm", "jvm");
            assertThat(h.cpus()).isEqualTo(16);
            assertThat(h.memoryBytes()).isEqualTo(65536L << 20);
            assertThat(h.networkBitsPerSecond()).isEqualTo(10_000_000_000L);
            assertThat(h.currency()).isEqualTo("EUR");
            assertThat(h.costPerCpuSecond()).isEqualTo(0.000014);
            assertThat(h.costPerNetworkPacket()).isEqualTo(0.0000001);
            assertThat(full.agents().get("host-1").vms())
                    .extracting(VmStatus::name, VmStatus::application, VmStatus::service, VmStatus::state)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("batch-1", "reports", "backoffice", "SHUT_OFF"),
                            org.assertj.core.groups.Tuple.tuple("catalog-db-1", "catalog-db", "shop", "RUNNING"),
                            org.assertj.core.groups.Tuple.tuple("web-1", "web", "shop", "RUNNING"));
            VmStatus web1 = vm(full, "host-1", "web-1");
            assertThat(web1.host()).isEqualTo("host-1");
            assertThat(web1.uuid()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(web1.vcpus()).isEqualTo(2);
            assertThat(web1.memoryBytes()).isEqualTo(2048L << 20);
            assertThat(web1.diskBytes()).isEqualTo(20L << 30);
            assertThat(web1.networkReceiveBitsPerSecond()).isGreaterThanOrEqualTo(0);

            // A user the agent does not know: the agent answers with the RFC 3414 report, named.
            InventorySnapshot refused = await(polling::inventory, i -> i.agents().get("stranger").health().state() == AgentHealth.State.UNREACHABLE,
                    5_000);
            assertThat(refused.agents().get("stranger").health().reason()).isEqualTo("SNMP: unknown user nobody (usmStatsUnknownUserNames)");

            // web-1 stopped through the agent's Jolokia: not running on the next polls.
            post(jolokiaPort, "{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\",\"operation\":\"destroyVm\",\"arguments\":[\"web-1\"]}");
            int seen;
            synchronized (web1States) {
                seen = web1States.size();
            }
            int from = seen;
            await(polling::inventory, i -> {
                synchronized (web1States) {
                    List<String> after = web1States.subList(from, web1States.size());
                    int firstOff = after.indexOf("SHUT_OFF");
                    return firstOff >= 0 && after.size() >= firstOff + 3;
                }
            }, 5_000);
            synchronized (web1States) {
                List<String> after = web1States.subList(from, web1States.size());
                assertThat(after.subList(after.indexOf("SHUT_OFF"), after.size())).containsOnly("SHUT_OFF");
            }
            assertThat(vm(polling.inventory(), "host-1", "web-1").running()).isFalse();

            // The agent killed: UNREACHABLE, and the reason is the poll's deadline.
            agent.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            InventorySnapshot gone = await(polling::inventory, i -> i.agents().get("host-1").health().state() == AgentHealth.State.UNREACHABLE,
                    5_000);
            assertThat(gone.agents().get("host-1").health().reason()).isEqualTo("timeout after " + INTERVAL_MS + " ms");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
            agent.close();
        }
    }

    @Test
    void wrong_credentials_give_the_agents_report(@TempDir Path dir) throws Exception {
        AgentProcess agent = AgentProcess.start(AgentProcess.demoConfig("host-1", dir, 0));
        Vertx vertx = Vertx.vertx();
        try {
            agent.awaitJolokiaUrl(Duration.ofSeconds(60));
            int port = agent.awaitSnmpPort(Duration.ofSeconds(1));
            // Two pollers: an engine has one password per user, so each poller holds one wrong one.
            PollingVerticle auth = new PollingVerticle(List.of(snmpAgent("host-1", port, "noc", "not-the-auth-pass", "demo-priv-pass")),
                    INTERVAL_MS, 2, 16, (name, nanos, failure, entry) -> { });
            PollingVerticle priv = new PollingVerticle(List.of(snmpAgent("host-1", port, "noc", "demo-auth-pass", "not-the-priv-pass")),
                    INTERVAL_MS, 2, 16, (name, nanos, failure, entry) -> { });
            vertx.deployVerticle(auth).await(10, TimeUnit.SECONDS);
            vertx.deployVerticle(priv).await(10, TimeUnit.SECONDS);

            InventorySnapshot a = await(auth::inventory, i -> i.agents().get("host-1").health().state() == AgentHealth.State.UNREACHABLE, 5_000);
            assertThat(a.agents().get("host-1").health().reason()).isEqualTo("SNMP: wrong authentication (usmStatsWrongDigests)");
            InventorySnapshot p = await(priv::inventory, i -> i.agents().get("host-1").health().state() == AgentHealth.State.UNREACHABLE, 5_000);
            // The agent decrypts the request into garbage it cannot parse, and says nothing.
            assertThat(p.agents().get("host-1").health().reason()).isEqualTo("timeout after " + INTERVAL_MS
                    + " ms (the agent answered engine discovery but no request of user noc: check user, priv and privPassword)");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
            agent.close();
        }
    }

    private static void post(int port, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jolokia/"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("federa:demo-password-1".getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).contains("\"status\":200");
    }
}
