package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A VM with a thin qcow2 disk moved by the manager between two real hypervisors
 * ({@link RealFleet}), as an operator asks it with {@code federa migrate}: the guest writes a
 * marker into its disk at the source (its kernel command line there names it), the manager stops
 * it, copies the disk, verifies it, starts it at the destination, and the guest there reads the
 * same marker back; the source's copy is gone and the service is UP on the destination.
 */
class RealGuestsManagedMigrationEndToEndTest {
    private static final String PASSWORD = "real-guests-pw-4";
    private static final String HV1 = "federa-hv1";
    private static final String HV2 = "federa-hv2";
    private static final String SERVICE = """
            applications:
              - name: ledger
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 16, diskFormat: qcow2 }
            services:
              - name: books
                description: a ledger on a thin qcow2 disk
                applications: [ledger]
            """;

    @Test
    void a_qcow2_guest_moved_by_the_manager_reads_at_its_destination_the_marker_it_wrote_at_its_source(@TempDir Path dir)
            throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> cmdlines = new LinkedHashMap<>();
        cmdlines.put(HV1, "console=ttyS0 quiet federa.mark=" + marker);
        cmdlines.put(HV2, "console=ttyS0 quiet");
        try (RealFleet fleet = RealFleet.start(dir, PASSWORD, cmdlines);
             ManagerProcess m = fleet.manager()) {
            assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, SERVICE).path("httpStatus").asInt()).isEqualTo(200);
            // The ledger starts where its guest writes the marker: the other hypervisor is out of placement.
            m.federa(ManagerProcess.OPERATOR, "cordon", HV2);
            assertThat(m.federa(ManagerProcess.OPERATOR, "start", "books", "--timeout", "300")).contains("books: UP after");
            assertThat(host(m)).isEqualTo(HV1);
            String uuid = fleet.vmAttribute(HV1, "ledger-1", "Uuid");
            await(() -> fleet.console(HV1, uuid).contains("federa-guest: marker written " + marker)
                    || fleet.console(HV1, uuid).contains("marker not written"));
            assertThat(fleet.console(HV1, uuid)).contains("federa-guest: marker written " + marker);
            m.federa(ManagerProcess.OPERATOR, "uncordon", HV2);

            long asked = System.nanoTime();
            String moved = m.federa(ManagerProcess.OPERATOR, "migrate", "ledger-1", "--to", HV2, "--allow-downtime", "--timeout", "300");
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
            assertThat(moved).as(moved).contains("ledger-1");
            JsonNode up = m.await("services/books", n -> "UP".equals(n.path("state").asText())
                    && HV2.equals(n.path("instances").path(0).path("host").asText()), 300_000);
            assertThat(up.path("instances")).hasSize(1);
            // The same VM, by its UUID, reads the marker from the disk the manager copied.
            assertThat(fleet.vmAttribute(HV2, "ledger-1", "Uuid")).isEqualTo(uuid);
            await(() -> fleet.console(HV2, uuid).contains("federa-guest: marker read " + marker));
            // The source's copy is deleted only after the move succeeded.
            assertThat(RealHypervisors.guests().getOrDefault(HV1, java.util.Set.of())).doesNotContain("ledger-1");
            JsonNode migrations = m.get("migrations");
            System.out.printf("real guests, managed qcow2 migration: federa migrate answered after %d ms: %s%nmigrations: %s%n",
                    tookMillis, moved.strip().replace('\n', ' '), migrations);
        }
    }

    private static String host(ManagerProcess m) throws Exception {
        return m.get("services/books").path("instances").path(0).path("host").asText();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    /** Until {@code check} holds, every 200 ms, for at most 3 minutes (a guest booting under emulation). */
    private static void await(Check check) throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!check.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 3 min");
            }
            Thread.sleep(200);
        }
    }
}
