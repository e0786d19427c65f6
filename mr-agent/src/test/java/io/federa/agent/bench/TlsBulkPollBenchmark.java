package io.federa.agent.bench;

import io.federa.common.tls.Pem;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * What TLS costs the manager's poll: the same bulk request (Host plus every VirtualMachine) to two
 * agents holding the same VMs, one plain and one over TLS with a client certificate, each over one
 * kept-alive connection as the manager keeps it, in alternating rounds (A, B, A, B …) so that
 * whatever else loads the machine falls on both sides alike. Besides the latency, which a loaded
 * machine spreads, each round reads the CPU time the agent's process spent serving it
 * ({@code /proc/PID/stat}): the work a poll costs the agent, which the load does not inflate.
 * Run by {@code bench/tls-cost.sh}.
 *
 * <p>Usage: {@code TlsBulkPollBenchmark PLAIN_URL TLS_URL USER PASSWORD CA CERT KEY ROUNDS PER_ROUND EXPECTED_VMS
 * PLAIN_PID TLS_PID}
 */
public final class TlsBulkPollBenchmark {
    private static final String BULK = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\"},"
            + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\"}]";

    private TlsBulkPollBenchmark() {
    }

    private record Side(String name, HttpClient client, HttpRequest request, long pid, List<double[]> rounds,
                        List<Double> cpuMillisPerPoll) {
    }

    public static void main(String[] args) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString((args[2] + ":" + args[3]).getBytes(StandardCharsets.UTF_8));
        SSLContext tls = Pem.context(Pem.certificates(Files.readString(Path.of(args[4]))),
                Pem.privateKey(Files.readString(Path.of(args[6]))), Pem.certificates(Files.readString(Path.of(args[5]))));
        int rounds = Integer.parseInt(args[7]);
        int perRound = Integer.parseInt(args[8]);
        int expectedVms = Integer.parseInt(args[9]);
        Side plain = side("plain", HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), args[0], auth,
                Long.parseLong(args[10]));
        Side secure = side("tls", HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build(), args[1], auth,
                Long.parseLong(args[11]));
        for (Side s : List.of(plain, secure)) {
            String body = new String(s.client().send(s.request(), HttpResponse.BodyHandlers.ofByteArray()).body(),
                    StandardCharsets.UTF_8);
            int vms = body.split("\"type=VirtualMachine\"|,type=VirtualMachine\"", -1).length - 1;
            if (vms != expectedVms) {
                throw new IllegalStateException(s.name() + ": expected " + expectedVms + " VMs in the answer, found " + vms);
            }
            run(s, 200); // warm-up: the JIT, and the TLS session
        }
        System.out.printf("bulk poll of %d VMs, %d rounds of %d requests per side, alternating plain, tls, plain, tls …%n",
                expectedVms, rounds, perRound);
        for (int r = 0; r < rounds; r++) {
            for (Side s : List.of(plain, secure)) {
                long cpu0 = cpuMillis(s.pid());
                double[] ms = run(s, perRound);
                double cpu = (double) (cpuMillis(s.pid()) - cpu0) / perRound;
                s.rounds().add(ms);
                s.cpuMillisPerPoll().add(cpu);
                System.out.printf("  round %d %-5s p50 %6.1f ms  p99 %6.1f ms  agent CPU %5.1f ms/poll  (load average %s)%n",
                        r + 1, s.name(), q(ms, 0.50), q(ms, 0.99), cpu, loadAverage());
            }
        }
        for (Side s : List.of(plain, secure)) {
            double[] p50 = s.rounds().stream().mapToDouble(ms -> q(ms, 0.50)).sorted().toArray();
            double[] p99 = s.rounds().stream().mapToDouble(ms -> q(ms, 0.99)).sorted().toArray();
            double[] all = s.rounds().stream().flatMapToDouble(Arrays::stream).sorted().toArray();
            double[] cpu = s.cpuMillisPerPoll().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("%-5s p50 %.1f ms (rounds %.1f–%.1f), p99 %.1f ms (rounds %.1f–%.1f), all %d requests: p50 %.1f p99 %.1f;"
                            + " agent CPU %.1f ms/poll (rounds %.1f–%.1f)%n",
                    s.name(), median(p50), p50[0], p50[p50.length - 1], median(p99), p99[0], p99[p99.length - 1], all.length,
                    q(all, 0.50), q(all, 0.99), median(cpu), cpu[0], cpu[cpu.length - 1]);
        }
    }

    private static Side side(String name, HttpClient client, String url, String auth, long pid) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(BULK)).build();
        return new Side(name, client, request, pid, new ArrayList<>(), new ArrayList<>());
    }

    /** {@code n} requests back to back; their latencies in ms, sorted. */
    private static double[] run(Side s, int n) throws Exception {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = s.client().send(s.request(), HttpResponse.BodyHandlers.ofByteArray());
            ms[i] = (System.nanoTime() - t0) / 1e6;
            if (r.statusCode() != 200) {
                throw new IllegalStateException(s.name() + ": HTTP " + r.statusCode());
            }
        }
        Arrays.sort(ms);
        return ms;
    }

    private static double q(double[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** User and system CPU time of a process, in ms (fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms). */
    private static long cpuMillis(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3));
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
