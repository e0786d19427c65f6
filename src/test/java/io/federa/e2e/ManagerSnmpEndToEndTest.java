package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A manager and its agents as an NMS sees them over SNMP: snmptable of FEDERA-MANAGER-MIB's
 * service, host and instance tables, with the repository's mibs/, says what the REST API says of
 * the same moment.
 */
class ManagerSnmpEndToEndTest {
    private static final List<String> HOSTS = List.of("host-1", "host-2", "host-3");
    private static final String SETTINGS = """
            lifecycle:
              lease: 5s
              grace: 3s
              leaseMargin: 1s
            snmp:
              address: 127.0.0.1
              port: 0
              users:
                - { name: noc, auth: SHA-256, authPassword: demo-auth-pass, priv: AES-128, privPassword: demo-priv-pass }
              location: lyon-dc1
            """;
    private static final Pattern SNMP = Pattern.compile("\\| snmp udp:[0-9.]+/(\\d+) engine (0x[0-9a-f]+)");

    /** One snmptable (index column first, -Ci), as rows of column → value keyed by the index without quotes. */
    private static Map<String, Map<String, String>> table(String station, String name) throws Exception {
        List<String> args = new ArrayList<>(NetSnmpStation.noc());
        args.addAll(List.of("-Ci", "-Cf", "|", station, "FEDERA-MANAGER-MIB::" + name));
        NetSnmpStation.Result r = NetSnmpStation.withMibs("snmptable", args);
        assertThat(r.exit()).as(r.toString()).isZero();
        System.out.println("snmptable -M +mibs -m ALL -Ci … FEDERA-MANAGER-MIB::" + name + ":\n" + r.stdout());
        List<String> lines = r.lines();
        assertThat(lines).as(r.toString()).hasSizeGreaterThanOrEqualTo(2);
        String[] header = lines.get(1).split("\\|", -1);
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (String l : lines.subList(2, lines.size())) {
            String[] cells = l.split("\\|", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length && i < cells.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.put(cells[0].replaceAll("^\"|\"$", ""), row);
        }
        return rows;
    }

    private static String lower(JsonNode n) {
        return n.asText().toLowerCase(Locale.ROOT);
    }

    /** The differences between the service table and the REST API's services; empty when they agree. */
    private static List<String> serviceDifferences(Map<String, Map<String, String>> snmp, JsonNode api) {
        List<String> diff = new ArrayList<>();
        if (snmp.size() != api.path("services").size()) {
            diff.add(snmp.size() + " rows, " + api.path("services").size() + " services");
        }
        for (JsonNode s : api.path("services")) {
            Map<String, String> row = snmp.get(s.path("name").asText());
            if (row == null) {
                diff.add("no row for " + s.path("name").asText());
                continue;
            }
            List<String> reasons = new ArrayList<>();
            s.path("reasons").forEach(r -> reasons.add(r.asText()));
            String reason = String.join("; ", reasons);
            // FederaText holds 255 octets: a longer reason is cut (the API gives it whole).
            boolean sameReason = reason.length() <= 200 ? row.get("federaMgrServiceReason").equals(reason)
                    : reason.startsWith(row.get("federaMgrServiceReason"));
            if (!row.get("federaMgrServiceState").equals(lower(s.path("state")))
                    || !row.get("federaMgrServiceDesired").equals(lower(s.path("desired"))) || !sameReason) {
                diff.add(s.path("name").asText() + ": " + row + " vs " + s);
            }
        }
        return diff;
    }

    @Test
    void snmptable_of_the_service_and_host_tables_says_what_the_rest_api_says(@TempDir Path dir) throws Exception {
        try (Fleet f = new Fleet(dir, HOSTS, Set.of("host-3"), p -> Map.of(), SETTINGS, Map.of())) {
            Matcher m = SNMP.matcher(f.manager.logTail(200));
            assertThat(m.find()).as("the manager's ready line names its SNMP port: " + f.manager.logTail(20)).isTrue();
            String station = "udp:127.0.0.1:" + m.group(1);
            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");

            // The same moment: both read the service view of one interval; retried until one
            // interval passes with no change between the two reads.
            Map<String, Map<String, String>> services = Map.of();
            JsonNode api = null;
            List<String> diff = List.of("not compared yet");
            long end = System.nanoTime() + 30_000_000_000L;
            while (!diff.isEmpty() && System.nanoTime() < end) {
                services = table(station, "federaMgrServiceTable");
                api = f.manager.get("services");
                diff = serviceDifferences(services, api);
            }
            assertThat(diff).as("service table vs /api/v1/services").isEmpty();
            assertThat(services.get("shop")).containsEntry("federaMgrServiceState", "up")
                    .containsEntry("federaMgrServiceDesired", "started")
                    .containsEntry("federaMgrServiceDescription", "the public web shop")
                    .containsEntry("federaMgrServiceJudged", "true");
            assertThat(services.get("shop").get("federaMgrServiceAvail1h")).matches("\\d{1,3}\\.\\d{3} percent");
            // It changed state when it came up: the history has a time for it (DateAndTime, UTC).
            assertThat(services.get("shop").get("federaMgrServiceLastChange")).matches("20\\d\\d-\\d+-\\d+,\\d+:\\d+:\\d+\\.\\d");
            assertThat(services.get("backoffice")).containsEntry("federaMgrServiceState", "stopped");

            Map<String, Map<String, String>> hosts = table(station, "federaMgrHostTable");
            JsonNode restHosts = f.manager.get("hosts").path("hosts");
            assertThat(hosts).hasSize(restHosts.size());
            for (JsonNode h : restHosts) {
                Map<String, String> row = hosts.get(h.path("agent").asText());
                assertThat(row).as(h.toString()).isNotNull();
                assertThat(row.get("federaMgrHostReachability")).isEqualTo(lower(h.path("reachability")));
                assertThat(row.get("federaMgrHostId")).isEqualTo(h.path("host").asText());
                assertThat(row.get("federaMgrHostSite")).isEqualTo(h.path("site").asText());
                assertThat(row.get("federaMgrHostOffsite")).isEqualTo(h.path("offsite").asBoolean() ? "true" : "false");
                assertThat(row.get("federaMgrHostSecurityLevel")).isEqualTo(h.path("securityLevel").asText());
                assertThat(row.get("federaMgrHostCordoned")).isEqualTo(h.path("cordoned").asBoolean() ? "true" : "false");
                // Polled over Jolokia by a leader: each holds a lease, still fresh.
                assertThat(row.get("federaMgrHostLeaseHeld")).isEqualTo("true");
                assertThat(row.get("federaMgrHostLeaseLeft")).matches("\\d+ seconds");
            }

            // The instances, with their VMs' UUIDs printed as UUIDs.
            Map<String, Map<String, String>> instances = table(station, "federaMgrInstanceTable");
            Map<String, String> uuids = new HashMap<>();
            for (JsonNode v : f.manager.get("vms").path("vms")) {
                uuids.put(v.path("name").asText(), v.path("uuid").asText());
            }
            assertThat(instances).containsKeys("web-1", "web-2", "catalog-db-1", "payment-1");
            for (String name : List.of("web-1", "web-2", "catalog-db-1", "payment-1")) {
                assertThat(instances.get(name).get("federaMgrInstanceVmUuid"))
                        .isEqualTo(NetSnmpStation.asNetSnmpPrintsIt(uuids.get(name)));
                assertThat(instances.get(name).get("federaMgrInstanceState")).isEqualTo("RUNNING");
            }
        }
    }
}
