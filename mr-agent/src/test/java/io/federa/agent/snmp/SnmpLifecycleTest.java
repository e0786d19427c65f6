package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.Test;

import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.UserTarget;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

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
            assertThat(engine).matches("0x([0-9a-f]{2}){5,32}");
            int boots = engineBoots(f.agent.snmpAddress().orElseThrow(), engine);

            f = f.restart();

            assertThat(f.agent.snmpEngineId()).contains(engine);
            assertThat(engineBoots(f.agent.snmpAddress().orElseThrow(), engine)).isEqualTo(boots + 1);
        } finally {
            f.close();
        }
    }

    /**
     * snmpEngineBoots as a station learns it: from the USM header of an authenticated answer (the
     * engine's own tables, snmpEngineBoots.0 among them, are outside the users' view).
     */
    private static int engineBoots(String address, String engineIdText) throws Exception {
        OctetString engineId = new OctetString(java.util.HexFormat.of().parseHex(engineIdText.substring(2)));
        SecurityProtocols protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.maxSecurity);
        protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
        protocols.addPrivacyProtocol(new PrivAES128());
        USM usm = new USM(protocols, new OctetString(MPv3.createLocalEngineID()), 0);
        usm.addUser(new UsmUser(new OctetString(AgentFixture.SNMP_USER), AuthHMAC192SHA256.ID,
                new OctetString(AgentFixture.SNMP_AUTH), PrivAES128.ID, new OctetString(AgentFixture.SNMP_PRIV)), engineId);
        SecurityModels models = new SecurityModels();
        models.addSecurityModel(usm);
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        dispatcher.addMessageProcessingModel(new MPv3(usm.getLocalEngineID().getValue(), null, protocols, models,
                CounterSupport.getInstance()));
        try (Snmp snmp = new Snmp(dispatcher, new DefaultUdpTransportMapping())) {
            snmp.listen();
            UserTarget<UdpAddress> target = new UserTarget<>(new UdpAddress(address.substring("udp:".length())),
                    new OctetString(AgentFixture.SNMP_USER), engineId.getValue(), SecurityLevel.AUTH_PRIV);
            target.setTimeout(2_000);
            target.setRetries(2);
            ScopedPDU pdu = new ScopedPDU();
            pdu.add(new VariableBinding(new OID("1.3.6.1.2.1.1.3.0")));
            ResponseEvent<UdpAddress> answer = snmp.get(pdu, target);
            assertThat(answer.getResponse()).as("an answer to an authenticated GET of sysUpTime.0").isNotNull();
            assertThat(answer.getResponse().getErrorStatus()).isZero();
            return usm.getTimeTable().getEntry(engineId).getEngineBoots();
        }
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
