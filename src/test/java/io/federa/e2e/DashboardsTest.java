package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboards of dashboards/: every panel with a unit, an id of its own and a place on
 * the grid that no other panel covers, every panel reading the dashboard's {@code datasource}
 * variable; and, against a real Prometheus scraping the real manager and the three demo agents
 * (configured from examples/noc/prometheus.yml, with the rules of alert-rules/ loaded and the
 * shop example applied), every query of every panel answering at least one series.
 */
class DashboardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String DATASOURCE = "${datasource}";
    /** A query variable's query as the dashboards write it: label_values(metric, label). */
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((\\w+),\\s*(\\w+)\\)$");
    /** The service every service panel is checked with: the example's, whose applications all run in the demo. */
    private static final String SERVICE = "shop";
    private static final Duration DATA_DEADLINE = Duration.ofSeconds(90);

    private record Dashboard(String file, JsonNode json) {
        /** Every panel, those inside collapsed rows included. */
        List<JsonNode> panels() {
            List<JsonNode> all = new ArrayList<>();
            for (JsonNode p : json.path("panels")) {
                all.add(p);
                p.path("panels").forEach(all::add);
            }
            return all;
        }

        List<JsonNode> variables() {
            List<JsonNode> vars = new ArrayList<>();
            json.path("templating").path("list").forEach(vars::add);
            return vars;
        }
    }

    private static List<Dashboard> dashboards() throws IOException {
        List<Dashboard> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(AgentProcess.root().resolve("dashboards"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                all.add(new Dashboard(f.getFileName().toString(), JSON.readTree(f.toFile())));
            }
        }
        assertThat(all).as("dashboards in dashboards/").isNotEmpty();
        return all;
    }

    private static String where(Dashboard d, JsonNode panel) {
        return d.file() + " panel " + panel.path("id") + " \"" + panel.path("title").asText() + "\"";
    }

    @Test
    void every_panel_has_a_unit_an_id_of_its_own_and_a_place_of_its_own() throws IOException {
        Set<String> uids = new HashSet<>();
        for (Dashboard d : dashboards()) {
            assertThat(uids.add(d.json().path("uid").asText())).as("%s has a uid no other dashboard has", d.file()).isTrue();
            assertThat(d.json().path("uid").asText()).as("%s uid", d.file()).isNotBlank().hasSizeLessThanOrEqualTo(40);
            List<JsonNode> panels = d.panels();
            assertThat(panels).as("panels of %s", d.file()).isNotEmpty();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : panels) {
                assertThat(p.path("id").isInt()).as("%s has a numeric id", where(d, p)).isTrue();
                assertThat(ids.add(p.path("id").asInt())).as("%s has an id no other panel has", where(d, p)).isTrue();
                assertThat(p.path("fieldConfig").path("defaults").path("unit").asText())
                        .as("%s has a unit (fieldConfig.defaults.unit)", where(d, p)).isNotBlank();
                JsonNode g = p.path("gridPos");
                assertThat(g.path("w").asInt()).as("%s width", where(d, p)).isPositive();
                assertThat(g.path("h").asInt()).as("%s height", where(d, p)).isPositive();
                assertThat(g.path("x").asInt() + g.path("w").asInt()).as("%s fits the 24 columns", where(d, p))
                        .isLessThanOrEqualTo(24);
                assertThat(p.path("targets").size()).as("%s has a query", where(d, p)).isPositive();
            }
            for (int i = 0; i < panels.size(); i++) {
                for (int j = i + 1; j < panels.size(); j++) {
                    assertThat(overlap(panels.get(i).path("gridPos"), panels.get(j).path("gridPos")))
                            .as("%s and %s overlap", where(d, panels.get(i)), where(d, panels.get(j))).isFalse();
                }
            }
        }
    }

    private static boolean overlap(JsonNode a, JsonNode b) {
        return a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
    }

    @Test
    void every_panel_reads_the_datasource_variable_so_import_and_provisioning_both_work() throws IOException {
        for (Dashboard d : dashboards()) {
            assertThat(d.variables()).as("%s has a datasource variable of type datasource for Prometheus", d.file())
                    .anyMatch(v -> v.path("name").asText().equals("datasource") && v.path("type").asText().equals("datasource")
                            && v.path("query").asText().equals("prometheus"));
            assertThat(d.json().has("__inputs")).as("%s needs no import-only inputs", d.file()).isFalse();
            for (JsonNode p : d.panels()) {
                assertThat(p.path("datasource").path("uid").asText()).as("%s datasource", where(d, p)).isEqualTo(DATASOURCE);
                for (JsonNode t : p.path("targets")) {
                    assertThat(t.path("datasource").path("uid").asText()).as("%s query %s datasource", where(d, p), t.path("refId"))
                            .isEqualTo(DATASOURCE);
                }
            }
            for (JsonNode v : d.variables()) {
                if (v.path("type").asText().equals("query")) {
                    assertThat(v.path("datasource").path("uid").asText()).as("%s variable %s datasource", d.file(), v.path("name"))
                            .isEqualTo(DATASOURCE);
                }
            }
        }
    }

    /** The colours a panel gives its values: its thresholds' and its value mappings', defaults and overrides. */
    private static Set<String> colours(JsonNode fieldConfig) {
        Set<String> out = new HashSet<>();
        List<JsonNode> configs = new ArrayList<>();
        configs.add(fieldConfig.path("defaults"));
        for (JsonNode o : fieldConfig.path("overrides")) {
            JsonNode props = JSON.createObjectNode();
            for (JsonNode prop : o.path("properties")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) props).set(prop.path("id").asText(), prop.path("value"));
            }
            configs.add(props);
        }
        for (JsonNode c : configs) {
            c.path("thresholds").path("steps").forEach(st -> out.add(st.path("color").asText()));
            for (JsonNode m : c.path("mappings")) {
                m.path("options").forEach(opt -> out.add(opt.path("color").asText()));
            }
        }
        out.remove("");
        return out;
    }

    private static String exprs(JsonNode panel) {
        StringBuilder b = new StringBuilder();
        panel.path("targets").forEach(t -> b.append(t.path("expr").asText()).append('\n'));
        return b.toString();
    }

    @Test
    void every_panel_showing_a_state_colours_it_and_down_is_red() throws IOException {
        int states = 0;
        for (Dashboard d : dashboards()) {
            for (JsonNode p : d.panels()) {
                String e = exprs(p);
                if (!p.path("type").asText().matches("stat|state-timeline|table")
                        || !e.matches("(?s).*(federa_service_state|federa_vm_state|services_by_state|vms_by_state|federa_agent_up).*")
                        || e.contains("changes(")) {
                    // A count of changes shows no state.
                    continue;
                }
                states++;
                Set<String> c = colours(p.path("fieldConfig"));
                assertThat(c).as("%s colours its states by thresholds or value mappings", where(d, p)).hasSizeGreaterThan(1)
                        .contains("red", "green");
                if (e.contains("service_state") || e.contains("services_by_state")) {
                    assertThat(c).as("%s: DOWN red, DEGRADED amber, UP green, STOPPED grey", where(d, p))
                            .contains("orange").containsAnyOf("#8e8e8e", "text");
                }
            }
        }
        assertThat(states).as("panels showing a state").isGreaterThanOrEqualTo(6);
        Dashboard overview = dashboards().stream().filter(d -> d.file().equals("noc-overview.json")).findFirst().orElseThrow();
        JsonNode services = overview.panels().stream().filter(p -> p.path("title").asText().equals("Services by state"))
                .findFirst().orElseThrow();
        assertThat(services.path("fieldConfig").path("overrides").toString()).as("a DOWN count shows red")
                .contains("\"options\":\"DOWN\"").contains("\"red\"");
    }

    @Test
    void firing_alert_panels_leave_out_the_scaling_alerts_and_the_watchdog() throws IOException {
        int alerts = 0;
        for (Dashboard d : dashboards()) {
            for (JsonNode p : d.panels()) {
                for (JsonNode t : p.path("targets")) {
                    if (t.path("expr").asText().contains("ALERTS{")) {
                        alerts++;
                        assertThat(t.path("expr").asText()).as("%s", where(d, p)).contains("severity!~\"info|none\"");
                    }
                }
            }
        }
        assertThat(alerts).isGreaterThanOrEqualTo(2);
    }

    @Test
    void tables_show_readable_columns_without_time_or_metric_names() throws IOException {
        for (Dashboard d : dashboards()) {
            for (JsonNode p : d.panels()) {
                if (!p.path("type").asText().equals("table")) {
                    continue;
                }
                JsonNode organize = null;
                for (JsonNode t : p.path("transformations")) {
                    if (t.path("id").asText().equals("organize")) {
                        organize = t.path("options");
                    }
                }
                assertThat(organize).as("%s organizes its columns", where(d, p)).isNotNull();
                assertThat(organize.path("excludeByName").path("Time").asBoolean()).as("%s hides Time", where(d, p)).isTrue();
                assertThat(organize.path("excludeByName").path("__name__").asBoolean()).as("%s hides __name__", where(d, p)).isTrue();
                assertThat(organize.path("renameByName").size()).as("%s names its columns", where(d, p)).isPositive();
                p.path("targets").forEach(t -> assertThat(t.path("format").asText()).as("%s query format", where(d, p)).isEqualTo("table"));
            }
        }
    }

    @Test
    void links_lead_from_the_services_to_their_instances_and_on_to_their_hosts() throws IOException {
        Map<String, JsonNode> byUid = new LinkedHashMap<>();
        Map<String, Dashboard> byFile = new LinkedHashMap<>();
        for (Dashboard d : dashboards()) {
            byUid.put(d.json().path("uid").asText(), d.json());
            byFile.put(d.file(), d);
        }
        Pattern link = Pattern.compile("/d/([\\w-]+)/[\\w-]+\\?var-(\\w+)=");
        int links = 0;
        for (Dashboard d : byFile.values()) {
            for (Matcher m = link.matcher(d.json().toString()); m.find(); links++) {
                JsonNode target = byUid.get(m.group(1));
                assertThat(target).as("%s links to a dashboard of this repository: %s", d.file(), m.group()).isNotNull();
                assertThat(target.path("templating").path("list").findValuesAsText("name")).as("%s has the variable %s links set",
                        m.group(1), m.group(2)).contains(m.group(2));
            }
        }
        assertThat(links).isGreaterThanOrEqualTo(4);
        assertThat(byFile.get("noc-overview.json").json().toString()).contains("/d/federa-service/federa-service?var-service=");
        JsonNode components = byFile.get("service.json").panels().stream()
                .filter(p -> p.path("title").asText().equals("Components")).findFirst().orElseThrow();
        assertThat(components.toString()).as("each instance links to its host").contains("/d/federa-host/federa-host?var-host=");
        assertThat(byFile.get("service.json").panels()).as("a picture of the service").anyMatch(p -> p.path("type").asText().equals("nodegraph"));
        for (Dashboard d : byFile.values()) {
            assertThat(d.json().path("annotations").path("list").findValuesAsText("name")).as("%s annotations", d.file())
                    .contains("Scaling", "Migrations", "Failovers");
        }
    }

    @Test
    void grafana_provisioning_loads_the_dashboards_folder_and_a_prometheus_datasource() throws IOException {
        Path prov = AgentProcess.root().resolve("dashboards/provisioning");
        JsonNode providers = YAML.readTree(prov.resolve("dashboards/federa.yaml").toFile());
        assertThat(providers.path("apiVersion").asInt()).isEqualTo(1);
        JsonNode provider = providers.path("providers").get(0);
        assertThat(provider.path("type").asText()).isEqualTo("file");
        assertThat(provider.path("options").path("path").asText()).isNotBlank();
        JsonNode sources = YAML.readTree(prov.resolve("datasources/prometheus.yaml").toFile());
        assertThat(sources.path("apiVersion").asInt()).isEqualTo(1);
        assertThat(sources.path("datasources").get(0).path("type").asText()).isEqualTo("prometheus");
        assertThat(sources.path("datasources").get(0).path("isDefault").asBoolean()).isTrue();
    }

    /** {@code text} with {@code from} replaced, which must be there: the example changed if it is not. */
    private static String replace(String text, String from, String to) {
        assertThat(text).as("examples/noc/prometheus.yml").contains(from);
        return text.replace(from, to);
    }

    private static String hostPort(String url) {
        URI u = URI.create(url);
        return u.getHost() + ":" + u.getPort();
    }

    @Test
    void every_panel_query_answers_series_from_a_live_prometheus(@TempDir Path dir) throws Exception {
        Path root = AgentProcess.root();
        int p1 = AgentProcess.freePort();
        int p2 = AgentProcess.freePort();
        int p3 = AgentProcess.freePort();
        String managerYaml = Files.readString(root.resolve("demo/manager.yaml"))
                .replaceAll("(?m)^  - \\{ name: host-4.*\\n", "")
                .replace("port: 8781", "port: " + p1).replace("port: 8782", "port: " + p2).replace("port: 8783", "port: " + p3)
                .replace("port: 8080", "port: 0")
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"));
        Path mconf = dir.resolve("manager.yaml");
        Files.writeString(mconf, managerYaml);
        List<AgentProcess> agents = new ArrayList<>();
        ManagerProcess m = null;
        PrometheusProcess prometheus = null;
        try {
            List<String> agentTargets = new ArrayList<>();
            int[] ports = {p1, p2, p3};
            for (int i = 0; i < 3; i++) {
                agents.add(AgentProcess.start(AgentProcess.demoConfig("host-" + (i + 1), dir, ports[i])));
            }
            for (AgentProcess a : agents) {
                agentTargets.add("\"" + hostPort(a.awaitMetricsUrl(Duration.ofSeconds(60))) + "\"");
            }
            m = ManagerProcess.start(mconf);
            JsonNode applied = m.call("POST", "definitions", ManagerProcess.OPERATOR,
                    Files.readString(root.resolve("examples/shop.yaml")));
            assertThat(applied.path("httpStatus").asInt()).as(applied.toString()).isEqualTo(200);

            // The NOC's own configuration, pointed at this test's processes and scraping every second.
            String config = Files.readString(root.resolve("examples/noc/prometheus.yml"));
            config = replace(config, "scrape_interval: 15s", "scrape_interval: 1s");
            config = replace(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
            config = replace(config, "/etc/prometheus/federa/*.yml", root.resolve("alert-rules").toString() + "/*.yml");
            config = replace(config, "\"127.0.0.1:8080\"", "\"" + hostPort(m.api) + "\"");
            config = replace(config, "\"127.0.0.1:9781\", \"127.0.0.1:9782\", \"127.0.0.1:9783\", \"127.0.0.1:9784\"", String.join(", ", agentTargets));
            config = replace(config, "\"127.0.0.1:9093\"", "\"127.0.0.1:" + AgentProcess.freePort() + "\"");
            Path pconf = dir.resolve("prometheus.yml");
            Files.writeString(pconf, config);
            prometheus = PrometheusProcess.start(pconf, dir);

            long end = System.nanoTime() + DATA_DEADLINE.toNanos();
            JsonNode targets = prometheus.api("/api/v1/targets?state=active");
            while (!allUp(targets) && System.nanoTime() < end) {
                Thread.sleep(500);
                targets = prometheus.api("/api/v1/targets?state=active");
            }
            assertThat(allUp(targets)).as("every target up: %s%nPrometheus log:%n%s", targets, prometheus.log()).isTrue();
            JsonNode rules = prometheus.api("/api/v1/rules");
            assertThat(rules.path("data").path("groups").size()).as("rule groups loaded: %s", rules).isPositive();

            // Each query is asked again until it answers or the deadline passes: the rates need two
            // scrapes, and the agents' first polls are spread over the manager's first interval.
            Map<String, String> failures = new LinkedHashMap<>();
            int queries = 0;
            for (Dashboard d : dashboards()) {
                Map<String, String> values = variableValues(d, prometheus, end);
                for (JsonNode p : d.panels()) {
                    for (JsonNode t : p.path("targets")) {
                        String expr = substitute(t.path("expr").asText(), values);
                        assertThat(expr).as("%s query %s with its variables filled in", where(d, p), t.path("refId"))
                                .doesNotContain("$");
                        queries++;
                        JsonNode answer = prometheus.query(expr);
                        while (answer.path("data").path("result").isEmpty() && "success".equals(answer.path("status").asText())
                                && System.nanoTime() < end) {
                            Thread.sleep(500);
                            answer = prometheus.query(expr);
                        }
                        if (answer.path("data").path("result").isEmpty()) {
                            failures.put(where(d, p) + " " + t.path("refId").asText() + ": " + expr, answer.toString());
                        }
                    }
                }
            }
            assertThat(queries).isGreaterThan(20);
            assertThat(failures).as("panel queries that answered no series (with the answer)").isEmpty();

            // The annotations' queries are valid PromQL over these series (nothing scaled or moved yet: no series needed).
            for (Dashboard d : dashboards()) {
                for (JsonNode a : d.json().path("annotations").path("list")) {
                    if (a.has("expr")) {
                        JsonNode answer = prometheus.query(a.path("expr").asText());
                        assertThat(answer.path("status").asText()).as("%s annotation %s: %s", d.file(), a.path("name"), answer)
                                .isEqualTo("success");
                    }
                }
            }
            // The service map's frames, as the node graph reads them: nodes with id and title, edges
            // with id, source and target, every edge between two nodes of the map.
            Dashboard service = dashboards().stream().filter(d -> d.file().equals("service.json")).findFirst().orElseThrow();
            JsonNode map = service.panels().stream().filter(p -> p.path("type").asText().equals("nodegraph")).findFirst().orElseThrow();
            Map<String, String> values = Map.of("service", SERVICE);
            Set<String> nodes = new HashSet<>();
            for (JsonNode r : prometheus.query(substitute(map.path("targets").get(0).path("expr").asText(), values)).path("data").path("result")) {
                assertThat(r.path("metric").path("title").asText()).as("node %s", r).isNotBlank();
                nodes.add(r.path("metric").path("id").asText());
            }
            assertThat(nodes).contains("web", "catalog-db", "payment", "host-1");
            JsonNode edges = prometheus.query(substitute(map.path("targets").get(1).path("expr").asText(), values)).path("data").path("result");
            assertThat(edges.size()).isPositive();
            for (JsonNode r : edges) {
                assertThat(r.path("metric").path("id").asText()).as("edge %s", r).isNotBlank();
                assertThat(nodes).as("edge %s joins two nodes", r).contains(r.path("metric").path("source").asText(),
                        r.path("metric").path("target").asText());
            }
        } finally {
            if (prometheus != null) {
                prometheus.close();
            }
            if (m != null) {
                m.close();
            }
            agents.forEach(AgentProcess::close);
        }
    }

    private static boolean allUp(JsonNode targets) {
        JsonNode active = targets.path("data").path("activeTargets");
        if (active.size() != 4) {
            return false;
        }
        for (JsonNode t : active) {
            if (!"up".equals(t.path("health").asText())) {
                return false;
            }
        }
        return true;
    }

    /**
     * A value for each query variable, taken from the live data as Grafana would list it: the
     * example's service for {@code service}, the first value listed for the others.
     */
    private static Map<String, String> variableValues(Dashboard d, PrometheusProcess prometheus, long end) throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonNode v : d.variables()) {
            if (!v.path("type").asText().equals("query")) {
                continue;
            }
            String name = v.path("name").asText();
            String query = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
            Matcher lv = LABEL_VALUES.matcher(query);
            assertThat(lv.matches()).as("%s variable %s: %s is label_values(metric, label)", d.file(), name, query).isTrue();
            String path = "/api/v1/label/" + lv.group(2) + "/values?match[]=" + URLEncoder.encode(lv.group(1), StandardCharsets.UTF_8);
            JsonNode answer = prometheus.api(path);
            while (!answer.path("data").toString().contains(name.equals("service") ? SERVICE : "\"") && System.nanoTime() < end) {
                Thread.sleep(500);
                answer = prometheus.api(path);
            }
            List<String> listed = new ArrayList<>();
            answer.path("data").forEach(n -> listed.add(n.asText()));
            assertThat(listed).as("%s variable %s lists values from the live data: %s", d.file(), name, answer).isNotEmpty();
            if (name.equals("service")) {
                assertThat(listed).contains(SERVICE);
                values.put(name, SERVICE);
            } else {
                values.put(name, listed.get(0));
            }
        }
        return values;
    }

    /** The expression as Grafana sends it: $name and ${name} replaced by the variable's value. */
    private static String substitute(String expr, Map<String, String> values) {
        String out = expr;
        for (Map.Entry<String, String> v : values.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
        }
        return out;
    }
}
