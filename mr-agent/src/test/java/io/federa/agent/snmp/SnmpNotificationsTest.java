package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** net-snmp's snmptrapd as the station that receives the VM-MIB's per-VM notifications. */
class SnmpNotificationsTest {
    private record Received(long atNanos, String line) {
    }

    @Test
    void snmptrapd_receives_vm_running_and_vm_shutdown_within_a_second(@TempDir Path dir) throws Exception {
        int trapPort;
        try (DatagramSocket s = new DatagramSocket(0)) {
            trapPort = s.getLocalPort();
        }
        try (AgentFixture f = AgentFixture.withSnmp(trapPort)) {
            String engine = f.agent.snmpEngineId().orElseThrow();
            Path conf = dir.resolve("snmptrapd.conf");
            Files.writeString(conf, "createUser -e " + engine + " noc SHA-256 " + AgentFixture.SNMP_AUTH + " AES "
                    + AgentFixture.SNMP_PRIV + "\nauthUser log noc priv\n");
            ProcessBuilder pb = new ProcessBuilder("snmptrapd", "-f", "-Lo", "-On", "-C", "-c", conf.toString(),
                    "-p", dir.resolve("trapd.pid").toString(), "udp:127.0.0.1:" + trapPort).redirectErrorStream(true);
            pb.environment().put("MIBS", "");
            Process trapd = pb.start();
            List<Received> received = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(trapd.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        received.add(new Received(System.nanoTime(), l));
                    }
                } catch (java.io.IOException e) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                waitFor(received, "NET-SNMP version", 10_000);

                long started = System.nanoTime();
                f.command("startVm", "batch-1");
                Received running = waitFor(received, "OID: .1.3.6.1.2.1.236.0.1\t", 5_000);
                long stopped = System.nanoTime();
                f.command("destroyVm", "batch-1");
                Received shutdown = waitFor(received, "OID: .1.3.6.1.2.1.236.0.3\t", 5_000);

                assertThat(running).as("vmRunning received: " + received).isNotNull();
                assertThat(shutdown).as("vmShutdown received: " + received).isNotNull();
                assertThat((running.atNanos() - started) / 1_000_000).as("ms to vmRunning").isLessThan(1_000);
                assertThat((shutdown.atNanos() - stopped) / 1_000_000).as("ms to vmShutdown").isLessThan(1_000);
                // The notification carries the VM's name and its previous operational state (shutdown(11), then running(4)).
                assertThat(running.line()).contains("\"batch-1\"").containsPattern("236\\.1\\.4\\.1\\.6\\.\\d+ = INTEGER: 11");
                assertThat(shutdown.line()).contains("\"batch-1\"").containsPattern("236\\.1\\.4\\.1\\.6\\.\\d+ = INTEGER: 4");

                // vmPerVMNotificationsEnabled set to false(2): no more notifications.
                List<String> set = new java.util.ArrayList<>(List.of("snmpset", "-On", "-t", "2", "-r", "1"));
                set.addAll(NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV));
                set.add(f.agent.snmpAddress().orElseThrow().replaceFirst("/", ":"));
                set.addAll(List.of(".1.3.6.1.2.1.236.1.9.0", "i", "2"));
                assertThat(NetSnmp.run(set).output()).contains("INTEGER: 2");
                int before = received.size();
                f.command("startVm", "batch-1");
                Thread.sleep(1_500);
                assertThat(received.subList(before, received.size())).noneMatch(r -> r.line().contains("236.0."));
            } finally {
                trapd.destroy();
                trapd.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static Received waitFor(List<Received> received, String text, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            for (Received r : received) {
                if (r.line().contains(text)) {
                    return r;
                }
            }
            Thread.sleep(5);
        }
        return null;
    }
}
