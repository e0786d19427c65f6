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
    void the_engine_id_survives_a_restart_and_the_boot_counter_goes_up() throws Exception {
        AgentFixture f = AgentFixture.withSnmp(0);
        try {
            String engine = f.agent.snmpEngineId().orElseThrow();
            String agent = f.agent.snmpAddress().orElseThrow().replaceFirst("/", ":");
            List<String> v3 = NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV);
            String boots = NetSnmp.get(agent, v3, ".1.3.6.1.6.3.10.2.1.2.0").output();

            f = f.restart();

            assertThat(f.agent.snmpEngineId()).contains(engine);
            String agentAfter = f.agent.snmpAddress().orElseThrow().replaceFirst("/", ":");
            String bootsAfter = NetSnmp.get(agentAfter, v3, ".1.3.6.1.6.3.10.2.1.2.0").output();
            assertThat(number(bootsAfter)).isEqualTo(number(boots) + 1);
        } finally {
            f.close();
        }
    }

    private static long number(String snmpgetOutput) {
        return Long.parseLong(snmpgetOutput.replaceAll("(?s).*INTEGER: (\\d+).*", "$1").trim());
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
