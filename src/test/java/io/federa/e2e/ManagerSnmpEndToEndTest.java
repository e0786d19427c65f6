package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.federa.common.snmp.testing.TrapReceiver;
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
 * the same moment; a real snmptrapd receives the manager's informs — what it missed while it was
 * down, in order, once it is back; a finished migration and a scaling decision; VMs fenced by a
 * host cut off from the manager, once it answers again. Every wait is for an outcome, with a
 * generous deadline: no UDP packet is expected on time.
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
              notify:
                - { address: 127.0.0.1, port: %d, user: noc, type: inform, retries: 3, timeout: 1s }
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

    /** snmptrapd as an NMS's receiver of the manager's informs (authoritative for them: one user, no engine ID). */
    private static TrapReceiver trapReceiver(Path dir, int port) throws Exception {
        return TrapReceiver.builder(dir).user("noc", "demo-auth-pass", "demo-priv-pass").port(port).start();
    }

    private static final Pattern SHOP_STATE = Pattern.compile(
            "\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.2\\.1\\.2\\.1\\.4\\.4\\.115\\.104\\.111\\.112 = INTEGER: (\\d)");
    private static final Pattern PREVIOUS_STATE = Pattern.compile("\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.2\\.1\\.6\\.1\\.0 = INTEGER: (\\d)");

    /** The shop's state changes snmptrapd printed from line {@code from} on, as [previous, new] pairs. */
    private static List<int[]> shopChanges(List<String> lines, int from) {
        List<int[]> out = new ArrayList<>();
        for (String l : lines.subList(Math.min(from, lines.size()), lines.size())) {
            Matcher state = SHOP_STATE.matcher(l);
            Matcher previous = PREVIOUS_STATE.matcher(l);
            if (l.contains("OID: .1.3.6.1.4.1.32473.2.0.1\t") && state.find() && previous.find()) {
                out.add(new int[] {Integer.parseInt(previous.group(1)), Integer.parseInt(state.group(1))});
            }
        }
        return out;
    }

    /** One sample of the manager's /metrics, 0 when absent. */
    private static double metric(String metrics, String series) {
        for (String l : metrics.split("\n")) {
            if (l.startsWith(series + " ")) {
                return Double.parseDouble(l.substring(series.length() + 1).trim());
            }
        }
        return Double.NaN;
    }

    @Test
    void a_station_that_was_down_receives_the_informs_it_missed_in_order(@TempDir Path dir) throws Exception {
        TrapReceiver first = trapReceiver(dir, 0);
        int port = first.port();
        String target = "{target=\"127.0.0.1:" + port + "\"}";
        try (Fleet f = new Fleet(dir, HOSTS, Set.of("host-3"), p -> Map.of(), SETTINGS.formatted(port), Map.of())) {
            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");
            first.await("OID: .1.3.6.1.4.1.32473.2.0.1\t", ".2.1.2.1.4.4.115.104.111.112 = INTEGER: 2");
            String metrics = f.manager.metrics();
            assertThat(metric(metrics, "federa_snmp_notifications_sent_total" + target)).isGreaterThanOrEqualTo(1);
            assertThat(metric(metrics, "federa_snmp_notifications_dropped_total" + target)).isZero();
            assertThat(metric(metrics, "federa_snmp_notifications_failed_total" + target)).isZero();

            // The station goes away; meanwhile the shop loses a VM, is stopped, and started again.
            first.close();
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "vm", "destroy", "payment-1")).contains("destroyed payment-1");
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "stop", "shop", "--timeout", "120")).contains("shop: STOPPED after");
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");
            // Nothing acknowledged: at least two informs (stopped, up) wait, and attempts failed.
            long end = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < end && !(metric(f.manager.metrics(), "federa_snmp_notifications_pending" + target) >= 2
                    && metric(f.manager.metrics(), "federa_snmp_notifications_failed_total" + target) >= 1)) {
                Thread.sleep(200);
            }
            metrics = f.manager.metrics();
            assertThat(metric(metrics, "federa_snmp_notifications_pending" + target)).as(metrics).isGreaterThanOrEqualTo(2);
            assertThat(metric(metrics, "federa_snmp_notifications_failed_total" + target)).as(metrics).isGreaterThanOrEqualTo(1);
            double sentBefore = metric(metrics, "federa_snmp_notifications_sent_total" + target);

            // Back on the same port: it receives what it missed, in the order it happened — each
            // change's previous state is the state the change before it reported.
            try (TrapReceiver again = trapReceiver(dir, port)) {
                List<int[]> changes = List.of();
                end = System.nanoTime() + 180_000_000_000L;
                while (System.nanoTime() < end) {
                    changes = shopChanges(again.lines(), 0);
                    boolean stopped = changes.stream().anyMatch(c -> c[1] == 5);
                    if (stopped && changes.get(changes.size() - 1)[1] == 2
                            && metric(f.manager.metrics(), "federa_snmp_notifications_pending" + target) == 0) {
                        break;
                    }
                    Thread.sleep(200);
                }
                List<String> seen = changes.stream().map(c -> c[0] + "->" + c[1]).toList();
                System.out.println("the shop's changes the station received once back: " + seen);
                assertThat(changes).as(again.lines().toString()).isNotEmpty();
                assertThat(changes.get(0)[0]).as("the first missed change leaves up(2): " + seen).isEqualTo(2);
                for (int i = 1; i < changes.size(); i++) {
                    assertThat(changes.get(i)[0]).as("in order: " + seen).isEqualTo(changes.get(i - 1)[1]);
                }
                assertThat(seen).as("stopped, then up again").anyMatch(c -> c.endsWith("->5"));
                assertThat(changes.get(changes.size() - 1)[1]).as(seen.toString()).isEqualTo(2);
                metrics = f.manager.metrics();
                assertThat(metric(metrics, "federa_snmp_notifications_pending" + target)).isZero();
                assertThat(metric(metrics, "federa_snmp_notifications_dropped_total" + target)).isZero();
                assertThat(metric(metrics, "federa_snmp_notifications_sent_total" + target))
                        .isGreaterThanOrEqualTo(sentBefore + changes.size());
            }
        } finally {
            first.close();
        }
    }

    @Test
    void snmptable_of_the_service_and_host_tables_says_what_the_rest_api_says(@TempDir Path dir) throws Exception {
        try (TrapReceiver trapd = trapReceiver(dir, 0);
             Fleet f = new Fleet(dir, HOSTS, Set.of("host-3"), p -> Map.of(), SETTINGS.formatted(trapd.port()), Map.of())) {
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
                // Nothing fenced in this fleet; the cost per hour is the API's figure, to six decimals.
                assertThat(row.get("federaMgrHostFencedVms")).isEqualTo(h.path("fencedVms").asLong() + " VMs");
                assertThat(Double.parseDouble(row.get("federaMgrHostCostPerHour")))
                        .isCloseTo(h.path("costPerHour").asDouble(), org.assertj.core.data.Offset.offset(0.0000005));
            }
            // The hosts that run the shop's VMs cost something; the placement prices are not zero.
            assertThat(hosts.values()).anySatisfy(r -> assertThat(Double.parseDouble(r.get("federaMgrHostCostPerHour"))).isPositive());

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

            // Informs: shop came up (up(2), with the state before it), then host-2's agent is lost
            // and found again ("host-2" = 6.104.111.115.116.45.50).
            String shopUp = trapd.await("OID: .1.3.6.1.4.1.32473.2.0.1\t", ".2.1.2.1.4.4.115.104.111.112 = INTEGER: 2");
            assertThat(shopUp).containsPattern("\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.2\\.1\\.6\\.1\\.0 = INTEGER: [1345]");
            int beforeKill = trapd.lineCount();
            f.killAgent("host-2");
            String lost = trapd.awaitFrom(beforeKill, "OID: .1.3.6.1.4.1.32473.2.0.2\t");
            assertThat(lost).contains(".1.3.6.1.4.1.32473.2.1.3.1.2.6.104.111.115.116.45.50 = STRING: \"host-2\"")
                    .contains(".1.3.6.1.4.1.32473.2.1.3.1.3.6.104.111.115.116.45.50 = INTEGER: 3");
            int beforeStart = trapd.lineCount();
            f.startAgent("host-2");
            String found = trapd.awaitFrom(beforeStart, "OID: .1.3.6.1.4.1.32473.2.0.3\t");
            assertThat(found).contains(".1.3.6.1.4.1.32473.2.1.3.1.3.6.104.111.115.116.45.50 = INTEGER: 2");
        }
    }

    @Test
    void a_finished_migration_and_a_scaling_decision_reach_the_station_with_what_an_operator_acts_on(@TempDir Path dir)
            throws Exception {
        // A fourth host, so that web-1 has somewhere to go (web spreads over hosts, payment avoids web).
        List<String> hosts = List.of("host-1", "host-2", "host-3", "host-4");
        try (TrapReceiver trapd = trapReceiver(dir, 0);
             Fleet f = new Fleet(dir, hosts, Set.of("host-3"), p -> Map.of(), SETTINGS.formatted(trapd.port()), Map.of())) {
            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");

            // federaMgrMigrationFinished (.0.4): id, VM, service, source, destination, phase, reason.
            String moved = f.manager.federa(ManagerProcess.OPERATOR, "migrate", "web-1", "--timeout", "120");
            assertThat(moved).contains("m-1: DONE after");
            JsonNode m1 = f.manager.get("migrations/m-1");
            String source = m1.path("source").asText();
            String destination = m1.path("destination").asText();
            assertThat(destination).isNotEmpty().isNotEqualTo(source);
            String finished = trapd.await("OID: .1.3.6.1.4.1.32473.2.0.4\t", ".1.3.6.1.4.1.32473.2.1.6.2.0 = STRING: \"m-1\"");
            System.out.println("federaMgrMigrationFinished as snmptrapd printed it: " + finished);
            assertThat(finished).contains(".1.3.6.1.4.1.32473.2.1.6.3.0 = STRING: \"web-1\"")
                    .contains(".1.3.6.1.4.1.32473.2.1.6.4.0 = STRING: \"shop\"")
                    .contains(".1.3.6.1.4.1.32473.2.1.6.6.0 = STRING: \"" + source + "\"")
                    .contains(".1.3.6.1.4.1.32473.2.1.6.7.0 = STRING: \"" + destination + "\"")
                    .contains(".1.3.6.1.4.1.32473.2.1.6.8.0 = STRING: \"done\"")
                    .contains(".1.3.6.1.4.1.32473.2.1.6.9.0 = ");

            // federaMgrScalingDecided (.0.6): an alert asks for one more web instance, 2 → 3.
            JsonNode alert = f.manager.call("POST", "alerts", ManagerProcess.OPERATOR, """
                    {"version":"4","status":"firing","receiver":"federa","groupKey":"{}:{}","alerts":[
                      {"status":"firing","labels":{"alertname":"FederaWebHot","service":"shop","application":"web","action":"scale_out"},
                       "annotations":{},"startsAt":"2026-12-06T15:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"a1"}]}
                    """);
            assertThat(alert.path("accepted").asInt()).as(alert.toString()).isEqualTo(1);
            String scaled = trapd.await("OID: .1.3.6.1.4.1.32473.2.0.6\t", ".1.3.6.1.4.1.32473.2.1.6.5.0 = STRING: \"web\"");
            System.out.println("federaMgrScalingDecided as snmptrapd printed it: " + scaled);
            assertThat(scaled).contains(".1.3.6.1.4.1.32473.2.1.6.4.0 = STRING: \"shop\"")
                    .containsPattern("\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.2\\.1\\.6\\.10\\.0 = Gauge32: 2\\b")
                    .containsPattern("\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.2\\.1\\.6\\.11\\.0 = Gauge32: 3\\b")
                    .contains(".1.3.6.1.4.1.32473.2.1.6.9.0 = STRING: \"alert FederaWebHot");
        }
    }

    @Test
    void a_host_cut_off_from_the_manager_that_fenced_is_told_to_the_station_once_it_answers_again(@TempDir Path dir)
            throws Exception {
        // Five hosts, so that payment-1 has somewhere else to run; short leases, as in ControlPlaneEndToEndTest.
        List<String> hosts = List.of("host-1", "host-2", "host-3", "host-4", "host-5");
        String settings = "poll: 500ms\n" + SETTINGS.replace("  lease: 5s\n  grace: 3s\n  leaseMargin: 1s\n",
                "  lease: 3s\n  grace: 1s\n  leaseMargin: 500ms\n");
        Map<String, LinkProxy> links = new java.util.concurrent.ConcurrentHashMap<>();
        try (TrapReceiver trapd = trapReceiver(dir, 0);
             Fleet f = new Fleet(dir, hosts, Set.of("host-3"), p -> Map.of(), settings.formatted(trapd.port()), Map.of(), ports -> {
                 Map<String, Integer> out = new HashMap<>();
                 ports.forEach((h, port) -> {
                     try {
                         LinkProxy l = new LinkProxy(port);
                         links.put(h, l);
                         out.put(h, l.port());
                     } catch (java.io.IOException e) {
                         throw new java.io.UncheckedIOException(e);
                     }
                 });
                 return out;
             })) {
            String shop = Files.readString(AgentProcess.root().resolve("examples/shop.yaml"));
            assertThat(f.manager.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            assertThat(f.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");
            String victim = "";
            for (JsonNode i : f.manager.get("services/shop").path("instances")) {
                if (i.path("name").asText().equals("payment-1")) {
                    victim = i.path("host").asText();
                }
            }
            assertThat(victim).isNotEmpty();
            String host = victim;
            // Cut off from the manager, not from its peers: its lease runs out and it fences payment-1.
            links.get(victim).cut();
            f.manager.await("services/shop", n -> "UP".equals(n.path("state").asText()) && java.util.stream.StreamSupport
                    .stream(n.path("instances").spliterator(), false)
                    .anyMatch(i -> i.path("name").asText().equals("payment-1") && !i.path("host").asText().equals(host)), 60_000);
            int before = trapd.lineCount();
            links.get(victim).restore();
            // "host-N" as an index: its length, then its octets.
            String index = "." + victim.length() + victim.chars().mapToObj(c -> "." + c).reduce("", String::concat);
            String fenced = trapd.awaitFrom(before, "OID: .1.3.6.1.4.1.32473.2.0.7\t");
            System.out.println("federaMgrVmsFenced as snmptrapd printed it: " + fenced);
            assertThat(fenced).contains(".1.3.6.1.4.1.32473.2.1.3.1.2" + index + " = STRING: \"" + victim + "\"")
                    .containsPattern("\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.2\\.1\\.6\\.12\\.0 = Gauge32: [1-9]")
                    .contains(".1.3.6.1.4.1.32473.2.1.6.9.0 = STRING: \"cut_off\"");
        } finally {
            links.values().forEach(LinkProxy::close);
        }
    }
}
