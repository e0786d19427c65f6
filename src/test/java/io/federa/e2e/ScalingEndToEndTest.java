package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager's own scaling rule over real agents: simulated load on the web front end past the
 * threshold first takes over the demo's third web VM, then adds a fourth, placed by the rules (on
 * the only host without web or payment); load falling removes the newest after each scale-in
 * window, never going below the minimum.
 */
class ScalingEndToEndTest {
    private static String vmState(JsonNode vms, String name) {
        for (JsonNode v : vms.path("vms")) {
            if (v.path("name").asText().equals(name)) {
                return v.path("state").asText() + "@" + v.path("host").asText();
            }
        }
        return "";
    }

    @Test
    void load_past_the_rule_adds_a_web_instance_and_its_fall_removes_it(@TempDir Path dir) throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String id : List.of("host-1", "host-2", "host-3", "host-4")) {
            int p = AgentProcess.freePort();
            while (ports.containsValue(p)) {
                p = AgentProcess.freePort();
            }
            ports.put(id, p);
        }
        AgentProcess a1 = AgentProcess.start(AgentProcess.demoConfig("host-1", dir, ports.get("host-1")));
        AgentProcess a2 = AgentProcess.start(AgentProcess.demoConfig("host-2", dir, ports.get("host-2")));
        AgentProcess a3 = AgentProcess.start(AgentProcess.demoConfig("host-3", dir, ports.get("host-3")));
        AgentProcess a4 = AgentProcess.start(AgentProcess.emptyHost("host-4", false, dir, ports.get("host-4")));
        String managerYaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                .replaceAll("(?m)^  - \\{ name: host-4.*\\n", "")
                .replace("port: 8781", "port: " + ports.get("host-1")).replace("port: 8782", "port: " + ports.get("host-2"))
                .replace("port: 8783", "port: " + ports.get("host-3"))
                .replace("poll:", "  - { name: host-4, address: 127.0.0.1, port: " + ports.get("host-4")
                        + ", user: federa, password: demo-password-2 }\npoll:")
                .replace("port: 8080", "port: 0")
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"));
        Path mconf = dir.resolve("manager.yaml");
        Files.writeString(mconf, managerYaml);
        ManagerProcess m = null;
        try {
            for (AgentProcess a : List.of(a1, a2, a3, a4)) {
                a.awaitJolokiaUrl(Duration.ofSeconds(60));
            }
            m = ManagerProcess.start(mconf);
            // The example's web policy, with seconds instead of minutes so the test is short.
            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"))
                    .replace("for: 30s", "for: 2s").replace("cooldown: 60s", "cooldown: 3s")
                    .replace("scaleInWindow: 5m", "scaleInWindow: 6s").replace("max: 6", "max: 4");
            assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            m.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream().allMatch("REACHABLE"::equals), 10_000);
            assertThat(m.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "60")).contains("shop: UP after");

            // Hot web front end: every web VM at 90 %.
            for (String[] vm : new String[][]{{"host-1", "demo-password-1", "web-1"}, {"host-2", "demo-password-2", "web-2"},
                    {"host-3", "demo-password-3", "web-3"}}) {
                AgentProcess.simulateLoad(ports.get(vm[0]), vm[1], vm[2], 0.9);
            }
            JsonNode grown = m.await("vms", n -> vmState(n, "web-4").startsWith("RUNNING"), 20_000);
            // host-4 is the only host without a web instance and without payment, which avoids web.
            assertThat(vmState(grown, "web-4")).as(m.get("events?since=1h").toString()).isEqualTo("RUNNING@host-4");
            JsonNode events = m.get("events?kind=scaling.&since=1h");
            assertThat(events.toString()).contains("shop: web 2 → 3 instances: load 0.90 above 0.75 for")
                    .contains("shop: web 3 → 4 instances: load 0.90 above 0.75 for");
            assertThat(m.get("services/shop").path("scaling").path("web").asInt()).isEqualTo(4);

            // The load falls: after the 6 s window the newest instance goes, and no further than the minimum.
            for (String[] vm : new String[][]{{"host-1", "demo-password-1", "web-1"}, {"host-2", "demo-password-2", "web-2"},
                    {"host-3", "demo-password-3", "web-3"}}) {
                AgentProcess.simulateLoad(ports.get(vm[0]), vm[1], vm[2], 0.05);
            }
            JsonNode shrunk = m.await("vms", n -> vmState(n, "web-4").isEmpty(), 30_000);
            assertThat(vmState(shrunk, "web-4")).isEmpty();
            assertThat(m.get("events?kind=scaling.&since=1h").toString()).contains("shop: web 4 → 3 instances: load");
            JsonNode two = m.await("services/shop", n -> n.path("scaling").path("web").asInt() == 2 && n.path("converged").asBoolean(),
                    30_000);
            assertThat(two.path("scaling").path("web").asInt()).isEqualTo(2);
            Thread.sleep(8_000);
            JsonNode status = m.get("services/shop");
            assertThat(status.path("scaling").path("web").asInt()).as("never below the minimum of 2").isEqualTo(2);
            assertThat(status.path("state").asText()).isEqualTo("UP");
        } finally {
            if (m != null) {
                m.close();
            }
            for (AgentProcess a : List.of(a1, a2, a3, a4)) {
                a.close();
            }
        }
    }
}
