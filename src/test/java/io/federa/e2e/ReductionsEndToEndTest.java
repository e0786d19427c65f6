package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code federa apply} of definitions that ask for less, over real agents and a real manager.
 * Replicas lowered 3 → 2: the newest instance stops and is undefined, and the service reads
 * converged only then. An application removed: its VM is stopped and kept with its data, reported
 * as orphaned (the API, {@code federa vms --orphaned}, the metric, an event). Applied again with
 * {@code --prune}, together with a removed service: both VMs go from their agents, data included.
 */
class ReductionsEndToEndTest {
    private static final String OPERATOR = ManagerProcess.OPERATOR;
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");
    private static final String APPS = """
            applications:
              - name: db
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1, networkMbps: 10 }
              - name: web
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1, networkMbps: 10 }
                replicas: %d
                minAvailable: 1
                dependsOn: [db]
            """;
    private static final String API = """
              - name: api
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1, networkMbps: 10 }
                dependsOn: [db]
            """;
    private static final String REPORT = """
              - name: report
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1, networkMbps: 10 }
            """;

    /** Every VM on every agent: "name STATE", by name. */
    private static Map<String, String> vms(Fleet fleet) {
        Map<String, String> out = new TreeMap<>();
        HOSTS.forEach(h -> fleet.states(h).forEach((n, s) -> out.put(n, s)));
        return out;
    }

    private static Path apply(Path dir, String name, String yaml) throws Exception {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static void awaitAgents(Fleet fleet, java.util.function.Predicate<Map<String, String>> condition) throws Exception {
        for (int i = 0; i < 600 && !condition.test(vms(fleet)); i++) {
            Thread.sleep(100);
        }
    }

    @Test
    void lowered_replicas_and_removed_applications_leave_the_agents_and_orphans_go_only_when_pruned(@TempDir Path dir)
            throws Exception {
        try (Fleet fleet = new Fleet(dir, HOSTS, Set.of(), p -> Map.of(), "poll: 500ms\n", Map.of())) {
            ManagerProcess m = fleet.manager;
            String all = APPS.formatted(3) + API + REPORT + """
                    services:
                      - { name: shop, applications: [db, web, api] }
                      - { name: reports, applications: [report] }
                    """;
            m.federa(OPERATOR, "apply", "-f", apply(dir, "v1", all).toString());
            assertThat(m.federa(OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");
            assertThat(m.federa(OPERATOR, "start", "reports", "--timeout", "120")).contains("reports: UP after");
            awaitAgents(fleet, v -> v.size() == 6);
            assertThat(vms(fleet)).containsExactlyInAnyOrderEntriesOf(Map.of("db-1", "RUNNING", "web-1", "RUNNING",
                    "web-2", "RUNNING", "web-3", "RUNNING", "api-1", "RUNNING", "report-1", "RUNNING"));

            // Replicas 3 → 2: the newest (web-3) stops and is undefined; the others keep running.
            m.federa(OPERATOR, "apply", "-f", apply(dir, "v2", APPS.formatted(2) + API + REPORT + """
                    services:
                      - { name: shop, applications: [db, web, api] }
                      - { name: reports, applications: [report] }
                    """).toString());
            JsonNode shop = m.await("services/shop", n -> n.path("converged").asBoolean() && !vms(fleet).containsKey("web-3"),
                    60_000);
            assertThat(shop.path("converged").asBoolean()).as(shop.toString()).isTrue();
            assertThat(vms(fleet)).containsExactlyInAnyOrderEntriesOf(Map.of("db-1", "RUNNING", "web-1", "RUNNING",
                    "web-2", "RUNNING", "api-1", "RUNNING", "report-1", "RUNNING"));
            assertThat(m.get("services/shop").path("instances").toString()).doesNotContain("web-3");

            // api removed, without --prune: stopped, kept with its data, reported as orphaned.
            m.federa(OPERATOR, "apply", "-f", apply(dir, "v3", APPS.formatted(2) + REPORT + """
                    services:
                      - { name: shop, applications: [db, web] }
                      - { name: reports, applications: [report] }
                    """).toString());
            awaitAgents(fleet, v -> "SHUT_OFF".equals(v.get("api-1")));
            JsonNode orphaned = m.await("vms?orphaned=true", n -> n.path("vms").size() == 1, 30_000);
            assertThat(orphaned.path("vms").findValuesAsText("name")).containsExactly("api-1");
            assertThat(vms(fleet)).containsExactlyInAnyOrderEntriesOf(Map.of("db-1", "RUNNING", "web-1", "RUNNING",
                    "web-2", "RUNNING", "api-1", "SHUT_OFF", "report-1", "RUNNING"));
            String apiHost = orphaned.path("vms").get(0).path("host").asText();
            Path apiData = fleet.vmData(apiHost, orphaned.path("vms").get(0).path("uuid").asText());
            assertThat(apiData).exists();
            assertThat(m.federa(OPERATOR, "vms", "--orphaned")).contains("api-1").doesNotContain("web-1");
            assertThat(m.metrics()).contains("federa_vms_orphaned 1");
            assertThat(m.await("events?kind=lifecycle.orphaned&limit=100", n -> n.toString().contains("api-1 on " + apiHost),
                    10_000).toString()).contains("api-1 on " + apiHost);
            Thread.sleep(2_000);
            assertThat(vms(fleet)).as("kept without --prune").containsEntry("api-1", "SHUT_OFF");

            // Applied again with --prune, the reports service removed too: both VMs go, with their data.
            Path reportData = fleet.vmData(hostOf(m, "report-1"), uuidOf(m, "report-1"));
            assertThat(reportData).exists();
            String out = m.federa(OPERATOR, "apply", "--prune", "-f", apply(dir, "v4", APPS.formatted(2) + """
                    services:
                      - { name: shop, applications: [db, web] }
                    """).toString());
            assertThat(out).contains("removed with their data");
            awaitAgents(fleet, v -> !v.containsKey("api-1") && !v.containsKey("report-1"));
            assertThat(vms(fleet)).containsExactlyInAnyOrderEntriesOf(Map.of("db-1", "RUNNING", "web-1", "RUNNING",
                    "web-2", "RUNNING"));
            assertThat(apiData).doesNotExist();
            assertThat(reportData).doesNotExist();
            assertThat(m.await("vms?orphaned=true", n -> n.path("vms").isEmpty(), 10_000).path("vms")).isEmpty();
            assertThat(m.metrics()).contains("federa_vms_orphaned 0");
        }
    }

    private static String hostOf(ManagerProcess m, String vm) throws Exception {
        for (JsonNode v : m.get("vms").path("vms")) {
            if (v.path("name").asText().equals(vm)) {
                return v.path("host").asText();
            }
        }
        throw new AssertionError("no VM " + vm);
    }

    private static String uuidOf(ManagerProcess m, String vm) throws Exception {
        for (JsonNode v : m.get("vms").path("vms")) {
            if (v.path("name").asText().equals(vm)) {
                return v.path("uuid").asText();
            }
        }
        throw new AssertionError("no VM " + vm);
    }
}
