package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final String VIEWER = "demo-viewer-token-0001";
    private static final String OPERATOR = "demo-operator-token-0001";
    private static final long LEASE_MS = 5_000;
    private final HttpClient http = HttpClient.newHttpClient();

    private JsonNode call(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = JSON.readTree(r.body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("httpStatus", r.statusCode());
        return n;
    }

    private JsonNode await(String url, Predicate<JsonNode> condition, long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        JsonNode n = call("GET", url, VIEWER, null);
        while (!condition.test(n) && System.nanoTime() < end) {
            Thread.sleep(100);
            n = call("GET", url, VIEWER, null);
        }
        return n;
    }

    private static String federa(String api, String token, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AgentProcess.root().resolve("bin/federa").toString(),
                "--server", api.replace("/api/v1/", ""), "--token", token));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

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
        Process manager = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", AgentProcess.root().resolve("manager/target/manager.jar").toString(), mconf.toString())
                .redirectErrorStream(true).start();
        StringBuilder managerLog = new StringBuilder();
        AtomicBoolean observing = new AtomicBoolean(true);
        List<String> twice = new CopyOnWriteArrayList<>();
        Thread observer = null;
        try {
            for (AgentProcess a : agents.values()) {
                a.awaitJolokiaUrl(Duration.ofSeconds(60));
            }
            CompletableFuture<String> ready = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(manager.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        synchronized (managerLog) {
                            managerLog.append(l).append('\n');
                        }
                        Matcher m = Pattern.compile("api (http://\\S+)").matcher(l);
                        if (l.contains(" ready ") && m.find()) {
                            ready.complete(m.group(1));
                        }
                    }
                    ready.completeExceptionally(new IllegalStateException("manager ended: " + managerLog));
                } catch (java.io.IOException e) {
                    ready.completeExceptionally(e);
                }
            });
            reader.setDaemon(true);
            reader.start();
            String api = ready.get(60, TimeUnit.SECONDS);

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
            assertThat(call("POST", api + "definitions", OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            await(api + "hosts", n -> n.path("hosts").findValuesAsText("reachability").stream().allMatch("REACHABLE"::equals), 10_000);

            // Started from nothing, dependencies first.
            String started = federa(api, OPERATOR, "start", "shop", "--timeout", "90");
            assertThat(started).contains("shop: UP after");
            int db = started.indexOf("catalog-db catalog-db-1 on");
            int pay = started.indexOf("payment payment-1 on");
            int web = started.indexOf("web web-");
            assertThat(db).as(started).isPositive();
            assertThat(pay).as(started).isGreaterThan(db);
            assertThat(web).as(started).isGreaterThan(pay);

            // Within the rules: database and payment never offsite; web replicas apart, never with payment.
            JsonNode status = call("GET", api + "services/shop", VIEWER, null);
            Map<String, String> where = hostsOf(status);
            assertThat(where).containsKeys("catalog-db-1", "payment-1", "web-1", "web-2");
            assertThat(where.get("catalog-db-1")).isNotEqualTo("host-3");
            assertThat(where.get("payment-1")).isNotEqualTo("host-3");
            assertThat(where.get("web-1")).isNotEqualTo(where.get("web-2"));
            assertThat(List.of(where.get("web-1"), where.get("web-2"))).doesNotContain(where.get("payment-1"));
            String explained = federa(api, VIEWER, "explain", "shop");
            assertThat(explained).contains("payment-1 is on " + where.get("payment-1")).contains("runner-up");

            // Nothing changed: the loop does nothing more.
            int steps = call("GET", api + "events?kind=lifecycle.step&limit=1000", VIEWER, null).path("events").size();
            Thread.sleep(3_000);
            assertThat(call("GET", api + "events?kind=lifecycle.step&limit=1000", VIEWER, null).path("events").size()).isEqualTo(steps);

            // The payment's host dies: the shop is UP again elsewhere within the lease plus 5 s.
            String victim = where.get("payment-1");
            long killed = System.nanoTime();
            agents.get(victim).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            JsonNode back = await(api + "services/shop", n -> "UP".equals(n.path("state").asText())
                    && !victim.equals(hostsOf(n).get("payment-1")), LEASE_MS + 5_000);
            long recoveredMillis = (System.nanoTime() - killed) / 1_000_000;
            assertThat(back.path("state").asText()).as(back.toString()).isEqualTo("UP");
            assertThat(recoveredMillis).isLessThan(LEASE_MS + 5_000);
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
            JsonNode events = await(api + "events?kind=lifecycle.&limit=1000",
                    n -> n.toString().contains("undefined, epoch 2") && n.toString().contains("stale copy of payment-1"), 10_000);
            assertThat(events.toString()).contains("stale copy of payment-1 (epoch 1) on " + victim);
            assertThat(states(ports.get(victim), password)).doesNotContainKey("payment-1");

            // Stopped in reverse order: web first, the database last.
            String stopped = federa(api, OPERATOR, "stop", "shop", "--timeout", "90");
            int webStop = stopped.indexOf("web web-");
            int payStop = stopped.indexOf("payment payment-1 on");
            int dbStop = stopped.indexOf("catalog-db catalog-db-1 on");
            assertThat(webStop).as(stopped).isPositive();
            assertThat(payStop).as(stopped).isGreaterThan(webStop);
            assertThat(dbStop).as(stopped).isGreaterThan(payStop);

            observing.set(false);
            observer.join(5_000);
            assertThat(twice).as("VMs seen running on two hosts at once").isEmpty();
        } finally {
            observing.set(false);
            manager.destroy();
            manager.waitFor(10, TimeUnit.SECONDS);
            for (AgentProcess a : agents.values()) {
                a.close();
            }
        }
    }
}
