package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane away or cut off, over real processes: five agents, one manager, the shop
 * started. Every manager killed for thirty leases powers nothing off; a host cut off from the
 * manager but not from its peers fences itself before its VMs run elsewhere; a host cut off from
 * everyone fences too; a manager cut off from a majority of its agents replaces nothing and says
 * why. Links are cut with {@link LinkProxy}: the other side sees silence, not refusals. An
 * {@link Observer} reading every agent every 200 ms proves that no VM runs on two hosts.
 */
class ControlPlaneEndToEndTest {
    private static final long LEASE_MS = 3_000;
    private static final String SETTINGS = "poll: 500ms\nlifecycle:\n  lease: 3s\n  grace: 1s\n  leaseMargin: 500ms\n";
    private static final List<String> HOSTS = List.of("host-1", "host-2", "host-3", "host-4", "host-5");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The fleet with each agent's Jolokia (as the manager polls it) and data port (as peers ask it) behind a link. */
    private static final class Links implements AutoCloseable {
        final Map<String, LinkProxy> jolokia = new ConcurrentHashMap<>();
        final Map<String, LinkProxy> data = new ConcurrentHashMap<>();

        UnaryOperator<Map<String, Integer>> via(Map<String, LinkProxy> links) {
            return ports -> {
                Map<String, Integer> out = new HashMap<>();
                ports.forEach((h, p) -> {
                    try {
                        LinkProxy l = new LinkProxy(p);
                        links.put(h, l);
                        out.put(h, l.port());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                return out;
            };
        }

        @Override
        public void close() {
            jolokia.values().forEach(LinkProxy::close);
            data.values().forEach(LinkProxy::close);
        }
    }

    private static Fleet fleet(Path dir, Links links) throws Exception {
        return new Fleet(dir, HOSTS, Set.of("host-3"), links.via(links.data), SETTINGS, Map.of(), links.via(links.jolokia));
    }

    /**
     * Where each instance is placed and under which epoch, as the service's status lists them:
     * what "nothing placed, nothing replaced" compares (not the VMs' states, which follow the polls).
     */
    private static List<String> placement(JsonNode status) {
        List<String> out = new ArrayList<>();
        status.path("instances").forEach(i -> out.add(i.path("name").asText() + " " + i.path("application").asText() + " on "
                + i.path("host").asText() + " epoch " + i.path("epoch").asText()));
        return out;
    }

    private static Map<String, String> where(JsonNode status) {
        Map<String, String> out = new LinkedHashMap<>();
        status.path("instances").forEach(i -> out.put(i.path("name").asText(), i.path("host").asText()));
        return out;
    }

    private static JsonNode startShop(Fleet f) throws Exception {
        String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
        assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
        assertThat(f.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");
        return f.manager.get("services/shop");
    }

    /** The managed VMs (epoch 1 or more are the manager's; here: the shop's) running on each host now. */
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

    private String agentMetrics(Fleet f, String host) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.dataPorts.get(host) + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** What {@code mr_agent_fenced_vms_total} says of a host and a reason; -1 when the series is missing. */
    private double fenced(Fleet f, String host, String reason) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^mr_agent_fenced_vms_total\\{host=\"" + host
                + "\",reason=\"" + reason + "\"} (\\S+)$").matcher(agentMetrics(f, host));
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** The agents' lease messages, for a failure's description. */
    private static String agentLogs(Fleet f) {
        StringBuilder b = new StringBuilder();
        f.agents.forEach((h, a) -> a.output().lines().filter(l -> l.contains("Lease") || l.contains("lease") || l.contains("fenc"))
                .forEach(l -> b.append(h).append(": ").append(l).append('\n')));
        return b.toString();
    }

    private static long lifecycleSteps(ManagerProcess m) throws Exception {
        return m.get("events?kind=lifecycle.step&limit=1000").path("events").size();
    }

    @Test
    void with_every_manager_away_for_thirty_leases_no_vm_is_powered_off_and_the_returning_manager_changes_nothing(
            @TempDir Path dir) throws Exception {
        try (Links links = new Links(); Fleet f = fleet(dir, links); Observer observer = new Observer(f, 200)) {
            JsonNode before = startShop(f);
            long steps = lifecycleSteps(f.manager);
            Map<String, String> running = runningShopVms(f);
            assertThat(running).containsKeys("catalog-db-1", "payment-1", "web-1", "web-2");
            try (ShopWatch watch = new ShopWatch(f, running)) {
                f.killManager();
                // Thirty leases by default; -Dfedera.awayMillis=600000 for the ten minutes of docs/benchmarks.md.
                Thread.sleep(Long.getLong("federa.awayMillis", 30 * LEASE_MS));
                assertThat(watch.rounds()).isGreaterThan(50);
                assertThat(watch.poweredOff).as("managed VMs powered off while no manager ran; agents said:\n"
                        + agentLogs(f)).isEmpty();
                assertThat(watch.down).as("moments the shop was down").isEmpty();
                for (String h : HOSTS) {
                    String m = agentMetrics(f, h);
                    assertThat(m).contains("mr_agent_peer_verdict{host=\"" + h + "\",verdict=\"managers_away\"} 1.0");
                    assertThat(m).contains("mr_agent_lease_remaining_seconds{host=\"" + h + "\"} 0.0");
                }

                f.startManager();
                f.awaitAllReachable(30_000);
                // Several passes with every agent renewed again: nothing started, stopped or placed.
                Thread.sleep(5 * 500 + LEASE_MS);
                assertThat(lifecycleSteps(f.manager)).as("lifecycle steps of the returning manager").isEqualTo(steps);
                JsonNode after = f.manager.get("services/shop");
                assertThat(after.path("state").asText()).isEqualTo("UP");
                assertThat(placement(after)).isEqualTo(placement(before));
                assertThat(watch.poweredOff).isEmpty();
                assertThat(watch.down).isEmpty();
            }
            assertThat(observer.twiceRunning()).isEmpty();
        }
    }

    @Test
    void a_manager_frozen_for_ten_leases_powers_nothing_off_and_when_it_wakes_changes_nothing(@TempDir Path dir)
            throws Exception {
        try (Links links = new Links(); Fleet f = fleet(dir, links); Observer observer = new Observer(f, 200)) {
            JsonNode before = startShop(f);
            long steps = lifecycleSteps(f.manager);
            Map<String, String> running = runningShopVms(f);
            try (ShopWatch watch = new ShopWatch(f, running)) {
                // A stop-the-world pause far longer than the lease (a GC pause, a VM snapshot of the
                // manager's host): its polls in flight time out all at once when it wakes.
                long pid = f.manager.pid();
                assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor()).isZero();
                try {
                    Thread.sleep(10 * LEASE_MS);
                } finally {
                    assertThat(new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor()).isZero();
                }
                assertThat(watch.poweredOff).as("managed VMs powered off while the manager was frozen; agents said:\n"
                        + agentLogs(f)).isEmpty();
                f.awaitAllReachable(30_000);
                // Several passes with every agent renewed again: nothing started, stopped or placed.
                Thread.sleep(5 * 500 + 2 * LEASE_MS);
                assertThat(lifecycleSteps(f.manager)).as("lifecycle steps of the manager that woke").isEqualTo(steps);
                JsonNode after = f.manager.get("services/shop");
                assertThat(after.path("state").asText()).isEqualTo("UP");
                assertThat(placement(after)).isEqualTo(placement(before));
                assertThat(watch.poweredOff).isEmpty();
                assertThat(watch.down).as("moments the shop was down").isEmpty();
            }
            assertThat(observer.twiceRunning()).isEmpty();
        }
    }

    @Test
    void a_host_cut_off_from_the_manager_but_not_from_its_peers_fences_before_its_vms_run_elsewhere(@TempDir Path dir)
            throws Exception {
        try (Links links = new Links(); Fleet f = fleet(dir, links); Observer observer = new Observer(f, 200)) {
            Map<String, String> at = where(startShop(f));
            String victim = at.get("payment-1");
            links.jolokia.get(victim).cut();
            JsonNode back = f.manager.await("services/shop", n -> "UP".equals(n.path("state").asText())
                    && !victim.equals(where(n).get("payment-1")), 60_000);
            assertThat(where(back).get("payment-1")).as(back.toString()).isNotEqualTo(victim);
            assertThat(f.states(victim)).as("the cut-off host's copy").containsEntry("payment-1", "SHUT_OFF");
            assertThat(fenced(f, victim, "cut_off")).as(agentLogs(f)).isGreaterThanOrEqualTo(1);
            // Back on the network: its stale copy goes, nothing else.
            links.jolokia.get(victim).restore();
            f.manager.await("events?kind=lifecycle.&limit=1000", n -> n.toString().contains("stale copy of payment-1 (epoch 1) on "
                    + victim), 30_000);
            // The manager learns the fencing from the agent's first answer since: an event (and, to
            // stations, federaMgrVmsFenced), and the host's count.
            JsonNode fencedEvents = f.manager.await("events?kind=vm.fenced&limit=100",
                    n -> n.toString().contains("agent " + victim + " "), 30_000);
            assertThat(fencedEvents.toString()).as(fencedEvents.toString()).contains("for want of a lease (cut_off)");
            for (JsonNode h : f.manager.get("hosts").path("hosts")) {
                if (h.path("agent").asText().equals(victim)) {
                    assertThat(h.path("fencedVms").asLong()).as(h.toString()).isGreaterThanOrEqualTo(1);
                }
            }
            assertThat(observer.twiceRunning()).as("VMs seen running on two hosts at once").isEmpty();
        }
    }

    @Test
    void a_host_cut_off_from_everyone_fences_and_its_vms_run_elsewhere(@TempDir Path dir) throws Exception {
        try (Links links = new Links(); Fleet f = fleet(dir, links); Observer observer = new Observer(f, 200)) {
            Map<String, String> at = where(startShop(f));
            String victim = at.get("catalog-db-1");
            // Nobody reaches it, and it reaches no peer (every peer is asked through its data link).
            links.jolokia.get(victim).cut();
            links.data.values().forEach(LinkProxy::cut);
            JsonNode back = f.manager.await("services/shop", n -> "UP".equals(n.path("state").asText())
                    && !victim.equals(where(n).get("catalog-db-1")), 60_000);
            assertThat(where(back).get("catalog-db-1")).as(back.toString()).isNotEqualTo(victim);
            assertThat(fenced(f, victim, "isolated")).as(agentLogs(f)).isGreaterThanOrEqualTo(1);
            assertThat(f.states(victim)).containsEntry("catalog-db-1", "SHUT_OFF");
            assertThat(observer.twiceRunning()).as("VMs seen running on two hosts at once").isEmpty();
        }
    }

    private static void signal(Process p, String sig) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor()).isZero();
    }

    @Test
    void an_agent_stopped_with_sigstop_is_replaced_and_powers_its_copy_off_when_it_wakes(@TempDir Path dir) throws Exception {
        try (Links links = new Links(); Fleet f = fleet(dir, links); Observer observer = new Observer(f, 200)) {
            Map<String, String> at = where(startShop(f));
            String victim = at.get("payment-1");
            AgentProcess frozen = f.agents.get(victim);
            signal(frozen.process, "STOP");
            try {
                JsonNode back = f.manager.await("services/shop", n -> "UP".equals(n.path("state").asText())
                        && !victim.equals(where(n).get("payment-1")), 60_000);
                assertThat(where(back).get("payment-1")).as(back.toString()).isNotEqualTo(victim);
                Thread.sleep(2 * LEASE_MS);
            } finally {
                signal(frozen.process, "CONT");
            }
            // Awake: its lease ran out long ago on its monotonic clock; it powers its copy off.
            long end = System.nanoTime() + 10_000_000_000L;
            while (!"SHUT_OFF".equals(f.states(victim).get("payment-1")) && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertThat(f.states(victim)).containsEntry("payment-1", "SHUT_OFF");
            f.manager.await("events?kind=lifecycle.&limit=1000", n -> n.toString().contains("stale copy of payment-1 (epoch 1) on "
                    + victim), 30_000);
            assertThat(observer.twiceRunning()).as("VMs seen running on two hosts at once").isEmpty();
        }
    }

    @Test
    void a_manager_cut_off_from_a_majority_replaces_nothing_and_says_why(@TempDir Path dir) throws Exception {
        try (Links links = new Links(); Fleet f = fleet(dir, links); Observer observer = new Observer(f, 200)) {
            JsonNode before = startShop(f);
            long steps = lifecycleSteps(f.manager);
            List<String> cut = new ArrayList<>(HOSTS.subList(0, 3));
            cut.forEach(h -> links.jolokia.get(h).cut());
            JsonNode said = f.manager.await("services/shop", n -> n.path("waiting").toString().contains("acting on nothing"), 30_000);
            assertThat(said.path("waiting").toString())
                    .contains("this manager renews leases on only 2 of 5 agents, no majority (3): acting on nothing");
            assertThat(f.manager.get("events?kind=manager.minority&since=1h").path("events").size())
                    .as(f.manager.get("events?since=1h&limit=50").toString()).isPositive();
            assertThat(f.manager.metrics()).contains("federa_manager_majority 0.0");
            // Long past every fencing deadline: still nothing placed anywhere.
            Thread.sleep(4 * LEASE_MS);
            assertThat(lifecycleSteps(f.manager)).isEqualTo(steps);
            assertThat(placement(f.manager.get("services/shop"))).isEqualTo(placement(before));
            // The partition heals: the manager holds a majority again and brings the shop back where it was.
            cut.forEach(h -> links.jolokia.get(h).restore());
            JsonNode up = f.manager.await("services/shop", n -> "UP".equals(n.path("state").asText())
                    && n.path("waiting").size() == 0, 60_000);
            assertThat(up.path("state").asText()).as(up.toString()).isEqualTo("UP");
            assertThat(f.manager.metrics()).contains("federa_manager_majority 1.0");
            assertThat(observer.twiceRunning()).as("VMs seen running on two hosts at once").isEmpty();
        }
    }
}
