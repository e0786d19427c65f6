package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent, unchanged in its contract, driving real guests: two independent QEMU hypervisors
 * (libvirt session daemons of two Unix users, software emulation), each with its own agent
 * process, each agent driven as the manager drives it (execute with operation ids and epochs,
 * under a signed lease). The guests are the test guest of scripts/real-hypervisors.sh: a Debian
 * kernel and a busybox init that spins when its disk says FEDERA-BUSY and idles otherwise, and
 * serves HTTP on port 80 when it has a network card (a VM whose spec names ports).
 */
class RealGuestsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "real-guests-pw-1";
    private static final String HV1 = "federa-hv1";
    private static final String HV2 = "federa-hv2";
    /** The hypervisor whose guests are on a bridge, in a network namespace of the test's own. */
    private static final String HVB = "federa-hvb1";
    private static final long LEASE_MS = 3_000;
    /** Guests boot under software emulation on a machine shared with other builds: generous, never tight. */
    private static final Duration BOOT = Duration.ofMinutes(3);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static String config(String user, Path home) throws Exception {
        return RealHypervisors.agentConfig(user, home, 0, PASSWORD, "console=ttyS0 quiet", 20);
    }

    private JsonNode post(String url, JsonNode body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(90))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString(("federa:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode exec(String url, String mbean, String operation, Object... args) throws Exception {
        ObjectNode n = JSON.createObjectNode().put("type", "exec").put("mbean", mbean).put("operation", operation);
        ArrayNode a = n.putArray("arguments");
        for (Object o : args) {
            a.addPOJO(o);
        }
        return post(url, n);
    }

    private JsonNode execute(String url, String command) throws Exception {
        JsonNode r = exec(url, "federa:type=Agent", "execute", command);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        return JSON.readTree(r.path("value").asText());
    }

    private JsonNode read(String url, String mbean) throws Exception {
        JsonNode r = post(url, JSON.createObjectNode().put("type", "read").put("mbean", mbean));
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        return r.path("value");
    }

    /** The names of the VMs an agent shows (a pattern read of none answers 404: none). */
    private java.util.Set<String> vmNames(String url) throws Exception {
        JsonNode r = post(url, JSON.createObjectNode().put("type", "read").put("mbean", "federa:type=VirtualMachine,*"));
        java.util.Set<String> names = new java.util.TreeSet<>();
        if (r.path("status").asInt() == 404) {
            return names;
        }
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        r.path("value").forEach(v -> names.add(v.path("Name").asText()));
        return names;
    }

    private JsonNode vm(String url, String name) throws Exception {
        return read(url, "federa:type=VirtualMachine,name=" + name);
    }

    private static String define(String id, String vm, long epoch) {
        return define(id, vm, epoch, "");
    }

    /** A define command whose spec has {@code more} fields (e.g. {@code ,"ports":[80]}). */
    private static String define(String id, String vm, long epoch, String more) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"define\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch
                + ",\"spec\":{\"name\":\"" + vm + "\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":128,\"diskGiB\":1" + more + "}}";
    }

    /** A plain GET; null when nothing answers yet (the guest's port is forwarded before its httpd listens). */
    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String show(HttpResponse<String> r) {
        return r == null ? "no answer" : r.statusCode() + " " + r.body().strip();
    }

    private static String command(String id, String action, String vm, long epoch) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"" + action + "\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch + "}";
    }

    private ScheduledFuture<?> renewEvery500ms(ScheduledExecutorService timer, String url, String host) throws Exception {
        Map<String, String> fleet = new LinkedHashMap<>();
        fleet.put(HV1, "http://127.0.0.1:" + AgentProcess.freePort() + "/lease/v1/latest");
        fleet.put(HV2, "http://127.0.0.1:" + AgentProcess.freePort() + "/lease/v1/latest");
        fleet.putIfAbsent(host, "http://127.0.0.1:" + AgentProcess.freePort() + "/lease/v1/latest");
        JsonNode first = exec(url, "federa:type=Agent", "renewLease", DemoLeases.statement("manager-1", LEASE_MS, fleet), host);
        assertThat(first.path("status").asInt()).as(first.toString()).isEqualTo(200);
        return timer.scheduleAtFixedRate(() -> {
            try {
                exec(url, "federa:type=Agent", "renewLease", DemoLeases.statement("manager-1", LEASE_MS, fleet), host);
            } catch (Exception e) {
                // A renewal that fails is a renewal missed: the lease then runs out, as it should.
            }
        }, 500, 500, TimeUnit.MILLISECONDS);
    }

    /** Polls {@code what} until {@code ok}; fails naming what was last seen. */
    private static <T> T await(String what, Duration within, CheckedSupplier<T> read, Predicate<T> ok) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        T last = read.get();
        while (!ok.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not reached within " + within.toSeconds() + " s; last seen " + last);
            }
            Thread.sleep(200);
            last = read.get();
        }
        return last;
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor()).isZero();
    }

    private interface CheckedSupplier<T> {
        T get() throws Exception;
    }

    /** The agent process's CPU time (ns) and its sample sequence, read together. */
    private long[] cost(AgentProcess agent, String url) throws Exception {
        long cpu = agent.process.info().totalCpuDuration().orElseThrow().toNanos();
        return new long[]{cpu, read(url, "federa:type=Host").path("SampleSequence").asLong()};
    }

    private static String console(Path home, String uuid) throws Exception {
        Path log = home.resolve("data/vms").resolve(uuid).resolve("console.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    @Test
    void a_guest_on_a_bridge_is_reached_at_the_address_it_took_by_dhcp_and_its_traffic_is_counted() throws Exception {
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
        try (RealHypervisors hypervisors = RealHypervisors.upOnBridge(HVB)) {
            String netns = hypervisors.netns().orElseThrow();
            Path home = hypervisors.agentHome(HVB);
            Path config = RealHypervisors.write(HVB, home.resolve("agent.yaml"), config(HVB, home)
                    .replace("libvirt:\n", "libvirt:\n  bridge: " + RealHypervisors.BRIDGE + "\n"));
            try (AgentProcess agent = AgentProcess.startAs(HVB, home.resolve("mr-agent.jar"), config, java.util.Optional.of(netns));
                 NetnsPort jolokia = NetnsPort.open(netns, "127.0.0.1", URI.create(agent.awaitJolokiaUrl(Duration.ofSeconds(120))).getPort())) {
                String url = jolokia.here(agent.awaitJolokiaUrl(Duration.ofSeconds(1)));
                ScheduledFuture<?> lease = renewEvery500ms(timer, url, HVB);

                execute(url, define("d-web", "web-1", 1, ",\"ports\":[80]"));
                execute(url, define("d-idle", "idle-1", 1, ",\"ports\":[80]"));
                // Defined, not running: no address yet, so nowhere to reach it.
                assertThat(vm(url, "web-1").path("Endpoints").asText()).isEmpty();
                long t0 = System.nanoTime();
                assertThat(execute(url, command("s-web", "start", "web-1", 1)).path("outcome").asText()).isEqualTo("done");
                assertThat(execute(url, command("s-idle", "start", "idle-1", 1)).path("outcome").asText()).isEqualTo("done");

                // The agent reports the guest's own address and port: the one dnsmasq leased it.
                String endpoints = await("web-1's endpoint at an address of the bridge", BOOT,
                        () -> vm(url, "web-1").path("Endpoints").asText(), e -> e.matches("80=10\\.77\\.0\\.[0-9]+:80"));
                long addressedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                String address = endpoints.substring("80=".length(), endpoints.lastIndexOf(':'));
                String idle = await("idle-1's endpoint", BOOT, () -> vm(url, "idle-1").path("Endpoints").asText(),
                        e -> e.matches("80=10\\.77\\.0\\.[0-9]+:80"));
                assertThat(idle).isNotEqualTo(endpoints);
                assertThat(hypervisors.leases()).as("dnsmasq's leases").containsPattern("(?m)^\\d+ \\S+ " + java.util.regex.Pattern.quote(address) + " ");
                assertThat(agent.output()).contains("web-1 is at " + address);

                try (NetnsPort guest = NetnsPort.open(netns, address, 80)) {
                    String base = "http://127.0.0.1:" + guest.port();
                    HttpResponse<String> health = await("web-1's health answering 200 at " + address, Duration.ofSeconds(60),
                            () -> get(base + "/cgi-bin/health"), r -> r != null && r.statusCode() == 200);
                    assertThat(health.body().strip()).isEqualTo("{\"load\": 0}");
                    System.out.printf("real guests on a bridge: web-1 at %s %d ms after its start; health answered %d ms after it%n",
                            address, addressedMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

                    // Traffic to web-1 alone: libvirt counts it on web-1's tap, and idle-1's counters stay near still.
                    JsonNode webBefore = vm(url, "web-1").path("Network");
                    JsonNode idleBefore = vm(url, "idle-1").path("Network");
                    int requests = 200;
                    long bodyBytes = 0;
                    for (int i = 0; i < requests; i++) {
                        HttpResponse<String> r = get(base + "/cgi-bin/health");
                        assertThat(r).as("request %d", i).isNotNull();
                        bodyBytes += r.body().getBytes(StandardCharsets.UTF_8).length;
                    }
                    long sent = bodyBytes;
                    // The counters are sampled each second: wait for a sample that has them all.
                    JsonNode webAfter = await("web-1's counters to show the " + requests + " answers", Duration.ofSeconds(30),
                            () -> vm(url, "web-1").path("Network"),
                            n -> n.path("transmittedPackets").asLong() - webBefore.path("transmittedPackets").asLong() >= requests);
                    JsonNode idleAfter = vm(url, "idle-1").path("Network");
                    long webTx = webAfter.path("transmittedBytes").asLong() - webBefore.path("transmittedBytes").asLong();
                    long webRx = webAfter.path("receivedBytes").asLong() - webBefore.path("receivedBytes").asLong();
                    long idleBytes = idleAfter.path("transmittedBytes").asLong() - idleBefore.path("transmittedBytes").asLong()
                            + idleAfter.path("receivedBytes").asLong() - idleBefore.path("receivedBytes").asLong();
                    System.out.printf("real guests on a bridge: %d requests, %d body bytes; web-1 sent %d B and received %d B, "
                            + "idle-1 %d B in all%n", requests, sent, webTx, webRx, idleBytes);
                    assertThat(webBefore.path("transmittedBytes").asLong()).isNotNegative();
                    assertThat(webTx).as("bytes web-1 sent").isGreaterThanOrEqualTo(sent);
                    assertThat(webRx).as("bytes web-1 received (the requests)").isGreaterThanOrEqualTo(requests * 40L);
                    assertThat(idleBytes).as("bytes idle-1 sent and received meanwhile").isLessThan(webTx / 10);

                    // And the other way: bodies sent to web-1 count as received by it, not as sent.
                    int posts = 20;
                    byte[] upload = new byte[32 * 1024];
                    for (int i = 0; i < posts; i++) {
                        try {
                            http.send(HttpRequest.newBuilder(URI.create(base + "/cgi-bin/health")).timeout(Duration.ofSeconds(10))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.discarding());
                        } catch (java.io.IOException e) {
                            // httpd may answer and close before it reads the whole body; the bytes reached the guest.
                        }
                    }
                    long uploaded = (long) posts * upload.length;
                    JsonNode webLast = await("web-1's counters to show the " + uploaded + " bytes sent to it", Duration.ofSeconds(30),
                            () -> vm(url, "web-1").path("Network"),
                            n -> n.path("receivedBytes").asLong() - webAfter.path("receivedBytes").asLong() >= uploaded);
                    long upRx = webLast.path("receivedBytes").asLong() - webAfter.path("receivedBytes").asLong();
                    long upTx = webLast.path("transmittedBytes").asLong() - webAfter.path("transmittedBytes").asLong();
                    System.out.printf("real guests on a bridge: %d bytes posted to web-1; it received %d B and sent %d B%n",
                            uploaded, upRx, upTx);
                    assertThat(upTx).as("bytes web-1 sent while receiving %d", upRx).isLessThan(upRx / 4);
                }
                lease.cancel(false);
            }
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void a_guest_port_named_in_the_spec_is_forwarded_from_loopback_and_reported_as_the_vm_endpoint() throws Exception {
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
        try (RealHypervisors hypervisors = RealHypervisors.up(HV1)) {
            Path home = hypervisors.agentHome(HV1);
            Path config = RealHypervisors.write(HV1, home.resolve("agent.yaml"), config(HV1, home));
            String endpoints;
            try (AgentProcess agent = AgentProcess.startAs(HV1, home.resolve("mr-agent.jar"), config)) {
                String url = agent.awaitJolokiaUrl(Duration.ofSeconds(120));
                ScheduledFuture<?> lease = renewEvery500ms(timer, url, HV1);

                // Defined as the manager defines: the spec names guest port 80.
                String uuid = execute(url, define("d-web", "web-1", 1, ",\"ports\":[80]")).path("uuid").asText();
                execute(url, define("d-plain", "plain-1", 1));
                endpoints = vm(url, "web-1").path("Endpoints").asText();
                assertThat(endpoints).matches("80=127\\.0\\.0\\.1:[0-9]+");
                assertThat(vm(url, "plain-1").path("Endpoints").asText()).isEmpty();
                String base = "http://" + endpoints.substring("80=".length());

                long t0 = System.nanoTime();
                assertThat(execute(url, command("s-web", "start", "web-1", 1)).path("outcome").asText()).isEqualTo("done");
                HttpResponse<String> health = await("web-1's health answering 200 through " + endpoints,
                        Duration.ofSeconds(60), () -> get(base + "/cgi-bin/health"), r -> r != null && r.statusCode() == 200);
                System.out.printf("real guests: health answered through the forwarded port %d ms after the start%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                assertThat(health.body().strip()).isEqualTo("{\"load\": 0}");
                assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(console(home, uuid)).contains("federa-guest: httpd up").contains("federa-guest: idle");

                // The guest fails when told to, and mends; its load is what it was told.
                assertThat(show(get(base + "/cgi-bin/break"))).startsWith("200 ");
                assertThat(show(get(base + "/cgi-bin/health"))).startsWith("503 ").contains("told to fail");
                assertThat(show(get(base + "/cgi-bin/mend"))).startsWith("200 ");
                assertThat(show(get(base + "/cgi-bin/health"))).isEqualTo("200 {\"load\": 0}");
                assertThat(show(get(base + "/cgi-bin/load?0.75"))).startsWith("200 ");
                assertThat(show(get(base + "/cgi-bin/health"))).isEqualTo("200 {\"load\": 0.75}");
                assertThat(show(get(base + "/cgi-bin/load?1.5"))).startsWith("400 ");
                assertThat(show(get(base + "/cgi-bin/health"))).isEqualTo("200 {\"load\": 0.75}");
                assertThat(vm(url, "web-1").path("Endpoints").asText()).isEqualTo(endpoints);
                lease.cancel(false);
            }
            // The forward is kept in the domain's definition: an agent started afresh reports it again.
            try (AgentProcess again = AgentProcess.startAs(HV1, home.resolve("mr-agent.jar"), config)) {
                String url = again.awaitJolokiaUrl(Duration.ofSeconds(120));
                assertThat(vm(url, "web-1").path("Endpoints").asText()).isEqualTo(endpoints);

                // Another program took the host port meanwhile: the start picks a free one, and the
                // guest answers there.
                ScheduledFuture<?> lease = renewEvery500ms(timer, url, HV1);
                await("web-1 powered off once the first agent's lease ran out", Duration.ofSeconds(60),
                        () -> vm(url, "web-1").path("State").asText(), st -> st.equals("SHUT_OFF"));
                int taken = Integer.parseInt(endpoints.substring(endpoints.lastIndexOf(':') + 1));
                try (java.net.ServerSocket squatter = new java.net.ServerSocket(taken, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                    assertThat(execute(url, command("s-web-2", "start", "web-1", 2)).path("outcome").asText()).isEqualTo("done");
                    String moved = vm(url, "web-1").path("Endpoints").asText();
                    assertThat(moved).matches("80=127\\.0\\.0\\.1:[0-9]+").isNotEqualTo(endpoints);
                    HttpResponse<String> health = await("web-1's health answering 200 through " + moved, Duration.ofSeconds(60),
                            () -> get("http://" + moved.substring("80=".length()) + "/cgi-bin/health"),
                            r -> r != null && r.statusCode() == 200);
                    assertThat(health.body().strip()).isEqualTo("{\"load\": 0}");
                    assertThat(squatter.getLocalPort()).isEqualTo(taken);
                    System.out.printf("real guests: host port %d taken by another program: web-1 started, forwarded from %s%n",
                            taken, moved);
                } finally {
                    lease.cancel(false);
                }
            }
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void two_real_hypervisors_each_driven_by_its_own_agent_run_sample_and_fence_real_guests() throws Exception {
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        try (RealHypervisors hypervisors = RealHypervisors.up(HV1, HV2)) {
            Path home1 = hypervisors.agentHome(HV1);
            Path home2 = hypervisors.agentHome(HV2);
            Path config1 = RealHypervisors.write(HV1, home1.resolve("agent.yaml"), config(HV1, home1));
            Path config2 = RealHypervisors.write(HV2, home2.resolve("agent.yaml"), config(HV2, home2));
            try (AgentProcess a1 = AgentProcess.startAs(HV1, home1.resolve("mr-agent.jar"), config1);
                 AgentProcess a2 = AgentProcess.startAs(HV2, home2.resolve("mr-agent.jar"), config2)) {
                String url1 = a1.awaitJolokiaUrl(Duration.ofSeconds(120));
                String url2 = a2.awaitJolokiaUrl(Duration.ofSeconds(120));

                // Two hypervisors, each its own: QEMU, reached through its user's session socket.
                JsonNode h1 = read(url1, "federa:type=Host");
                JsonNode h2 = read(url2, "federa:type=Host");
                assertThat(h1.path("HypervisorType").asText()).isEqualTo("QEMU");
                assertThat(h2.path("HypervisorType").asText()).isEqualTo("QEMU");
                assertThat(h1.path("HypervisorUri").asText()).isEqualTo(RealHypervisors.uri(HV1));
                assertThat(h2.path("HypervisorUri").asText()).isEqualTo(RealHypervisors.uri(HV2));

                // Each agent's lease supervisor answers, and says so to Prometheus.
                String metricsUrl1 = a1.awaitMetricsUrl(Duration.ofSeconds(10));
                await("hv1's lease supervisor answering", Duration.ofSeconds(60), () -> http.send(HttpRequest.newBuilder(
                        URI.create(metricsUrl1)).build(), HttpResponse.BodyHandlers.ofString()).body(),
                        m -> m.contains("mr_agent_lease_supervisor_up{host=\"" + HV1 + "\"} 1.0"));

                ScheduledFuture<?> lease1 = renewEvery500ms(timer, url1, HV1);
                ScheduledFuture<?> lease2 = renewEvery500ms(timer, url2, HV2);

                // Define: a VM spec becomes a QEMU domain booting the test guest; one busy, one idle.
                String busyUuid = execute(url1, define("d-busy", "busy-1", 1)).path("uuid").asText();
                String idleUuid = execute(url2, define("d-idle", "idle-1", 1)).path("uuid").asText();
                assertThat(vmNames(url1)).containsExactly("busy-1");
                assertThat(vmNames(url2)).containsExactly("idle-1");
                Path busyDisk = home1.resolve("data/vms").resolve(busyUuid).resolve("disk0.raw");
                Files.write(busyDisk, "FEDERA-BUSY".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);

                long t0 = System.nanoTime();
                assertThat(execute(url1, command("s-busy", "start", "busy-1", 1)).path("outcome").asText()).isEqualTo("done");
                long started1 = System.nanoTime();
                assertThat(execute(url2, command("s-idle", "start", "idle-1", 1)).path("outcome").asText()).isEqualTo("done");
                assertThat(vm(url1, "busy-1").path("State").asText()).isEqualTo("RUNNING");
                assertThat(vm(url2, "idle-1").path("State").asText()).isEqualTo("RUNNING");
                // A retried start is answered from the first attempt.
                assertThat(execute(url1, command("s-busy", "start", "busy-1", 1)).path("replayed").asBoolean()).isTrue();

                await("busy-1 printing its init on its console", BOOT, () -> console(home1, busyUuid),
                        c -> c.contains("federa-guest: init up"));
                long booted1 = System.nanoTime();
                RealHypervisors.favour(RealHypervisors.qemuPid(HV1, "busy-1").orElseThrow());
                await("busy-1 spinning", BOOT, () -> console(home1, busyUuid), c -> c.contains("federa-guest: busy"));
                await("idle-1 idling", BOOT, () -> console(home2, idleUuid), c -> c.contains("federa-guest: idle"));
                System.out.printf("real guests: start answered in %d ms; define+start to init printing %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(started1 - t0), TimeUnit.NANOSECONDS.toMillis(booted1 - t0));

                // Real sampling: CPU time and load, memory, disk counters from libvirt. The console
                // can be ahead of the agent's last sample by up to a second, and booting alone keeps
                // a vCPU busy: the sample awaited is one taken after the guest read its disk.
                JsonNode busy = await("busy-1 using its vCPU after reading its disk", Duration.ofSeconds(60),
                        () -> vm(url1, "busy-1"), v -> v.path("CpuLoadRatio").asDouble() > 0.9
                                && v.path("Disk").path("readBytes").asLong() > 64 * 1024);
                JsonNode idle = await("idle-1 resting after reading its disk", Duration.ofSeconds(60),
                        () -> vm(url2, "idle-1"), v -> v.path("CpuLoadRatio").asDouble() < 0.1
                                && v.path("Disk").path("readBytes").asLong() > 64 * 1024);
                assertThat(busy.path("CpuTimeNanoseconds").asLong()).isPositive();
                assertThat(idle.path("CpuTimeNanoseconds").asLong()).isPositive();
                assertThat(busy.path("MemoryBytes").asLong()).isEqualTo(128L << 20);
                assertThat(busy.path("Vcpus").asInt()).isEqualTo(1);
                assertThat(busy.path("LoadSimulated").asBoolean()).isFalse();
                System.out.printf("real guests: busy load %.3f, idle load %.3f%n", busy.path("CpuLoadRatio").asDouble(),
                        idle.path("CpuLoadRatio").asDouble());

                // What a sample costs the agent with real guests, beside an agent on the test driver
                // (the demo's host-1: three VMs, two running), over the same window. The figure
                // includes the agent's other work in that window (lease renewals, its watchdog).
                Path testDriverDir = Files.createTempDirectory("federa-test-driver");
                Path testDriverConfig = AgentProcess.demoConfig("host-1", testDriverDir, 0);
                Files.writeString(testDriverConfig, Files.readString(testDriverConfig).replace("demo-password-1", PASSWORD));
                try (AgentProcess t = AgentProcess.start(testDriverConfig)) {
                    String turl = t.awaitJolokiaUrl(Duration.ofSeconds(120));
                    ScheduledFuture<?> tlease = renewEvery500ms(timer, turl, "host-1");
                    Thread.sleep(5_000);
                    long[] r0 = cost(a1, url1);
                    long[] t0c = cost(t, turl);
                    Thread.sleep(20_000);
                    long[] r1 = cost(a1, url1);
                    long[] t1c = cost(t, turl);
                    tlease.cancel(false);
                    assertThat(r1[1]).isGreaterThan(r0[1]);
                    assertThat(t1c[1]).isGreaterThan(t0c[1]);
                    System.out.printf("real guests: agent CPU per sample %.2f ms on QEMU (%d samples), %.2f ms on the test driver (%d samples)%n",
                            (r1[0] - r0[0]) / 1e6 / (r1[1] - r0[1]), r1[1] - r0[1],
                            (t1c[0] - t0c[0]) / 1e6 / (t1c[1] - t0c[1]), t1c[1] - t0c[1]);
                    System.out.printf("real guests: last sample took %.2f ms on QEMU, %.2f ms on the test driver%n",
                            read(url1, "federa:type=Host").path("SampleDurationSeconds").asDouble() * 1e3,
                            read(turl, "federa:type=Host").path("SampleDurationSeconds").asDouble() * 1e3);
                } finally {
                    try (java.util.stream.Stream<Path> w = Files.walk(testDriverDir)) {
                        for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                }

                // The simulated load stays refused on a real hypervisor.
                JsonNode simulated = exec(url1, "federa:type=VirtualMachine,name=busy-1", "simulateLoad", 0.5);
                assertThat(simulated.path("status").asInt()).isNotEqualTo(200);
                assertThat(simulated.path("error").asText()).contains("only accepted on libvirt's test driver");

                // A QEMU process killed behind the agent's back shows as the VM's state change.
                long idlePid = RealHypervisors.qemuPid(HV2, "idle-1").orElseThrow();
                assertThat(new ProcessBuilder("kill", "-9", Long.toString(idlePid)).start().waitFor()).isZero();
                long killed = System.nanoTime();
                await("idle-1 seen off after its QEMU was killed", Duration.ofSeconds(30),
                        () -> vm(url2, "idle-1").path("State").asText(), s -> !s.equals("RUNNING"));
                System.out.printf("real guests: a killed QEMU seen off after %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));

                // A clean shutdown: the guest's power button, and the guest powers itself off.
                assertThat(execute(url1, command("x-busy", "shutdown", "busy-1", 1)).path("outcome").asText()).isEqualTo("done");
                assertThat(vm(url1, "busy-1").path("State").asText()).isEqualTo("SHUT_OFF");
                assertThat(console(home1, busyUuid)).contains("federa-guest: powering off");
                assertThat(RealHypervisors.qemuPid(HV1, "busy-1")).isEmpty();

                // Destroy, then undefine; a stale epoch is refused.
                execute(url1, command("s-busy-2", "start", "busy-1", 2));
                assertThat(vm(url1, "busy-1").path("Epoch").asLong()).isEqualTo(2);
                JsonNode stale = exec(url1, "federa:type=Agent", "execute", command("x-busy-old", "destroy", "busy-1", 1));
                assertThat(stale.path("error").asText()).contains("stale epoch 1 for busy-1");
                assertThat(execute(url1, command("k-busy", "destroy", "busy-1", 2)).path("outcome").asText()).isEqualTo("done");
                assertThat(RealHypervisors.qemuPid(HV1, "busy-1")).isEmpty();
                assertThat(execute(url1, command("u-busy", "undefine", "busy-1", 2)).path("outcome").asText()).isEqualTo("done");
                assertThat(vmNames(url1)).isEmpty();

                // Lease fencing powers off a real guest: its QEMU process goes away.
                execute(url2, command("s-idle-2", "start", "idle-1", 1));
                OptionalLong pid = RealHypervisors.qemuPid(HV2, "idle-1");
                assertThat(pid).isPresent();
                lease2.cancel(false);
                long stopped = System.nanoTime();
                await("idle-1's QEMU gone once the lease ran out", Duration.ofSeconds(60),
                        () -> ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
                System.out.printf("real guests: fenced %d ms after the last renewal was sent%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped));
                await("idle-1 shut off", Duration.ofSeconds(30), () -> vm(url2, "idle-1").path("State").asText(),
                        s -> s.equals("SHUT_OFF"));

                // The guests outlive the agent's JVM: its lease supervisor powers them off when the
                // agent can no longer. Frozen with SIGSTOP (hv1), then killed with SIGKILL (hv2).
                execute(url1, define("d-frozen", "frozen-1", 1));
                execute(url1, command("s-frozen", "start", "frozen-1", 1));
                long frozenQemu = RealHypervisors.qemuPid(HV1, "frozen-1").orElseThrow();
                ScheduledFuture<?> lease2b = renewEvery500ms(timer, url2, HV2);
                execute(url2, command("s-idle-3", "start", "idle-1", 2));
                long idleQemu = RealHypervisors.qemuPid(HV2, "idle-1").orElseThrow();
                long supervisor2 = Long.parseLong(Files.readString(home2.resolve("data/lease-supervisor.pid")).strip());
                assertThat(ProcessHandle.of(supervisor2).map(ProcessHandle::isAlive)).hasValue(true);

                signal("STOP", a1.process.pid());
                long frozen = System.nanoTime();
                lease1.cancel(false);
                signal("KILL", a2.process.pid());
                long killed2 = System.nanoTime();
                lease2b.cancel(false);
                // Neither is powered off early: the last renewal, at most 500 ms before, left 2.5 s or more.
                Thread.sleep(1_000);
                assertThat(ProcessHandle.of(frozenQemu).map(ProcessHandle::isAlive)).as("frozen-1 before its lease ran out").hasValue(true);
                assertThat(ProcessHandle.of(idleQemu).map(ProcessHandle::isAlive)).as("idle-1 before its lease ran out").hasValue(true);
                await("frozen-1's QEMU gone, its agent frozen", Duration.ofSeconds(60),
                        () -> ProcessHandle.of(frozenQemu).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
                System.out.printf("real guests: a guest of a frozen agent powered off %d ms after the agent was stopped%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozen));
                await("idle-1's QEMU gone, its agent killed", Duration.ofSeconds(60),
                        () -> ProcessHandle.of(idleQemu).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
                System.out.printf("real guests: a guest of a killed agent powered off %d ms after the agent was killed%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed2));
                // The killed agent's supervisor has nothing left to enforce and goes.
                await("the killed agent's lease supervisor gone", Duration.ofSeconds(60),
                        () -> ProcessHandle.of(supervisor2).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
                assertThat(RealHypervisors.qemuPid(HV2, "idle-1")).isEmpty();

                // The frozen agent, resumed, finds its VM off.
                signal("CONT", a1.process.pid());
                await("frozen-1 shut off as its agent sees it", Duration.ofSeconds(60),
                        () -> vm(url1, "frozen-1").path("State").asText(), s -> s.equals("SHUT_OFF"));
                assertThat(a1.output()).contains("the lease supervisor (pid").contains(") answers: managed guests are powered off");
            }
        } finally {
            timer.shutdownNow();
        }
    }
}
