package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scaling driven by the NOC's own alerting: a real Prometheus scrapes the real manager and
 * agents with the rules of alert-rules/ (their holds shortened), a real Alertmanager routes the
 * load alerts to the manager's webhook with the configuration of examples/noc/. Load on the web
 * front end past its threshold → FederaApplicationLoadHigh fires → Alertmanager posts → the
 * manager places a third web instance by the rules, once however often the alert is re-sent; the
 * load falls → FederaApplicationLoadLow → the newest instance goes, not below the minimum.
 */
class AlertScalingEndToEndTest {
    private static String replace(String text, String from, String to) {
        assertThat(text).as("an example configuration changed").contains(from);
        return text.replace(from, to);
    }

    private static String hostPort(String url) {
        URI u = URI.create(url);
        return u.getHost() + ":" + u.getPort();
    }

    private static String webHost(JsonNode status, String vm) {
        for (JsonNode i : status.path("instances")) {
            if (i.path("name").asText().equals(vm)) {
                return i.path("host").asText();
            }
        }
        return "";
    }

    @Test
    void an_alert_routed_by_alertmanager_scales_the_web_front_end_out_once_and_back_in(@TempDir Path dir) throws Exception {
        Path root = AgentProcess.root();
        List<String> ids = List.of("host-1", "host-2", "host-3", "host-4", "host-5");
        Map<String, Integer> ports = new LinkedHashMap<>();
        StringBuilder agentList = new StringBuilder();
        List<AgentProcess> agents = new ArrayList<>();
        ManagerProcess m = null;
        PrometheusProcess prometheus = null;
        Process alertmanager = null;
        try {
            List<String> metricTargets = new ArrayList<>();
            for (String id : ids) {
                int port = AgentProcess.freePort();
                while (ports.containsValue(port)) {
                    port = AgentProcess.freePort();
                }
                ports.put(id, port);
                agentList.append("  - { name: ").append(id).append(", address: 127.0.0.1, port: ").append(port)
                        .append(", user: federa, password: ").append(password(id)).append(" }\n");
                agents.add(AgentProcess.start(AgentProcess.emptyHost(id, id.equals("host-3"), dir, port)));
            }
            for (AgentProcess a : agents) {
                metricTargets.add("\"" + hostPort(a.awaitMetricsUrl(Duration.ofSeconds(60))) + "\"");
            }
            Path mconf = dir.resolve("manager.yaml");
            Files.writeString(mconf, Files.readString(root.resolve("demo/manager.yaml"))
                    .replaceAll("(?ms)^agents:\\n(  - .*?\\n)+", "agents:\n" + agentList)
                    .replace("port: 8080", "port: 0")
                    .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa")));
            m = ManagerProcess.start(mconf);
            // The example, with a cooldown short enough for the test; its own hold (30 s) and
            // scale-in window (5 min) keep the manager's rule out of the way: here the alerts scale.
            String shop = replace(Files.readString(root.resolve("examples/shop.yaml")), "cooldown: 60s", "cooldown: 3s");
            assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            m.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream().allMatch("REACHABLE"::equals), 10_000);
            assertThat(m.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "60")).contains("shop: UP after");

            // Alertmanager with the NOC's configuration, delivering to this manager.
            int amPort = AgentProcess.freePort();
            String am = Files.readString(root.resolve("examples/noc/alertmanager.yml"));
            am = replace(am, "http://127.0.0.1:8080/api/v1/alerts", m.api + "alerts");
            am = replace(am, "      group_interval: 30s", "      group_interval: 1s");
            Path amconf = dir.resolve("alertmanager.yml");
            Files.writeString(amconf, am);
            Path amlog = dir.resolve("alertmanager.log");
            alertmanager = new ProcessBuilder("/usr/bin/prometheus-alertmanager", "--config.file=" + amconf,
                    "--storage.path=" + dir.resolve("am-data"), "--web.listen-address=127.0.0.1:" + amPort,
                    "--cluster.listen-address=").redirectErrorStream(true).redirectOutput(amlog.toFile()).start();

            // Prometheus with the NOC's configuration and rules, their holds cut to 2 s.
            Path rules = Files.createDirectories(dir.resolve("rules"));
            Files.writeString(rules.resolve("federa-recording.yml"), Files.readString(root.resolve("alert-rules/federa-recording.yml")));
            Files.writeString(rules.resolve("federa-alerts.yml"), replace(replace(
                    Files.readString(root.resolve("alert-rules/federa-alerts.yml")), "for: 30s", "for: 2s"), "for: 5m", "for: 2s"));
            String config = Files.readString(root.resolve("examples/noc/prometheus.yml"));
            config = replace(config, "scrape_interval: 15s", "scrape_interval: 1s");
            config = replace(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
            config = replace(config, "/etc/prometheus/federa/*.yml", rules + "/*.yml");
            config = replace(config, "\"127.0.0.1:8080\"", "\"" + hostPort(m.api) + "\"");
            config = replace(config, "\"127.0.0.1:9781\", \"127.0.0.1:9782\", \"127.0.0.1:9783\", \"127.0.0.1:9784\"", String.join(", ", metricTargets));
            config = replace(config, "\"127.0.0.1:9093\"", "\"127.0.0.1:" + amPort + "\"");
            Path pconf = dir.resolve("prometheus.yml");
            Files.writeString(pconf, config);
            prometheus = PrometheusProcess.start(pconf, dir);

            // The web front end runs hot.
            JsonNode status = m.get("services/shop");
            for (String vm : List.of("web-1", "web-2")) {
                String host = webHost(status, vm);
                AgentProcess.simulateLoad(ports.get(host), password(host), vm, 0.9);
            }
            JsonNode grown = m.await("services/shop", n -> !webHost(n, "web-3").isEmpty() && n.path("converged").asBoolean()
                    && "UP".equals(n.path("state").asText()), 60_000);
            assertThat(webHost(grown, "web-3")).as("%s%nAlertmanager log:%n%s", m.get("events?since=1h"), log(amlog)).isNotEmpty();
            // Placed by the rules: not beside another web instance, nor beside payment (which avoids web).
            assertThat(webHost(grown, "web-3")).isNotIn(webHost(grown, "web-1"), webHost(grown, "web-2"), webHost(grown, "payment-1"));
            assertThat(m.get("vms").toString()).contains("\"name\":\"web-3\"");

            // The load falls: the low-load alert takes the newest instance away, and no further.
            for (String vm : List.of("web-1", "web-2", "web-3")) {
                String host = webHost(grown, vm);
                AgentProcess.simulateLoad(ports.get(host), password(host), vm, 0.05);
            }
            JsonNode shrunk = m.await("services/shop", n -> webHost(n, "web-3").isEmpty() && n.path("converged").asBoolean(), 60_000);
            assertThat(webHost(shrunk, "web-3")).as("%s", m.get("events?since=1h")).isEmpty();
            Thread.sleep(5_000);
            JsonNode after = m.get("services/shop");
            assertThat(after.path("scaling").path("web").asInt()).as("not below the minimum").isEqualTo(2);

            String events = m.get("events?kind=scaling.&since=1h&limit=1000").toString();
            assertThat(events).contains("shop: web 2 → 3 instances: alert FederaApplicationLoadHigh asks to scale out")
                    .contains("shop: web 3 → 2 instances: alert FederaApplicationLoadLow asks to scale in");
            // However often Alertmanager re-sent the firing alert, it scaled out once.
            assertThat(events.split("asks to scale out\"", -1).length - 1).isEqualTo(1);
        } finally {
            if (alertmanager != null) {
                alertmanager.destroy();
                alertmanager.waitFor(10, TimeUnit.SECONDS);
            }
            if (prometheus != null) {
                prometheus.close();
            }
            if (m != null) {
                m.close();
            }
            for (AgentProcess a : agents) {
                a.close();
            }
        }
    }

    private static String password(String host) {
        return host.equals("host-3") ? "demo-password-3" : "demo-password-2";
    }

    private static String log(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
