package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Applications probed inside real guests ({@link RealFleet}: two QEMU hypervisors and a peer).
 * Each guest's busybox httpd answers the test guest's health script on port 80, forwarded by its
 * host. The shop comes up dependency by dependency as its probes pass (web is defined only once
 * the database serves); web's probe made to fail makes the shop DOWN with the probe's reason, and
 * the manager restarts web's VM, after which it serves again; api, a second application in web's
 * VMs (the guest's second server, on port 8080), fails on its own: the shop is DOWN for api while
 * web serves, and the VM they share is restarted; web's own load, reported by its probe, scales it
 * out to a second host, with an api instance in the new VM too. monitor, an SNMP agent in db's VM
 * (net-snmp's snmpd in the guest, on its UDP port 161, forwarded), is probed by an SNMP GET: its
 * agent stopped makes the shop DOWN for monitor with the probe's reason, started again UP.
 */
class RealGuestsProbesEndToEndTest {
    private static final String PASSWORD = "real-guests-pw-3";
    private static final String HV1 = "federa-hv1";
    private static final String HV2 = "federa-hv2";
    /** A hypervisor whose guests are on a bridge, in a network namespace of the test's own. */
    private static final String HVB = "federa-hvb1";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String SERVICE = """
            applications:
              - name: db
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                probe: { http: { port: 80, path: /cgi-bin/health }, every: 2s, timeout: 1s, restartAfter: 3, startGrace: 60s }
              - name: web
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                dependsOn: [db]
                probe: { http: { port: 80, path: /cgi-bin/health }, every: 2s, timeout: 1s, restartAfter: 3, startGrace: 60s, loadField: load }
                scaling: { metric: application, scaleOutAbove: 0.75, scaleInBelow: 0.05, for: 4s, min: 1, max: 2, cooldown: 10s, scaleInWindow: 30m }
              - name: api
                runsIn: web
                probe: { http: { port: 8080, path: /cgi-bin/health }, every: 2s, timeout: 1s, restartAfter: 3, startGrace: 60s }
              - name: monitor
                runsIn: db
                probe: { snmp: { oid: 1.3.6.1.2.1.1.3.0 }, every: 2s, timeout: 1s, restartAfter: 0, startGrace: 60s, loadField: 1.3.6.1.4.1.2021.10.1.5.1 }
            services:
              - name: shop
                description: the shop on real guests, probed
                applications: [db, web, api, monitor]
            """;

    @Test
    void probes_order_the_start_restart_a_failing_guest_and_scale_on_the_applications_own_load(@TempDir Path dir) throws Exception {
        try (RealFleet fleet = RealFleet.start(dir, PASSWORD, "console=ttyS0 quiet", HV1, HV2);
             ManagerProcess m = fleet.manager()) {
            assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, SERVICE).path("httpStatus").asInt()).isEqualTo(200);

            // When each instance's probe first passes, seen from the API every 250 ms from the start.
            Map<String, Long> serving = new ConcurrentHashMap<>();
            java.util.Set<String> waits = ConcurrentHashMap.newKeySet();
            AtomicBoolean watching = new AtomicBoolean(true);
            long asked = System.nanoTime();
            Thread watcher = new Thread(() -> {
                while (watching.get()) {
                    try {
                        JsonNode now = m.get("services/shop");
                        now.path("waiting").forEach(w -> waits.add(w.asText()));
                        for (JsonNode i : now.path("instances")) {
                            if ("SERVING".equals(i.path("probe").path("state").asText())) {
                                serving.putIfAbsent(i.path("application").asText() + "/" + i.path("name").asText(),
                                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));
                            }
                        }
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // The next look tells.
                    }
                }
            }, "probe-watcher");
            watcher.setDaemon(true);
            watcher.start();
            String started;
            try {
                started = m.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "300");
            } finally {
                watching.set(false);
                watcher.join(5_000);
            }
            assertThat(started).contains("shop: UP after");
            JsonNode shop = m.get("services/shop");
            assertThat(shop.path("instances")).allSatisfy(i -> assertThat(i.path("probe").path("state").asText()).isEqualTo("SERVING"));
            assertThat(serving).as("%s", shop).containsKeys("db/db-1", "web/web-1", "api/web-1", "monitor/db-1");
            // web waited for the database to serve, not merely to run.
            assertThat(waits).contains("web waits for db: 0 of 1 needed instances serving (by its probe)");
            assertThat(serving.get("web/web-1")).isGreaterThan(serving.get("db/db-1"));
            System.out.printf("real guests, probes: federa start to probe answering: db-1 %d ms, web-1 %d ms, api in web-1 %d ms,"
                    + " monitor (SNMP) in db-1 %d ms%n", serving.get("db/db-1"), serving.get("web/web-1"), serving.get("api/web-1"),
                    serving.get("monitor/db-1"));

            // The guest's SNMP agent, probed over its forwarded UDP port, with its load average as the load.
            String dbHost = hostOf(shop, "db-1");
            assertThat(fleet.vmAttribute(dbHost, "db-1", "Endpoints")).containsPattern("(^|,)161/udp=127\\.0\\.0\\.1:[0-9]+(,|$)");
            assertThat(instanceOf(shop, "monitor", "db-1").path("probe").path("loadRatio").isNumber()).as("%s", shop).isTrue();
            String db = endpoint(fleet, dbHost, "db-1", 80);
            assertThat(guest(db, "/cgi-bin/snmpd-stop").statusCode()).isEqualTo(200);
            long snmpStopped = System.nanoTime();
            JsonNode noSnmp = m.await("services/shop", n -> "DOWN".equals(n.path("state").asText()), 60_000);
            assertThat(noSnmp.path("reasons").toString()).contains("monitor: 0 of 1 instances running")
                    .contains("db-1 on " + dbHost + ": SNMP :161/udp GET 1.3.6.1.2.1.1.3.0 failing: no answer within 1000 ms")
                    .doesNotContain("db: 0 of 1");
            assertThat(probeOf(noSnmp, "db", "db-1")).isEqualTo("SERVING");
            long snmpDownAt = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - snmpStopped);
            assertThat(guest(db, "/cgi-bin/snmpd-start").statusCode()).isEqualTo(200);
            m.await("services/shop", n -> "UP".equals(n.path("state").asText()), 60_000);
            System.out.printf("real guests, probes: the guest's snmpd stopped: shop DOWN for monitor after %d ms, UP again"
                    + " %d ms after it started%n", snmpDownAt, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - snmpStopped) - snmpDownAt);

            // web's guest told to fail: the shop is DOWN with the probe's reason, then web's VM is restarted.
            String webHost = hostOf(shop, "web-1");
            String address = endpoint(fleet, webHost, "web-1", 80);
            long pidBefore = RealHypervisors.qemuPid(webHost, "web-1").orElseThrow();
            assertThat(guest(address, "/cgi-bin/break").statusCode()).isEqualTo(200);
            long broken = System.nanoTime();
            JsonNode down = m.await("services/shop", n -> "DOWN".equals(n.path("state").asText()), 60_000);
            assertThat(down.path("reasons").toString()).contains("web-1 on " + webHost + ": GET :80/cgi-bin/health failing: HTTP 503");
            long downAt = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - broken);
            JsonNode back = m.await("services/shop", n -> "UP".equals(n.path("state").asText()), 300_000);
            long upAt = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - broken);
            OptionalLong pidAfter = RealHypervisors.qemuPid(webHost, "web-1");
            assertThat(pidAfter).as("web-1 runs again on %s: %s", webHost, back).isPresent();
            assertThat(pidAfter.getAsLong()).as("a new QEMU process: the VM was restarted").isNotEqualTo(pidBefore);
            assertThat(m.get("events?since=1h&limit=1000").toString()).contains("restart web: GET :80/cgi-bin/health failing: HTTP 503");
            System.out.printf("real guests, probes: web-1 told to fail: shop DOWN after %d ms, restarted and UP again after %d ms%n",
                    downAt, upAt);

            // api, beside web in web-1, told to fail: DOWN for api alone, web serving; the VM they share restarted.
            String api = endpoint(fleet, webHost, "web-1", 8080);
            long pidShared = RealHypervisors.qemuPid(webHost, "web-1").orElseThrow();
            assertThat(guest(api, "/cgi-bin/break").statusCode()).isEqualTo(200);
            long apiBroken = System.nanoTime();
            JsonNode apiDown = m.await("services/shop", n -> "DOWN".equals(n.path("state").asText()), 60_000);
            assertThat(apiDown.path("reasons").toString()).contains("api: 0 of 1 instances running")
                    .contains("web-1 on " + webHost + ": GET :8080/cgi-bin/health failing: HTTP 503").doesNotContain("web: 0 of 1");
            assertThat(probeOf(apiDown, "web", "web-1")).isEqualTo("SERVING");
            m.await("services/shop", n -> "UP".equals(n.path("state").asText()), 300_000);
            assertThat(RealHypervisors.qemuPid(webHost, "web-1").orElseThrow()).as("web-1 restarted for api").isNotEqualTo(pidShared);
            assertThat(m.get("events?since=1h&limit=1000").toString()).contains("restart api: GET :8080/cgi-bin/health failing: HTTP 503");
            System.out.printf("real guests, probes: api told to fail in web-1: shop DOWN for api, restarted and UP again after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - apiBroken));

            // web reports a load of 0.9 through its probe: a second instance, on the other host (replicas spread).
            address = endpoint(fleet, webHost, "web-1", 80);
            assertThat(guest(address, "/cgi-bin/load?0.9").statusCode()).isEqualTo(200);
            long loaded = System.nanoTime();
            JsonNode two = m.await("services/shop", n -> "UP".equals(n.path("state").asText())
                    && StreamSupport.stream(n.path("instances").spliterator(), false)
                    .filter(i -> "SERVING".equals(i.path("probe").path("state").asText())).count() == 6, 300_000);
            // The database and monitor in its VM, two web instances and, in their VMs, two of api.
            assertThat(probeOf(two, "api", "web-2")).isEqualTo("SERVING");
            assertThat(hostOf(two, "web-2")).isNotEqualTo(webHost);
            assertThat(m.get("events?kind=scaling.&since=1h&limit=1000").toString()).contains("web 1 → 2 instances");
            System.out.printf("real guests, probes: load 0.9 reported by web-1's probe: web-2 serving on %s after %d ms%n",
                    hostOf(two, "web-2"), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loaded));
        }
    }

    /**
     * The whole chain on a bridge: no port is forwarded; the agent reports the address the guest
     * took by DHCP, the manager (in the fleet's namespace) probes it there, and a failing probe
     * there restarts the guest.
     */
    @Test
    void a_guest_on_a_bridge_is_probed_at_the_address_it_took_by_dhcp(@TempDir Path dir) throws Exception {
        String service = """
                applications:
                  - name: web
                    runtime: qemu
                    resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                    probe: { http: { port: 80, path: /cgi-bin/health }, every: 2s, timeout: 1s, restartAfter: 3, startGrace: 60s }
                services:
                  - name: shop
                    description: one web server on a bridge
                    applications: [web]
                """;
        try (RealFleet fleet = RealFleet.startOnBridge(dir, PASSWORD, "console=ttyS0 quiet", HVB);
             ManagerProcess m = fleet.manager()) {
            String netns = fleet.netns().orElseThrow();
            assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, service).path("httpStatus").asInt()).isEqualTo(200);
            long asked = System.nanoTime();
            assertThat(m.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "300")).contains("shop: UP after");
            long upMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
            JsonNode shop = m.get("services/shop");
            assertThat(probeOf(shop, "web", "web-1")).isEqualTo("SERVING");
            assertThat(hostOf(shop, "web-1")).isEqualTo(HVB);
            // Not a forward from the host's loopback: the guest's own address on the bridge, its own port.
            String address = endpoint(fleet, HVB, "web-1", 80);
            assertThat(address).matches("10\\.77\\.0\\.[0-9]+:80");
            assertThat(fleet.hypervisors.leases()).contains(" " + address.substring(0, address.indexOf(':')) + " ");
            assertThat(m.get("vms").toString()).contains(address);
            System.out.printf("real guests on a bridge, probes: federa start to shop UP (web-1's probe at %s): %d ms%n", address, upMs);

            long pidBefore = RealHypervisors.qemuPid(HVB, "web-1").orElseThrow();
            assertThat(guestIn(netns, address, "/cgi-bin/break").statusCode()).isEqualTo(200);
            long broken = System.nanoTime();
            JsonNode down = m.await("services/shop", n -> "DOWN".equals(n.path("state").asText()), 60_000);
            assertThat(down.path("reasons").toString()).contains("web-1 on " + HVB + ": GET :80/cgi-bin/health failing: HTTP 503");
            long downAt = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - broken);
            JsonNode back = m.await("services/shop", n -> "UP".equals(n.path("state").asText()), 300_000);
            assertThat(back.path("state").asText()).as("%s", back).isEqualTo("UP");
            assertThat(RealHypervisors.qemuPid(HVB, "web-1").orElseThrow()).as("a new QEMU process: the VM was restarted")
                    .isNotEqualTo(pidBefore);
            String again = endpoint(fleet, HVB, "web-1", 80);
            assertThat(guestIn(netns, again, "/cgi-bin/health").statusCode()).isEqualTo(200);
            System.out.printf("real guests on a bridge, probes: web-1 told to fail: shop DOWN after %d ms, restarted and UP again"
                    + " after %d ms, at %s%n", downAt, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - broken), again);
        }
    }

    /** A GET of a guest's {@code address} (an address and port of the namespace {@code netns}). */
    private static HttpResponse<String> guestIn(String netns, String address, String path) throws Exception {
        int colon = address.lastIndexOf(':');
        try (NetnsPort port = NetnsPort.open(netns, address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))) {
            return guest("127.0.0.1:" + port.port(), path);
        }
    }

    private static String hostOf(JsonNode service, String instance) {
        for (JsonNode i : service.path("instances")) {
            if (i.path("name").asText().equals(instance)) {
                return i.path("host").asText();
            }
        }
        throw new AssertionError(instance + " is not an instance of " + service);
    }

    /** What the probe of {@code application}'s instance in {@code vm} last found, as the API shows it. */
    private static String probeOf(JsonNode service, String application, String vm) {
        return instanceOf(service, application, vm).path("probe").path("state").asText();
    }

    private static JsonNode instanceOf(JsonNode service, String application, String vm) {
        for (JsonNode i : service.path("instances")) {
            if (i.path("name").asText().equals(vm) && i.path("application").asText().equals(application)) {
                return i;
            }
        }
        throw new AssertionError(application + " has no instance in " + vm + ": " + service);
    }

    /** Where the guest's {@code port} is reached (forwarded by its host, or at its own address), as its agent reports it over Jolokia. */
    private static String endpoint(RealFleet fleet, String host, String vm, int port) throws Exception {
        String endpoints = fleet.vmAttribute(host, vm, "Endpoints");
        for (String e : endpoints.split(",")) {
            if (e.startsWith(port + "=")) {
                return e.substring((port + "=").length());
            }
        }
        throw new AssertionError(vm + " on " + host + " forwards no port " + port + ": " + endpoints);
    }

    private static HttpResponse<String> guest(String address, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
