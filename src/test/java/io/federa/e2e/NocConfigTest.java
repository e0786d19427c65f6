package io.federa.e2e;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The NOC's configuration files in examples/noc/ and dashboards/provisioning/ as their tools read
 * them (amtool, promtool), Alertmanager routing the load alerts to the manager's webhook, and
 * docs/noc.md showing each file exactly as it is.
 */
class NocConfigTest {
    private static final Path ALERTMANAGER = Path.of("examples/noc/alertmanager.yml");

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
        assertThat(routeOf("alertname=FederaHostUnreachable", "agent=host-2", "severity=critical")).isEqualTo("noc");
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
