package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * VMs moved with their data between real agent processes by a real manager: a VM with 50 MB of
 * random data arrives byte for byte and its source copy goes only after it ran at the
 * destination; a destination the rules refuse is refused with the reasons; the move of a
 * single-instance application, and the drain of its host, wait until downtime is allowed; a
 * replica that keeps no data surges (its replacement runs before it stops); a drain of a host
 * holding one replica of each of a service's applications never takes the service DOWN, even with
 * the manager killed with SIGKILL in the middle of it.
 */
class MigrationEndToEndTest {
    private static final String OPERATOR = ManagerProcess.OPERATOR;
    private static final String SETTINGS = "lifecycle:\n  lease: 20s\n  grace: 30s\n  leaseMargin: 1s\n"
            + "migration:\n  settle: 1s\n  copyAttempts: 3\n";

    private static String vault() {
        return """
                applications:
                  - name: ledger
                    runtime: kvm
                    resources: { vcpus: 1, memoryMiB: 512, diskGiB: 1 }
                    replicas: 1
                    minAvailable: 1
                    placement:
                      offsiteForbidden: true
                      minSecurityLevel: 3
                services:
                  - name: vault
                    applications: [ledger]
                """;
    }

    private static String market() {
        return """
                applications:
                  - name: db
                    runtime: kvm
                    resources: { vcpus: 1, memoryMiB: 512, diskGiB: 1 }
                    replicas: 2
                    minAvailable: 1
                    placement: { spreadReplicas: host, offsiteForbidden: true }
                  - name: pay
                    runtime: kvm
                    resources: { vcpus: 1, memoryMiB: 512, diskGiB: 1 }
                    replicas: 2
                    minAvailable: 1
                    dependsOn: [db]
                    placement: { spreadReplicas: host, offsiteForbidden: true }
                  - name: front
                    runtime: kvm
                    resources: { vcpus: 1, memoryMiB: 512, diskGiB: 1 }
                    replicas: 2
                    minAvailable: 1
                    data: none
                    dependsOn: [db, pay]
                    placement: { spreadReplicas: host, offsiteForbidden: true }
                services:
                  - name: market
                    applications: [front, db, pay]
                """;
    }

    /** name → {host, uuid} of every VM the manager lists. */
    private static Map<String, String[]> vms(ManagerProcess m) throws Exception {
        Map<String, String[]> out = new LinkedHashMap<>();
        m.get("vms").path("vms").forEach(v -> out.put(v.path("name").asText(),
                new String[]{v.path("host").asText(), v.path("uuid").asText(), v.path("state").asText()}));
        return out;
    }

    @Test
    void a_vm_moves_with_its_data_and_its_source_copy_goes_only_after_it_ran_at_the_destination(@TempDir Path dir)
            throws Exception {
        try (Fleet fleet = new Fleet(dir, List.of("host-1", "host-2", "host-3"), Set.of("host-3"), p -> Map.of(), SETTINGS,
                Map.of())) {
            ManagerProcess m = fleet.manager;
            assertThat(m.call("POST", "definitions", OPERATOR, vault()).path("httpStatus").asInt()).isEqualTo(200);
            m.federa(OPERATOR, "start", "vault", "--timeout", "60");
            String[] before = vms(m).get("ledger-1");
            String source = before[0];
            String uuid = before[1];
            String other = source.equals("host-1") ? "host-2" : "host-1";
            Path disk = fleet.vmData(source, uuid).resolve("disk0.raw");
            assertThat(Files.size(disk)).as("a 1 GiB image, sparse").isEqualTo(1L << 30);
            Fleet.scribble(disk, 300L << 20, 50 << 20, 42);
            Files.writeString(fleet.vmData(source, uuid).resolve("cloud-init.yaml"), "hostname: ledger-1\n");
            String digest = Fleet.digest(fleet.vmData(source, uuid)).orElseThrow();

            // An observer: when the VM first runs at the destination, when the source's copy goes,
            // and whether it ever runs on two hosts at once.
            AtomicBoolean observing = new AtomicBoolean(true);
            AtomicLong ranAtDestination = new AtomicLong();
            AtomicLong sourceGone = new AtomicLong();
            Observer listings = new Observer(fleet, 50);
            Path sourceData = fleet.vmData(source, uuid);
            Thread observer = new Thread(() -> {
                while (observing.get()) {
                    long now = System.nanoTime();
                    List<String> running = new ArrayList<>();
                    for (String h : fleet.hosts) {
                        if ("RUNNING".equals(fleet.states(h).get("ledger-1"))) {
                            running.add(h);
                        }
                    }
                    if (running.contains(other)) {
                        ranAtDestination.compareAndSet(0, now);
                    }
                    if (!Files.exists(sourceData)) {
                        sourceGone.compareAndSet(0, now);
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            observer.setDaemon(true);
            observer.start();

            // The offsite host is refused by the rules, with the reason; nothing moves.
            Map.Entry<Integer, String> refused = m.federaExit(OPERATOR, "migrate", "ledger-1", "--to", "host-3");
            assertThat(refused.getKey()).isEqualTo(1);
            assertThat(refused.getValue()).contains("host-3 refuses ledger-1").contains("OFFSITE_FORBIDDEN");
            assertThat(m.get("migrations").path("migrations")).isEmpty();

            // The vault's only ledger: moving it takes the vault down, so the move waits and says why.
            Map.Entry<Integer, String> waits = m.federaExit(OPERATOR, "migrate", "ledger-1", "--to", other, "--timeout", "60");
            assertThat(waits.getKey()).as(waits.getValue()).isEqualTo(4);
            assertThat(waits.getValue()).contains("m-1 waits: ledger has 1 running of minAvailable 1; moving ledger-1 stops it")
                    .contains("federa migrate ledger-1 --allow-downtime moves it");
            assertThat(m.get("migrations/m-1").path("code").asText()).isEqualTo("MIN_AVAILABLE");
            assertThat(vms(m).get("ledger-1")).containsExactly(source, uuid, "RUNNING");

            String out = m.federa(OPERATOR, "migrate", "ledger-1", "--to", other, "--allow-downtime");
            observing.set(false);
            observer.join();
            assertThat(out).contains("m-1: moving ledger-1 from " + source + " to " + other)
                    .contains("COPYING").contains("VERIFYING").contains("m-1: DONE after")
                    .contains("moved from " + source + " to " + other).contains("50.0 MiB copied, sha256 ");

            assertThat(Fleet.digest(fleet.vmData(other, uuid))).as("the destination's bytes").contains(digest);
            assertThat(Files.exists(sourceData)).as("the source's copy").isFalse();
            assertThat(ranAtDestination.get()).as("seen running at the destination").isPositive();
            assertThat(sourceGone.get()).as("the source's copy went after the VM ran at the destination")
                    .isGreaterThan(ranAtDestination.get());

            JsonNode done = m.get("migrations/m-1");
            assertThat(done.path("phase").asText()).isEqualTo("DONE");
            assertThat(done.path("destination").asText()).isEqualTo(other);
            assertThat(done.path("epoch").asLong()).isEqualTo(1);
            assertThat(vms(m).get("ledger-1")).containsExactly(other, uuid, "RUNNING");
            assertThat(m.get("services/vault").path("state").asText()).isEqualTo("UP");
            assertThat(m.get("events?kind=migration.&limit=100").toString()).contains("migration.done")
                    .contains("migration.copying").contains("migration.cleanup");
            assertThat(m.metrics()).contains("federa_migrations_finished_total{outcome=\"done\"} 1.0");
            // The agent shows what it moved through JMX: the transfer, its bytes and its phase.
            JsonNode transfers = fleet.jolokia(other, "{\"type\":\"read\",\"mbean\":\"federa:type=Agent\",\"attribute\":\"Transfers\"}");
            assertThat(transfers.toString()).contains("m-1").contains("VERIFIED");

            // Draining the ledger's host: the move waits for consent, says why, and the host stays
            // cordoned; with --allow-downtime the ledger moves back.
            Map.Entry<Integer, String> drainWaits = m.federaExit(OPERATOR, "drain", other, "--timeout", "60");
            assertThat(drainWaits.getKey()).as(drainWaits.getValue()).isEqualTo(4);
            assertThat(drainWaits.getValue())
                    .contains("waits: ledger-1 (vault/ledger) MIN_AVAILABLE: ledger has 1 running of minAvailable 1")
                    .contains(other + " not drained").contains("0 moved, 0 not moved, 1 waiting")
                    .contains("federa drain " + other + " --allow-downtime");
            List<Boolean> cordoned = new ArrayList<>();
            m.get("hosts").path("hosts").forEach(h -> {
                if (h.path("host").asText().equals(other)) {
                    cordoned.add(h.path("cordoned").asBoolean());
                }
            });
            assertThat(cordoned).as(other + " cordoned, in /api/v1/hosts").containsExactly(true);
            assertThat(vms(m).get("ledger-1")).containsExactly(other, uuid, "RUNNING");
            String drained = m.federa(OPERATOR, "drain", other, "--allow-downtime", "--timeout", "120");
            assertThat(drained).contains(other + " drained after").contains("1 moved, 0 not moved, 0 waiting, 0 left");
            assertThat(vms(m).get("ledger-1")).containsExactly(source, uuid, "RUNNING");
            listings.close();
            assertThat(listings.twiceRunning()).isEmpty();
        }
    }

    @Test
    void a_drain_keeps_the_service_up_and_a_manager_killed_in_the_middle_loses_nothing(@TempDir Path dir) throws Exception {
        try (Fleet fleet = new Fleet(dir, List.of("host-1", "host-2", "host-3"), Set.of(), p -> Map.of(), SETTINGS, Map.of())) {
            ManagerProcess m = fleet.manager;
            assertThat(m.call("POST", "definitions", OPERATOR, market()).path("httpStatus").asInt()).isEqualTo(200);
            // host-3 takes nothing at first: host-1 and host-2 each hold one replica of every application.
            m.federa(OPERATOR, "cordon", "host-3");
            m.federa(OPERATOR, "start", "market", "--timeout", "90");
            Map<String, String[]> start = vms(m);
            List<String> onHost1 = new ArrayList<>();
            start.forEach((name, v) -> {
                if (v[0].equals("host-1")) {
                    onHost1.add(name);
                }
            });
            assertThat(onHost1).hasSize(3);
            assertThat(onHost1.stream().map(n -> n.substring(0, n.lastIndexOf('-')))).containsExactlyInAnyOrder("db", "pay", "front");
            Map<String, String> digests = new HashMap<>();
            int seed = 1;
            for (String vm : onHost1) {
                Path data = fleet.vmData("host-1", start.get(vm)[1]);
                Fleet.scribble(data.resolve("disk0.raw"), 10L << 20, 4 << 20, seed++);
                digests.put(vm, Fleet.digest(data).orElseThrow());
            }
            m.federa(OPERATOR, "uncordon", "host-3");

            // The service as its agents show it, every 100 ms: DOWN when an application has fewer
            // than minAvailable (1) instances running anywhere.
            AtomicBoolean observing = new AtomicBoolean(true);
            List<String> down = new CopyOnWriteArrayList<>();
            Observer listings = new Observer(fleet, 50);
            Thread observer = new Thread(() -> {
                while (observing.get()) {
                    Map<String, Integer> running = new HashMap<>();
                    for (String h : fleet.hosts) {
                        fleet.states(h).forEach((vm, state) -> {
                            if (state.equals("RUNNING")) {
                                running.merge(vm.substring(0, vm.lastIndexOf('-')), 1, Integer::sum);
                            }
                        });
                    }
                    for (String app : List.of("db", "pay", "front")) {
                        if (running.getOrDefault(app, 0) < 1) {
                            down.add(app + " has no instance running");
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            observer.setDaemon(true);
            observer.start();

            JsonNode drain = m.call("POST", "hosts/host-1/drain", OPERATOR, "");
            assertThat(drain.path("httpStatus").asInt()).isEqualTo(202);
            List<String> order = new ArrayList<>();
            drain.path("queued").forEach(q -> order.add(q.path("vm").asText().replaceAll("-\\d+$", "")));
            assertThat(order).as("dependencies first").containsExactly("db", "pay", "front");
            // The manager is killed once the second move is under way, and comes back.
            m.await("migrations", n -> n.path("migrations").size() == 3
                    && n.path("migrations").get(0).path("phase").asText().equals("DONE")
                    && !n.path("migrations").get(1).path("phase").asText().equals("REQUESTED"), 60_000);
            String killedAt = m.get("migrations").path("migrations").get(1).path("phase").asText();
            fleet.killManager();
            Thread.sleep(1_000);
            fleet.startManager();
            m = fleet.manager;
            JsonNode end = m.await("migrations", n -> n.path("migrations").size() == 3 && java.util.stream.StreamSupport
                    .stream(n.path("migrations").spliterator(), false)
                    .allMatch(x -> x.path("phase").asText().equals("DONE")), 120_000);
            // The CLI follows what is left and reports the outcome.
            String listed = m.federa(OPERATOR, "migrations");
            observing.set(false);
            observer.join();
            assertThat(end.toString()).as(listed).doesNotContain("ROLLED_BACK");
            assertThat(listed).contains("m-1").contains("m-2").contains("m-3").contains("DONE");
            assertThat(down).as("the service went DOWN (manager killed while m-2 was " + killedAt + ")").isEmpty();
            listings.close();
            assertThat(listings.twiceRunning()).isEmpty();

            // front keeps no data on its hosts: its move surged, a new instance ran on host-3 before
            // the one on host-1 stopped, and replaced it.
            String front = onHost1.stream().filter(v -> v.startsWith("front-")).findFirst().orElseThrow();
            // A move is done once its agents said so; the inventory shows it at host-1's next poll.
            m.await("vms", n -> java.util.stream.StreamSupport.stream(n.path("vms").spliterator(), false)
                    .noneMatch(v -> v.path("name").asText().equals(front)), 15_000);
            Map<String, String[]> after = m.await("services/market", n -> n.path("state").asText().equals("UP"), 30_000) != null
                    ? vms(m) : Map.of();
            JsonNode surge = m.get("migrations/m-3");
            assertThat(surge.path("vm").asText()).isEqualTo(front);
            String fresh = surge.path("surgeAs").asText();
            assertThat(fresh).startsWith("front-").isNotEqualTo(front);
            assertThat(surge.path("note").asText()).contains("replaced by " + fresh + " on host-3 (surge)");
            assertThat(after).doesNotContainKey(front);
            assertThat(after.get(fresh)).as(fresh).containsSubsequence("host-3").endsWith("RUNNING");
            for (String vm : onHost1) {
                if (vm.equals(front)) {
                    continue;
                }
                assertThat(after.get(vm)[0]).as(vm).isEqualTo("host-3");
                assertThat(after.get(vm)[2]).as(vm).isEqualTo("RUNNING");
                assertThat(Fleet.digest(fleet.vmData("host-3", after.get(vm)[1]))).as(vm + "'s data").contains(digests.get(vm));
                assertThat(Files.exists(fleet.vmData("host-1", after.get(vm)[1]))).as(vm + " on host-1").isFalse();
            }
            assertThat(m.get("hosts").toString()).contains("host-1");
            assertThat(fleet.states("host-1")).isEmpty();
        }
    }
}
