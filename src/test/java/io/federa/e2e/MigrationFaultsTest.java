package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Migrations under fire: at least 200 (system property {@code federa.migration.faults}), each with
 * one fault at a random moment: the source's or the destination's agent killed with SIGKILL (and
 * started again), the manager killed with SIGKILL (and started again), the copy's connection cut,
 * one byte of it flipped, or the destination's disk full (a real tmpfs filled up). An observer
 * lists every agent every 200 ms. Once the faults have cleared: every migration ended DONE or
 * ROLLED_BACK, no VM ran on two hosts at once, no source copy went before the destination ran the
 * VM, and every VM's data is intact on the host that holds it (checked by digest).
 */
class MigrationFaultsTest {
    private static final String OPERATOR = ManagerProcess.OPERATOR;
    private static final int VMS = 6;

    enum Fault { SOURCE_KILLED, DESTINATION_KILLED, MANAGER_KILLED, CONNECTION_DROPPED, BYTE_CORRUPTED, DISK_FULL }

    private static final String LAB = """
            applications:
              - name: box
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1 }
                replicas: %d
                minAvailable: 0
                placement: { spreadReplicas: none }
            services:
              - name: lab
                applications: [box]
            """.formatted(VMS);

    @Test
    void migrations_with_one_fault_each_lose_nothing_and_all_end(@TempDir Path dir) throws Exception {
        int runs = Integer.getInteger("federa.migration.faults", 200);
        List<String> hosts = List.of("host-1", "host-2", "host-3");
        Map<String, Path> tmpfs = new LinkedHashMap<>();
        for (String h : hosts) {
            Path mount = dir.resolve("tmpfs-" + h);
            Files.createDirectories(mount);
            mount(mount);
            tmpfs.put(h, mount);
        }
        Map<String, FaultProxy> proxies = new HashMap<>();
        Fleet fleet = null;
        try {
            fleet = new Fleet(dir, hosts, Set.of(), ports -> {
                Map<String, Integer> urls = new HashMap<>();
                ports.forEach((h, port) -> {
                    try {
                        FaultProxy p = new FaultProxy(port);
                        proxies.put(h, p);
                        urls.put(h, p.port());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                return urls;
            }, "poll: 500ms\nlifecycle:\n  lease: 15s\n  grace: 60s\n  leaseMargin: 1s\n"
                    + "migration:\n  settle: 500ms\n  copyAttempts: 3\n  concurrent: 1\n", tmpfs);
            run(fleet, proxies, tmpfs, runs);
        } finally {
            if (fleet != null) {
                fleet.close();
            }
            for (FaultProxy p : proxies.values()) {
                p.close();
            }
            for (Path m : tmpfs.values()) {
                new ProcessBuilder("umount", "-l", m.toString()).inheritIO().start().waitFor();
            }
        }
    }

    private static void mount(Path at) throws Exception {
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", at.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("mounting a tmpfs for the disk-full faults (the tests run as root): " + out).isZero();
    }

    /** name → {host, uuid, state} as the manager lists them. */
    private static Map<String, String[]> vms(ManagerProcess m) throws Exception {
        Map<String, String[]> out = new TreeMap<>();
        m.get("vms").path("vms").forEach(v -> out.put(v.path("name").asText(),
                new String[]{v.path("host").asText(), v.path("uuid").asText(), v.path("state").asText()}));
        return out;
    }

    private void run(Fleet fleet, Map<String, FaultProxy> proxies, Map<String, Path> tmpfs, int runs) throws Exception {
        ManagerProcess m = fleet.manager;
        assertThat(m.call("POST", "definitions", OPERATOR, LAB).path("httpStatus").asInt()).isEqualTo(200);
        m.federa(OPERATOR, "start", "lab", "--timeout", "90");
        Map<String, String[]> start = vms(m);
        assertThat(start).hasSize(VMS);
        Map<String, String> uuids = new HashMap<>();
        Map<String, String> digests = new HashMap<>();
        int seed = 7;
        for (var e : start.entrySet()) {
            Path data = fleet.vmData(e.getValue()[0], e.getValue()[1]);
            Fleet.scribble(data.resolve("disk0.raw"), (seed % 5) * (64L << 20), 8 << 20, seed++);
            uuids.put(e.getKey(), e.getValue()[1]);
            digests.put(e.getKey(), Fleet.digest(data).orElseThrow());
        }

        // The observer: every agent listed every 50 ms, one thread per host; and every 20 ms,
        // whether each VM's data is on some host, and when the source's copy of the move under
        // way goes.
        List<String> noCopy = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Watch> watch = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Fleet f = fleet;
        Thread files = new Thread(() -> {
            while (watching.get()) {
                try {
                    for (var u : uuids.entrySet()) {
                        boolean any = false;
                        for (String h : f.hosts) {
                            any |= Files.isDirectory(f.vmData(h, u.getValue()));
                        }
                        if (!any) {
                            noCopy.add(u.getKey());
                        }
                    }
                    Watch w = watch.get();
                    if (w != null && !Files.isDirectory(f.vmData(w.source(), uuids.get(w.vm())))) {
                        w.gone().compareAndSet(0, System.nanoTime());
                    }
                    Thread.sleep(20);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "observer-of-the-data");
        files.setDaemon(true);
        files.start();
        try (Observer observer = new Observer(fleet, 50)) {
            moves(fleet, proxies, tmpfs, runs, uuids, digests, watch, noCopy, observer);
        } finally {
            watching.set(false);
            files.join();
        }
    }

    private void moves(Fleet fleet, Map<String, FaultProxy> proxies, Map<String, Path> tmpfs, int runs,
                       Map<String, String> uuids, Map<String, String> digests,
                       java.util.concurrent.atomic.AtomicReference<Watch> watch, List<String> noCopy, Observer observer)
            throws Exception {
        ManagerProcess m;
        Random random = new Random(20261128);
        Map<Fault, Map<String, Integer>> tally = new EnumMap<>(Fault.class);
        Map<String, Integer> phasesHit = new TreeMap<>();
        List<String> unfinished = new ArrayList<>();
        List<String> early = new ArrayList<>();
        int shutOffMoves = 0;
        // Every kind in turn; -Dfedera.migration.faultKinds=A,B narrows them when chasing one.
        List<Fault> kinds = System.getProperty("federa.migration.faultKinds", "").isBlank() ? List.of(Fault.values())
                : java.util.Arrays.stream(System.getProperty("federa.migration.faultKinds").split(",")).map(Fault::valueOf).toList();
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            long started = System.nanoTime();
            Fault fault = kinds.get(i % kinds.size());
            // The last fault has cleared: every agent answers the manager again, and the VMs a
            // killed agent took down with it run again.
            fleet.awaitAllReachable(30_000);
            m = fleet.manager;
            m.await("services/lab", n -> n.path("converged").asBoolean() && n.path("state").asText().equals("UP")
                    && java.util.stream.StreamSupport.stream(n.path("instances").spliterator(), false).count() == VMS, 60_000);
            m.await("vms", n -> java.util.stream.StreamSupport.stream(n.path("vms").spliterator(), false)
                    .filter(v -> v.path("state").asText().equals("RUNNING")).count() >= VMS, 60_000);
            // Where the manager has each instance (the VM list may still show a moved VM's old copy
            // until the next poll).
            Map<String, String> placedOn = new TreeMap<>();
            m.get("services/lab").path("instances").forEach(x -> placedOn.put(x.path("name").asText(), x.path("host").asText()));
            List<String> names = new ArrayList<>(placedOn.keySet());
            String vm = names.get(random.nextInt(names.size()));
            String source = placedOn.get(vm);
            List<String> others = new ArrayList<>(hosts(fleet));
            others.remove(source);
            String destination = others.get(random.nextInt(others.size()));
            Path ballast = tmpfs.get(destination).resolve("ballast");
            switch (fault) {
                case CONNECTION_DROPPED -> proxies.get(source).arm(FaultProxy.Kind.DROP, 64 + random.nextInt(8 << 20));
                case BYTE_CORRUPTED -> proxies.get(source).arm(FaultProxy.Kind.CORRUPT, 64 + random.nextInt(8 << 20));
                case DISK_FULL -> fill(ballast);
                default -> {
                }
            }
            Watch w = new Watch(vm, source, destination, System.nanoTime(), new AtomicLong());
            watch.set(w);
            JsonNode asked = m.call("POST", "migrations", OPERATOR, "{\"vm\":\"" + vm + "\",\"to\":\"" + destination + "\"}");
            assertThat(asked.path("httpStatus").asInt()).as(asked.toString()).isEqualTo(202);
            String id = asked.path("id").asText();
            String hitAt = fault == Fault.CONNECTION_DROPPED || fault == Fault.BYTE_CORRUPTED ? "COPYING" : "";
            if (fault == Fault.SOURCE_KILLED || fault == Fault.DESTINATION_KILLED || fault == Fault.MANAGER_KILLED) {
                // A phase drawn at random; the kill comes as soon as the move is in it (or past it).
                String target = KILL_PHASES.get(random.nextInt(KILL_PHASES.size()));
                hitAt = reach(m, id, target);
                switch (fault) {
                    case SOURCE_KILLED -> {
                        fleet.killAgent(source);
                        Thread.sleep(300);
                        fleet.startAgent(source);
                    }
                    case DESTINATION_KILLED -> {
                        fleet.killAgent(destination);
                        Thread.sleep(300);
                        fleet.startAgent(destination);
                    }
                    default -> {
                        fleet.killManager();
                        fleet.startManager();
                        m = fleet.manager;
                    }
                }
            }
            JsonNode end = awaitEnd(fleet, id, fault == Fault.DISK_FULL ? ballast : null, 120_000);
            String outcome = end.path("phase").asText();
            if (fault == Fault.DISK_FULL) {
                hitAt = end.path("phase").asText().equals("ROLLED_BACK") ? "COPYING (every attempt)" : "COPYING";
                Files.deleteIfExists(ballast);
            }
            proxies.get(source).disarm();
            phasesHit.merge(fault + " at " + (hitAt.isEmpty() ? "?" : hitAt), 1, Integer::sum);
            tally.computeIfAbsent(fault, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
            System.out.printf(java.util.Locale.ROOT, "%4d %-5s %-19s %-7s %s → %s  hit at %-10s %-12s %5.1f s  %s%n", i, id, fault,
                    vm, source, destination, hitAt, outcome, (System.nanoTime() - t0) / 1e9,
                    end.path("note").asText().replace('\n', ' '));
            if ((System.nanoTime() - started) / 1e9 > 30) {
                System.out.println("  slow: hosts " + fleet.manager.get("hosts") + "\n" + fleet.manager.logTail(40));
            }
            if (!outcome.equals("DONE") && !outcome.equals("ROLLED_BACK")) {
                unfinished.add(id + " (" + fault + "): " + end + "\nhosts: " + fleet.manager.get("hosts")
                        + "\nmanager log:\n" + fleet.manager.logTail(60));
                break;
            }
            if (!end.path("wasRunning").asBoolean()) {
                shutOffMoves++;
            }
            if (outcome.equals("DONE") && end.path("wasRunning").asBoolean()) {
                Thread.sleep(250);
                // Some answer of the destination's, begun before the source's copy went, showed the VM running.
                long ran = observer.firstRunning(vm, destination, w.since());
                if (w.gone().get() != 0 && (ran == 0 || ran >= w.gone().get())) {
                    early.add(id + " " + vm + " " + source + " → " + destination + (ran == 0 ? " (never seen running there)"
                            : String.format(java.util.Locale.ROOT, " (seen running %.0f ms after)", (ran - w.gone().get()) / 1e6)));
                }
            }
            watch.set(null);
        }
        // The faults have cleared: the lab comes back whole.
        m = fleet.manager;
        JsonNode lab = m.await("services/lab", n -> n.path("state").asText().equals("UP")
                && n.path("converged").asBoolean(), 120_000);
        Thread.sleep(2_000);
        List<String> twice = observer.twiceRunning();
        Map<String, String> placedOn = new TreeMap<>();
        lab.path("instances").forEach(x -> placedOn.put(x.path("name").asText(), x.path("host").asText()));
        Map<String, String[]> end = vms(m);
        List<String> lost = new ArrayList<>();
        for (var d : digests.entrySet()) {
            String where = placedOn.get(d.getKey());
            if (where == null || !d.getValue().equals(Fleet.digest(fleet.vmData(where, uuids.get(d.getKey()))).orElse(""))) {
                // Not on the host the manager says: any intact copy anywhere still counts as kept.
                boolean intact = false;
                for (String h : hosts(fleet)) {
                    intact |= d.getValue().equals(Fleet.digest(fleet.vmData(h, uuids.get(d.getKey()))).orElse(""));
                }
                lost.add(d.getKey() + (intact ? " (an intact copy exists on another host than its instance's)" : " (no intact copy)"));
            }
        }
        long running = end.entrySet().stream().filter(v -> v.getValue()[2].equals("RUNNING")
                && v.getValue()[0].equals(placedOn.get(v.getKey()))).count();
        int done = tally.values().stream().mapToInt(t -> t.getOrDefault("DONE", 0)).sum();
        int back = tally.values().stream().mapToInt(t -> t.getOrDefault("ROLLED_BACK", 0)).sum();
        StringBuilder report = new StringBuilder(String.format(java.util.Locale.ROOT,
                "%n%d migrations with one fault each in %.0f s: %d DONE, %d ROLLED_BACK, %d unfinished%n",
                runs, (System.nanoTime() - t0) / 1e9, done, back, unfinished.size()));
        tally.forEach((k, v) -> report.append(String.format("  %-20s %s%n", k, v)));
        report.append("  faults by phase hit: ").append(phasesHit).append('\n');
        report.append("  moves of a VM that was shut off when asked (moved shut off, nothing to start): ").append(shutOffMoves)
                .append('\n');
        early.forEach(e -> report.append("  source copy deleted before the destination ran: ").append(e).append('\n'));
        long proxyFaults = proxies.values().stream().mapToLong(FaultProxy::struck).sum();
        report.append(String.format("  connection faults that struck: %d; VMs lost: %d; running on two hosts: %d; "
                        + "source copies deleted before the destination ran: %d; moments with no copy: %d; agent listings: %d%n",
                proxyFaults, lost.size(), twice.size(), early.size(), noCopy.size(), observer.answers()));
        twice.stream().limit(10).forEach(t -> report.append("  running on two hosts: ").append(t).append('\n'));
        // Instances the lifecycle placed again (a VM it found gone, or a host it found lost): none is expected.
        m.get("events?kind=lifecycle.&limit=10000").path("events").forEach(e -> {
            String msg = e.path("message").asText();
            if (msg.contains(" is gone from ") || msg.contains(" lost:") || msg.contains("stale copy")) {
                report.append("  lifecycle: ").append(e.path("at").asText()).append(' ').append(msg).append('\n');
            }
        });
        System.out.print(report);
        Files.createDirectories(AgentProcess.root().resolve("target"));
        Files.writeString(AgentProcess.root().resolve("target/migration-faults.txt"), report.toString());

        assertThat(unfinished).as(report.toString()).isEmpty();
        assertThat(done + back).isEqualTo(runs);
        assertThat(lost).as(report.toString()).isEmpty();
        assertThat(twice).as(report.toString()).isEmpty();
        assertThat(early).as(report.toString()).isEmpty();
        assertThat(noCopy).as(report.toString()).isEmpty();
        assertThat(running).as(lab.toString()).isEqualTo(VMS);
        assertThat(tally.keySet()).containsExactlyInAnyOrderElementsOf(kinds);
    }

    /** The move under way: since when (nanoTime), and when its source's copy went (0: not yet). */
    private record Watch(String vm, String source, String destination, long since, AtomicLong gone) {
    }

    private static List<String> hosts(Fleet fleet) {
        return fleet.hosts;
    }

    private static final List<String> KILL_PHASES = List.of("REQUESTED", "STOPPING", "COPYING", "DEFINING", "STARTING",
            "VERIFYING", "CLEANUP");
    private static final List<String> ORDER = List.of("REQUESTED", "STOPPING", "COPYING", "DEFINING", "STARTING", "VERIFYING",
            "CLEANUP", "DONE", "ROLLING_BACK", "ROLLED_BACK");

    /** Polls the move every few milliseconds until it is in {@code target} or past it; the phase it was in. */
    private static String reach(ManagerProcess m, String id, String target) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        String p = phase(m, id);
        while (ORDER.indexOf(p) < ORDER.indexOf(target) && System.nanoTime() < end) {
            Thread.sleep(2);
            p = phase(m, id);
        }
        return p;
    }

    private static String phase(ManagerProcess m, String id) {
        try {
            return m.get("migrations/" + id).path("phase").asText("?");
        } catch (Exception e) {
            return "?";
        }
    }

    /** Fills a tmpfs to its last 64 KiB. */
    private static void fill(Path ballast) throws Exception {
        long free = Files.getFileStore(ballast.getParent()).getUsableSpace();
        Process p = new ProcessBuilder("fallocate", "-l", Long.toString(Math.max(0, free - (64 << 10))), ballast.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    /** Waits for the migration to end, through manager restarts; a disk-full ballast goes after the first failure it causes. */
    private static JsonNode awaitEnd(Fleet fleet, String id, Path ballast, long millis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        JsonNode last = null;
        boolean failedOnce = false;
        while (System.nanoTime() < deadline) {
            ManagerProcess m = fleet.manager;
            try {
                last = m.get("migrations/" + id);
            } catch (Exception e) {
                Thread.sleep(100);
                continue;
            }
            String phase = last.path("phase").asText();
            if (phase.equals("DONE") || phase.equals("ROLLED_BACK")) {
                return last;
            }
            if (ballast != null && !failedOnce && last.path("note").asText().contains("disk full")) {
                failedOnce = true;
                // Half the time the disk is freed at once (the next attempt succeeds), half the time not.
                if (id.hashCode() % 2 == 0) {
                    Files.deleteIfExists(ballast);
                }
            }
            Thread.sleep(100);
        }
        return last == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : last;
    }
}
