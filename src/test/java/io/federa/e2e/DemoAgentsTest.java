package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's four hosts as real processes from the packaged jar, reached the way the README says:
 * one POST to each agent's Jolokia lists its VMs (the shop's are for the manager to place).
 */
class DemoAgentsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private JsonNode post(String url, String password, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString(("federa:" + password).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void each_demo_agent_lists_its_vms_over_jolokia(@TempDir Path dir) throws Exception {
        List<AgentProcess> agents = new ArrayList<>();
        try {
            for (String h : List.of("host-1", "host-2", "host-3", "host-4")) {
                agents.add(AgentProcess.start(AgentProcess.realDemoConfig(h, dir, 0)));
            }
            List<Set<String>> expected = List.of(Set.of("batch-1"), Set.of("crm-1"), Set.of("archive-1"), Set.of());
            for (int i = 0; i < 4; i++) {
                String url = agents.get(i).awaitJolokiaUrl(Duration.ofSeconds(60));
                JsonNode r = post(url, "demo-password-" + (i + 1),
                        "[{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\"}]");
                Set<String> names = new TreeSet<>();
                r.get(0).path("value").forEach(v -> names.add(v.path("Name").asText()));
                assertThat(names).as("host-" + (i + 1)).isEqualTo(expected.get(i));
            }
            JsonNode offsite = post(agents.get(2).awaitJolokiaUrl(Duration.ofSeconds(1)), "demo-password-3",
                    "{\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"attribute\":[\"Offsite\",\"SecurityLevel\"]}");
            assertThat(offsite.path("value").path("Offsite").asBoolean()).isTrue();
            assertThat(offsite.path("value").path("SecurityLevel").asInt()).isEqualTo(1);

            String metrics = http.send(HttpRequest.newBuilder(URI.create(agents.get(0).awaitMetricsUrl(Duration.ofSeconds(1))))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("mr_vm_info{application=\"reports\",host=\"host-1\"");
        } finally {
            for (AgentProcess a : agents) {
                a.close();
            }
        }
    }

    @Test
    void an_agent_stops_promptly_on_sigterm(@TempDir Path dir) throws Exception {
        AgentProcess a = AgentProcess.start(AgentProcess.demoConfig("host-1", dir, 0));
        a.awaitJolokiaUrl(Duration.ofSeconds(60));
        a.process.destroy();
        assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).as("ended within 10 s of SIGTERM").isTrue();
    }

    @Test
    void a_bad_configuration_stops_the_agent_naming_the_field(@TempDir Path dir) throws Exception {
        Path file = AgentProcess.demoConfig("host-2", dir, 0);
        Files.writeString(file, Files.readString(file).replaceFirst("(?m)^  port: 0$", "  port: 70000"));
        AgentProcess a = AgentProcess.start(file);
        assertThat(a.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(a.process.exitValue()).isEqualTo(2);
        Thread.sleep(200);
        assertThat(a.output()).contains("jolokia.port: must be between 0 and 65535, got 70000");
    }

    @Test
    void the_agent_logs_one_line_per_event_in_utc_whatever_the_time_zone_or_json_when_asked(@TempDir Path dir) throws Exception {
        Path text = AgentProcess.demoConfig("host-2", Files.createDirectories(dir.resolve("text")), 0);
        AgentProcess a = AgentProcess.start(text, java.util.Map.of("TZ", "Pacific/Kiritimati"));
        try {
            a.awaitJolokiaUrl(Duration.ofSeconds(60));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "(?m)^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3})Z INFO  Agent: seeded the test driver's node with \\d+ VMs")
                    .matcher(a.output());
            assertThat(m.find()).as(a.output()).isTrue();
            // UTC, not the host's zone (14 hours ahead of it here): within a few minutes of the test's clock.
            java.time.Instant logged = java.time.LocalDateTime.parse(m.group(1)).toInstant(java.time.ZoneOffset.UTC);
            assertThat(Duration.between(logged, java.time.Instant.now()).abs()).isLessThan(Duration.ofMinutes(5));
        } finally {
            a.close();
        }
        Path json = AgentProcess.demoConfig("host-2", Files.createDirectories(dir.resolve("json")), 0);
        AgentProcess j = AgentProcess.start(json, java.util.Map.of("FEDERA_LOG_FORMAT", "json"));
        try {
            j.awaitJolokiaUrl(Duration.ofSeconds(60));
            String seeded = j.output().lines().filter(l -> l.contains("seeded the test driver")).findFirst().orElseThrow();
            JsonNode event = new ObjectMapper().readTree(seeded);
            assertThat(event.path("level").asText()).isEqualTo("INFO");
            assertThat(event.path("loggerName").asText()).isEqualTo("io.federa.agent.Agent");
            assertThat(event.path("message").asText()).startsWith("seeded the test driver's node with");
        } finally {
            j.close();
        }
        Path bad = AgentProcess.demoConfig("host-2", Files.createDirectories(dir.resolve("bad")), 0);
        AgentProcess b = AgentProcess.start(bad, java.util.Map.of("FEDERA_LOG_FORMAT", "yaml"));
        assertThat(b.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(b.process.exitValue()).isEqualTo(2);
        Thread.sleep(200);
        assertThat(b.output()).contains("FEDERA_LOG_FORMAT=yaml: the log format must be text or json");
    }
}
