package io.federa.manager.probe;

import io.federa.manager.core.probe.ProbeResult;
import io.federa.manager.core.spec.ProbeSpec;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SNMP probes against net-snmp's snmpd on 127.0.0.1 (SNMPv2c, a read-only community), as an SNMP
 * agent inside a guest would answer them.
 */
class SnmpProbesTest {
    private static final String SYS_UP_TIME = "1.3.6.1.2.1.1.3.0";
    private static final String LOAD_42 = "1.3.6.1.4.1.99999.1.0";
    private static final String LOAD_250 = "1.3.6.1.4.1.99999.2.0";
    private static final String TEXT = "1.3.6.1.4.1.99999.3.0";
    private static Path dir;
    private static Process snmpd;
    private static int port;
    private static Vertx vertx;
    private static GuestProbes probes;

    @BeforeAll
    static void serve() throws Exception {
        dir = Files.createTempDirectory("federa-snmp-probe");
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("snmpd.conf"), "agentaddress udp:127.0.0.1:" + port + "\n"
                + "rocommunity fed-probe 127.0.0.1\n"
                + "override " + LOAD_42 + " integer 42\n"
                + "override " + LOAD_250 + " integer 250\n"
                + "override " + TEXT + " octet_str busy\n");
        Files.createDirectories(dir.resolve("state"));
        ProcessBuilder b = new ProcessBuilder("/usr/sbin/snmpd", "-f", "-Lf", dir.resolve("snmpd.log").toString(), "-C", "-c",
                dir.resolve("snmpd.conf").toString(), "-p", dir.resolve("snmpd.pid").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("snmpd.out").toFile());
        b.environment().put("MIBS", "");
        b.environment().put("SNMP_PERSISTENT_DIR", dir.resolve("state").toString());
        snmpd = b.start();
        vertx = Vertx.vertx();
        probes = new GuestProbes(vertx, 8);
        // snmpd answers once it has read its configuration: wait for its first answer (or its death).
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!probe(spec(SYS_UP_TIME, "fed-probe", Optional.empty())).passed()) {
            assertThat(snmpd.isAlive()).as("snmpd exited: " + Files.readString(dir.resolve("snmpd.out"))).isTrue();
            assertThat(System.nanoTime()).as("snmpd never answered; its log: " + log()).isLessThan(until);
        }
    }

    private static String log() throws Exception {
        Path l = dir.resolve("snmpd.log");
        return Files.exists(l) ? Files.readString(l) : "(none)";
    }

    @AfterAll
    static void stop() throws Exception {
        if (snmpd != null) {
            snmpd.destroy();
            snmpd.waitFor(10, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static ProbeSpec spec(String oid, String community, Optional<String> load) {
        return new ProbeSpec(new ProbeSpec.Snmp(161, oid, community), Duration.ofSeconds(5), Duration.ofMillis(1_000), 3,
                Duration.ofSeconds(60), load);
    }

    private static ProbeResult probe(ProbeSpec spec) throws Exception {
        io.vertx.core.Promise<ProbeResult> p = io.vertx.core.Promise.promise();
        vertx.runOnContext(x -> probes.probe("127.0.0.1:" + port, spec, System.currentTimeMillis()).onComplete(p));
        return p.future().await(10, TimeUnit.SECONDS);
    }

    @Test
    void anOidWithAValuePassesWithItsLoadOidReadAsAPercentage() throws Exception {
        ProbeResult r = probe(spec(SYS_UP_TIME, "fed-probe", Optional.of(LOAD_42)));
        assertThat(r.passed()).as(r.detail()).isTrue();
        assertThat(r.load().getAsDouble()).isEqualTo(0.42);
        // A percentage above 100, or a load OID that is not a number: it passes, no load.
        assertThat(probe(spec(SYS_UP_TIME, "fed-probe", Optional.of(LOAD_250))).load()).isEmpty();
        ProbeResult text = probe(spec(SYS_UP_TIME, "fed-probe", Optional.of(TEXT)));
        assertThat(text.passed()).isTrue();
        assertThat(text.load()).isEmpty();
    }

    @Test
    void anOidTheAgentDoesNotHaveFails() throws Exception {
        ProbeResult r = probe(spec("1.3.6.1.4.1.99998.1.0", "fed-probe", Optional.empty()));
        assertThat(r.outcome()).isEqualTo(ProbeResult.Outcome.FAILED);
        assertThat(r.detail()).isEqualTo("1.3.6.1.4.1.99998.1.0 is noSuchObject");
    }

    @Test
    void aWrongCommunityIsNotAnsweredAndFailsAtTheDeadline() throws Exception {
        ProbeResult r = probe(spec(SYS_UP_TIME, "not-the-community", Optional.empty()));
        assertThat(r.outcome()).isEqualTo(ProbeResult.Outcome.FAILED);
        assertThat(r.detail()).startsWith("no answer within 1000 ms");
    }
}
