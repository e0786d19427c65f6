package io.federa.e2e;

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
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fleet wired as docs/noc.md says, every part real: MR agents host-1 … host-N (host-3 offsite,
 * the others like the demo's), a manager with the shop example applied, Alertmanager on
 * examples/noc/alertmanager.yml delivering to that manager, and Prometheus on
 * examples/noc/prometheus.yml with the rules of alert-rules/. Only addresses, paths and intervals
 * are changed (scrapes and evaluations every second), and the rules' holds as the test says.
 */
final class NocStack implements AutoCloseable {
    final List<AgentProcess> agents = new ArrayList<>();
    /** Each host's Jolokia port. */
    final Map<String, Integer> ports = new LinkedHashMap<>();
    ManagerProcess manager;
    PrometheusProcess prometheus;
    Process alertmanager;
    int alertmanagerPort;
    Path alertmanagerLog;

    private NocStack() {
    }

    /**
     * Starts it all; {@code holds} rewrites alert-rules/federa-alerts.yml (the {@code for:} of its
     * alerts) before Prometheus loads it, and {@code shop} the shop example before it is applied.
     */
    static NocStack start(Path dir, int hosts, UnaryOperator<String> shop, UnaryOperator<String> holds) throws Exception {
        NocStack s = new NocStack();
        try {
            s.startAll(dir, hosts, shop, holds);
            return s;
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
    }

    private void startAll(Path dir, int hosts, UnaryOperator<String> shop, UnaryOperator<String> holds) throws Exception {
        Path root = AgentProcess.root();
        StringBuilder agentList = new StringBuilder();
        List<String> metricTargets = new ArrayList<>();
        for (int i = 1; i <= hosts; i++) {
            String id = "host-" + i;
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
        manager = ManagerProcess.start(mconf);
        String definitions = shop.apply(Files.readString(root.resolve("examples/shop.yaml")));
        assertThat(manager.call("POST", "definitions", ManagerProcess.OPERATOR, definitions).path("httpStatus").asInt())
                .isEqualTo(200);
        manager.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream().allMatch("REACHABLE"::equals),
                10_000);

        alertmanagerPort = AgentProcess.freePort();
        String am = Files.readString(root.resolve("examples/noc/alertmanager.yml"));
        am = replace(am, "http://127.0.0.1:8080/api/v1/alerts", manager.api + "alerts");
        am = replace(am, "      group_interval: 30s", "      group_interval: 1s");
        Path amconf = dir.resolve("alertmanager.yml");
        Files.writeString(amconf, am);
        alertmanagerLog = dir.resolve("alertmanager.log");
        alertmanager = new ProcessBuilder("/usr/bin/prometheus-alertmanager", "--config.file=" + amconf,
                "--storage.path=" + dir.resolve("am-data"), "--web.listen-address=127.0.0.1:" + alertmanagerPort,
                "--cluster.listen-address=").redirectErrorStream(true).redirectOutput(alertmanagerLog.toFile()).start();

        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.writeString(rules.resolve("federa-recording.yml"), Files.readString(root.resolve("alert-rules/federa-recording.yml")));
        Files.writeString(rules.resolve("federa-alerts.yml"), holds.apply(Files.readString(root.resolve("alert-rules/federa-alerts.yml"))));
        String config = Files.readString(root.resolve("examples/noc/prometheus.yml"));
        config = replace(config, "scrape_interval: 15s", "scrape_interval: 1s");
        config = replace(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
        config = replace(config, "/etc/prometheus/federa/*.yml", rules + "/*.yml");
        config = replace(config, "\"127.0.0.1:8080\"", "\"" + hostPort(manager.api) + "\"");
        config = replace(config, "\"127.0.0.1:9781\", \"127.0.0.1:9782\", \"127.0.0.1:9783\", \"127.0.0.1:9784\"",
                String.join(", ", metricTargets));
        config = replace(config, "\"127.0.0.1:9093\"", "\"127.0.0.1:" + alertmanagerPort + "\"");
        Path pconf = dir.resolve("prometheus.yml");
        Files.writeString(pconf, config);
        prometheus = PrometheusProcess.start(pconf, dir);
    }

    static String replace(String text, String from, String to) {
        assertThat(text).as("an example configuration changed").contains(from);
        return text.replace(from, to);
    }

    static String hostPort(String url) {
        URI u = URI.create(url);
        return u.getHost() + ":" + u.getPort();
    }

    static String password(String host) {
        return host.equals("host-3") ? "demo-password-3" : "demo-password-2";
    }

    /** What Alertmanager logged so far. */
    String alertmanagerLog() {
        try {
            return Files.readString(alertmanagerLog);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (alertmanager != null) {
            alertmanager.destroy();
            try {
                alertmanager.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (manager != null) {
            manager.close();
        }
        for (AgentProcess a : agents) {
            a.close();
        }
    }
}
