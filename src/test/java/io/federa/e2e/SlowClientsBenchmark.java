package io.federa.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many slow connections without credentials an agent holds while its polls stay on time:
 * for each level, {@code level} slow connections on each of the agent's two ports (spread over
 * loopback addresses, under the per-address cap), and meanwhile one poll a second from 127.0.0.1
 * as the manager sends it, and one request for the lease statement as a peer sends it. A poll is
 * on time when it is answered within the manager's deadline, one poll interval (1 s).
 *
 * <pre>java -cp e2e/target/test-classes io.federa.e2e.SlowClientsBenchmark JOLOKIA_URL METRICS_BASE USER PASSWORD SECONDS RUNS LEVEL…</pre>
 */
public final class SlowClientsBenchmark {
    private static final String POLL = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\"},"
            + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"Uuid\",\"State\","
            + "\"Application\",\"Service\",\"Epoch\",\"Vcpus\",\"MemoryBytes\",\"CpuLoadRatio\",\"UptimeSeconds\",\"Disk\"]}]";

    private SlowClientsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        URI jolokia = URI.create(args[0]);
        URI metricsBase = URI.create(args[1]);
        String auth = "Basic " + Base64.getEncoder().encodeToString((args[2] + ":" + args[3]).getBytes(StandardCharsets.UTF_8));
        int seconds = Integer.parseInt(args[4]);
        int runs = Integer.parseInt(args[5]);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        System.out.println("level = slow connections per port (two ports); " + seconds + " s a run, one poll and one lease"
                + " request a second; late = not answered within 1 s");
        for (int a = 6; a < args.length; a++) {
            int level = Integer.parseInt(args[a]);
            for (int run = 1; run <= runs; run++) {
                // 60 per address: under the agent's cap of 64 per client address.
                int addresses = Math.max(1, (level + 59) / 60);
                try (SlowClients slow = new SlowClients(List.of(jolokia.getPort(), metricsBase.getPort()), level, addresses, 8_000)) {
                    // Let the attack reach its level before measuring.
                    long ramp = System.nanoTime() + 30_000_000_000L;
                    while (slow.live() < 2 * level * 95 / 100 && System.nanoTime() < ramp) {
                        Thread.sleep(200);
                    }
                    List<Double> polls = new ArrayList<>();
                    List<Double> leases = new ArrayList<>();
                    int late = 0;
                    int failed = 0;
                    for (int s = 0; s < seconds; s++) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(jolokia).header("Authorization", auth)
                                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(POLL)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() != 200) {
                                failed++;
                            }
                        } catch (Exception e) {
                            failed++;
                        }
                        double pollMs = (System.nanoTime() - t0) / 1e6;
                        polls.add(pollMs);
                        if (pollMs > 1000) {
                            late++;
                        }
                        long t1 = System.nanoTime();
                        try {
                            http.send(HttpRequest.newBuilder(metricsBase.resolve("/lease/v1/latest")).timeout(Duration.ofSeconds(5))
                                    .build(), HttpResponse.BodyHandlers.discarding());
                        } catch (Exception e) {
                            failed++;
                        }
                        leases.add((System.nanoTime() - t1) / 1e6);
                        long rest = 1000 - (System.nanoTime() - t0) / 1_000_000;
                        if (rest > 0) {
                            Thread.sleep(rest);
                        }
                    }
                    String held = "?";
                    try {
                        String m = http.send(HttpRequest.newBuilder(metricsBase.resolve("/metrics")).timeout(Duration.ofSeconds(5))
                                .build(), HttpResponse.BodyHandlers.ofString()).body();
                        Matcher j = Pattern.compile("mr_agent_http_connections\\{host=\"[^\"]+\",listener=\"jolokia\"} (\\S+)").matcher(m);
                        Matcher d = Pattern.compile("mr_agent_http_connections\\{host=\"[^\"]+\",listener=\"metrics\"} (\\S+)").matcher(m);
                        if (j.find() && d.find()) {
                            held = (int) Double.parseDouble(j.group(1)) + "+" + (int) Double.parseDouble(d.group(1));
                        }
                    } catch (Exception e) {
                        held = "metrics did not answer";
                    }
                    System.out.printf(Locale.ROOT, "level %5d run %d: held by the agent %s (attacker: %s) | poll p50 %.1f ms p99 %.1f ms max %.1f ms,"
                                    + " late %d of %d, failed %d | lease p50 %.1f ms max %.1f ms%n",
                            level, run, held, slow, pct(polls, 50), pct(polls, 99), pct(polls, 100), late, polls.size(), failed,
                            pct(leases, 50), pct(leases, 100));
                }
                // The closed connections' sockets leave TIME_WAIT behind on this side; a pause between runs.
                Thread.sleep(2_000);
            }
        }
    }

    private static double pct(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
