package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager running a service on real guests ({@link RealFleet}: two QEMU hypervisors, an
 * agent on each, and a peer on the test driver that makes the majority). The
 * service is placed, started in dependency order and UP; then the agent of the host that holds
 * the database is killed with SIGKILL. Its guests outlive it: its lease supervisor powers them
 * off when the lease runs out, and only after that does the manager start the replacements on the
 * other host. An observer lists every QEMU process of both hypervisors every 200 ms, from the
 * kernel's process table rather than from the agents (a killed agent answers nothing while its
 * guests may still run), and proves no guest ran on both at once.
 */
class RealGuestsManagedEndToEndTest {
    private static final String PASSWORD = "real-guests-pw-2";
    private static final String HV1 = "federa-hv1";
    private static final String HV2 = "federa-hv2";
    private static final String SERVICE = """
            applications:
              - name: db
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                replicas: 1
                minAvailable: 1
              - name: web
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                replicas: 1
                minAvailable: 1
                dependsOn: [db]
            services:
              - name: shop
                description: the shop on real guests
                applications: [db, web]
            """;

    @Test
    void a_killed_agents_real_guests_are_powered_off_before_the_manager_starts_them_elsewhere(@TempDir Path dir)
            throws Exception {
        List<String> twice = new CopyOnWriteArrayList<>();
        List<String> observed = new CopyOnWriteArrayList<>();
        AtomicBoolean observing = new AtomicBoolean(true);
        try (RealFleet fleet = RealFleet.start(dir, PASSWORD, "console=ttyS0 quiet", HV1, HV2)) {
            Map<String, AgentProcess> agents = fleet.agents;
            Thread observer = new Thread(() -> {
                while (observing.get()) {
                    try {
                        Map<String, Set<String>> g = RealHypervisors.guests();
                        Set<String> a = g.getOrDefault(HV1, Set.of());
                        Set<String> b = g.getOrDefault(HV2, Set.of());
                        for (String vm : a) {
                            if (b.contains(vm)) {
                                twice.add(vm + " on both hypervisors at " + System.currentTimeMillis());
                            }
                        }
                        observed.add(HV1 + "=" + a + " " + HV2 + "=" + b);
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        observed.add("ps failed: " + e.getMessage());
                    }
                }
            }, "qemu-observer");
            observer.setDaemon(true);
            try {
                observer.start();
                try (ManagerProcess m = fleet.manager()) {
                    assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, SERVICE).path("httpStatus").asInt())
                            .isEqualTo(200);
                    long asked = System.nanoTime();
                    String started = m.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "300");
                    assertThat(started).contains("shop: UP after");
                    System.out.printf("real guests, managed: federa start to UP in %d ms%n",
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));

                    // Where each instance runs, by the manager and by the kernel.
                    JsonNode instances = m.get("services/shop").path("instances");
                    Map<String, String> hostOf = new HashMap<>();
                    instances.forEach(i -> hostOf.put(i.path("name").asText(), i.path("host").asText()));
                    assertThat(hostOf).as(instances.toString()).containsKeys("db-1", "web-1");
                    String dbHost = hostOf.get("db-1");
                    String other = dbHost.equals(HV1) ? HV2 : HV1;
                    Map<String, Set<String>> before = RealHypervisors.guests();
                    assertThat(before.getOrDefault(dbHost, Set.of())).contains("db-1");

                    // The database's host loses its agent; its guests run on for the rest of the lease.
                    long killed = System.nanoTime();
                    assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(agents.get(dbHost).process.pid()))
                            .start().waitFor()).isZero();
                    Thread.sleep(1_000);
                    assertThat(RealHypervisors.guests().getOrDefault(dbHost, Set.of())).as("db-1 within its lease").contains("db-1");

                    // Powered off by the supervisor; started again on the other host, under the next epoch.
                    long off = awaitMillis(() -> !RealHypervisors.guests().getOrDefault(dbHost, Set.of()).contains("db-1"), killed);
                    long elsewhere = awaitMillis(() -> RealHypervisors.guests().getOrDefault(other, Set.of()).contains("db-1"), killed);
                    assertThat(elsewhere).as("started elsewhere only after powered off").isGreaterThan(off);
                    JsonNode up = m.await("services/shop", n -> "UP".equals(n.path("state").asText())
                            && java.util.stream.StreamSupport.stream(n.path("instances").spliterator(), false)
                            .allMatch(i -> i.path("host").asText().equals(other)), 300_000);
                    assertThat(up.path("state").asText()).as(up.toString()).isEqualTo("UP");
                    System.out.printf("real guests, managed: after the agent of %s was killed, db-1 off there at %d ms, "
                            + "running on %s at %d ms, shop UP again at %d ms%n", dbHost, off, other, elsewhere,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
                }
            } finally {
                observing.set(false);
                observer.join(5_000);
            }
        }
        assertThat(observed).as("the observer listed the guests").hasSizeGreaterThan(10);
        assertThat(twice).as("a guest running on two hypervisors at once").isEmpty();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    /** Milliseconds from {@code since} until {@code check} holds, polling every 100 ms for up to 5 min. */
    private static long awaitMillis(Check check, long since) throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!check.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 5 min");
            }
            Thread.sleep(100);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }
}
