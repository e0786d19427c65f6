package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged manager as a process with two demo agents: the example applied, its service seen through the API. */
class ManagerProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private JsonNode call(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = JSON.readTree(r.body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("httpStatus", r.statusCode());
        return n;
    }

    @Test
    void the_manager_polls_the_agents_and_shows_the_applied_service(@TempDir Path dir) throws Exception {
        int p1 = AgentProcess.freePort();
        int p2 = AgentProcess.freePort();
        String managerYaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                .replace("port: 8781", "port: " + p1).replace("port: 8782", "port: " + p2)
                .replaceAll("(?m)^  - \\{ name: host-3.*\\n", "")
                .replace("port: 8080", "port: 0")
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"));
        Path mconf = dir.resolve("manager.yaml");
        Files.writeString(mconf, managerYaml);
        AgentProcess a1 = AgentProcess.start(AgentProcess.demoConfig("host-1", dir, p1));
        AgentProcess a2 = AgentProcess.start(AgentProcess.demoConfig("host-2", dir, p2));
        Path jar = AgentProcess.root().resolve("manager/target/manager.jar");
        Process manager = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", jar.toString(), mconf.toString()).redirectErrorStream(true).start();
        try {
            a1.awaitJolokiaUrl(Duration.ofSeconds(60));
            a2.awaitJolokiaUrl(Duration.ofSeconds(60));
            CompletableFuture<String> ready = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(manager.getInputStream(), StandardCharsets.UTF_8))) {
                    StringBuilder all = new StringBuilder();
                    for (String l; (l = r.readLine()) != null; ) {
                        all.append(l).append('\n');
                        Matcher m = Pattern.compile("api (http://\\S+)").matcher(l);
                        if (l.contains(" ready ") && m.find()) {
                            ready.complete(m.group(1));
                        }
                    }
                    ready.completeExceptionally(new IllegalStateException("manager ended: " + all));
                } catch (java.io.IOException e) {
                    ready.completeExceptionally(e);
                }
            });
            reader.setDaemon(true);
            reader.start();
            String api = ready.get(60, TimeUnit.SECONDS);

            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(call("POST", api + "definitions", "demo-viewer-token-0001", shop).path("httpStatus").asInt()).isEqualTo(403);
            JsonNode applied = call("POST", api + "definitions", "demo-operator-token-0001", shop);
            assertThat(applied.path("httpStatus").asInt()).as(applied.toString()).isEqualTo(200);

            long end = System.nanoTime() + 10_000_000_000L;
            JsonNode status = null;
            while (System.nanoTime() < end) {
                status = call("GET", api + "services/shop", "demo-viewer-token-0001", null);
                if ("UP".equals(status.path("state").asText())) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(status.path("state").asText()).as(String.valueOf(status)).isEqualTo("UP");
            JsonNode hosts = call("GET", api + "hosts", "demo-viewer-token-0001", null);
            assertThat(hosts.path("hosts").findValuesAsText("reachability")).containsOnly("REACHABLE");
            assertThat(call("GET", api + "vms", "demo-viewer-token-0001", null).path("vms").findValuesAsText("name"))
                    .contains("web-1", "web-2", "catalog-db-1", "payment-1");
        } finally {
            manager.destroy();
            manager.waitFor(10, TimeUnit.SECONDS);
            a1.close();
            a2.close();
        }
    }
}
