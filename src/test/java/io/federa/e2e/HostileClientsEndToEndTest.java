package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a hostile client or a careless one sends to the agents' ports while the shop runs: hundreds
 * of slow connections with no credentials on every port, a 200 MB body with valid credentials,
 * and several large bulk reads at once. Through each, the manager's polls are answered (no agent
 * is declared unreachable), no managed VM is powered off, the shop stays UP, and the
 * {@link Observer} never sees a VM running on two hosts.
 */
class HostileClientsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HOSTS = List.of("host-1", "host-2", "host-3", "host-4", "host-5");
    private static final String SETTINGS = "lifecycle:\n  lease: 5s\n  grace: 3s\n  leaseMargin: 1s\n";
    private static final String AUTH = "Basic " + Base64.getEncoder()
            .encodeToString(("federa:" + Fleet.PASSWORD).getBytes(StandardCharsets.UTF_8));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static Map<String, String> runningShopVms(Fleet f) {
        Map<String, String> out = new HashMap<>();
        for (String h : HOSTS) {
            f.states(h).forEach((vm, state) -> {
                if (state.equals("RUNNING") && vm.matches("(web|payment|catalog-db)-\\d+")) {
                    out.put(vm, h);
                }
            });
        }
        return out;
    }

    private static long unreachableEvents(Fleet f) throws Exception {
        return f.manager.get("events?kind=agent.unreachable&limit=1000").path("events").size();
    }

    private String metrics(Fleet f, String host) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.dataPorts.get(host) + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Every agent reachable in the manager's eyes right now, or the hosts that are not. */
    private static List<String> unreachableNow(Fleet f) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode h : f.manager.get("hosts").path("hosts")) {
            if (!"REACHABLE".equals(h.path("reachability").asText())) {
                out.add(h.path("agent").asText() + " " + h.path("reachability").asText());
            }
        }
        return out;
    }

    /** Streams {@code bytes} of body (chunked) with valid credentials; returns what the agent answered. */
    private static String streamBody(int port, long bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /jolokia/ HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) ' ');
            chunk[0] = '[';
            byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                for (long sent = 0; sent < bytes; sent += chunk.length) {
                    out.write(head);
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    chunk[0] = ' ';
                }
            } catch (IOException closedByTheAgent) {
                // the agent refused the body and closed the connection: the outcome wanted
            }
            try {
                return new String(s.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
            } catch (IOException reset) {
                return "connection reset by the agent";
            }
        }
    }

    @Test
    void slow_clients_oversized_bodies_and_large_bulk_reads_take_no_vm_down(@TempDir Path dir) throws Exception {
        try (Fleet f = new Fleet(dir, HOSTS, Set.of("host-3"), p -> Map.of(), SETTINGS, Map.of());
             Observer observer = new Observer(f, 200)) {
            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");
            Map<String, String> running = runningShopVms(f);
            assertThat(running).containsKeys("catalog-db-1", "payment-1", "web-1", "web-2");
            long unreachableBefore = unreachableEvents(f);
            List<String> seenUnreachable = new CopyOnWriteArrayList<>();

            try (ShopWatch watch = new ShopWatch(f, running)) {
                // 1. Slow connections without credentials: 200 on each of the ten ports, spread over
                // ten client addresses, and 100 more from one address (over its cap of 64), for
                // four leases. Each sends a byte every 8 s, as in the attack that stopped Jolokia.
                List<Integer> ports = new ArrayList<>();
                f.jolokiaPorts.values().forEach(ports::add);
                f.dataPorts.values().forEach(ports::add);
                ports.add(java.net.URI.create(f.manager.api).getPort());
                try (SlowClients spread = new SlowClients(ports, 200, 10, 8_000);
                     SlowClients crowd = new SlowClients(ports, 100, 1, 8_000)) {
                    for (int i = 0; i < 20; i++) {
                        Thread.sleep(1_000);
                        seenUnreachable.addAll(unreachableNow(f));
                    }
                    assertThat(spread.live()).as("slow connections held: " + spread).isGreaterThan(1000);
                    assertThat(crowd.closedByServer()).as("connections over one address's cap: " + crowd).isPositive();
                    // Peers ask for the lease statement on the data port, among the slow clients.
                    for (String h : HOSTS) {
                        HttpResponse<String> lease = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + f.dataPorts.get(h) + "/lease/v1/latest")).timeout(Duration.ofSeconds(2)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertThat(lease.statusCode()).isEqualTo(200);
                    }
                    String m = metrics(f, "host-1");
                    assertThat(m).containsPattern("mr_agent_http_connections_refused_total\\{host=\"[^\"]+\",listener=\"jolokia\"} [1-9]");
                    // The manager's API answers among them, and closes those too slow with their heads.
                    assertThat(f.manager.federa(ManagerProcess.VIEWER, "status", "shop")).startsWith("shop: UP");
                    assertThat(f.manager.metrics()).containsPattern("federa_http_connections_timed_out_total\\{listener=\"api\"} [1-9]");
                }
                assertThat(seenUnreachable).as("agents the manager saw unreachable under slow clients").isEmpty();

                // 2. A 200 MB body with valid credentials, on every agent at once.
                ExecutorService pool = Executors.newFixedThreadPool(HOSTS.size() * 6);
                try {
                    List<Future<String>> bodies = new ArrayList<>();
                    for (int port : f.jolokiaPorts.values()) {
                        bodies.add(pool.submit(() -> streamBody(port, 200L << 20)));
                    }
                    for (Future<String> b : bodies) {
                        String answer = b.get();
                        assertThat(answer).as("the answer to 200 MB").satisfiesAnyOf(
                                a -> assertThat(a).startsWith("HTTP/1.1 413"),
                                a -> assertThat(a).isEqualTo("connection reset by the agent"));
                    }
                    seenUnreachable.addAll(unreachableNow(f));

                    // 3. Six large bulk reads at once on every agent: 64 reads of every java.lang
                    // MBean's every attribute each, ten times over; and a 10,000-item bulk, refused.
                    String item = "{\"type\":\"read\",\"mbean\":\"java.lang:*\"}";
                    String bulk = "[" + String.join(",", Collections.nCopies(64, item)) + "]";
                    String huge = "[" + String.join(",", Collections.nCopies(10_000, item)) + "]";
                    List<Future<List<Integer>>> reads = new ArrayList<>();
                    for (int port : f.jolokiaPorts.values()) {
                        for (int t = 0; t < 6; t++) {
                            reads.add(pool.submit(() -> {
                                List<Integer> codes = new ArrayList<>();
                                for (int i = 0; i < 10; i++) {
                                    codes.add(post(port, i == 0 ? huge : bulk).statusCode());
                                }
                                return codes;
                            }));
                        }
                    }
                    for (int i = 0; i < 10; i++) {
                        Thread.sleep(1_000);
                        seenUnreachable.addAll(unreachableNow(f));
                    }
                    for (Future<List<Integer>> r : reads) {
                        List<Integer> codes = r.get();
                        assertThat(codes.get(0)).as("a 10,000-item bulk").isEqualTo(400);
                        assertThat(codes.subList(1, codes.size())).allSatisfy(c -> assertThat(c).isIn(200, 503));
                    }
                } finally {
                    pool.shutdownNow();
                }
                // 4. A valid catalog far too large (400 applications of 1,000 replicas: 400,000
                // instances) is refused whole; one at the bound is taken, and a viewer's
                // explanation of it is bounded and leaves the manager polling.
                StringBuilder fillers = new StringBuilder();
                for (int i = 0; i < 400; i++) {
                    fillers.append("  - { name: filler-").append(i).append(", runtime: kvm, resources: { vcpus: 1,")
                            .append(" memoryMiB: 64, diskGiB: 1 }, replicas: 1000 }\n");
                }
                String withFillers = shop.replace("services:", fillers + "services:")
                        + "  - { name: big, applications: [filler-0, filler-1] }\n";
                JsonNode refused = f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, withFillers);
                assertThat(refused.path("httpStatus").asInt()).as(refused.toString()).isEqualTo(400);
                assertThat(refused.path("detail").asText()).contains("instances in all").contains("at most 10000");
                String atBound = shop.replace("services:", fillers.substring(0, nthLine(fillers, 9)) + "services:")
                        + "  - { name: big, applications: [filler-0, filler-1, filler-2, filler-3, filler-4, filler-5,"
                        + " filler-6, filler-7, filler-8] }\n";
                JsonNode taken = f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, atBound);
                assertThat(taken.path("httpStatus").asInt()).as(taken.toString()).isEqualTo(200);
                JsonNode whole = f.manager.get("services/big/explain");
                assertThat(whole.path("httpStatus").asInt()).isEqualTo(422);
                assertThat(whole.path("detail").asText()).contains("9000 instances").contains("?application=");
                List<Future<JsonNode>> explained = new ArrayList<>();
                ExecutorService viewers = Executors.newFixedThreadPool(8);
                try {
                    for (int i = 0; i < 8; i++) {
                        explained.add(viewers.submit(() -> f.manager.get("services/big/explain?application=filler-0")));
                    }
                    for (int i = 0; i < 5; i++) {
                        Thread.sleep(1_000);
                        seenUnreachable.addAll(unreachableNow(f));
                    }
                    int answered = 0;
                    for (Future<JsonNode> e : explained) {
                        JsonNode n = e.get();
                        assertThat(n.path("httpStatus").asInt()).as(n.toString().substring(0, Math.min(300, n.toString().length())))
                                .isIn(200, 503);
                        if (n.path("httpStatus").asInt() == 200) {
                            answered++;
                            assertThat(n.path("instances").size()).isEqualTo(1000);
                        }
                    }
                    assertThat(answered).as("explanations answered").isPositive();
                } finally {
                    viewers.shutdownNow();
                }
                assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt())
                        .isEqualTo(200);
                assertThat(seenUnreachable).as("agents the manager saw unreachable").isEmpty();
                assertThat(unreachableEvents(f)).as("agent.unreachable events").isEqualTo(unreachableBefore);
                assertThat(watch.poweredOff).as("managed VMs powered off").isEmpty();
                assertThat(watch.down).as("moments the shop was down").isEmpty();
                assertThat(watch.rounds()).isGreaterThan(50);
            }
            assertThat(f.manager.get("services/shop").path("state").asText()).isEqualTo("UP");
            for (String h : HOSTS) {
                assertThat(metrics(f, h)).doesNotContainPattern("mr_agent_fenced_vms_total\\{[^}]*} [1-9]");
                assertThat(f.agents.get(h).process.isAlive()).as(h + " alive").isTrue();
            }
            assertThat(observer.twiceRunning()).as("VMs seen running on two hosts at once").isEmpty();
        }
    }

    /** Where the {@code n}th line of {@code text} ends (after its newline). */
    private static int nthLine(CharSequence text, int n) {
        int at = 0;
        for (int i = 0; i < n; i++) {
            at = text.toString().indexOf('\n', at) + 1;
        }
        return at;
    }

    private HttpResponse<String> post(int port, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jolokia/"))
                .header("Authorization", AUTH).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
