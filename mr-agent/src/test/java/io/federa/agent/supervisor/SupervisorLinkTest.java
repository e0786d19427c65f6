package io.federa.agent.supervisor;

import io.federa.agent.command.VmSpecParser;
import io.federa.agent.libvirt.DomainXml;
import io.federa.agent.libvirt.GuestNetwork;
import io.federa.agent.libvirt.TestNodeFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's link to a real lease supervisor process, which reaches libvirt through the test
 * driver on a node file of its own: a managed VM (web-1, epoch 1) and an unmanaged one
 * (legacy-1), both running when the supervisor's connection opens. (The supervisor's test driver
 * lives in its own process, so its domains are not the test's: what it did is read from what it
 * reports. The real guests are RealGuestsEndToEndTest's.)
 */
class SupervisorLinkTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static String node(Path dir) throws Exception {
        Path node = dir.resolve("node.xml");
        TestNodeFile.write(node, 2, 2000, 4L << 20, 10L << 30, dir, List.of(
                new TestNodeFile.Domain(domain("web-1", 1, dir), true),
                new TestNodeFile.Domain(domain("legacy-1", 0, dir), true)));
        return "test://" + node.toAbsolutePath();
    }

    private static String domain(String name, long epoch, Path dir) {
        return DomainXml.build(VmSpecParser.parse("{\"name\":\"" + name + "\",\"application\":\"web\",\"service\":\"shop\","
                + "\"vcpus\":1,\"memoryMiB\":128,\"diskGiB\":1}"), UUID.randomUUID(), "test", dir.resolve(name + ".img"), GuestNetwork.USER_MODE, epoch);
    }

    private static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": not within " + PATIENCE.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    private static long seconds(long s) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(s);
    }

    @Test
    void a_supervisor_holds_what_it_is_fed_powers_off_managed_vms_only_and_is_started_again_when_it_dies(@TempDir Path dir)
            throws Exception {
        String uri = node(dir);
        SupervisorLink link = SupervisorLink.start(uri, dir);
        try {
            assertThat(link.holdsAfter(System.nanoTime(), 0)).isFalse();
            assertThat(link.why()).isNotEmpty();
            assertThat(link.answering()).hasValue(false);

            link.feed(OptionalLong.of(seconds(120)));
            assertThat(link.holdsAfter(System.nanoTime(), PATIENCE.toMillis())).as(link.why()).isTrue();
            assertThat(link.why()).isEmpty();
            assertThat(link.answering()).hasValue(true);
            long first = link.pid().orElseThrow();
            assertThat(SupervisorLink.leftover(dir.resolve(SupervisorLink.PID_FILE)).map(ProcessHandle::pid)).hasValue(first);
            assertThat(link.fenced()).isEmpty();

            // No permission: the managed VM goes off, the unmanaged one stays.
            link.feed(OptionalLong.empty());
            await("web-1 powered off", () -> link.fenced().contains("web-1"));
            assertThat(link.holdsAfter(System.nanoTime(), 0)).isFalse();
            Thread.sleep(3 * LeaseSupervisor.TICK_MILLIS);
            assertThat(link.fenced()).containsExactly("web-1");

            // Killed, it is started again, and holds again once fed.
            ProcessHandle.of(first).orElseThrow().destroyForcibly();
            await("the supervisor started again", () -> link.pid().isPresent() && link.pid().getAsLong() != first);
            link.feed(OptionalLong.of(seconds(120)));
            assertThat(link.holdsAfter(System.nanoTime(), PATIENCE.toMillis())).as(link.why()).isTrue();
            assertThat(link.fenced()).containsExactly("web-1");

            // The agent goes (its end closed) with a deadline 2 s away: the supervisor waits for it,
            // powers off the managed VM of its fresh connection, and exits.
            ProcessHandle second = ProcessHandle.of(link.pid().getAsLong()).orElseThrow();
            link.feed(OptionalLong.of(seconds(2)));
            long fedAt = System.nanoTime();
            Thread.sleep(2 * LeaseSupervisor.TICK_MILLIS);
            link.close();
            second.onExit().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(System.nanoTime() - fedAt).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
            assertThat(link.fenced()).containsExactly("web-1", "web-1");
        } finally {
            link.close();
            link.pid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    @Test
    void a_supervisor_an_earlier_agent_left_is_stopped_first(@TempDir Path dir) throws Exception {
        String uri = node(dir);
        SupervisorLink earlier = SupervisorLink.start(uri, dir);
        earlier.feed(OptionalLong.of(seconds(600)));
        assertThat(earlier.holdsAfter(System.nanoTime(), PATIENCE.toMillis())).as(earlier.why()).isTrue();
        ProcessHandle left = ProcessHandle.of(earlier.pid().getAsLong()).orElseThrow();
        // The earlier agent goes: its supervisor stays, holding a deadline ten minutes away.
        earlier.close();
        Thread.sleep(3 * LeaseSupervisor.TICK_MILLIS);
        assertThat(left.isAlive()).isTrue();
        SupervisorLink later = SupervisorLink.start(uri, dir);
        try {
            assertThat(left.isAlive()).isFalse();
            later.feed(OptionalLong.of(seconds(600)));
            assertThat(later.holdsAfter(System.nanoTime(), PATIENCE.toMillis())).as(later.why()).isTrue();
            assertThat(later.pid().getAsLong()).isNotEqualTo(left.pid());
        } finally {
            later.close();
            // Left alone it would hold its ten minutes: this test's node is gone with it.
            later.pid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            left.destroyForcibly();
        }
    }
}
