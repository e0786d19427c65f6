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
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A qcow2 guest moved between two real hypervisors (libvirt session daemons of federa-hv5 and
 * federa-hv6, each with its own agent), the way the manager's migration drives the agents: shut
 * down at the source, the data offered there and pulled by the destination (SHA-256 verified),
 * the VM defined under the same UUID and the next epoch at the destination and started there,
 * the source's copy removed. The guest writes a marker to its disk at the source (its kernel
 * command line there says so) and, booted at the destination, reads it back and prints it.
 */
class RealDisksEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "real-disks-pw-1";
    private static final String HV5 = "federa-hv5";
    private static final String HV6 = "federa-hv6";
    private static final long LEASE_MS = 3_000;
    private static final long DISK_GIB = 16;
    private static final Duration BOOT = Duration.ofMinutes(3);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static String config(String user, Path home, String cmdline) throws Exception {
        return RealHypervisors.agentConfig(user, home, 0, PASSWORD, cmdline, 40);
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

    /** An agent operation that answers a JSON document in a string; fails with the agent's error. */
    private JsonNode agent(String url, String operation, String argument) throws Exception {
        JsonNode r = exec(url, "federa:type=Agent", operation, argument);
        assertThat(r.path("status").asInt()).as(operation + ": " + r).isEqualTo(200);
        return JSON.readTree(r.path("value").asText());
    }

    private JsonNode vm(String url, String name) throws Exception {
        JsonNode r = post(url, JSON.createObjectNode().put("type", "read").put("mbean", "federa:type=VirtualMachine,name=" + name));
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        return r.path("value");
    }

    private boolean hasVm(String url, String name) throws Exception {
        return post(url, JSON.createObjectNode().put("type", "read").put("mbean", "federa:type=VirtualMachine,name=" + name))
                .path("status").asInt() == 200;
    }

    private static String define(String id, String vm, long epoch, String uuid) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"define\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch
                + ",\"spec\":{\"name\":\"" + vm + "\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":128,\"diskGiB\":" + DISK_GIB + ",\"diskFormat\":\"qcow2\""
                + (uuid == null ? "" : ",\"uuid\":\"" + uuid + "\"") + "}}";
    }

    private static String command(String id, String action, String vm, long epoch) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"" + action + "\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch + "}";
    }

    private ScheduledFuture<?> renewEvery500ms(ScheduledExecutorService timer, String url, String host) throws Exception {
        Map<String, String> fleet = new LinkedHashMap<>();
        fleet.put(HV5, "http://127.0.0.1:" + AgentProcess.freePort() + "/lease/v1/latest");
        fleet.put(HV6, "http://127.0.0.1:" + AgentProcess.freePort() + "/lease/v1/latest");
        JsonNode first = exec(url, "federa:type=Agent", "renewLease", DemoLeases.statement("manager-1", LEASE_MS, fleet), host);
        assertThat(first.path("status").asInt()).as(first.toString()).isEqualTo(200);
        return timer.scheduleAtFixedRate(() -> {
            try {
                exec(url, "federa:type=Agent", "renewLease", DemoLeases.statement("manager-1", LEASE_MS, fleet), host);
            } catch (Exception e) {
                // A renewal that fails is a renewal missed.
            }
        }, 500, 500, TimeUnit.MILLISECONDS);
    }

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

    private interface CheckedSupplier<T> {
        T get() throws Exception;
    }

    private static String console(Path home, String uuid) throws Exception {
        Path log = home.resolve("data/vms").resolve(uuid).resolve("console.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    @Test
    void a_qcow2_guest_moved_to_another_real_hypervisor_reads_there_the_marker_it_wrote_at_its_source() throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        try (RealHypervisors hypervisors = RealHypervisors.up(HV5, HV6)) {
            Path home5 = hypervisors.agentHome(HV5);
            Path home6 = hypervisors.agentHome(HV6);
            Path config5 = RealHypervisors.write(HV5, home5.resolve("agent.yaml"),
                    config(HV5, home5, "console=ttyS0 quiet federa.mark=" + marker));
            Path config6 = RealHypervisors.write(HV6, home6.resolve("agent.yaml"), config(HV6, home6, "console=ttyS0 quiet"));
            try (AgentProcess a5 = AgentProcess.startAs(HV5, home5.resolve("mr-agent.jar"), config5);
                 AgentProcess a6 = AgentProcess.startAs(HV6, home6.resolve("mr-agent.jar"), config6)) {
                String url5 = a5.awaitJolokiaUrl(Duration.ofSeconds(120));
                String url6 = a6.awaitJolokiaUrl(Duration.ofSeconds(120));
                renewEvery500ms(timer, url5, HV5);
                renewEvery500ms(timer, url6, HV6);

                // A qcow2 VM at the source: a thin image made by qemu-img, defined with the qcow2 driver.
                String uuid = agent(url5, "execute", define("d-1", "disk-1", 1, null)).path("uuid").asText();
                Path image5 = home5.resolve("data/vms").resolve(uuid).resolve("disk0.qcow2");
                assertThat(image5).exists();
                assertThat(home5.resolve("data/vms").resolve(uuid).resolve("disk0.raw")).doesNotExist();
                assertThat(run("qemu-img", "info", "--output=json", image5.toString()))
                        .contains("\"format\": \"qcow2\"").contains("\"virtual-size\": " + (DISK_GIB << 30));
                assertThat(run("virsh", "-c", RealHypervisors.uri(HV5), "dumpxml", "disk-1"))
                        .contains("<driver name='qemu' type='qcow2'/>").contains(image5.toString());

                // It boots, writes the marker into its disk and flushes it.
                assertThat(agent(url5, "execute", command("s-1", "start", "disk-1", 1)).path("outcome").asText()).isEqualTo("done");
                await("disk-1 writing its marker at the source", BOOT, () -> console(home5, uuid),
                        c -> c.contains("federa-guest: marker written " + marker) || c.contains("marker not written"));
                assertThat(console(home5, uuid)).contains("federa-guest: marker written " + marker);
                // libvirt reads the image as qcow2: its capacity is the virtual size, not the file's.
                assertThat(run("virsh", "-c", RealHypervisors.uri(HV5), "domblkinfo", "disk-1", "vda"))
                        .containsPattern("Capacity:\\s+" + (DISK_GIB << 30) + "\\b");

                // STOPPING: the guest powers itself off on the power button.
                long t0 = System.nanoTime();
                assertThat(agent(url5, "execute", command("x-1", "shutdown", "disk-1", 1)).path("outcome").asText()).isEqualTo("done");
                assertThat(vm(url5, "disk-1").path("State").asText()).isEqualTo("SHUT_OFF");
                long imageBytes = Files.size(image5);
                // Thin: a 16 GiB disk with a marker written is a few hundred KiB of qcow2.
                assertThat(imageBytes).isLessThan(4L << 20);

                // COPYING: offered at the source, pulled by the destination, its digest verified.
                String token = "tok-" + UUID.randomUUID().toString().replace("-", "");
                JsonNode offered = agent(url5, "offerData", "{\"migrationId\":\"m-1\",\"attempt\":1,\"uuid\":\"" + uuid
                        + "\",\"vm\":\"disk-1\",\"token\":\"" + token + "\"}");
                long dataBytes = offered.path("dataBytes").asLong();
                assertThat(dataBytes).isLessThanOrEqualTo(imageBytes + (1L << 20));
                agent(url6, "importData", "{\"migrationId\":\"m-1\",\"attempt\":1,\"uuid\":\"" + uuid + "\",\"vm\":\"disk-1\",\"url\":\""
                        + offered.path("url").asText() + "\",\"token\":\"" + token + "\",\"dataBytes\":" + dataBytes + "}");
                JsonNode status = await("the copy of disk-1's data", Duration.ofMinutes(2),
                        () -> agent(url6, "transferStatus", "m-1"), s -> !s.path("phase").asText().equals("RUNNING"));
                assertThat(status.path("phase").asText()).as(status.toString()).isEqualTo("VERIFIED");
                Path image6 = home6.resolve("data/vms").resolve(uuid).resolve("disk0.qcow2");
                assertThat(Files.mismatch(image5, image6)).isEqualTo(-1);

                // DEFINING and STARTING at the destination: the same UUID, the next epoch, the same format.
                JsonNode defined = agent(url6, "execute", define("m-1-define", "disk-1", 2, uuid));
                assertThat(defined.path("uuid").asText()).isEqualTo(uuid);
                assertThat(run("virsh", "-c", RealHypervisors.uri(HV6), "dumpxml", "disk-1"))
                        .contains("<driver name='qemu' type='qcow2'/>").contains(image6.toString());
                assertThat(Files.mismatch(image5, image6)).as("the image kept as it arrived").isEqualTo(-1);
                assertThat(agent(url6, "execute", command("m-1-start-1", "start", "disk-1", 2)).path("outcome").asText())
                        .isEqualTo("done");
                await("disk-1 reading its marker back at the destination", BOOT, () -> console(home6, uuid),
                        c -> c.contains("federa-guest: marker read " + marker));
                long moved = System.nanoTime() - t0;

                // CLEANUP: the source's copy and definition go.
                assertThat(agent(url5, "execute", command("m-1-remove", "remove", "disk-1", 2)).path("outcome").asText())
                        .isEqualTo("done");
                assertThat(hasVm(url5, "disk-1")).isFalse();
                assertThat(home5.resolve("data/vms").resolve(uuid)).doesNotExist();
                assertThat(vm(url6, "disk-1").path("State").asText()).isEqualTo("RUNNING");
                System.out.printf("real disks: qcow2 image of %d bytes (%d GiB virtual), %d bytes of data sent; "
                                + "shutdown to the marker read at the destination %d ms%n", imageBytes, DISK_GIB, dataBytes,
                        TimeUnit.NANOSECONDS.toMillis(moved));
                assertThat(List.of(a5.output(), a6.output())).noneMatch(o -> o.contains("Exception in thread"));
            }
        } finally {
            timer.shutdownNow();
        }
    }
}
