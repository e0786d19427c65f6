package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A packaged agent as a real process, driven the way the manager drives it: commands through
 * execute, a lease renewed every 200 ms with statements signed by the demo manager's key, in a
 * fleet of two whose other member never answers. Managed VMs stop when the renewals stop (this
 * host is isolated), an unmanaged one does not; retries and stale epochs change nothing; a killed
 * agent comes back with its managed VMs shut off, and starts them only under a new lease.
 */
class LeaseFencingEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "demo-password-1";
    private static final long LEASE_MS = 2_000;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A Jolokia POST of {@code body} with the agent's credentials, as the manager sends it. */
    private static HttpRequest request(String url, JsonNode body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString(("federa:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private JsonNode post(String url, JsonNode body) throws Exception {
        HttpResponse<String> r = http.send(request(url, body), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode exec(String url, String operation, Object... args) throws Exception {
        ObjectNode n = JSON.createObjectNode().put("type", "exec").put("mbean", "federa:type=Agent").put("operation", operation);
        ArrayNode a = n.putArray("arguments");
        for (Object o : args) {
            a.addPOJO(o);
        }
        return post(url, n);
    }

    private JsonNode execute(String url, String command) throws Exception {
        JsonNode r = exec(url, "execute", command);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        return JSON.readTree(r.path("value").asText());
    }

    private String refusal(String url, String command) throws Exception {
        JsonNode r = exec(url, "execute", command);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(400);
        return r.path("error").asText();
    }

    /** Each VM's state by name, from one pattern read. */
    private Map<String, String> states(String url) throws Exception {
        JsonNode r = post(url, JSON.createObjectNode().put("type", "read").put("mbean", "federa:type=VirtualMachine,*"));
        Map<String, String> out = new HashMap<>();
        r.path("value").forEach(v -> out.put(v.path("Name").asText(), v.path("State").asText()));
        return out;
    }

    private static String define(String id, String vm, long epoch) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"define\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch
                + ",\"spec\":{\"name\":\"" + vm + "\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1}}";
    }

    private static String command(String id, String action, String vm, long epoch) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"" + action + "\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch + "}";
    }

    /**
     * Renews the lease now (so it is held when this returns), then every 200 ms, as the manager's
     * polls would; remembers when the last renewal was answered.
     */
    /** This host and a peer that never answers: the fleet of every statement here. */
    private static Map<String, String> fleet() throws java.io.IOException {
        Map<String, String> fleet = new java.util.LinkedHashMap<>();
        fleet.put("host-1", "http://127.0.0.1:" + AgentProcess.freePort() + "/lease/v1/latest");
        fleet.put("host-2", "http://127.0.0.1:" + AgentProcess.freePort() + "/lease/v1/latest");
        return fleet;
    }

    private JsonNode renew(String url) throws Exception {
        return exec(url, "renewLease", DemoLeases.statement("manager-1", LEASE_MS, fleet()), "host-1");
    }

    /** A renewal as the manager sends it: granting no lease past {@code latestEndMillis} (wall clock). */
    private HttpRequest renewalBefore(String url, long latestEndMillis) throws Exception {
        ObjectNode n = JSON.createObjectNode().put("type", "exec").put("mbean", "federa:type=Agent")
                .put("operation", "renewLeaseBefore");
        n.putArray("arguments").add(DemoLeases.statement("manager-1", LEASE_MS, fleet())).add("host-1").add(latestEndMillis);
        return request(url, n);
    }

    /** The latest end a manager allows a renewal sent now: its deadline (1 s) plus the lease, less 0.5 s of skew. */
    private static long latestEndFromNow() {
        return System.currentTimeMillis() + 1_000 + LEASE_MS - 500;
    }

    /** Sends the agent's process a signal; kill's exit status. */
    private static int signal(AgentProcess agent, String signal) throws Exception {
        return new ProcessBuilder("kill", "-" + signal, Long.toString(agent.process.pid())).inheritIO().start().waitFor();
    }

    private ScheduledFuture<?> renewEvery200ms(ScheduledExecutorService timer, String url, AtomicLong lastAnswerNanos)
            throws Exception {
        assertThat(renew(url).path("status").asInt()).isEqualTo(200);
        lastAnswerNanos.set(System.nanoTime());
        return timer.scheduleAtFixedRate(() -> {
            try {
                JsonNode r = renew(url);
                if (r.path("status").asInt() == 200) {
                    lastAnswerNanos.set(System.nanoTime());
                }
            } catch (Exception e) {
                // The agent is being killed or restarted: the lease simply is not renewed.
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
    }

    @Test
    void managed_vms_run_only_under_a_lease_and_a_killed_agent_does_not_bring_them_back(@TempDir Path dir) throws Exception {
        int port = AgentProcess.freePort();
        Path config = AgentProcess.demoConfig("host-1", dir, port);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        AgentProcess agent = AgentProcess.start(config);
        try {
            String url = agent.awaitJolokiaUrl(Duration.ofSeconds(60));
            AtomicLong lastRenewal = new AtomicLong();
            ScheduledFuture<?> renewing = renewEvery200ms(timer, url, lastRenewal);

            execute(url, define("d-m1", "m-1", 1));
            execute(url, define("d-m2", "m-2", 1));
            assertThat(execute(url, command("s-m1", "start", "m-1", 1)).path("outcome").asText()).isEqualTo("done");
            assertThat(execute(url, command("s-m2", "start", "m-2", 1)).path("outcome").asText()).isEqualTo("done");
            assertThat(states(url)).containsEntry("m-1", "RUNNING").containsEntry("m-2", "RUNNING")
                    .containsEntry("web-1", "RUNNING");

            // A retried start after the VM was destroyed: answered from the first attempt, nothing started.
            execute(url, command("x-m2", "destroy", "m-2", 1));
            JsonNode replay = execute(url, command("s-m2", "start", "m-2", 1));
            assertThat(replay.path("replayed").asBoolean()).isTrue();
            assertThat(replay.path("outcome").asText()).isEqualTo("done");
            assertThat(states(url)).containsEntry("m-2", "SHUT_OFF");

            // A newer placement bumps the epoch; a command of the older one is refused.
            execute(url, command("s-m2b", "start", "m-2", 2));
            assertThat(refusal(url, command("x-m2-old", "destroy", "m-2", 1)))
                    .contains("stale epoch 1 for m-2: this host holds epoch 2");
            assertThat(states(url)).containsEntry("m-2", "RUNNING");

            // The renewals stop: within the lease plus 1 s the managed VMs are off, the unmanaged one runs on.
            renewing.cancel(false);
            Thread.sleep(250);
            long deadline = lastRenewal.get() + TimeUnit.MILLISECONDS.toNanos(LEASE_MS + 1_000);
            Map<String, String> s = states(url);
            while (System.nanoTime() < deadline && !(s.get("m-1").equals("SHUT_OFF") && s.get("m-2").equals("SHUT_OFF"))) {
                Thread.sleep(50);
                s = states(url);
            }
            assertThat(System.nanoTime()).as("fenced within the lease + 1 s").isLessThanOrEqualTo(deadline);
            assertThat(s).containsEntry("m-1", "SHUT_OFF").containsEntry("m-2", "SHUT_OFF").containsEntry("web-1", "RUNNING");
            assertThat(refusal(url, command("s-m1-late", "start", "m-1", 1)))
                    .contains("no valid lease: this host may not start managed VMs");

            // Under a lease again; then the agent is killed while its managed VMs run.
            renewing = renewEvery200ms(timer, url, lastRenewal);
            execute(url, command("s-m1-2", "start", "m-1", 1));
            execute(url, command("s-m2-2", "start", "m-2", 2));
            assertThat(states(url)).containsEntry("m-1", "RUNNING").containsEntry("m-2", "RUNNING");
            renewing.cancel(false);
            agent.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

            agent = AgentProcess.start(config);
            url = agent.awaitJolokiaUrl(Duration.ofSeconds(60));
            assertThat(states(url)).containsEntry("m-1", "SHUT_OFF").containsEntry("m-2", "SHUT_OFF")
                    .containsEntry("web-1", "RUNNING");
            assertThat(agent.output()).contains("stay shut off");
            JsonNode again = execute(url, command("s-m1-2", "start", "m-1", 1));
            assertThat(again.path("replayed").asBoolean()).isTrue();
            assertThat(refusal(url, command("s-m1-3", "start", "m-1", 1))).contains("no valid lease");
            assertThat(states(url)).containsEntry("m-1", "SHUT_OFF");

            assertThat(JSON.readTree(renew(url).path("value").asText()).path("remainingMillis").asLong()).isPositive();
            // A statement the demo manager did not sign renews nothing.
            JsonNode forged = exec(url, "renewLease", "{\"lease\":\"{}\",\"signature\":\"AAAA\"}", "host-1");
            assertThat(forged.path("error").asText()).contains("signature: is not a manager's");
            assertThat(execute(url, command("s-m1-4", "start", "m-1", 1)).path("outcome").asText()).isEqualTo("done");
            assertThat(states(url)).containsEntry("m-1", "RUNNING");
        } finally {
            timer.shutdownNow();
            agent.close();
        }
    }

    @Test
    void a_renewal_read_after_the_agent_was_stopped_past_its_latest_end_is_refused_and_the_vms_go_off(@TempDir Path dir)
            throws Exception {
        int port = AgentProcess.freePort();
        Path config = AgentProcess.demoConfig("host-1", dir, port);
        AgentProcess agent = AgentProcess.start(config);
        try {
            String url = agent.awaitJolokiaUrl(Duration.ofSeconds(60));
            JsonNode granted = JSON.readTree(http.send(renewalBefore(url, latestEndFromNow()),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(granted.path("status").asInt()).as(granted.toString()).isEqualTo(200);
            execute(url, define("d-m1", "m-1", 1));
            assertThat(execute(url, command("s-m1", "start", "m-1", 1)).path("outcome").asText()).isEqualTo("done");

            // The agent is stopped (SIGSTOP) with the next renewal queued, unread, in its socket; the
            // manager counts that renewal's lease out and would start m-1 elsewhere.
            assertThat(signal(agent, "STOP")).as("kill -STOP").isZero();
            long latestEnd = latestEndFromNow();
            java.util.concurrent.CompletableFuture<HttpResponse<String>> late =
                    http.sendAsync(renewalBefore(url, latestEnd), HttpResponse.BodyHandlers.ofString());
            while (System.currentTimeMillis() < latestEnd + 2_000) {
                Thread.sleep(100);
            }
            assertThat(signal(agent, "CONT")).as("kill -CONT").isZero();

            JsonNode answer = JSON.readTree(late.get(60, TimeUnit.SECONDS).body());
            assertThat(answer.path("error").asText()).as(answer.toString()).contains("LATE_RENEWAL: renewal read")
                    .contains("ms after the latest end the manager allowed");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < until && !"SHUT_OFF".equals(states(url).get("m-1"))) {
                Thread.sleep(50);
            }
            assertThat(states(url)).containsEntry("m-1", "SHUT_OFF");
            assertThat(refusal(url, command("s-m1-late", "start", "m-1", 1))).contains("no valid lease");
            String metrics = http.send(HttpRequest.newBuilder(URI.create(agent.awaitMetricsUrl(Duration.ofSeconds(5)))).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("mr_agent_lease_renewals_late_total{host=\"host-1\",outcome=\"refused\"} 1.0");
        } finally {
            signal(agent, "CONT");
            agent.close();
        }
    }
}
