package io.federa.manager.snmp;

import io.federa.common.snmp.testing.TrapReceiver;
import io.federa.manager.Manager;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.config.ManagerConfigLoader;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.HistoryStore;
import io.federa.manager.store.LifecycleStore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager's SNMP face as net-snmp's tools see it: FEDERA-MANAGER-MIB under SNMPv3 with the
 * shipped mibs/, what the REST API says of the same services, the system group naming the
 * manager, and nothing of the engine's tables or of SNMPv1/v2c.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagerSnmpTest {
    private static final String ADMIN = "admin-token-0123456789ab";
    private static final List<String> NOC = List.of("-v3", "-l", "authPriv", "-u", "noc", "-a", "SHA-256", "-A",
            "noc-auth-pass", "-x", "AES", "-X", "noc-priv-pass");
    private Path dir;
    private Vertx vertx;
    private DefinitionStore definitions;
    private HistoryStore history;
    private LifecycleStore lifecycle;
    private Manager manager;
    private String station;
    private TrapReceiver trapd;

    private static Path root() {
        return Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("federa-manager-snmp");
        // snmptrapd receives the manager's informs: as the authoritative engine of an inform, it
        // needs the user under its own engine ID only.
        trapd = TrapReceiver.builder(dir).user("noc", "noc-auth-pass", "noc-priv-pass").patience(Duration.ofSeconds(30)).start();
        ManagerConfig config = ManagerConfigLoader.parse("""
                agents:
                  - { name: host-1, address: 127.0.0.1, port: 9, user: federa, password: secret-password }
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
                  contact: "NOC Lyon, +33 4 00 00 00 00"
                  location: lyon-dc1
                  notify:
                    - { address: 127.0.0.1, port: %d, user: noc, type: inform, retries: 3, timeout: 1s }
                """.formatted(ADMIN, trapd.port()), dir);
        definitions = DefinitionStore.openFile(dir.resolve("federa"));
        history = HistoryStore.openFile(dir.resolve("federa"));
        lifecycle = LifecycleStore.openFile(dir.resolve("federa"));
        vertx = Vertx.vertx();
        manager = Manager.start(vertx, config, definitions, history, lifecycle).await(30, TimeUnit.SECONDS);
        String snmp = manager.snmpSummary().orElseThrow();
        assertThat(snmp).matches("udp:127\\.0\\.0\\.1/\\d+ engine 0x[0-9a-f]+");
        station = "udp:127.0.0.1:" + snmp.replaceAll("^udp:[0-9.]+/(\\d+) .*$", "$1");
        WebClient client = WebClient.create(vertx);
        int status = client.post(manager.apiPort(), "127.0.0.1", "/api/v1/definitions").putHeader("Authorization", "Bearer " + ADMIN)
                .sendBuffer(Buffer.buffer(Files.readString(root().resolve("examples/shop.yaml")))).await(10, TimeUnit.SECONDS)
                .statusCode();
        assertThat(status).isEqualTo(200);
    }

    @AfterAll
    void stop() throws Exception {
        trapd.close();
        vertx.close().await(10, TimeUnit.SECONDS);
        definitions.close();
        history.close();
        lifecycle.close();
    }

    private record Result(int exit, String stdout, String stderr) {
        List<String> lines() {
            return stdout.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static Result run(List<String> command) throws Exception {
        Path errors = Files.createTempFile("net-snmp", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(errors.toFile());
            pb.environment().put("SNMPCONFPATH", "/nonexistent");
            pb.environment().remove("MIBS");
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ended: " + command).isTrue();
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(errors));
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    /** snmptable with mibs/ (FEDERA-MANAGER-MIB and what it imports), rows as column → value, by index. */
    private Map<String, Map<String, String>> table(String name) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("snmptable", "-M", root().resolve("mibs").toString(), "-m",
                "FEDERA-MANAGER-MIB", "-Ci", "-Cf", "|", "-t", "2", "-r", "2"));
        cmd.addAll(NOC);
        cmd.addAll(List.of(station, "FEDERA-MANAGER-MIB::" + name));
        Result r = run(cmd);
        assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero();
        List<String> lines = r.lines();
        // "SNMP table: …", then the column names, then one line a row.
        String[] header = lines.get(1).split("\\|", -1);
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (String l : lines.subList(2, lines.size())) {
            String[] cells = l.split("\\|", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.put(cells[0], row);
        }
        return rows;
    }

    @Test
    void the_service_table_says_what_the_rest_api_says() throws Exception {
        // Both read the service view of one interval: retried until two reads fall in the same one.
        Map<String, Map<String, String>> services = Map.of();
        List<String> diff = List.of("not compared yet");
        long end = System.nanoTime() + 30_000_000_000L;
        while (!diff.isEmpty() && System.nanoTime() < end) {
            services = table("federaMgrServiceTable");
            JsonArray api = WebClient.create(vertx).get(manager.apiPort(), "127.0.0.1", "/api/v1/services")
                    .putHeader("Authorization", "Bearer " + ADMIN).send().await(10, TimeUnit.SECONDS).bodyAsJsonObject()
                    .getJsonArray("services");
            diff = new ArrayList<>();
            if (services.size() != api.size()) {
                diff.add(services.size() + " rows for " + api.size() + " services");
            }
            for (int i = 0; i < api.size(); i++) {
                JsonObject s = api.getJsonObject(i);
                Map<String, String> row = services.get("\"" + s.getString("name") + "\"");
                if (row == null
                        || !row.get("federaMgrServiceState").equals(s.getString("state").toLowerCase(java.util.Locale.ROOT))
                        || !row.get("federaMgrServiceDesired").equals(s.getString("desired").toLowerCase(java.util.Locale.ROOT))
                        || !row.get("federaMgrServiceJudged").equals(s.getBoolean("judged") ? "true" : "false")) {
                    diff.add(s.getString("name") + ": " + row + " vs " + s.encode());
                }
            }
        }
        assertThat(diff).as("federaMgrServiceTable vs /api/v1/services").isEmpty();
        assertThat(services.keySet()).containsExactlyInAnyOrder("\"shop\"", "\"backoffice\"");
        assertThat(services.get("\"shop\"").get("federaMgrServiceDescription")).isEqualTo("the public web shop");
        assertThat(services.get("\"shop\"").get("federaMgrServiceAvail1h")).matches("\\d{1,3}\\.\\d{3} percent");
    }

    @Test
    void the_host_table_has_the_configured_agent_and_the_scalars_name_the_manager() throws Exception {
        Map<String, Map<String, String>> hosts = table("federaMgrHostTable");
        assertThat(hosts).containsKey("\"host-1\"");
        assertThat(hosts.get("\"host-1\"").get("federaMgrHostReachability")).isIn("unknown", "unreachable");

        List<String> get = new ArrayList<>(List.of("snmpget", "-M", root().resolve("mibs").toString(), "-m", "ALL", "-t", "2",
                "-r", "2"));
        get.addAll(NOC);
        get.addAll(List.of(station, "SNMPv2-MIB::sysObjectID.0", "SNMPv2-MIB::sysName.0", "SNMPv2-MIB::sysLocation.0",
                "SNMPv2-MIB::sysContact.0", "SNMPv2-MIB::sysDescr.0", "FEDERA-MANAGER-MIB::federaMgrLeading.0",
                "FEDERA-MANAGER-MIB::federaMgrName.0"));
        Result r = run(get);
        assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains("sysObjectID.0 = OID: FEDERA-MANAGER-MIB::federaManager")
                .contains("sysName.0 = STRING: mgr-lyon").contains("sysLocation.0 = STRING: lyon-dc1")
                .contains("sysContact.0 = STRING: NOC Lyon, +33 4 00 00 00 00")
                .containsPattern("sysDescr.0 = STRING: Federa manager \\S+")
                .contains("federaMgrName.0 = STRING: mgr-lyon")
                .containsPattern("federaMgrLeading.0 = INTEGER: (true|false)\\(\\d\\)");
    }

    @Test
    void the_manager_informs_stations_of_a_service_changing_state_with_the_state_before() throws Exception {
        // (Hosts lost and found: ManagerSnmpEndToEndTest, with agents that come and go.)
        // backoffice started with no host to run on: it goes from stopped(5) to down(4), with its reasons.
        // Its first state, stopped, is recorded (and told) first: started before that, it would have
        // no state before the change ("backoffice" = 10.98.97.99.107.111.102.102.105.99.101).
        trapd.await("OID: .1.3.6.1.4.1.32473.2.0.1\t",
                ".1.3.6.1.4.1.32473.2.1.2.1.4.10.98.97.99.107.111.102.102.105.99.101 = INTEGER: 5");
        int status = WebClient.create(vertx).post(manager.apiPort(), "127.0.0.1", "/api/v1/services/backoffice/start")
                .putHeader("Authorization", "Bearer " + ADMIN).send().await(10, TimeUnit.SECONDS).statusCode();
        assertThat(status).isEqualTo(202);
        String changed = trapd.await("OID: .1.3.6.1.4.1.32473.2.0.1\t",
                ".1.3.6.1.4.1.32473.2.1.2.1.4.10.98.97.99.107.111.102.102.105.99.101 = INTEGER: 4");
        assertThat(changed).contains(".1.3.6.1.4.1.32473.2.1.6.1.0 = INTEGER: 5")
                .containsPattern("\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.2\\.1\\.2\\.1\\.5\\.10\\.98[.0-9]* = STRING: \"reports: 0 of 1");
    }

    @Test
    void an_inform_station_hears_the_managers_cold_start_first() throws Exception {
        String cold = trapd.await("OID: .1.3.6.1.6.3.1.1.5.1");
        List<String> received = trapd.lines();
        int coldAt = received.indexOf(cold);
        for (String l : received.subList(0, coldAt)) {
            assertThat(l).doesNotContain(".1.3.6.1.4.1.32473.2.0.");
        }
    }

    @Test
    void nothing_else_is_readable_and_snmpv2c_is_off() throws Exception {
        List<String> walk = new ArrayList<>(List.of("snmpbulkwalk", "-m", "", "-On", "-t", "2", "-r", "1"));
        walk.addAll(NOC);
        walk.addAll(List.of(station, ".1.3.6.1"));
        Result all = run(walk);
        assertThat(all.exit()).as(all.stderr()).isZero();
        assertThat(all.lines()).isNotEmpty().allSatisfy(l -> assertThat(l).matches("^\\.1\\.3\\.6\\.1\\.(2\\.1\\.1|4\\.1\\.32473)\\..*"));

        Result v2c = run(List.of("snmpget", "-m", "", "-On", "-v2c", "-c", "public", "-t", "1", "-r", "0", station,
                ".1.3.6.1.2.1.1.5.0"));
        assertThat(v2c.exit()).isNotZero();
        assertThat(v2c.stdout()).doesNotContain("STRING");
    }
}
