package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The federa command line's commands for one VM by its name and its re-attach to a move, against
 * real agent processes on libvirt's test driver and a real manager: the CLI names only the VM,
 * the manager finds its host and asks that host's agent.
 */
class CliEndToEndTest {
    private static final String OPERATOR = ManagerProcess.OPERATOR;
    private static final String VIEWER = ManagerProcess.VIEWER;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SETTINGS = "lifecycle:\n  lease: 20s\n  grace: 30s\n  leaseMargin: 1s\n"
            + "migration:\n  settle: 1s\n  copyAttempts: 3\n";
    private static final String VAULT = """
            applications:
              - name: ledger
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 512, diskGiB: 1 }
                replicas: 1
                minAvailable: 1
            services:
              - name: vault
                applications: [ledger]
            """;

    private static JsonNode ledger(ManagerProcess m) throws Exception {
        for (JsonNode v : JSON.readTree(m.federa(VIEWER, "vms", "-o", "json")).path("vms")) {
            if (v.path("name").asText().equals("ledger-1")) {
                return v;
            }
        }
        throw new AssertionError("ledger-1 is not listed");
    }

    /** ledger-1's CPU load in a listing of the VMs, or -1 when it is not listed. */
    private static double ledgerLoad(JsonNode vms) {
        for (JsonNode v : vms.path("vms")) {
            if (v.path("name").asText().equals("ledger-1")) {
                return v.path("cpuLoadRatio").asDouble();
            }
        }
        return -1;
    }

    @Test
    void a_vm_is_loaded_destroyed_and_moved_by_its_name_and_a_move_is_followed_again(@TempDir Path dir) throws Exception {
        try (Fleet fleet = new Fleet(dir, List.of("host-1", "host-2"), Set.of(), p -> Map.of(), SETTINGS, Map.of())) {
            ManagerProcess m = fleet.manager;
            assertThat(m.call("POST", "definitions", OPERATOR, VAULT).path("httpStatus").asInt()).isEqualTo(200);
            assertThat(m.federa(OPERATOR, "start", "vault", "--timeout", "60")).contains("vault: UP after");
            String host = ledger(m).path("host").asText();
            String other = host.equals("host-1") ? "host-2" : "host-1";

            // Load set and cleared by the VM's name: the manager asks the agent of the host it runs on.
            assertThat(m.federa(OPERATOR, "vm", "load", "ledger-1", "0.9").trim())
                    .isEqualTo("ledger-1 on " + host + ": load held at 90% (federa vm load ledger-1 --clear ends it)");
            // Exactly 0.9: a measured load of 0.93 on the test driver is not the held one.
            JsonNode loaded = m.await("vms", n -> ledgerLoad(n) == 0.9, 30_000);
            assertThat(ledgerLoad(loaded)).isEqualTo(0.9);
            assertThat(m.federa(VIEWER, "vms", "--host", host, "--state", "running")).containsPattern("ledger-1 +" + host
                    + " +RUNNING .* 90%");
            assertThat(m.federa(VIEWER, "vms", "--host", other).lines()).hasSize(1);
            assertThat(m.federa(OPERATOR, "vm", "load", "ledger-1", "--clear").trim())
                    .isEqualTo("ledger-1 on " + host + ": load measured again");
            JsonNode cleared = m.await("vms", n -> ledgerLoad(n) != 0.9, 30_000);
            assertThat(ledgerLoad(cleared)).isNotEqualTo(0.9);

            // Powered off by name; the manager, which keeps the vault running, starts it again.
            assertThat(m.federa(OPERATOR, "vm", "destroy", "ledger-1").trim()).isEqualTo(host + ": destroyed ledger-1");
            JsonNode again = m.await("vms", n -> n.path("vms").toString().contains("\"state\":\"RUNNING\""), 60_000);
            assertThat(again.path("vms").toString()).contains("\"state\":\"RUNNING\"");

            // A move asked without following it, then followed by its id: its end and exit code as migrate's.
            String asked = m.federa(OPERATOR, "migrate", "ledger-1", "--to", other, "--allow-downtime", "--no-wait");
            assertThat(JSON.readTree(asked).path("id").asText()).isEqualTo("m-1");
            Map.Entry<Integer, String> followed = m.federaExit(VIEWER, "migrations", "--follow", "m-1");
            assertThat(followed.getKey()).as(followed.getValue()).isZero();
            assertThat(followed.getValue()).startsWith("following m-1:").contains("m-1: DONE after");
            assertThat(ledger(m).path("host").asText()).isEqualTo(other);
            assertThat(m.federa(VIEWER, "migrations", "--host", other, "--state", "done")).contains("m-1");
        }
    }
}
