package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code federa start} and {@code federa stop} over real agents and a real manager. A service
 * with an instance that fits on no host (no host has the security level its vault needs) is not
 * started at all: the command fails at once with exit code 3, naming the instance and every
 * host's reasons, instead of starting the database and waiting out its timeout; with
 * {@code --partial} what fits starts. A service whose every application another started service
 * also runs stops at once: nothing of its own is left to stop.
 */
class StartStopCommandsEndToEndTest {
    private static final String OPERATOR = ManagerProcess.OPERATOR;
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");
    private static final String CATALOG = """
            applications:
              - name: db
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1, networkMbps: 10 }
                replicas: 1
                minAvailable: 1
              - name: vault
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1, networkMbps: 10 }
                replicas: 1
                minAvailable: 1
                dependsOn: [db]
                placement: { minSecurityLevel: 5 }
            services:
              - { name: secure, applications: [db, vault] }
              - { name: reports, applications: [db] }
              - { name: audit, applications: [db] }
            """;

    private static List<String> dbVms(Fleet fleet) {
        return HOSTS.stream().flatMap(h -> fleet.states(h).entrySet().stream()
                .filter(e -> e.getKey().startsWith("db-")).map(e -> h + "/" + e.getKey() + " " + e.getValue())).toList();
    }

    @Test
    void an_unplaceable_start_fails_fast_and_starts_nothing_and_a_stop_of_what_others_run_returns_at_once(@TempDir Path dir)
            throws Exception {
        try (Fleet fleet = new Fleet(dir, HOSTS, Set.of("h3"), p -> Map.of(), "poll: 500ms\n", Map.of())) {
            ManagerProcess m = fleet.manager;
            assertThat(m.call("POST", "definitions", OPERATOR, CATALOG).path("httpStatus").asInt()).isEqualTo(200);

            long t0 = System.nanoTime();
            Map.Entry<Integer, String> refused = m.federaExit(OPERATOR, "start", "secure", "--timeout", "120");
            double refusedAfter = (System.nanoTime() - t0) / 1e9;
            assertThat(refused.getKey()).as(refused.getValue()).isEqualTo(3);
            assertThat(refused.getValue()).contains("unplaceable").contains("vault-1")
                    .contains("SECURITY_LEVEL_TOO_LOW").doesNotContain("db-1");
            // Long before its timeout: the first look knew.
            assertThat(refusedAfter).isLessThan(60);
            JsonNode secure = m.await("services/secure", n -> "STOPPED".equals(n.path("state").asText()), 10_000);
            assertThat(secure.path("desired").asText()).as(secure.toString()).isEqualTo("STOPPED");
            assertThat(secure.path("state").asText()).as(secure.toString()).isEqualTo("STOPPED");
            Thread.sleep(1_500);
            assertThat(dbVms(fleet)).as("nothing of secure was started").isEmpty();

            // With --partial, what fits starts.
            Map.Entry<Integer, String> partial = m.federaExit(OPERATOR, "start", "secure", "--partial", "--no-wait");
            assertThat(partial.getKey()).as(partial.getValue()).isZero();
            JsonNode waiting = m.await("services/secure", n -> n.path("waiting").toString().contains("vault-1 (vault) fits on no host")
                    && n.path("instances").toString().contains("db-1"), 30_000);
            assertThat(waiting.path("waiting").toString()).contains("vault-1 (vault) fits on no host");

            // Two more services run the same database; stopping one of them stops nothing, at once.
            assertThat(m.federa(OPERATOR, "start", "reports", "--timeout", "60")).contains("reports: UP after");
            assertThat(m.federa(OPERATOR, "start", "audit", "--timeout", "60")).contains("audit: UP after");
            long s0 = System.nanoTime();
            Map.Entry<Integer, String> stopped = m.federaExit(OPERATOR, "stop", "audit", "--timeout", "60");
            double stoppedAfter = (System.nanoTime() - s0) / 1e9;
            assertThat(stopped.getKey()).as(stopped.getValue()).isZero();
            assertThat(stopped.getValue()).contains("audit: STOPPED after");
            assertThat(stoppedAfter).as(stopped.getValue()).isLessThan(30);
            assertThat(dbVms(fleet)).singleElement().asString().endsWith(" RUNNING");
            System.out.printf("start refused after %.1f s; stop of a service whose applications others run: %.1f s%n",
                    refusedAfter, stoppedAfter);
        }
    }
}
