package io.federa.common.snmp.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The trap receiver the SNMP tests share, fed by net-snmp's own snmpinform and snmptrap. */
class TrapReceiverTest {
    private static final String USER = "noc";
    private static final String AUTH = "noc-auth-pass";
    private static final String PRIV = "noc-priv-pass";
    /** The engine ID a trap sender claims (snmptrap -e), and the receiver keys the user to. */
    private static final String SENDER = "0x80001f8804666564657261";

    private static List<String> v3(String tool, int port, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(tool, "-v3", "-l", "authPriv", "-u", USER, "-a", "SHA-256", "-A", AUTH,
                "-x", "AES", "-X", PRIV));
        cmd.addAll(List.of(extra));
        // No uptime (the sender's own), then coldStart (SNMPv2-MIB) with one varbind.
        cmd.addAll(List.of("udp:127.0.0.1:" + port, "", ".1.3.6.1.6.3.1.1.5.1", ".1.3.6.1.2.1.1.5.0", "s", "from-the-test"));
        return cmd;
    }

    private static int run(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MIBS", "");
        pb.environment().put("SNMPCONFPATH", "/nonexistent");
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("ended: " + command).isTrue();
        return p.exitValue();
    }

    @Test
    void an_inform_is_received_acknowledged_and_printed_on_one_line_with_numeric_oids(@TempDir Path dir) throws Exception {
        try (TrapReceiver trapd = TrapReceiver.builder(dir).user(USER, AUTH, PRIV).start()) {
            assertThat(trapd.lines()).anyMatch(l -> l.contains("NET-SNMP version"));
            int mark = trapd.lineCount();
            // An inform waits for snmptrapd's acknowledgement: exit 0 means it was received.
            assertThat(run(v3("snmpinform", trapd.port(), "-t", "2", "-r", "3"))).isZero();
            TrapReceiver.Line line = trapd.awaitLine(mark, "OID: .1.3.6.1.6.3.1.1.5.1\t");
            assertThat(line.text()).contains(".1.3.6.1.2.1.1.5.0 = STRING: \"from-the-test\"");
            assertThat(line.atNanos()).isLessThanOrEqualTo(System.nanoTime());
            assertThat(trapd.linesFrom(mark)).extracting(TrapReceiver.Line::text).contains(line.text());
        }
    }

    @Test
    void a_trap_is_received_when_the_user_is_keyed_to_the_senders_engine(@TempDir Path dir) throws Exception {
        try (TrapReceiver trapd = TrapReceiver.builder(dir).user(USER, AUTH, PRIV).trapsFrom(SENDER).start()) {
            // A trap is sent once and never acknowledged: sent again until one is printed, so that
            // no packet has to arrive on time.
            String received = null;
            for (int attempt = 0; attempt < 30 && received == null; attempt++) {
                assertThat(run(v3("snmptrap", trapd.port(), "-e", SENDER))).isZero();
                long end = System.nanoTime() + 1_000_000_000L;
                while (received == null && System.nanoTime() < end) {
                    received = trapd.linesFrom(0).stream().map(TrapReceiver.Line::text)
                            .filter(l -> l.contains("OID: .1.3.6.1.6.3.1.1.5.1\t")).findFirst().orElse(null);
                    Thread.sleep(20);
                }
            }
            assertThat(received).as("a trap printed: " + trapd.lines()).isNotNull().contains("\"from-the-test\"");
        }
    }

    @Test
    void a_wait_that_fails_names_what_was_received(@TempDir Path dir) throws Exception {
        try (TrapReceiver trapd = TrapReceiver.builder(dir).user(USER, AUTH, PRIV).patience(Duration.ofMillis(300)).start()) {
            assertThatThrownBy(() -> trapd.await("never printed")).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("[never printed]").hasMessageContaining("NET-SNMP version");
        }
    }

    @Test
    void a_receiver_started_again_on_the_same_port_listens_once_the_first_is_closed(@TempDir Path dir) throws Exception {
        TrapReceiver first = TrapReceiver.builder(dir).user(USER, AUTH, PRIV).start();
        int port = first.port();
        first.close();
        first.close();
        try (TrapReceiver again = TrapReceiver.builder(dir).user(USER, AUTH, PRIV).port(port).start()) {
            assertThat(again.port()).isEqualTo(port);
            assertThat(run(v3("snmpinform", port, "-t", "2", "-r", "3"))).isZero();
            again.await("OID: .1.3.6.1.6.3.1.1.5.1\t");
        }
    }

    @Test
    void a_receiver_needs_its_user() {
        assertThatThrownBy(() -> TrapReceiver.builder(Path.of(".")).start()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("user(");
    }
}
