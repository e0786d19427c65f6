package io.federa.manager.snmp;

import io.federa.manager.Manager;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.config.ManagerConfigLoader;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.HistoryStore;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SNMPv3 reads of FEDERA-MANAGER-MIB's objects are answered by the fast read path
 * ({@link io.federa.common.snmp.FastReadResponder}); SNMPv2c reads, with a community configured,
 * by SNMP4J-agent's general pipeline. Both must say exactly the same thing, whatever the number
 * of repetitions a GETBULK asks for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagerSnmpFastPathTest {
    private static final String ADMIN = "admin-token-0123456789ab";
    private static final List<String> V3 = List.of("-v3", "-l", "authPriv", "-u", "noc", "-a", "SHA-256", "-A",
            "noc-auth-pass", "-x", "AES", "-X", "noc-priv-pass");
    private static final List<String> V2C = List.of("-v2c", "-c", "fixture-community");
    private Path dir;
    private Vertx vertx;
    private DefinitionStore definitions;
    private HistoryStore history;
    private LifecycleStore lifecycle;
    private String station;

    private static Path root() {
        return Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("federa-manager-snmp-fast");
        ManagerConfig config = ManagerConfigLoader.parse("""
                agents:
                  - { name: host-1, address: 127.0.0.1, port: 9, user: federa, password: secret-password }
                  - { name: host-2, address: 127.0.0.1, port: 7, user: federa, password: secret-password }
                poll: { interval: 200ms }
                store: { file: federa }
                api: { address: 127.0.0.1, port: 0 }
                tokens:
                  - { name: root, token: %s, role: admin }
                lease:
                  signingKey: "MC4CAQAwBQYDK2VwBCIEIJsyeqhwstXSmizxekIrsspbCCRAFwn8AtNA4oC4HEhA"
                cluster: { name: mgr-lyon }
                snmp:
                  address: 127.0.0.1
                  port: 0
                  users:
                    - { name: noc, authPassword: noc-auth-pass, privPassword: noc-priv-pass }
                  community: fixture-community
                  notify: []
                """.formatted(ADMIN), dir);
        definitions = DefinitionStore.openFile(dir.resolve("federa"));
        history = HistoryStore.openFile(dir.resolve("federa"));
        lifecycle = LifecycleStore.openFile(dir.resolve("federa"));
        vertx = Vertx.vertx();
        Manager manager = Manager.start(vertx, config, definitions, history, lifecycle).await(30, TimeUnit.SECONDS);
        String snmp = manager.snmpSummary().orElseThrow();
        station = "udp:127.0.0.1:" + snmp.replaceAll("^udp:[0-9.]+/(\\d+) .*$", "$1");
        int status = WebClient.create(vertx).post(manager.apiPort(), "127.0.0.1", "/api/v1/definitions")
                .putHeader("Authorization", "Bearer " + ADMIN)
                .sendBuffer(Buffer.buffer(Files.readString(root().resolve("examples/shop.yaml")))).await(10, TimeUnit.SECONDS)
                .statusCode();
        assertThat(status).isEqualTo(200);
    }

    @AfterAll
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
        definitions.close();
        history.close();
        lifecycle.close();
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Test
    void walks_of_the_mib_say_the_same_on_the_fast_path_and_through_the_general_pipeline() throws Exception {
        // The services, hosts and applications tables and the scalars; a walk from the top crosses
        // from the system group (SNMP4J-agent's) into the manager's objects.
        for (String reps : List.of("-Cr1", "-Cr7", "-Cr50")) {
            assertSame(reps, () -> walk(V3, reps, ".1.3.6.1.4.1.32473.2"), () -> walk(V2C, reps, ".1.3.6.1.4.1.32473.2"));
            assertThat(walk(V3, reps, ".1.3.6.1.4.1.32473.2")).hasSizeGreaterThan(40);
        }
        List<String> all = walk(V3, "-Cr10", ".1.3.6.1");
        assertThat(all).anyMatch(l -> l.startsWith(".1.3.6.1.2.1.1.5.0 = STRING: "))
                .anyMatch(l -> l.startsWith(".1.3.6.1.4.1.32473.2.1.1.2.0 = STRING: \"mgr-lyon\""));
    }

    @Test
    void a_getbulk_with_several_repeaters_steps_each_through_the_view_as_the_general_pipeline_does() throws Exception {
        String services = ".1.3.6.1.4.1.32473.2.1.2.1.";
        String hosts = ".1.3.6.1.4.1.32473.2.1.3.1.";
        // One non-repeater, three repeaters, one of them starting inside a column and one before the objects.
        List<String> oids = List.of(".1.3.6.1.4.1.32473.2.1.1.1", services + "2", hosts + "3.6.104.111.115.116.45.49",
                ".1.3.6.1.4.1.32473.2");
        for (String reps : List.of("-Cr1", "-Cr5", "-Cr9")) {
            assertSame(reps, () -> bulkGet(V3, reps, oids), () -> bulkGet(V2C, reps, oids));
            assertThat(bulkGet(V3, reps, oids)).as(reps).hasSize(1 + 3 * Integer.parseInt(reps.substring(3)));
        }
    }

    private interface Read {
        List<String> lines() throws Exception;
    }

    /**
     * The two reads give the same lines. The manager's view changes in its first seconds (hosts
     * become unreachable, services enter the service view): read both again, a few times, until
     * they agree or the time is up.
     */
    private static void assertSame(String what, Read fast, Read general) throws Exception {
        List<String> f = fast.lines();
        List<String> g = general.lines();
        for (int i = 0; i < 10 && !f.equals(g); i++) {
            Thread.sleep(1_000);
            f = fast.lines();
            g = general.lines();
        }
        assertThat(f).as(what).isNotEmpty().isEqualTo(g);
    }

    private List<String> walk(List<String> security, String reps, String oid) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("snmpbulkwalk", "-m", "", "-On", reps, "-t", "2", "-r", "1"));
        cmd.addAll(security);
        cmd.add(station);
        cmd.add(oid);
        return run(cmd);
    }

    private List<String> bulkGet(List<String> security, String reps, List<String> oids) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("snmpbulkget", "-m", "", "-On", "-Cn1", reps, "-t", "2", "-r", "1"));
        cmd.addAll(security);
        cmd.add(station);
        cmd.addAll(oids);
        return run(cmd);
    }

    private static List<String> run(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("SNMPCONFPATH", "/nonexistent");
        pb.environment().remove("MIBS");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ended: " + command).isTrue();
        assertThat(p.exitValue()).as(command.toString()).isZero();
        // The manager's uptime moves between two walks: the line is compared without its value.
        return new String(out, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank())
                .map(l -> l.startsWith(".1.3.6.1.2.1.1.3.0 = ") ? ".1.3.6.1.2.1.1.3.0" : l).toList();
    }
}
