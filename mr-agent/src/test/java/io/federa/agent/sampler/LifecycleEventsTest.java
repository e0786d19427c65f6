package io.federa.agent.sampler;

import io.federa.agent.core.CostRates;
import io.federa.agent.core.HostIdentity;
import io.federa.agent.core.VmState;
import io.federa.agent.libvirt.LibvirtHost;
import io.federa.agent.libvirt.GuestNetwork;
import io.federa.agent.libvirt.TestDriverState;
import io.federa.agent.libvirt.TestNodeFile;
import io.federa.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A state change made behind the sampler's back shows through libvirt's lifecycle events, long
 * before the next periodic sample (set here to a minute, so only the event can explain it).
 */
class LifecycleEventsTest {
    private static final HostIdentity IDENTITY = new HostIdentity("h", "s", false, 1, List.of("kvm"),
            new CostRates("EUR", 0, 0, 0, 0), 0, 1_000_000, "test", 0);

    @Test
    void a_vm_started_and_destroyed_outside_the_agent_shows_within_200_ms(@TempDir Path dir) throws Exception {
        Path node = dir.resolve("node.xml");
        TestDriverState state = new TestDriverState(dir.resolve("state"));
        state.seed(new AgentConfig.TestNode(4, 2000, 8192, 100, List.of(
                new AgentConfig.TestVm("app-1", "web", "shop", 1, 512, 1, false))), dir.resolve("vms"), GuestNetwork.network("default"), node);
        TestNodeFile.write(node, 4, 2000, 8192 * 1024, 100L << 30, dir.resolve("vms"), state.load());
        AtomicReference<Sampler> ref = new AtomicReference<>();
        try (LibvirtHost host = LibvirtHost.open("test://" + node, uuid -> ref.get().requestSample());
             Sampler sampler = new Sampler(host, IDENTITY, Duration.ofMinutes(1))) {
            ref.set(sampler);
            sampler.start();
            assertThat(sampler.latest().vm("app-1").state()).isEqualTo(VmState.SHUT_OFF);

            long t0 = System.nanoTime();
            host.withDomain("app-1", d -> d.create() == 0);
            assertThat(waitForState(sampler, VmState.RUNNING)).isLessThan(200);

            host.withDomain("app-1", d -> { d.destroy(); return true; });
            assertThat(waitForState(sampler, VmState.SHUT_OFF)).isLessThan(200);
            assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(60).toNanos());
        }
    }

    /** Milliseconds until the snapshot shows the state, or a large number if it never does. */
    private static long waitForState(Sampler sampler, VmState state) throws InterruptedException {
        long start = System.nanoTime();
        while (System.nanoTime() - start < 5_000_000_000L) {
            if (sampler.latest().vm("app-1").state() == state) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(5);
        }
        return Long.MAX_VALUE;
    }
}
