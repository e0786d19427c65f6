package io.federa.agent.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

/**
 * The manager's poll as a load: the one Jolokia bulk request per agent per cycle (Host plus every
 * VirtualMachine), sent back to back over one kept-alive connection, timed on the client side.
 * Run by {@code bench/agent-bulk-poll.sh} against a real agent process.
 *
 * <p>Usage: {@code BulkPollBenchmark URL USER PASSWORD WARMUP COUNT EXPECTED_VMS}
 */
public final class BulkPollBenchmark {
    private static final String BULK = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\"},"
            + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\"}]";

    private BulkPollBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        String auth = "Basic " + Base64.getEncoder().encodeToString((args[1] + ":" + args[2]).getBytes(StandardCharsets.UTF_8));
        int warmup = Integer.parseInt(args[3]);
        int count = Integer.parseInt(args[4]);
        int expectedVms = Integer.parseInt(args[5]);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(url).header("Authorization", auth)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(BULK)).build();

        long[] nanos = new long[count];
        long bytes = 0;
        for (int i = -warmup; i < count; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            long t = System.nanoTime() - t0;
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode());
            }
            if (i == -warmup) {
                String body = new String(r.body(), StandardCharsets.UTF_8);
                int vms = body.split("\"type=VirtualMachine\"|,type=VirtualMachine\"", -1).length - 1;
                if (vms != expectedVms) {
                    throw new IllegalStateException("expected " + expectedVms + " VMs in the answer, found " + vms);
                }
            }
            if (i >= 0) {
                nanos[i] = t;
                bytes = r.body().length;
            }
        }
        Arrays.sort(nanos);
        double total = Arrays.stream(nanos).sum() / 1e9;
        System.out.printf("bulk poll of %d VMs: %d requests after %d warm-up%n", expectedVms, count, warmup);
        System.out.printf("  latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                ms(nanos, 0.50), ms(nanos, 0.90), ms(nanos, 0.99), nanos[count - 1] / 1e6);
        System.out.printf("  response %d bytes (%.0f KiB), %.0f polls/s back to back%n", bytes, bytes / 1024.0, count / total);
    }

    private static double ms(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, i)] / 1e6;
    }
}
