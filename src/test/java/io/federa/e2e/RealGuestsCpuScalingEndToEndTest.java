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
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out by the manager's own rule on the CPU load of real guests ({@link RealFleet}): the
 * guest of the one worker is made to burn its vCPU (the test guest's {@code /cgi-bin/spin},
 * reached through the port its host forwards for the worker's probe); the load libvirt measures
 * crosses the policy's threshold, and the manager adds a second worker on the other hypervisor.
 */
class RealGuestsCpuScalingEndToEndTest {
    private static final String PASSWORD = "real-guests-pw-5";
    private static final String HV1 = "federa-hv1";
    private static final String HV2 = "federa-hv2";
    private static final String SERVICE = """
            applications:
              - name: worker
                runtime: qemu
                resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1 }
                probe: { http: { port: 80, path: /cgi-bin/health }, every: 2s, timeout: 1s }
                scaling: { metric: cpu, scaleOutAbove: 0.6, scaleInBelow: 0.01, for: 20s, min: 1, max: 2, cooldown: 10s, scaleInWindow: 30m }
            services:
              - name: crunch
                description: a worker scaled on its guests' CPU load
                applications: [worker]
            """;

    @Test
    void a_guest_that_burns_its_cpu_is_scaled_out_by_the_managers_rule(@TempDir Path dir) throws Exception {
        try (RealFleet fleet = RealFleet.start(dir, PASSWORD, "console=ttyS0 quiet", HV1, HV2);
             ManagerProcess m = fleet.manager()) {
            assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, SERVICE).path("httpStatus").asInt()).isEqualTo(200);
            assertThat(m.federa(ManagerProcess.OPERATOR, "start", "crunch", "--timeout", "300")).contains("crunch: UP after");
            String host = m.get("services/crunch").path("instances").path(0).path("host").asText();
            // A guest booting under emulation keeps its vCPU busy (for less than the policy's 20 s): it idles first.
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (Double.parseDouble(fleet.vmAttribute(host, "worker-1", "CpuLoadRatio")) > 0.2) {
                assertThat(System.nanoTime()).as("worker-1 idle within 3 min").isLessThan(end);
                Thread.sleep(500);
            }
            String idleLoad = fleet.vmAttribute(host, "worker-1", "CpuLoadRatio");
            assertThat(m.get("events?kind=scaling.&since=1h&limit=1000").toString()).doesNotContain("worker 1 → 2");

            String endpoints = fleet.vmAttribute(host, "worker-1", "Endpoints");
            assertThat(endpoints).startsWith("80=127.0.0.1:");
            HttpResponse<String> spin = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + endpoints.substring(3) + "/cgi-bin/spin")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(spin.statusCode()).as(spin.body()).isEqualTo(200);
            // The guest gets the CPU it would have on a host of its own (the machine is shared).
            RealHypervisors.favour(RealHypervisors.qemuPid(host, "worker-1").orElseThrow());
            long spun = System.nanoTime();
            double busy = 0;
            while (busy <= 0.6 && System.nanoTime() - spun < TimeUnit.MINUTES.toNanos(1)) {
                Thread.sleep(500);
                busy = Double.parseDouble(fleet.vmAttribute(host, "worker-1", "CpuLoadRatio"));
            }
            String busyLoad = Double.toString(busy);
            assertThat(busy).as("worker-1's load, spinning").isGreaterThan(0.6);

            JsonNode two = m.await("services/crunch", n -> "UP".equals(n.path("state").asText())
                    && StreamSupport.stream(n.path("instances").spliterator(), false)
                    .filter(i -> "SERVING".equals(i.path("probe").path("state").asText())).count() == 2, 300_000);
            String events = m.get("events?kind=scaling.&since=1h&limit=1000").toString();
            assertThat(events).contains("crunch: worker 1 → 2 instances");
            String other = StreamSupport.stream(two.path("instances").spliterator(), false)
                    .filter(i -> i.path("name").asText().equals("worker-2")).findFirst().orElseThrow().path("host").asText();
            assertThat(other).isNotEqualTo(host);
            System.out.printf("real guests, cpu scaling: worker-1 load %s idle, %s spinning; worker-2 serving on %s %d ms after the spin%n",
                    idleLoad, busyLoad, other, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spun));
        }
    }
}
