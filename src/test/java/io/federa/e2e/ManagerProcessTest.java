package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged manager as a process with the three demo agents, as an operator runs them: the
 * example applied and STOPPED until started, then started over the VMs already there, a VM it does
 * not manage stopped without harm, an agent killed and the service DOWN with the reason, its host
 * unreachable then back and the service UP again, each change in the events and the service's
 * history, the metrics clean for promtool, and the {@code federa} launcher showing it all.
 */
class ManagerProcessTest {
    private static final String VIEWER = ManagerProcess.VIEWER;
    private static final String OPERATOR = ManagerProcess.OPERATOR;

    private static void jolokia(int port, String password, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jolokia/"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("federa:" + password).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).contains("\"status\":200");
    }

    private static String host(JsonNode hosts, String agent, String field) {
        for (JsonNode h : hosts.path("hosts")) {
            if (h.path("agent").asText().equals(agent)) {
                return h.path(field).asText();
            }
        }
        return "";
    }

    private static String vmState(JsonNode vms, String name) {
        for (JsonNode v : vms.path("vms")) {
            if (v.path("name").asText().equals(name)) {
                return v.path("state").asText();
            }
        }
        return "";
    }

    private static String promtoolCheck(String metrics) throws Exception {
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() + out;
    }

    @Test
    void the_noc_sees_the_shop_degrade_a_host_vanish_and_come_back(@TempDir Path dir) throws Exception {
        int p1 = AgentProcess.freePort();
        int p2 = AgentProcess.freePort();
        int p3 = AgentProcess.freePort();
        String managerYaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                .replaceAll("(?m)^  - \\{ name: host-4.*\\n", "")
                .replace("port: 8781", "port: " + p1).replace("port: 8782", "port: " + p2).replace("port: 8783", "port: " + p3)
                .replace("port: 8080", "port: 0")
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"));
        Path mconf = dir.resolve("manager.yaml");
        Files.writeString(mconf, managerYaml);
        AgentProcess a1 = AgentProcess.start(AgentProcess.demoConfig("host-1", dir, p1));
        AgentProcess a2 = AgentProcess.start(AgentProcess.demoConfig("host-2", dir, p2));
        AgentProcess a3 = AgentProcess.start(AgentProcess.demoConfig("host-3", dir, p3));
        AgentProcess a2again = null;
        ManagerProcess m = null;
        try {
            a1.awaitJolokiaUrl(Duration.ofSeconds(60));
            a2.awaitJolokiaUrl(Duration.ofSeconds(60));
            a3.awaitJolokiaUrl(Duration.ofSeconds(60));
            m = ManagerProcess.start(mconf);
            // Both run on Netty's epoll transport: its native library ships with them and loads here.
            assertThat(m.logTail(50)).contains("| transport epoll");
            assertThat(a1.output()).contains("network transport: epoll");

            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(m.call("POST", "definitions", VIEWER, shop).path("httpStatus").asInt()).isEqualTo(403);
            JsonNode applied = m.call("POST", "definitions", OPERATOR, shop);
            assertThat(applied.path("httpStatus").asInt()).as(applied.toString()).isEqualTo(200);

            // Defined, never started: STOPPED whatever runs, and nobody wants it running.
            JsonNode defined = m.await("services/shop", n -> "STOPPED".equals(n.path("state").asText()), 15_000);
            assertThat(defined.path("state").asText()).as(String.valueOf(defined)).isEqualTo("STOPPED");
            assertThat(m.federa(VIEWER, "status", "shop")).startsWith("shop: STOPPED (desired STOPPED)");
            assertThat(m.metrics()).contains("federa_service_state{service=\"shop\",state=\"STOPPED\"} 1")
                    .contains("federa_service_desired_running{service=\"shop\"} 0");

            // Started: the manager takes over the VMs already labelled for it, as many as wanted.
            assertThat(m.federa(OPERATOR, "start", "shop", "--timeout", "60")).contains("shop: UP after");
            assertThat(m.metrics()).contains("federa_service_state{service=\"shop\",state=\"UP\"} 1")
                    .contains("federa_service_desired_running{service=\"shop\"} 1");
            assertThat(m.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream()
                    .allMatch("REACHABLE"::equals), 5_000).path("hosts").findValuesAsText("reachability"))
                    .containsExactly("REACHABLE", "REACHABLE", "REACHABLE");
            assertThat(m.get("vms").path("vms").findValuesAsText("name"))
                    .contains("web-1", "web-2", "catalog-db-1", "payment-1");
            m.await("services/shop/history", n -> n.path("transitions").findValuesAsText("state").contains("UP"), 5_000);

            // The demo runs one web replica more than the two wanted, which the manager leaves alone:
            // stopped, the shop stays UP.
            jolokia(p3, "demo-password-3", "{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\",\"operation\":\"destroyVm\",\"arguments\":[\"web-3\"]}");
            JsonNode web3 = m.await("vms", n -> vmState(n, "web-3").equals("SHUT_OFF"), 30_000);
            assertThat(vmState(web3, "web-3")).isEqualTo("SHUT_OFF");
            assertThat(m.get("services/shop").path("state").asText()).isEqualTo("UP");

            // The agent of payment's host killed: UNREACHABLE with the reason; the shop is DOWN, and says
            // why (payment fits on no other host: host-1 runs web, host-3 is offsite).
            a2.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            JsonNode gone = m.await("hosts", n -> host(n, "host-2", "reachability").equals("UNREACHABLE"), 30_000);
            assertThat(host(gone, "host-2", "reachability")).isEqualTo("UNREACHABLE");
            assertThat(host(gone, "host-2", "reason")).isIn("connection refused", "connection closed by the agent");
            JsonNode down = m.await("services/shop", n -> "DOWN".equals(n.path("state").asText()), 30_000);
            assertThat(down.path("reasons").toString())
                    .contains("payment: 0 of 1 instances running (minAvailable 1); payment-1 on host-2: host unreachable");

            // The metrics say so too, and promtool finds nothing to complain about.
            m.await("services/shop/history", n -> n.path("state").asText().equals("DOWN")
                    && n.path("transitions").findValuesAsText("state").contains("DOWN"), 30_000);
            String scraped = m.metrics();
            assertThat(scraped)
                    .contains("federa_agent_up{agent=\"host-2\"} 0")
                    .contains("federa_vm_running{host=\"host-3\",vm=\"web-3\"} 0")
                    .contains("federa_poll_duration_seconds_bucket{transport=\"jolokia\",le=\"0.1\"}")
                    .contains("federa_service_availability_ratio{service=\"shop\",window=\"1h\"}")
                    .contains("federa_service_state{service=\"shop\",state=\"DOWN\"} 1")
                    .contains("federa_service_desired_running{service=\"shop\"} 1")
                    // The VM's state is a gauge of its own; its _info holds no state.
                    .contains("federa_vm_state{host=\"host-3\",state=\"SHUT_OFF\",vm=\"web-3\"} 1")
                    .contains("federa_vm_info{application=\"web\",host=\"host-3\",service=\"shop\",")
                    .contains("federa_poll_failures_total{agent=\"host-1\",reason=\"unauthorized\"} 0")
                    .contains("jvm_gc_collection_seconds_count{gc=")
                    .contains("process_cpu_seconds_total ");
            assertThat(promtoolCheck(scraped)).isEqualTo("0");
            // The agents' real output is as clean: one prefix, the host label on every series.
            String agentScraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(a3.awaitMetricsUrl(
                    Duration.ofSeconds(5)))).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(agentScraped).contains("mr_vm_state{host=\"host-3\",state=\"SHUT_OFF\",vm=\"web-3\"} 1")
                    .contains("jvm_gc_collection_seconds_count{gc=").doesNotContain("federa_");
            assertThat(agentScraped.lines().filter(l -> !l.startsWith("#") && !l.contains("host=\"host-3\"")).toList())
                    .as("the agent's series without its host label").isEmpty();
            assertThat(promtoolCheck(agentScraped)).isEqualTo("0");
            // payment-1 fits on no host that answers (host-1 runs web, host-3 is offsite): the leader says so.
            String unplaceable = "federa_application_instances_unplaceable{application=\"payment\"} 1";
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!m.metrics().contains(unplaceable) && System.nanoTime() < until) {
                Thread.sleep(500);
            }
            assertThat(m.metrics()).contains(unplaceable);

            // It comes back at the same address: REACHABLE again, and the shop UP again.
            a2again = AgentProcess.start(dir.resolve("host-2.yaml"));
            a2again.awaitJolokiaUrl(Duration.ofSeconds(60));
            JsonNode back = m.await("hosts", n -> host(n, "host-2", "reachability").equals("REACHABLE"), 30_000);
            assertThat(host(back, "host-2", "reachability")).isEqualTo("REACHABLE");
            JsonNode up = m.await("services/shop", n -> "UP".equals(n.path("state").asText()), 60_000);
            assertThat(up.path("state").asText()).as(up.toString()).isEqualTo("UP");

            // Every step is in the events, newest first, and in the shop's history.
            JsonNode events = m.await("events?since=1h&limit=500", n -> n.path("events").toString().contains("answers again"), 30_000);
            List<String> kinds = events.path("events").findValuesAsText("kind");
            assertThat(kinds).contains("definitions.applied", "vm.state", "service.state", "agent.unreachable", "agent.reachable");
            assertThat(events.path("events").toString())
                    .contains("VM web-3 on host-3: RUNNING → SHUT_OFF")
                    .contains("service shop is STOPPED")
                    .contains("service shop is DOWN: ")
                    .contains("agent host-2 is unreachable since")
                    .contains("agent host-2 answers again");
            JsonNode history = m.await("services/shop/history?since=1h",
                    n -> n.path("transitions").findValuesAsText("state").get(0).equals("UP"), 30_000);
            List<String> states = history.path("transitions").findValuesAsText("state");
            assertThat(states).as("newest first").startsWith("UP").contains("DOWN").endsWith("STOPPED");
            assertThat(history.path("availability").path("1h").asDouble()).isGreaterThan(0.0).isLessThan(1.0);

            // And the operator sees the same through the federa launcher.
            assertThat(m.federa(VIEWER, "hosts")).containsPattern("host-2 +REACHABLE +no +paris");
            assertThat(m.federa(VIEWER, "vms")).containsPattern("web-3 +host-3 +SHUT_OFF +web +shop");
            assertThat(m.federa(VIEWER, "status", "shop")).startsWith("shop: UP (desired STARTED)").contains("transitions since 1d:");
            assertThat(m.federa(VIEWER, "events", "--kind", "agent.")).contains("agent.unreachable").contains("agent host-2 answers again");
        } finally {
            if (m != null) {
                m.close();
            }
            a1.close();
            a2.close();
            a3.close();
            if (a2again != null) {
                a2again.close();
            }
        }
    }
}
