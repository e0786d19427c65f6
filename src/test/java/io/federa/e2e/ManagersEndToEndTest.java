package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.federa.manager.store.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three managers on one PostgreSQL, five agents, the shop running and a drain in flight: exactly
 * one manager leads; killing it with SIGKILL again and again hands the lead to another, which
 * goes on with the drain from the journal; a rolling restart of all three keeps the shop UP; no
 * VM ever runs on two hosts (an {@link Observer} reading every agent every 200 ms proves it). The
 * managers' clocks disagree by up to the skew the cluster allows (lease.clockSkew, 500 ms): m2's
 * is 250 ms behind the machine's, m3's 250 ms ahead, m1's is the machine's.
 */
class ManagersEndToEndTest {
    private static final List<String> HOSTS = List.of("host-1", "host-2", "host-3", "host-4", "host-5");
    private static final String SETTINGS = "poll: 500ms\nlifecycle:\n  lease: 3s\n  grace: 1s\n  leaseMargin: 500ms\n"
            + "migration: { settle: 1s }\n";

    /** The managers by name, and the configuration each runs on. */
    private static final class Managers implements AutoCloseable {
        final Map<String, Path> configs = new LinkedHashMap<>();
        final Map<String, ManagerProcess> running = new LinkedHashMap<>();
        /** Each manager's clock, off from the machine's by as much as the cluster allows between two of them. */
        final Map<String, String> clockOffsets = Map.of("m1", "0ms", "m2", "-250ms", "m3", "250ms");

        void start(String name) throws Exception {
            running.put(name, ManagerProcess.start(configs.get(name), List.of("-Dfedera.clockOffset=" + clockOffsets.get(name))));
        }

        ManagerProcess any() {
            return running.values().iterator().next();
        }

        /** Asks every running manager who leads; the leader they agree on, once one leads. */
        String leader(long millis) throws Exception {
            long end = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < end) {
                for (ManagerProcess m : running.values()) {
                    try {
                        JsonNode n = m.get("managers");
                        String leader = n.path("leader").asText("");
                        if (!leader.isEmpty() && running.containsKey(leader) && n.path("members").findValues("leading")
                                .stream().filter(JsonNode::asBoolean).count() >= 1) {
                            JsonNode own = running.get(leader).get("managers");
                            if (own.path("answeredBy").asText().equals(leader) && own.path("leader").asText().equals(leader)) {
                                return leader;
                            }
                        }
                    } catch (Exception e) {
                        // that one is starting or stopping: ask another
                    }
                }
                Thread.sleep(50);
            }
            return "";
        }

        @Override
        public void close() {
            running.values().forEach(ManagerProcess::close);
        }
    }

    @Test
    void one_manager_leads_a_killed_leader_is_replaced_the_drain_goes_on_and_a_rolling_restart_keeps_the_shop_up(
            @TempDir Path dir) throws Exception {
        String jdbc = PostgresServer.get().newDatabase();
        java.util.function.UnaryOperator<String> storeOnPostgres = yaml -> yaml.replaceAll("(?m)^store:\\n  file: .*$",
                "store:\n  jdbcUrl: \"" + jdbc + "\"\n  user: federa") + "cluster: { name: m1, leaderTtl: 3s }\n";
        try (Fleet f = new Fleet(dir, HOSTS, Set.of("host-3"), p -> Map.of(), SETTINGS, Map.of(),
                java.util.function.UnaryOperator.identity(), storeOnPostgres);
             Managers managers = new Managers();
             Observer observer = new Observer(f, 200)) {
            String base = Files.readString(f.managerConfig);
            for (String name : List.of("m1", "m2", "m3")) {
                Path c = dir.resolve(name + ".yaml");
                Files.writeString(c, base.replace("cluster: { name: m1,", "cluster: { name: " + name + ","));
                managers.configs.put(name, c);
            }
            // The fleet's own manager is m1; m2 and m3 join it.
            managers.running.put("m1", f.manager);
            managers.start("m2");
            managers.start("m3");
            assertThat(managers.leader(10_000)).isEqualTo("m1");
            for (String follower : List.of("m2", "m3")) {
                JsonNode refused = managers.running.get(follower).call("POST", "services/shop/start", ManagerProcess.OPERATOR, "");
                assertThat(refused.path("httpStatus").asInt()).as(refused.toString()).isEqualTo(503);
                assertThat(refused.path("error").asText()).isEqualTo("not the leader");
                assertThat(refused.path("leader").asText()).isEqualTo(f.manager.api.replace("/api/v1/", ""));
            }
            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            // The command line is given every manager: it sends the change to the leader, whichever it asks first.
            String all = String.join(",", managers.running.get("m3").api.replace("/api/v1/", ""),
                    managers.running.get("m2").api.replace("/api/v1/", ""), f.manager.api.replace("/api/v1/", ""));
            assertThat(ManagerProcess.federaAt(all, ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120"))
                    .contains("shop: UP after");
            assertThat(ManagerProcess.federaAt(all, ManagerProcess.VIEWER, "managers")).contains("m1 leads with term");
            // The audit log names who asked for the start, and each command the leader sent for it.
            String audit = ManagerProcess.federaAt(all, ManagerProcess.OPERATOR, "audit", "--since", "10m", "--limit", "1000");
            assertThat(audit).contains("POST /api/v1/services/shop/start").contains("202 Accepted")
                    .contains("manager m1 (term").contains("execute start").doesNotContain(ManagerProcess.OPERATOR);
            // Only the leader records what it sees: each VM that came up is one event, not one per manager.
            JsonNode seen = f.manager.await("events?kind=vm.&limit=1000", n -> n.path("events").size() >= 4, 10_000).path("events");
            assertThat(seen.findValuesAsText("message")).as(seen.toString()).hasSizeGreaterThanOrEqualTo(4).doesNotHaveDuplicates();

            try (ShopWatch watch = new ShopWatch(f, Map.of())) {

                // A drain of a host that holds web (2 replicas: moves without taking the shop down)
                // and not the single catalog-db (its move would wait for downtime to be allowed).
                JsonNode status = f.manager.get("services/shop");
                String drained = "";
                java.util.Set<String> db = new java.util.HashSet<>();
                for (JsonNode i : status.path("instances")) {
                    if (i.path("application").asText().equals("catalog-db")) {
                        db.add(i.path("host").asText());
                    }
                }
                for (JsonNode i : status.path("instances")) {
                    if (i.path("application").asText().equals("web") && !db.contains(i.path("host").asText())) {
                        drained = i.path("host").asText();
                    }
                }
                assertThat(drained).isNotEmpty();

                // Kill the leader again and again; another takes the lead each time.
                List<Long> takeovers = new ArrayList<>();
                for (int kill = 0; kill < 20; kill++) {
                    String leader = managers.leader(15_000);
                    assertThat(leader).as("a leader before kill " + kill).isNotEmpty();
                    if (kill == 1) {
                        JsonNode d = managers.running.get(leader).call("POST", "hosts/" + drained + "/drain", ManagerProcess.OPERATOR, "");
                        assertThat(d.path("httpStatus").asInt()).as(d.toString()).isEqualTo(202);
                        Thread.sleep(700);
                    }
                    long t0 = System.nanoTime();
                    managers.running.remove(leader).kill();
                    String next = managers.leader(20_000);
                    takeovers.add((System.nanoTime() - t0) / 1_000_000);
                    assertThat(next).as("a new leader after killing " + leader).isNotEmpty().isNotEqualTo(leader);
                    managers.start(leader);
                }
                // The drain finished under the later leaders: nothing of the shop is left on that host.
                String drainedHost = drained;
                JsonNode moved = managers.any().await("services/shop", n -> "UP".equals(n.path("state").asText())
                        && n.path("instances").findValuesAsText("host").stream().noneMatch(drainedHost::equals), 90_000);
                assertThat(moved.path("instances").findValuesAsText("host")).as(moved.toString()).doesNotContain(drainedHost);
                assertThat(managers.any().get("migrations").toString()).doesNotContain("ROLLED_BACK");
                // Nothing was placed twice: the instances the drain did not move keep their first epoch.
                for (JsonNode i : moved.path("instances")) {
                    boolean wasOnDrained = status.path("instances").toString().contains("\"name\":\"" + i.path("name").asText()
                            + "\",\"application\":\"" + i.path("application").asText() + "\",\"host\":\"" + drainedHost + "\"");
                    assertThat(i.path("epoch").asLong()).as(i.toString()).isEqualTo(wasOnDrained ? 2 : 1);
                }
                System.out.println("leader killed → another leads, ms: " + takeovers);

                // A rolling restart: each manager stopped and started in turn.
                for (String name : List.of("m1", "m2", "m3")) {
                    managers.running.remove(name).stop();
                    assertThat(managers.leader(20_000)).as("a leader while " + name + " restarts").isNotEmpty();
                    managers.start(name);
                }
                assertThat(managers.leader(15_000)).isNotEmpty();
                assertThat(watch.down).as("moments the shop was down (takeovers took " + takeovers + " ms)").isEmpty();
            }
            assertThat(observer.twiceRunning()).as("VMs seen running on two hosts at once").isEmpty();
        }
    }
}
