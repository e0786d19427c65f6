package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import io.federa.common.snmp.testing.TrapReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** net-snmp's snmptrapd as the station that receives the VM-MIB's per-VM notifications. */
class SnmpNotificationsTest {
    @Test
    void snmptrapd_receives_vm_running_and_vm_shutdown_within_a_second(@TempDir Path dir) throws Exception {
        int trapPort;
        try (DatagramSocket s = new DatagramSocket(0)) {
            trapPort = s.getLocalPort();
        }
        try (AgentFixture f = AgentFixture.withSnmp(trapPort);
             // Traps: the agent is authoritative, so the user is keyed to its engine ID. The
             // deadline is only a ceiling: the test measures how soon each notification came.
             TrapReceiver trapd = TrapReceiver.builder(dir).user(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH,
                     AgentFixture.SNMP_PRIV).trapsFrom(f.agent.snmpEngineId().orElseThrow()).port(trapPort)
                     .patience(Duration.ofSeconds(10)).start()) {
            long started = System.nanoTime();
            f.command("startVm", "batch-1");
            TrapReceiver.Line running = trapd.awaitLine(0, "OID: .1.3.6.1.2.1.236.0.1\t");
            long stopped = System.nanoTime();
            f.command("destroyVm", "batch-1");
            TrapReceiver.Line shutdown = trapd.awaitLine(0, "OID: .1.3.6.1.2.1.236.0.3\t");

            assertThat((running.atNanos() - started) / 1_000_000).as("ms to vmRunning").isLessThan(1_000);
            assertThat((shutdown.atNanos() - stopped) / 1_000_000).as("ms to vmShutdown").isLessThan(1_000);
            // The notification carries the VM's name and its previous operational state (shutdown(11), then running(4)).
            assertThat(running.text()).contains("\"batch-1\"").containsPattern("236\\.1\\.4\\.1\\.6\\.\\d+ = INTEGER: 11");
            assertThat(shutdown.text()).contains("\"batch-1\"").containsPattern("236\\.1\\.4\\.1\\.6\\.\\d+ = INTEGER: 4");

            // vmPerVMNotificationsEnabled set to false(2): no more notifications.
            List<String> set = new java.util.ArrayList<>(List.of("snmpset", "-On", "-t", "2", "-r", "1"));
            set.addAll(NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV));
            set.add(f.agent.snmpAddress().orElseThrow().replaceFirst("/", ":"));
            set.addAll(List.of(".1.3.6.1.2.1.236.1.9.0", "i", "2"));
            assertThat(NetSnmp.run(set).output()).contains("INTEGER: 2");
            int before = trapd.lineCount();
            f.command("startVm", "batch-1");
            Thread.sleep(1_500);
            assertThat(trapd.linesFrom(before)).noneMatch(r -> r.text().contains("236.0."));
        }
    }
}
