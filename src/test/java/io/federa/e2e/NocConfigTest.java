package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The NOC's configuration files in examples/noc/ and dashboards/provisioning/ as their tools read
 * them (amtool, promtool), Alertmanager routing the load alerts to the manager's webhook, and
 * docs/noc.md showing each file exactly as it is.
 */
class NocConfigTest {
    private static final Path ALERTMANAGER = Path.of("examples/noc/alertmanager.yml");
    private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
            new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static String routeOf(String... labels) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("amtool", "config", "routes", "test",
                "--config.file=" + ALERTMANAGER));
        cmd.addAll(List.of(labels));
        ExternalTool.Result r = ExternalTool.run(cmd);
        assertThat(r.exitStatus()).as("exit status of %s; its output:%n%s", cmd, r.output()).isZero();
        // amtool prints a warning about its flags first; the receiver is the last line.
        List<String> lines = r.output().strip().lines().toList();
        return lines.get(lines.size() - 1).strip();
    }

    @Test
    void amtool_accepts_the_alertmanager_configuration() throws Exception {
        ExternalTool.Result r = ExternalTool.run(List.of("amtool", "check-config", ALERTMANAGER.toString()));
        assertThat(r.exitStatus()).as("amtool check-config; its output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    @Test
    void load_alerts_go_to_the_scaling_webhook_and_the_rest_to_the_noc() throws Exception {
        assertThat(routeOf("alertname=FederaApplicationLoadHigh", "action=scale_out", "service=shop", "application=web"))
                .isEqualTo("federa-scaling");
        assertThat(routeOf("alertname=FederaApplicationLoadLow", "action=scale_in", "service=shop", "application=web"))
                .isEqualTo("federa-scaling");
        assertThat(routeOf("alertname=FederaServiceDown", "service=shop", "severity=critical")).isEqualTo("noc");
        assertThat(routeOf("alertname=FederaHostUnreachable", "agent=host-2", "severity=warning")).isEqualTo("noc");
        assertThat(routeOf("alertname=FederaWatchdog", "severity=none")).isEqualTo("watchdog");
    }

    /** The address:port pairs of the jobs' static targets in a Prometheus configuration, by job. */
    private static java.util.Map<String, java.util.Set<String>> targets(Path config) throws Exception {
        JsonNode root = YAML.readTree(config.toFile());
        java.util.Map<String, java.util.Set<String>> out = new java.util.TreeMap<>();
        for (JsonNode job : root.path("scrape_configs")) {
            java.util.Set<String> t = new java.util.TreeSet<>();
            job.path("static_configs").forEach(sc -> sc.path("targets").forEach(n -> t.add(n.asText())));
            out.put(job.path("job_name").asText(), t);
        }
        return out;
    }

    @Test
    void the_example_prometheus_configurations_scrape_everything_the_demo_runs() throws Exception {
        Path root = AgentProcess.root();
        java.util.Set<String> agents = new java.util.TreeSet<>();
        try (var files = Files.list(root.resolve("demo"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("host-\\d+\\.yaml")).toList()) {
                JsonNode metrics = YAML.readTree(f.toFile()).path("metrics");
                agents.add(metrics.path("address").asText() + ":" + metrics.path("port").asText());
            }
        }
        assertThat(agents).as("the demo's agents").hasSizeGreaterThanOrEqualTo(4);
        JsonNode api = YAML.readTree(root.resolve("demo/manager.yaml").toFile()).path("api");
        for (String file : List.of("examples/noc/prometheus.yml", "examples/noc/prometheus-tls.yml")) {
            java.util.Map<String, java.util.Set<String>> t = targets(root.resolve(file));
            assertThat(t.get("federa-agents")).as("%s scrapes every agent of demo/", file).isEqualTo(agents);
            assertThat(t.get("federa-manager")).as("%s scrapes the demo's manager", file)
                    .containsExactly(api.path("address").asText() + ":" + api.path("port").asText());
        }
    }

    @Test
    void alertmanager_inhibits_a_dead_hosts_poll_failures_and_a_down_services_degraded(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        int port = AgentProcess.freePort();
        Path config = dir.resolve("alertmanager.yml");
        // Nothing listens where the webhook posts: delivery is not what this test looks at.
        Files.writeString(config, Files.readString(AgentProcess.root().resolve(ALERTMANAGER))
                .replace("http://127.0.0.1:8080/api/v1/alerts", "http://127.0.0.1:" + AgentProcess.freePort() + "/api/v1/alerts"));
        Process am = new ProcessBuilder("/usr/bin/prometheus-alertmanager", "--config.file=" + config,
                "--storage.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(dir.resolve("alertmanager.log").toFile()).start();
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.URI alerts = java.net.URI.create("http://127.0.0.1:" + port + "/api/v2/alerts");
            String body = """
                    [
                     {"labels": {"alertname": "FederaHostUnreachable", "agent": "host-2", "severity": "warning"}},
                     {"labels": {"alertname": "FederaAgentPollsFailing", "agent": "host-2", "reason": "timeout", "severity": "warning"}},
                     {"labels": {"alertname": "FederaAgentPollsFailing", "agent": "host-1", "reason": "timeout", "severity": "warning"}},
                     {"labels": {"alertname": "FederaServiceDown", "service": "shop", "severity": "critical"}},
                     {"labels": {"alertname": "FederaServiceDegraded", "service": "shop", "severity": "warning"}},
                     {"labels": {"alertname": "FederaServiceDegraded", "service": "backoffice", "severity": "warning"}}
                    ]""";
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            java.util.Map<String, String> states = java.util.Map.of();
            while (System.nanoTime() < end) {
                try {
                    java.net.http.HttpResponse<String> posted = http.send(java.net.http.HttpRequest.newBuilder(alerts)
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (posted.statusCode() == 200) {
                        states = new java.util.TreeMap<>();
                        for (JsonNode a : JSON.readTree(http.send(java.net.http.HttpRequest.newBuilder(alerts).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString()).body())) {
                            JsonNode l = a.path("labels");
                            states.put(l.path("alertname").asText() + "/" + l.path("agent").asText(l.path("service").asText()),
                                    a.path("status").path("state").asText());
                        }
                        if (states.size() == 6) {
                            break;
                        }
                    }
                } catch (java.io.IOException notYet) {
                    // Alertmanager is still starting.
                }
                Thread.sleep(200);
            }
            assertThat(states).as("alert states; Alertmanager's log:%n%s", Files.readString(dir.resolve("alertmanager.log")))
                    .containsEntry("FederaAgentPollsFailing/host-2", "suppressed")
                    .containsEntry("FederaAgentPollsFailing/host-1", "active")
                    .containsEntry("FederaHostUnreachable/host-2", "active")
                    .containsEntry("FederaServiceDegraded/shop", "suppressed")
                    .containsEntry("FederaServiceDegraded/backoffice", "active")
                    .containsEntry("FederaServiceDown/shop", "active");
        } finally {
            am.destroy();
            am.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void promtool_accepts_the_prometheus_configuration() throws Exception {
        ExternalTool.Result r = ExternalTool.run(List.of("promtool", "check", "config", "examples/noc/prometheus.yml"));
        assertThat(r.exitStatus()).as("promtool check config; its output:%n%s", r.output()).isZero();
    }

    @Test
    void promtool_accepts_the_prometheus_configuration_over_tls(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path certs = Tls.certs(dir.resolve("tls"), "prometheus");
        Path config = dir.resolve("prometheus-tls.yml");
        Files.writeString(config, Files.readString(AgentProcess.root().resolve("examples/noc/prometheus-tls.yml"))
                .replace("/etc/federa/tls", certs.toString()));
        ExternalTool.Result r = ExternalTool.run(List.of("promtool", "check", "config", config.toString()));
        assertThat(r.exitStatus()).as("promtool check config; its output:%n%s", r.output()).isZero();
        assertThat(r.output()).contains("is valid prometheus config file syntax");
    }

    @Test
    void the_noc_guide_shows_every_configuration_file_as_it_is() throws Exception {
        Path root = AgentProcess.root();
        String guide = Files.readString(root.resolve("docs/noc.md"), StandardCharsets.UTF_8);
        for (String file : List.of("examples/noc/prometheus.yml", "examples/noc/alertmanager.yml",
                "dashboards/provisioning/dashboards/federa.yaml", "dashboards/provisioning/datasources/prometheus.yaml")) {
            assertThat(guide).as("docs/noc.md shows %s verbatim", file)
                    .contains(Files.readString(root.resolve(file), StandardCharsets.UTF_8));
        }
        assertThat(Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8)).contains("docs/noc.md");
    }
}
