package io.federa.bench;

import static io.federa.bench.Probes.sleepUntil;

import com.sun.tools.attach.VirtualMachine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures a running manager polling a fleet, from outside, over one window, after a warm-up
 * ({@code --warmup} seconds) in which the API is sampled as in the window, so that the window does
 * not pay for compiling the API's code the first time it runs:
 * <ul>
 *   <li>CPU of the manager and of the agent simulator, in cores: utime + stime from
 *       {@code /proc/PID/stat}, delta over the window, divided by the window's wall time;</li>
 *   <li>good polls per second, from the manager's own totals (the MXBean
 *       {@code federa.manager:type=Polling}, read over a local JMX connection at the start and end
 *       of the window), times VMs per agent: VMs refreshed per second;</li>
 *   <li>staleness: every {@code --every} seconds on average (at random instants, so as not to
 *       lock onto the poll cycle), {@code GET /api/v1/hosts}; for each host, the time
 *       the answer arrived minus the host's {@code sampledAt} (the agent's sample time of the data the
 *       manager shows), over every host and every sample;</li>
 *   <li>then what that sampling costs the manager: its CPU over a quiet stretch against a stretch
 *       with a request every 200 ms.</li>
 * </ul>
 * Prints one summary line per figure. Sample instants and agent sample times come from the same
 * machine's clock.
 */
public final class FleetProbe {
    // HTTP/1.1, as curl and the federa CLI speak it (no h2c upgrade attempt).
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String api;
    private String token;
    private long clkTck = 100;

    /**
     * The next sample instant after {@code at} (nanoTime): every {@code every} seconds on average,
     * spread at random (± half of it) so that samples fall at every phase of the manager's poll
     * cycle, not always at the same point of it.
     */
    private static long nextSample(long at, double every, java.util.Random jitter) {
        return at + (long) (every * (0.5 + jitter.nextDouble()) * 1e9);
    }

    public static void main(String[] args) throws Exception {
        new FleetProbe().run(args);
    }

    private void run(String[] args) throws Exception {
        long managerPid = 0;
        String simulatorPid = "";
        String stats = null;
        int window = 60;
        int warmup = 0;
        double every = 2;
        int vmsPerAgent = 10;
        int agents = 0;
        int costStretch = 10;
        boolean heapOnly = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--manager-pid" -> managerPid = Long.parseLong(v);
                case "--simulator-pid" -> simulatorPid = v; // several, comma-separated: their sum
                case "--api" -> api = v;
                case "--token" -> token = v;
                case "--stats" -> stats = v;
                case "--window" -> window = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--every" -> every = Double.parseDouble(v);
                case "--agents" -> agents = Integer.parseInt(v);
                case "--vms" -> vmsPerAgent = Integer.parseInt(v);
                case "--clk-tck" -> clkTck = Long.parseLong(v);
                case "--cost-stretch" -> costStretch = Integer.parseInt(v);
                case "--heap-only" -> heapOnly = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        VirtualMachine vm = VirtualMachine.attach(Long.toString(managerPid));
        String jmxUrl = vm.startLocalManagementAgent();
        vm.detach();
        try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(jmxUrl))) {
            MBeanServerConnection mbeans = jmx.getMBeanServerConnection();
            if (heapOnly) {
                long best = Long.MAX_VALUE;
                for (int i = 0; i < 3; i++) {
                    best = Math.min(best, heapAfterFullGc(mbeans));
                    Thread.sleep(500);
                }
                System.out.println(best / 1024);
                return;
            }
            ObjectName polling = new ObjectName("federa.manager:type=Polling");
            // The warm-up: the same requests at the same cadence as in the window, their answers unused.
            java.util.Random warmJitter = new java.util.Random(3416);
            long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
            for (long at = System.nanoTime(); ; ) {
                at = nextSample(at, every, warmJitter);
                if (at > warmEnd) {
                    break;
                }
                sleepUntil(at);
                get("/hosts");
            }
            sleepUntil(warmEnd);
            System.out.println("load at the window's start: " + Probes.load());

            long[] staleness = new long[16];
            int n = 0;
            long[] pollAge = new long[16];
            int m = 0;
            int samples = 0;
            java.util.Map<String, Integer> reasons = new java.util.TreeMap<>();
            int missing = 0;
            long sampleNanos = 0;
            long maxSampleNanos = 0;
            long simAnswers0 = simulatorAnswers(stats);
            long good0 = (Long) mbeans.getAttribute(polling, "GoodPolls");
            long failed0 = (Long) mbeans.getAttribute(polling, "FailedPolls");
            long skipped0 = (Long) mbeans.getAttribute(polling, "SkippedPolls");
            java.util.Map<String, Long> threads0 = cpuTicksByThreadKind(managerPid);
            long mgrCpu0 = cpuTicks(managerPid);
            long mgrSys0 = sysTicks(managerPid);
            long simCpu0 = cpuTicks(simulatorPid);
            long wall0 = System.nanoTime();
            long end = wall0 + window * 1_000_000_000L;
            long next = wall0;
            java.util.Random jitter = new java.util.Random(7666);
            while (true) {
                next = nextSample(next, every, jitter);
                if (next > end) {
                    break;
                }
                sleepUntil(next);
                long t0 = System.nanoTime();
                JsonArray hosts = new JsonObject(get("/hosts")).getJsonArray("hosts");
                long t1 = System.nanoTime();
                long now = System.currentTimeMillis();
                sampleNanos += t1 - t0;
                maxSampleNanos = Math.max(maxSampleNanos, t1 - t0);
                samples++;
                for (Object o : hosts) {
                    JsonObject h = (JsonObject) o;
                    String sampled = h.getString("sampledAt");
                    String polled = h.getString("lastPollAt");
                    if (sampled == null || !"REACHABLE".equals(h.getString("reachability"))) {
                        missing++;
                    }
                    String reason = h.getString("reason");
                    if (reason != null && !reason.isEmpty()) {
                        reasons.merge(reason.replaceAll("[0-9]+", "N"), 1, Integer::sum);
                    }
                    if (sampled != null) {
                        if (n == staleness.length) {
                            staleness = Arrays.copyOf(staleness, n * 2);
                        }
                        staleness[n++] = now - Instant.parse(sampled).toEpochMilli();
                    }
                    if (polled != null) {
                        if (m == pollAge.length) {
                            pollAge = Arrays.copyOf(pollAge, m * 2);
                        }
                        pollAge[m++] = now - Instant.parse(polled).toEpochMilli();
                    }
                }
            }
            sleepUntil(end);
            long wall1 = System.nanoTime();
            long mgrCpu1 = cpuTicks(managerPid);
            java.util.Map<String, Long> threads1 = cpuTicksByThreadKind(managerPid);
            long simCpu1 = cpuTicks(simulatorPid);
            long good1 = (Long) mbeans.getAttribute(polling, "GoodPolls");
            long failed1 = (Long) mbeans.getAttribute(polling, "FailedPolls");
            long skipped1 = (Long) mbeans.getAttribute(polling, "SkippedPolls");
            long simAnswers1 = simulatorAnswers(stats);
            double seconds = (wall1 - wall0) / 1e9;
            double mgrCores = (mgrCpu1 - mgrCpu0) / (double) clkTck / seconds;
            double simCores = (simCpu1 - simCpu0) / (double) clkTck / seconds;
            double goodPerSecond = (good1 - good0) / seconds;
            Arrays.sort(staleness, 0, n);
            Arrays.sort(pollAge, 0, m);
            int vmsShown = new JsonObject(get("/vms")).getJsonArray("vms").size();

            // What the sampling above costs the manager: a quiet stretch, then one with a request
            // every 200 ms; the difference in CPU divided by the requests made.
            long q0 = cpuTicks(managerPid);
            long qw0 = System.nanoTime();
            Thread.sleep(costStretch * 1000L);
            double quiet = (cpuTicks(managerPid) - q0) / (double) clkTck / ((System.nanoTime() - qw0) / 1e9);
            long b0 = cpuTicks(managerPid);
            long bw0 = System.nanoTime();
            int requests = 0;
            for (long t = bw0; t < bw0 + costStretch * 1_000_000_000L; t += 200_000_000L) {
                sleepUntil(t);
                get("/hosts");
                requests++;
            }
            double busySeconds = (System.nanoTime() - bw0) / 1e9;
            double busy = (cpuTicks(managerPid) - b0) / (double) clkTck / busySeconds;
            double cpuPerRequest = (busy - quiet) * busySeconds / requests;

            System.out.printf(Locale.ROOT, "window                  %.1f s, %d API samples every %.1f s%n", seconds, samples, every);
            System.out.printf(Locale.ROOT, "good polls              %.1f /s (failed %d, skipped because still in flight %d; "
                    + "simulator answered %.1f /s)%n", goodPerSecond, failed1 - failed0, skipped1 - skipped0,
                    (simAnswers1 - simAnswers0) / seconds);
            System.out.printf(Locale.ROOT, "VMs refreshed           %.0f /s (%d agents x %d VMs; VMs shown by the API: %d)%n",
                    goodPerSecond * vmsPerAgent, agents, vmsPerAgent, vmsShown);
            System.out.printf(Locale.ROOT, "manager CPU             %.3f cores (system time %.3f)%n", mgrCores,
                    (sysTicks(managerPid) - mgrSys0) / (double) clkTck / seconds);
            StringBuilder kinds = new StringBuilder();
            for (String k : threads1.keySet()) {
                kinds.append(String.format(Locale.ROOT, "%s %.3f, ", k,
                        (threads1.get(k) - threads0.getOrDefault(k, 0L)) / (double) clkTck / seconds));
            }
            System.out.printf(Locale.ROOT, "  by thread             %s(cores; threads that ended during the window are left out)%n", kinds);
            System.out.printf(Locale.ROOT, "simulator CPU           %.3f cores%n", simCores);
            System.out.printf(Locale.ROOT, "staleness (now - sampledAt), %d host samples: p50 %d ms, p90 %d ms, p99 %d ms, "
                    + "max %d ms; hosts not reachable or not yet shown: %d%n", n, pct(staleness, n, 50), pct(staleness, n, 90),
                    pct(staleness, n, 99), n == 0 ? -1 : staleness[n - 1], missing);
            if (!reasons.isEmpty()) {
                System.out.println("  last-failure reasons shown (host samples): " + reasons);
            }
            System.out.printf(Locale.ROOT, "poll age (now - lastPollAt): p50 %d ms, p99 %d ms, max %d ms%n",
                    pct(pollAge, m, 50), pct(pollAge, m, 99), m == 0 ? -1 : pollAge[m - 1]);
            System.out.printf(Locale.ROOT, "API sample              GET /api/v1/hosts: %.1f ms mean, %.1f ms max; manager CPU "
                    + "%.1f ms a request (%.3f cores quiet, %.3f with 5 requests/s), so %.4f cores at one sample every %.1f s%n",
                    sampleNanos / 1e6 / Math.max(1, samples), maxSampleNanos / 1e6, cpuPerRequest * 1000, quiet, busy,
                    cpuPerRequest / every, every);
        }
    }

    /**
     * The heap in use just after a full GC, in bytes: the JVM's own figure for the collection
     * that {@code System.gc()} ran (the collector's last GC info, memory after GC, summed over the
     * heap pools), so that what is allocated after it, while this is read, does not count.
     */
    private static long heapAfterFullGc(MBeanServerConnection mbeans) throws Exception {
        mbeans.invoke(new ObjectName("java.lang:type=Memory"), "gc", null, null);
        javax.management.openmbean.CompositeData latest = null;
        for (ObjectName gc : mbeans.queryNames(new ObjectName("java.lang:type=GarbageCollector,*"), null)) {
            Object info = mbeans.getAttribute(gc, "LastGcInfo");
            if (info instanceof javax.management.openmbean.CompositeData c
                    && (latest == null || (Long) c.get("endTime") > (Long) latest.get("endTime"))) {
                latest = c;
            }
        }
        if (latest == null) {
            throw new IllegalStateException("no garbage collection reported");
        }
        long used = 0;
        for (Object row : ((javax.management.openmbean.TabularData) latest.get("memoryUsageAfterGc")).values()) {
            javax.management.openmbean.CompositeData r = (javax.management.openmbean.CompositeData) row;
            String pool = (String) r.get("key");
            if (pool.contains("Eden") || pool.contains("Survivor") || pool.contains("Old") || pool.contains("Tenured")) {
                used += (Long) ((javax.management.openmbean.CompositeData) r.get("value")).get("used");
            }
        }
        return used;
    }

    private static long pct(long[] sorted, int n, int p) {
        if (n == 0) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * n) - 1;
        return sorted[Math.max(0, Math.min(n - 1, i))];
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + path))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** Answers of every simulator ({@code stats}: their stats URLs, comma-separated). */
    private long simulatorAnswers(String stats) throws IOException, InterruptedException {
        if (stats == null) {
            return 0;
        }
        long sum = 0;
        for (String url : stats.split(",")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            sum += new JsonObject(r.body()).getLong("answers");
        }
        return sum;
    }

    /** utime + stime of every simulator ({@code pids} comma-separated), in clock ticks. */
    private static long cpuTicks(String pids) throws IOException {
        long sum = 0;
        for (String pid : pids.split(",")) {
            if (!pid.isBlank()) {
                sum += cpuTicks(Long.parseLong(pid.trim()));
            }
        }
        return sum;
    }

    /** stime of a process, in clock ticks. */
    private static long sysTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[12]);
    }

    /** utime + stime of a process, in clock ticks ({@code /proc/PID/stat} fields 14 and 15). */
    private static long cpuTicks(long pid) throws IOException {
        if (pid <= 0) {
            return 0;
        }
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** CPU ticks of a process's live threads, by kind: event loops, GC, JIT compilers, the rest. */
    private static java.util.Map<String, Long> cpuTicksByThreadKind(long pid) throws IOException {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                String kind = comm.startsWith("vert.x-eventloo") ? "event loops"
                        : comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread") ? "GC and VM"
                        : comm.contains("CompilerThre") ? "JIT" : "other";
                out.merge(kind, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
            }
        }
        return out;
    }

}
