package io.federa.agent.jmx;

import io.federa.agent.command.Snapshots;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmState;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import static org.assertj.core.api.Assertions.assertThat;

/** The federa domain follows the snapshots, and is empty once the publisher is closed. */
class MBeanPublisherTest {
    private static int federaBeans(MBeanServer server) throws Exception {
        return server.queryNames(new ObjectName(MBeanPublisher.DOMAIN + ":*"), null).size();
    }

    @Test
    void vms_come_and_go_with_the_snapshots_and_a_sample_after_close_registers_nothing() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        HostSnapshot two = Snapshots.host(Snapshots.vm("web-1", VmState.RUNNING, 1), Snapshots.vm("db-1", VmState.RUNNING, 1));
        MBeanPublisher publisher = new MBeanPublisher(server, () -> two, null, null);
        publisher.registerStatic();
        publisher.accept(two);
        assertThat(federaBeans(server)).as("the host, the agent and two VMs").isEqualTo(4);
        publisher.accept(Snapshots.host(Snapshots.vm("web-1", VmState.RUNNING, 1)));
        assertThat(server.isRegistered(MBeanPublisher.vmName("db-1"))).isFalse();

        publisher.close();
        assertThat(federaBeans(server)).isZero();
        // A sampler's pass that was running while the agent closed comes after: it must leave nothing behind.
        publisher.accept(two);
        assertThat(federaBeans(server)).isZero();
    }
}
