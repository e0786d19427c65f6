package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alerting and recording rules of alert-rules/ as Prometheus loads them: valid for
 * {@code promtool check rules}, their unit tests (alert-rules/tests/) passing under
 * {@code promtool test rules}, every alert tested both firing and silent, and the load alerts
 * carrying the labels the manager's scaling webhook reads.
 */
class AlertRulesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yml")).sorted().toList();
        }
    }

    private static List<Path> ruleFiles() throws IOException {
        return yamlFiles(AgentProcess.root().resolve("alert-rules"));
    }

    private static List<Path> testFiles() throws IOException {
        return yamlFiles(AgentProcess.root().resolve("alert-rules/tests"));
    }

    /** Every alerting rule by name. */
    private static Map<String, JsonNode> alerts() throws IOException {
        Map<String, JsonNode> alerts = new TreeMap<>();
        for (Path f : ruleFiles()) {
            for (JsonNode group : YAML.readTree(f.toFile()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (rule.has("alert")) {
                        alerts.put(rule.path("alert").asText(), rule);
                    }
                }
            }
        }
        return alerts;
    }

    /** Every {@code alert_rule_test} item of every unit test file. */
    private static List<JsonNode> alertTests() throws IOException {
        List<JsonNode> items = new ArrayList<>();
        for (Path f : testFiles()) {
            for (JsonNode test : YAML.readTree(f.toFile()).path("tests")) {
                test.path("alert_rule_test").forEach(items::add);
            }
        }
        return items;
    }

    private static List<String> command(String... head) {
        return new ArrayList<>(List.of(head));
    }

    @Test
    void promtool_accepts_every_rule_file() throws Exception {
        List<Path> files = ruleFiles();
        assertThat(files).as("rule files in alert-rules/").isNotEmpty();
        List<String> cmd = command("promtool", "check", "rules");
        files.forEach(f -> cmd.add(f.toString()));
        ExternalTool.Result r = ExternalTool.run(cmd);
        assertThat(r.exitStatus()).as("exit status of %s; its output:%n%s", cmd, r.output()).isZero();
        assertThat(r.output()).doesNotContain("FAILED");
    }

    @Test
    void the_rules_pass_their_promtool_unit_tests() throws Exception {
        List<Path> files = testFiles();
        assertThat(files).as("unit test files in alert-rules/tests/").isNotEmpty();
        List<String> cmd = command("promtool", "test", "rules");
        files.forEach(f -> cmd.add(f.toString()));
        ExternalTool.Result r = ExternalTool.run(cmd);
        assertThat(r.exitStatus()).as("exit status of %s; its output:%n%s", cmd, r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void every_alert_is_tested_firing_and_staying_silent() throws IOException {
        Map<String, JsonNode> alerts = alerts();
        assertThat(alerts).as("alerts in alert-rules/").isNotEmpty();
        List<JsonNode> tests = alertTests();
        for (String alert : alerts.keySet()) {
            List<JsonNode> mine = tests.stream().filter(t -> t.path("alertname").asText().equals(alert)).toList();
            assertThat(mine).as("unit tests of %s that expect it to fire", alert)
                    .anyMatch(t -> t.path("exp_alerts").size() > 0);
            if (alerts.get(alert).path("expr").asText().strip().equals("vector(1)")) {
                // The watchdog is never silent, by design: it is tested firing at every time asked.
                assertThat(mine).as("unit tests of the watchdog %s", alert).hasSizeGreaterThan(1)
                        .allMatch(t -> t.path("exp_alerts").size() == 1);
                continue;
            }
            assertThat(mine).as("unit tests of %s that expect silence (exp_alerts: [])", alert)
                    .anyMatch(t -> t.path("exp_alerts").isArray() && t.path("exp_alerts").isEmpty());
        }
        assertThat(tests).as("unit tests name only alerts that exist")
                .allMatch(t -> alerts.containsKey(t.path("alertname").asText()));
    }

    /** The anchors of docs/noc.md's headings, as Markdown renderers make them: lower case, spaces as dashes. */
    private static java.util.Set<String> nocAnchors() throws IOException {
        java.util.Set<String> anchors = new java.util.HashSet<>();
        for (String line : Files.readAllLines(AgentProcess.root().resolve("docs/noc.md"))) {
            if (line.startsWith("#")) {
                anchors.add(line.replaceFirst("^#+\\s*", "").strip().toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    @Test
    void every_alert_has_a_summary_a_description_a_severity_and_a_runbook_section_of_its_own() throws IOException {
        java.util.Set<String> anchors = nocAnchors();
        String guide = Files.readString(AgentProcess.root().resolve("docs/noc.md"));
        for (Map.Entry<String, JsonNode> a : alerts().entrySet()) {
            JsonNode annotations = a.getValue().path("annotations");
            assertThat(annotations.path("summary").asText()).as("%s summary", a.getKey()).isNotBlank();
            assertThat(annotations.path("description").asText()).as("%s description", a.getKey()).isNotBlank();
            assertThat(a.getValue().path("labels").path("severity").asText()).as("%s severity", a.getKey())
                    .isIn("critical", "warning", "info", "none");
            String url = annotations.path("runbook_url").asText();
            assertThat(url).as("%s runbook_url", a.getKey()).isEqualTo("docs/noc.md#" + a.getKey().toLowerCase(java.util.Locale.ROOT));
            assertThat(anchors).as("docs/noc.md has the section %s links to", a.getKey()).contains(url.substring(url.indexOf('#') + 1));
            assertThat(guide).as("docs/noc.md's alert table lists %s", a.getKey()).contains("| `" + a.getKey() + "` |");
        }
    }

    @Test
    void severities_follow_what_a_human_must_do_now() throws IOException {
        Map<String, JsonNode> alerts = alerts();
        for (String paging : List.of("FederaServiceDown", "FederaFailoverHeadroomLost", "FederaVmsFenced")) {
            assertThat(alerts.get(paging).path("labels").path("severity").asText()).as(paging).isEqualTo("critical");
        }
        // One host lost is a failover under way, not a page.
        assertThat(alerts.get("FederaHostUnreachable").path("labels").path("severity").asText()).isEqualTo("warning");
        assertThat(alerts.get("FederaWatchdog").path("labels").path("severity").asText()).isEqualTo("none");
    }

    @Test
    void the_load_alerts_carry_the_labels_the_scaling_webhook_reads() throws IOException {
        Map<String, JsonNode> alerts = alerts();
        assertThat(alerts.get("FederaApplicationLoadHigh").path("labels").path("action").asText()).isEqualTo("scale_out");
        assertThat(alerts.get("FederaApplicationLoadLow").path("labels").path("action").asText()).isEqualTo("scale_in");
        for (JsonNode t : alertTests()) {
            String name = t.path("alertname").asText();
            if (alerts.containsKey(name) && alerts.get(name).path("labels").has("action")) {
                for (JsonNode fired : t.path("exp_alerts")) {
                    assertThat(fired.path("exp_labels").has("service") && fired.path("exp_labels").has("application"))
                            .as("%s fires with service and application: %s", name, fired.path("exp_labels"))
                            .isTrue();
                }
            }
        }
    }
}
