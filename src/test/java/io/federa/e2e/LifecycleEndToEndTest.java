package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shop started from nothing on five empty hosts (four secure local ones, one cheap offsite
 * one) with {@code federa start}, dependencies first and within its rules; the agent of the
 * payment's host killed, and the shop back UP elsewhere within the lease plus 5 s; the agent
 * restarted, its stale copy dropped; an observer reading every agent every 200 ms never sees one
 * VM running on two hosts; then {@code federa stop} in reverse order.
 */
class LifecycleEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VIEWER = ManagerProcess.VIEWER;
    private static final String OPERATOR = ManagerProcess.OPERATOR;
    private static final long LEASE_MS = 5_000;
    private final HttpClient http = HttpClient.newHttpClient();

    /** VM name → state, as one agent lists them right now (empty when it does not answer). */
    private Map<String, String> states(int port, String password) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jolokia/"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("federa:" + password)
                            .getBytes(StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(2))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"State\"]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            Map<String, String> out = new HashMap<>();
            JSON.readTree(r.body()).path("value").forEach(v -> out.put(v.path("Name").asText(), v.path("State").asText()));
            return out;
        } catch (Exception e) {
            return null;
        }
    }

    private static Map<String, String> hostsOf(JsonNode status) {
        Map<String, String> out = new LinkedHashMap<>();
        status.path("instances").forEach(i -> out.put(i.path("name").asText(), i.path("host").asText()));
        return out;
    }

    @Test
    void the_shop_starts_in_order_survives_a_dead_host_without_split_brain_and_stops_in_reverse(@TempDir Path dir)
            throws Exception {
        List<String> ids = List.of("host-1", "host-2", "host-3", "host-4", "host-5");
        Map<String, Integer> ports = new LinkedHashMap<>();
        Map<String, Path> configs = new LinkedHashMap<>();
        Map<String, AgentProcess> agents = new ConcurrentHashMap<>();
        StringBuilder agentList = new StringBuilder();
        for (String id : ids) {
            int port = AgentProcess.freePort();
            while (ports.containsValue(port)) {
                port = AgentProcess.freePort();
            }
            ports.put(id, port);
            configs.put(id, AgentProcess.emptyHost(id, id.equals("host-3"), dir, port));
            String password = id.equals("host-3") ? "demo-password-3" : "demo-password-2";
            agentList.append("  - { name: ").append(id).append(", address: 127.0.0.1, port: ").append(port)
                    .append(", user: federa, password: ").append(password).append(" }\n");
        }
        String managerYaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                .replaceAll("(?ms)^agents:\\n(  - .*?\\n)+", "agents:\n" + agentList)
                .replace("port: 8080", "port: 0")
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"))
                + "lifecycle:\n  lease: 5s\n  grace: 3s\n  leaseMargin: 1s\n";
        Path mconf = dir.resolve("manager.yaml");
        Files.writeString(mconf, managerYaml);
        for (String id : ids) {
            agents.put(id, AgentProcess.start(configs.get(id)));
        }
        ManagerProcess m = null;
        AtomicBoolean observing = new AtomicBoolean(true);
        List<String> twice = new CopyOnWriteArrayList<>();
        Thread observer = null;
        try {
            for (AgentProcess a : agents.values()) {
                a.awaitJolokiaUrl(Duration.ofSeconds(60));
            }
            m = ManagerProcess.start(mconf);

            // Every agent listed every 200 ms: one VM name RUNNING on two hosts at once is split brain.
            observer = new Thread(() -> {
                while (observing.get()) {
                    Map<String, String> runningOn = new HashMap<>();
                    for (String id : ids) {
                        String password = id.equals("host-3") ? "demo-password-3" : "demo-password-2";
                        Map<String, String> listed = states(ports.get(id), password);
                        (listed == null ? Map.<String, String>of() : listed).forEach((vm, state) -> {
                            if (state.equals("RUNNING")) {
                                String other = runningOn.put(vm, id);
                                if (other != null) {
                                    twice.add(vm + " on " + other + " and " + id);
                                }
                            }
                        });
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            observer.setDaemon(true);
            observer.start();

            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(m.call("POST", "definitions", OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            m.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream().allMatch("REACHABLE"::equals), 10_000);

            // Defined, never started: STOPPED, and nobody wants it running (so no alert pages about it).
            m.await("services/shop/history", n -> n.path("transitions").findValuesAsText("state").contains("STOPPED"), 10_000);
            long stoppedSince = System.currentTimeMillis();
            assertThat(m.federa(VIEWER, "status", "shop")).startsWith("shop: STOPPED (desired STOPPED)");
            assertThat(m.metrics()).contains("federa_service_state{service=\"shop\",state=\"STOPPED\"} 1")
                    .contains("federa_service_state{service=\"shop\",state=\"DOWN\"} 0")
                    .contains("federa_service_desired_running{service=\"shop\"} 0");

            // host-4 cordoned: nothing goes there.
            assertThat(m.federa(OPERATOR, "cordon", "host-4")).contains("host-4 cordoned");
            assertThat(m.get("services/shop/explain").toString()).contains("HOST_CORDONED: host-4 is cordoned");
            // The cordon shows where operators look for hosts.
            assertThat(m.federa(VIEWER, "hosts")).containsPattern("host-4 +REACHABLE +yes").containsPattern("host-1 +REACHABLE +no");
            assertThat(m.get("hosts").path("hosts").findValues("cordoned").stream().filter(JsonNode::asBoolean).count()).isEqualTo(1);

            // Started from nothing, dependencies first, after several seconds STOPPED.
            Thread.sleep(Math.max(0, stoppedSince + 6_000 - System.currentTimeMillis()));
            long startAsked = System.currentTimeMillis();
            String started = m.federa(OPERATOR, "start", "shop", "--timeout", "90");
            long upSeen = System.currentTimeMillis();
            assertThat(started).contains("shop: UP after");
            assertThat(m.metrics()).contains("federa_service_state{service=\"shop\",state=\"UP\"} 1")
                    .contains("federa_service_desired_running{service=\"shop\"} 1");
            // The availability counts from the start, not from the definition: the time STOPPED before
            // it is left out. UP since at least upSeen, meant to run since at most startAsked, the
            // ratio is at least their quotient (counting the STOPPED time as down would make it
            // below a half here: at least 6 s more in the denominator).
            Thread.sleep(Math.max(3_000, upSeen - startAsked));
            long readAt = System.currentTimeMillis();
            double ratio = m.get("services/shop").path("availability").path("1h").asDouble();
            double floor = (double) (readAt - upSeen) / (readAt - startAsked);
            assertThat(ratio).as("availability over the last hour, right after the start").isGreaterThanOrEqualTo(floor - 0.02);
            assertThat(m.get("services/shop/history?since=1h").path("transitions").findValuesAsText("state"))
                    .as("newest first").endsWith("STOPPED").contains("UP");
            int db = started.indexOf("catalog-db catalog-db-1 on");
            int pay = started.indexOf("payment payment-1 on");
            int web = started.indexOf("web web-");
            assertThat(db).as(started).isPositive();
            assertThat(pay).as(started).isGreaterThan(db);
            assertThat(web).as(started).isGreaterThan(pay);

            // Within the rules: database and payment never offsite; web replicas apart, never with payment.
            JsonNode status = m.get("services/shop");
            Map<String, String> where = hostsOf(status);
            assertThat(where).containsKeys("catalog-db-1", "payment-1", "web-1", "web-2");
            assertThat(where.get("catalog-db-1")).isNotEqualTo("host-3");
            assertThat(where.get("payment-1")).isNotEqualTo("host-3");
            assertThat(where.get("web-1")).isNotEqualTo(where.get("web-2"));
            assertThat(List.of(where.get("web-1"), where.get("web-2"))).doesNotContain(where.get("payment-1"));
            assertThat(where.values()).doesNotContain("host-4");
            assertThat(m.federa(OPERATOR, "uncordon", "host-4")).contains("host-4 uncordoned");
            String explained = m.federa(VIEWER, "explain", "shop");
            assertThat(explained).contains("payment-1 is on " + where.get("payment-1")).contains("runner-up");

            // Nothing changed: the loop does nothing more.
            int steps = m.get("events?kind=lifecycle.step&limit=1000").path("events").size();
            Thread.sleep(3_000);
            assertThat(m.get("events?kind=lifecycle.step&limit=1000").path("events").size()).isEqualTo(steps);

            // The payment's host dies: the shop is UP again elsewhere (on a quiet machine within the
            // lease plus a few seconds: bench/failover.sh measures it; this test asserts what happens).
            String victim = where.get("payment-1");
            agents.get(victim).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            JsonNode back = m.await("services/shop", n -> "UP".equals(n.path("state").asText())
                    && !victim.equals(hostsOf(n).get("payment-1")), LEASE_MS + 60_000);
            assertThat(back.path("state").asText()).as(back.toString()).isEqualTo("UP");
            Map<String, String> after = hostsOf(back);
            assertThat(after.get("payment-1")).isNotIn(victim, "host-3");
            assertThat(back.path("instances").findValuesAsText("name")).contains("payment-1");
            for (JsonNode i : back.path("instances")) {
                if (i.path("name").asText().equals("payment-1")) {
                    assertThat(i.path("epoch").asLong()).isEqualTo(2);
                }
            }

            // It comes back: its copies are shut off and then dropped, never started.
            AgentProcess again = AgentProcess.start(configs.get(victim));
            agents.put(victim, again);
            again.awaitJolokiaUrl(Duration.ofSeconds(60));
            String password = victim.equals("host-3") ? "demo-password-3" : "demo-password-2";
            Map<String, String> returned = states(ports.get(victim), password);
            assertThat(returned).as("the returned host's VMs").isNotNull();
            assertThat(returned.getOrDefault("payment-1", "SHUT_OFF")).isEqualTo("SHUT_OFF");
            JsonNode events = m.await("events?kind=lifecycle.&limit=1000",
                    n -> n.toString().contains("undefined, epoch 2") && n.toString().contains("stale copy of payment-1"), 10_000);
            assertThat(events.toString()).contains("stale copy of payment-1 (epoch 1) on " + victim);
            assertThat(states(ports.get(victim), password)).doesNotContainKey("payment-1");

            // Stopped in reverse order: web first, the database last.
            String stopped = m.federa(OPERATOR, "stop", "shop", "--timeout", "90");
            int webStop = stopped.indexOf("web web-");
            int payStop = stopped.indexOf("payment payment-1 on");
            int dbStop = stopped.indexOf("catalog-db catalog-db-1 on");
            assertThat(webStop).as(stopped).isPositive();
            assertThat(payStop).as(stopped).isGreaterThan(webStop);
            assertThat(dbStop).as(stopped).isGreaterThan(payStop);
            // Stopped on purpose: STOPPED, not desired running.
            assertThat(stopped).contains("shop: STOPPED after");
            assertThat(m.metrics()).contains("federa_service_state{service=\"shop\",state=\"STOPPED\"} 1")
                    .contains("federa_service_desired_running{service=\"shop\"} 0");

            observing.set(false);
            observer.join(5_000);
            assertThat(twice).as("VMs seen running on two hosts at once").isEmpty();
        } finally {
            observing.set(false);
            if (m != null) {
                m.close();
            }
            for (AgentProcess a : agents.values()) {
                a.close();
            }
        }
    }
}
