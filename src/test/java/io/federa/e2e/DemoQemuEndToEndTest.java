package io.federa.e2e;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code ./demo.sh --qemu} as a user runs it: two hosts with real QEMU guests, the shop applied
 * and started on them; the agent of the database's host killed, the shop back UP on the other
 * host; Ctrl-C (SIGTERM) leaves nothing of the hypervisors' users running.
 */
class DemoQemuEndToEndTest {
    private static final String OPERATOR = "demo-operator-token-0001";
    private static final String SERVER = "http://127.0.0.1:8080";
    private static final Map<String, String> USER = Map.of("host-1", "federa-demo-hv1", "host-2", "federa-demo-hv2");
    private static final Pattern INSTANCE = Pattern.compile("(catalog-db-1|web-1)@(host-\\d)");

    private static String federa(String... args) throws Exception {
        return ManagerProcess.federaAt(SERVER, OPERATOR, args);
    }

    private static Map<String, String> placed() throws Exception {
        Matcher m = INSTANCE.matcher(federa("status", "shop"));
        Map<String, String> out = new java.util.TreeMap<>();
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(String what, long seconds, Check check) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.ok()) {
            if (System.nanoTime() > end) {
                fail(what + ": not within " + seconds + " s; guests " + RealHypervisors.guests());
            }
            Thread.sleep(250);
        }
    }

    private static Set<String> guestsOf(String host) throws Exception {
        return RealHypervisors.guests().getOrDefault(USER.get(host), Set.of());
    }

    @Test
    void the_demo_with_qemu_runs_the_shop_on_two_real_hosts_and_moves_it_off_a_lost_one() throws Exception {
        Path root = AgentProcess.root();
        ProcessBuilder b = new ProcessBuilder("bash", "-c", "SKIP_BUILD=1 exec ./demo.sh --qemu --plain")
                .directory(root.toFile()).redirectErrorStream(true);
        b.environment().keySet().removeIf(k -> k.startsWith("FEDERA_"));
        b.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        StringBuffer out = new StringBuffer();
        Process demo = b.start();
        TourEndToEndTest.drainInto(demo.getInputStream(), out);
        try {
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!out.toString().contains("Ctrl-C stops the demo.")) {
                if (!demo.isAlive() || System.nanoTime() > end) {
                    fail("the demo did not come up; it printed:\n" + out);
                }
                Thread.sleep(200);
            }
            assertThat(out.toString()).contains("host-1 and host-2 run real QEMU guests")
                    .contains("examples/shop-qemu.yaml is applied");

            assertThat(federa("start", "shop", "--timeout", "300")).contains("shop: UP after");
            Map<String, String> where = placed();
            assertThat(where).containsOnlyKeys("catalog-db-1", "web-1");
            for (Map.Entry<String, String> e : where.entrySet()) {
                assertThat(guestsOf(e.getValue())).as(e.getKey() + " runs on " + e.getValue()).contains(e.getKey());
            }

            // The database's host loses its agent: the guest goes off there, then runs on the other.
            String lost = where.get("catalog-db-1");
            String other = lost.equals("host-1") ? "host-2" : "host-1";
            ProcessBuilder kill = new ProcessBuilder("./demo.sh", "kill", lost).directory(root.toFile()).redirectErrorStream(true);
            assertThat(kill.start().waitFor()).isZero();
            await("catalog-db-1 off " + lost, 120, () -> !guestsOf(lost).contains("catalog-db-1"));
            await("catalog-db-1 running on " + other, 180, () -> guestsOf(other).contains("catalog-db-1"));
            await("the shop UP on " + other, 180, () -> federa("status", "shop").startsWith("shop: UP")
                    && placed().values().stream().allMatch(other::equals));
        } finally {
            // As Ctrl-C in its terminal: a signal, the output still read (Process.destroy would also
            // close the pipe the demo reports its stop on).
            new ProcessBuilder("kill", "-TERM", Long.toString(demo.pid())).start().waitFor();
            if (!demo.waitFor(120, TimeUnit.SECONDS)) {
                demo.descendants().forEach(ProcessHandle::destroyForcibly);
                demo.destroyForcibly();
            }
        }
        // Ctrl-C took the guests, their hypervisors and the agents of both users with it.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String left;
        do {
            Thread.sleep(250);
            Process ps = new ProcessBuilder("ps", "-o", "pid,user:32,args", "-u", "federa-demo-hv1,federa-demo-hv2", "--no-headers")
                    .redirectErrorStream(true).start();
            left = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            ps.waitFor();
        } while (!left.isEmpty() && System.nanoTime() < end);
        assertThat(left).as("processes of the demo's hypervisor users after Ctrl-C; the demo printed:\n" + out).isEmpty();
    }
}
