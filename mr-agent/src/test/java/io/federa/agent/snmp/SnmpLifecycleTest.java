package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The SNMP face starts and stops with the agent and leaves nothing running that would keep a JVM alive. */
class SnmpLifecycleTest {

    private static List<String> liveSnmpThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .map(Thread::getName)
                .filter(n -> n.startsWith("snmp") || n.contains("DefaultUDPTransportMapping") || n.contains("Timer"))
                .toList();
    }

    @Test
    void after_the_agent_stops_no_snmp_thread_is_left_and_the_port_is_free() throws Exception {
        AgentFixture f = AgentFixture.withSnmp(0);
        String address = f.agent.snmpAddress().orElseThrow();
        assertThat(liveSnmpThreads()).isNotEmpty();
        f.close();

        long end = System.nanoTime() + 5_000_000_000L;
        while (!liveSnmpThreads().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertThat(liveSnmpThreads()).isEmpty();
        int port = Integer.parseInt(address.substring(address.lastIndexOf('/') + 1));
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(port, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }
}
