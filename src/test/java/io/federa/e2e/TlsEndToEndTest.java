package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A manager and agents with TLS on every connection, as real processes: the agents require client
 * certificates of the fleet's authority, the manager pins each agent's certificate and serves its
 * API and webhook over HTTPS. A service is started and its VM moved with its data (pulled agent to
 * agent over TLS), byte for byte; an impostor at an agent's address — with a certificate of the
 * same authority, but not the pinned one — is refused with an identity reason and never counted.
 */
class TlsEndToEndTest {
    private static final String OPERATOR = ManagerProcess.OPERATOR;

    private static String shop() {
        return """
                applications:
                  - name: web
                    runtime: kvm
                    resources: { vcpus: 1, memoryMiB: 512, diskGiB: 1 }
                    replicas: 1
                    minAvailable: 1
                    placement: { offsiteForbidden: true }
                services:
                  - name: shop
                    applications: [web]
                """;
    }

    /** An empty host whose listeners speak TLS only, with {@code cert}'s certificate, requiring client certificates. */
    private static Path agent(Path dir, String id, String cert, Path certs, int jolokia, int data) throws IOException {
        Path file = AgentProcess.emptyHost(id, false, dir, jolokia);
        String yaml = Files.readString(file)
                .replaceFirst("(?ms)^(metrics:\\n  address: 127.0.0.1\\n  port: )0$", "$1" + data)
                .replace("password: demo-password-3", "password: " + Fleet.PASSWORD)
                + "tls:\n  cert: " + certs.resolve(cert + ".pem") + "\n  key: " + certs.resolve(cert + "-key.pem")
                + "\n  ca: " + certs.resolve("ca.pem") + "\n  clientAuth: required\n";
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void every_connection_speaks_tls_a_vm_moves_over_it_and_an_impostor_is_refused(@TempDir Path dir) throws Exception {
        Path certs = Tls.certs(dir.resolve("certs"), "host-1", "host-2", "host-3", "impostor", "manager");
        Path other = Tls.certs(dir.resolve("other"), "manager");
        List<AgentProcess> agents = new ArrayList<>();
        ManagerProcess m = null;
        try {
            int[] ports = new int[6];
            for (int i = 0; i < ports.length; i++) {
                ports[i] = AgentProcess.freePort();
            }
            agents.add(AgentProcess.start(agent(dir, "host-1", "host-1", certs, ports[0], ports[1])));
            agents.add(AgentProcess.start(agent(dir, "host-2", "host-2", certs, ports[2], ports[3])));
            // The impostor says it is host-3, at host-3's address, with a certificate of the same authority.
            Path impostorDir = Files.createDirectories(dir.resolve("impostor"));
            agents.add(AgentProcess.start(agent(impostorDir, "host-3", "impostor", certs, ports[4], ports[5])));
            for (AgentProcess a : agents) {
                assertThat(a.awaitJolokiaUrl(Duration.ofSeconds(60))).startsWith("https://127.0.0.1:");
                assertThat(a.awaitMetricsUrl(Duration.ofSeconds(1))).startsWith("https://127.0.0.1:");
            }

            StringBuilder list = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                String id = "host-" + (i + 1);
                list.append("  - { name: ").append(id).append(", address: 127.0.0.1, port: ").append(ports[2 * i])
                        .append(", user: federa, password: ").append(Fleet.PASSWORD).append(", fingerprint: \"")
                        .append(Tls.fingerprint(certs.resolve(id + ".pem"))).append("\" }\n");
            }
            String yaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                    .replaceAll("(?ms)^agents:\\n(  - .*?\\n)+", "agents:\n" + list)
                    .replace("port: 8080", "port: 0")
                    .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"))
                    + "lifecycle:\n  lease: 20s\n  grace: 30s\n  leaseMargin: 1s\nmigration:\n  settle: 1s\n  copyAttempts: 3\n"
                    + "tls:\n  cert: " + certs.resolve("manager.pem") + "\n  key: " + certs.resolve("manager-key.pem")
                    + "\n  ca: " + certs.resolve("ca.pem") + "\n";
            Path mconf = dir.resolve("manager.yaml");
            Files.writeString(mconf, yaml);
            m = ManagerProcess.start(mconf, List.of(), certs.resolve("ca.pem"));
            assertThat(m.api).startsWith("https://127.0.0.1:");
            String base = m.api.replace("/api/v1/", "");

            // Polled over TLS with the manager's client certificate; the impostor refused by its certificate.
            String impostor = Tls.fingerprint(certs.resolve("impostor.pem"));
            String pinned = Tls.fingerprint(certs.resolve("host-3.pem"));
            JsonNode hosts = m.await("hosts", n -> n.toString().contains("\"REACHABLE\"") && n.path("hosts").size() == 3
                    && n.path("hosts").findValuesAsText("reachability").stream().filter("REACHABLE"::equals).count() == 2
                    && n.toString().contains("identity: "), 30_000);
            Map<String, JsonNode> byName = new java.util.HashMap<>();
            hosts.path("hosts").forEach(h -> byName.put(h.path("agent").asText(h.path("name").asText()), h));
            assertThat(byName.get("host-1").path("reachability").asText()).isEqualTo("REACHABLE");
            assertThat(byName.get("host-2").path("reachability").asText()).isEqualTo("REACHABLE");
            assertThat(byName.get("host-3").path("reachability").asText()).as(hosts.toString()).isNotEqualTo("REACHABLE");
            assertThat(byName.get("host-3").toString()).contains("identity: presents a certificate with sha256 " + impostor
                    + ", not the pinned " + pinned);
            // Present at 0 from the start: the identity failures of host-3 counted, and none of host-1.
            assertThat(m.metrics()).containsPattern("federa_poll_failures_total\\{agent=\"host-3\",reason=\"identity\"} [1-9]")
                    .contains("federa_poll_failures_total{agent=\"host-1\",reason=\"identity\"} 0.0");

            // The API: HTTPS only, and only for clients that trust the manager's authority.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create(base.replace("https://", "http://") + "/health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
            HttpClient stranger = HttpClient.newBuilder().sslContext(Tls.trusting(other.resolve("ca.pem"))).build();
            assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
            assertThat(m.federa(ManagerProcess.VIEWER, "hosts")).contains("host-1").contains("host-2");
            Process wrongCa = new ProcessBuilder(AgentProcess.root().resolve("bin/federa").toString(), "--server", base,
                    "--token", ManagerProcess.VIEWER, "--cacert", other.resolve("ca.pem").toString(), "hosts")
                    .redirectErrorStream(true).start();
            String refusal = new String(wrongCa.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(wrongCa.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(wrongCa.exitValue()).isEqualTo(1);
            assertThat(refusal).contains("federa: cannot reach the manager at " + base + ": TLS: its certificate is not signed by "
                    + "the authority in " + other.resolve("ca.pem"));

            // Alertmanager's webhook, over HTTPS.
            JsonNode alert = m.call("POST", "alerts", OPERATOR, "{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"federa\","
                    + "\"groupKey\":\"{}:{}\",\"alerts\":[]}");
            assertThat(alert.path("httpStatus").asInt()).as(alert.toString()).isBetween(200, 299);

            // A service started, and its VM moved with its data from one agent to the other over TLS.
            assertThat(m.call("POST", "definitions", OPERATOR, shop()).path("httpStatus").asInt()).isEqualTo(200);
            m.federa(OPERATOR, "start", "shop", "--timeout", "60");
            JsonNode vm = null;
            for (JsonNode v : m.get("vms").path("vms")) {
                if (v.path("name").asText().equals("web-1")) {
                    vm = v;
                }
            }
            assertThat(vm).as("web-1 placed").isNotNull();
            String source = vm.path("host").asText();
            String uuid = vm.path("uuid").asText();
            assertThat(source).isIn("host-1", "host-2");
            String destination = source.equals("host-1") ? "host-2" : "host-1";
            Path sourceData = dir.resolve(source + "-data/vms/" + uuid);
            Fleet.scribble(sourceData.resolve("disk0.raw"), 100L << 20, 8 << 20, 7);
            String digest = Fleet.digest(sourceData).orElseThrow();
            // The shop's one web instance: its move stops it for a moment, which a move must be told it may.
            String out = m.federa(OPERATOR, "migrate", "web-1", "--to", destination, "--allow-downtime");
            assertThat(out).contains("m-1: DONE after").contains("moved from " + source + " to " + destination);
            assertThat(Fleet.digest(dir.resolve(destination + "-data/vms/" + uuid))).as("the bytes at the destination")
                    .contains(digest);
            assertThat(m.get("services/shop").path("state").asText()).isEqualTo("UP");
            assertThat(m.get("hosts").toString()).as("nothing of the impostor reached the inventory")
                    .doesNotContain("\"host\":\"host-3\"");
        } finally {
            if (m != null) {
                m.close();
            }
            agents.forEach(AgentProcess::close);
        }
    }

    /** Runs a packaged program and returns its exit code and everything it printed. */
    private static Map.Entry<Integer, String> run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return Map.entry(p.exitValue(), out);
    }

    @Test
    void a_missing_key_file_stops_the_agent_and_the_manager_at_start_naming_the_file(@TempDir Path dir) throws Exception {
        Path certs = Tls.certs(dir.resolve("certs"), "host-1", "manager");
        Path agentConf = agent(dir, "host-1", "host-1", certs, 0, 0);
        Files.writeString(agentConf, Files.readString(agentConf).replace(certs.resolve("host-1-key.pem").toString(),
                certs.resolve("gone-key.pem").toString()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Map.Entry<Integer, String> agent = run(java, "-jar", AgentProcess.root().resolve("mr-agent/target/mr-agent.jar").toString(),
                agentConf.toString());
        assertThat(agent.getKey()).as(agent.getValue()).isEqualTo(2);
        assertThat(agent.getValue()).contains("tls.key: cannot read " + certs.resolve("gone-key.pem") + ": no such file");

        Path managerConf = dir.resolve("manager.yaml");
        Files.writeString(managerConf, Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"))
                + "tls:\n  cert: " + certs.resolve("manager.pem") + "\n  key: " + certs.resolve("missing-key.pem")
                + "\n  ca: " + certs.resolve("ca.pem") + "\n");
        for (String[] cmd : List.of(new String[]{"--check", managerConf.toString()}, new String[]{managerConf.toString()})) {
            List<String> line = new ArrayList<>(List.of(java, "-jar", AgentProcess.root().resolve("manager/target/manager.jar").toString()));
            line.addAll(List.of(cmd));
            Map.Entry<Integer, String> manager = run(line.toArray(String[]::new));
            assertThat(manager.getKey()).as(manager.getValue()).isEqualTo(2);
            assertThat(manager.getValue()).contains("tls.key: cannot read " + certs.resolve("missing-key.pem") + ": no such file");
        }
    }
}
