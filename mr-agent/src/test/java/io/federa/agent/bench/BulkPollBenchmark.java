package io.federa.agent.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The manager's poll as a load, against two agent processes on the same host and VMs: one
 * answering it with its fast path (A), one with the fast path switched off, through Jolokia (B).
 * Each agent first gets WARMUP polls (its JIT compiles the paths of the poll), then rounds
 * alternate A, B, A, B…, each after 20 polls more; during a round the other agent is stopped
 * (SIGSTOP), so that its sampler takes no CPU from the one measured. Each round sends the poll back to back over one
 * kept-alive connection, timed on the client side, and reads the agent's CPU time (utime + stime
 * of /proc/PID/stat) before and after. Run by {@code bench/agent-bulk-poll.sh}.
 *
 * <p>Then, at the manager's pace, PACED polls of each agent one second apart (A, then B): nearly
 * every one is the first of a new sample, which A renders anew. There the agent's CPU per poll is
 * mostly its sampler's (one read of libvirt per second).
 *
 * <p>Usage: {@code BulkPollBenchmark URL_A PID_A URL_B PID_B USER PASSWORD PAIRS WARMUP COUNT EXPECTED_VMS CLK_TCK PACED}
 */
public final class BulkPollBenchmark {
    /**
     * The VM attributes of the manager's poll, copied from the manager's {@code JolokiaPollParser.POLL}
     * (this module does not depend on the manager); bench/agent-bulk-poll.sh checks that the two lists
     * are the same before it runs.
     */
    static final List<String> VM_ATTRIBUTES = List.of("Name", "Uuid", "State", "Application", "Service", "Vcpus",
            "MemoryBytes", "Disk", "Network", "CpuLoadRatio", "UptimeSeconds", "Epoch", "CpuTimeNanoseconds", "Endpoints");
    /** The manager's poll without a lease renewal: the host, and the VM attributes it keeps. */
    static final String POLL = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\"},"
            + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":["
            + VM_ATTRIBUTES.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(",")) + "]}]";
    private static final Pattern SEQUENCE = Pattern.compile("\"SampleSequence\":(\\d+)");

    private BulkPollBenchmark() {
    }

    /** One agent process under test. */
    record Agent(String label, URI url, long pid) {
    }

    /** One round's figures: latencies sorted, the first poll of each new sample apart. */
    record Round(Agent agent, long[] nanos, long bytes, double cpuMsPerPoll, List<Long> firstOfSample, String load) {
        double ms(double q) {
            return BulkPollBenchmark.ms(nanos, q);
        }
    }

    public static void main(String[] args) throws Exception {
        Agent a = new Agent("A fast path", URI.create(args[0]), Long.parseLong(args[1]));
        Agent b = new Agent("B Jolokia", URI.create(args[2]), Long.parseLong(args[3]));
        String auth = "Basic " + Base64.getEncoder().encodeToString((args[4] + ":" + args[5]).getBytes(StandardCharsets.UTF_8));
        int pairs = Integer.parseInt(args[6]);
        int warmup = Integer.parseInt(args[7]);
        int count = Integer.parseInt(args[8]);
        int expectedVms = Integer.parseInt(args[9]);
        long clkTck = Long.parseLong(args[10]);
        int paced = Integer.parseInt(args[11]);

        System.out.printf("bulk poll of %d VMs: %d warm-up polls per agent, then %d pairs of rounds (A, B, A, B, …), "
                + "each %d polls after 20 more%n", expectedVms, warmup, pairs, count);
        System.out.println("  the poll: " + POLL);
        System.out.println("  load average at start: " + load());
        List<Round> rounds = new ArrayList<>();
        try {
            for (Agent agent : List.of(a, b)) {
                signal("CONT", agent);
                signal("STOP", agent == a ? b : a);
                round(agent, auth, warmup, 1, expectedVms, clkTck, 0);
            }
            for (int p = 0; p < pairs; p++) {
                for (Agent agent : List.of(a, b)) {
                    Agent other = agent == a ? b : a;
                    signal("CONT", agent);
                    signal("STOP", other);
                    Round r = round(agent, auth, 20, count, expectedVms, clkTck, 0);
                    rounds.add(r);
                    System.out.printf("  round %d %-12s p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms  max %6.1f ms  "
                                    + "%7d bytes  agent CPU %5.2f ms/poll  first poll of a sample: %s  load %s%n",
                            rounds.size(), agent.label(), r.ms(0.50), r.ms(0.90), r.ms(0.99), r.nanos()[count - 1] / 1e6,
                            r.bytes(), r.cpuMsPerPoll(), firstOfSample(r.firstOfSample()), r.load());
                }
            }
            summary(rounds, a, b);
            if (paced > 0) {
                System.out.printf("at the manager's pace: %d polls one second apart, after 3 warm-up%n", paced);
                for (Agent agent : List.of(a, b)) {
                    signal("CONT", agent);
                    signal("STOP", agent == a ? b : a);
                    Round r = round(agent, auth, 3, paced, expectedVms, clkTck, 1000);
                    System.out.printf("  %-12s p50 %6.1f ms  p90 %6.1f ms  max %6.1f ms  agent CPU %5.1f ms/poll  "
                                    + "first poll of a sample: %d of %d  load %s%n",
                            agent.label(), r.ms(0.50), r.ms(0.90), r.nanos()[paced - 1] / 1e6, r.cpuMsPerPoll(),
                            r.firstOfSample().size(), paced, r.load());
                }
            }
        } finally {
            signal("CONT", a);
            signal("CONT", b);
        }
        System.out.println("  load average at end: " + load());
    }

    /** {@code spacingMillis}: 0 back to back, else one poll started every so many milliseconds. */
    private static Round round(Agent agent, String auth, int warmup, int count, int expectedVms,
                               long clkTck, long spacingMillis) throws Exception {
        // A connection of its own per round: the agent closes a kept-alive connection that sends no
        // request within 30 s of its last answer, which a round of the other agent can outlast.
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(agent.url()).header("Authorization", auth)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(POLL)).build();
        long[] nanos = new long[count];
        long bytes = 0;
        long cpuBefore = 0;
        long sequence = -1;
        List<Long> firstOfSample = new ArrayList<>();
        for (int i = -warmup; i < count; i++) {
            if (i == 0) {
                cpuBefore = cpuTicks(agent);
            }
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = send(client, request, agent);
            long t = System.nanoTime() - t0;
            if (spacingMillis > 0) {
                Thread.sleep(Math.max(0, spacingMillis - t / 1_000_000));
            }
            if (r.statusCode() != 200) {
                throw new IllegalStateException(agent.label() + ": HTTP " + r.statusCode());
            }
            String head = new String(r.body(), 0, Math.min(r.body().length, 4096), StandardCharsets.UTF_8);
            Matcher m = SEQUENCE.matcher(head);
            if (!m.find()) {
                throw new IllegalStateException(agent.label() + ": no SampleSequence in the host's answer: " + head);
            }
            long seq = Long.parseLong(m.group(1));
            if (i == -warmup) {
                check(agent, r.body(), expectedVms);
            }
            if (i >= 0) {
                nanos[i] = t;
                bytes = r.body().length;
                if (seq != sequence) {
                    firstOfSample.add(t);
                }
            }
            sequence = seq;
        }
        long cpu = cpuTicks(agent) - cpuBefore;
        Arrays.sort(nanos);
        return new Round(agent, nanos, bytes, cpu * 1000.0 / clkTck / count, firstOfSample, load());
    }

    /** The answer holds both items with status 200 and every VM with every attribute asked. */
    private static void check(Agent agent, byte[] body, int expectedVms) {
        String s = new String(body, StandardCharsets.UTF_8);
        int vms = s.split(",type=VirtualMachine\"", -1).length - 1;
        int ok = s.split("\"status\":200", -1).length - 1;
        int epochs = s.split("\"Epoch\":", -1).length - 1;
        if (vms != expectedVms || ok != 2 || epochs != expectedVms) {
            throw new IllegalStateException(agent.label() + ": expected " + expectedVms + " VMs with Epoch and 2 items of "
                    + "status 200, found " + vms + " VMs, " + epochs + " Epochs, " + ok + " items of status 200");
        }
    }

    private static HttpResponse<byte[]> send(HttpClient client, HttpRequest request, Agent agent) throws Exception {
        alive(agent);
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new IllegalStateException(agent.label() + " (pid " + agent.pid() + ") did not answer within 30 s: hung", e);
        } catch (IOException e) {
            alive(agent);
            throw e;
        }
    }

    private static void alive(Agent agent) {
        if (!ProcessHandle.of(agent.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException(agent.label() + " (pid " + agent.pid() + ") is dead");
        }
    }

    /** utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long cpuTicks(Agent agent) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + agent.pid() + "/stat"));
        // The command name (field 2) is in parentheses and may hold spaces: count from its end.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static void signal(String sig, Agent agent) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(agent.pid())).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + agent.pid() + " failed: " + agent.label() + " is dead");
        }
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstOfSample(List<Long> t) {
        if (t.isEmpty()) {
            return "none";
        }
        long[] s = t.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("%d, median %.1f ms, max %.1f ms", s.length, ms(s, 0.5), s[s.length - 1] / 1e6);
    }

    private static void summary(List<Round> rounds, Agent a, Agent b) {
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Long> aFirst = new ArrayList<>();
        for (int i = 0; i + 1 < rounds.size(); i += 2) {
            Round ra = rounds.get(i);
            Round rb = rounds.get(i + 1);
            p50.add(rb.ms(0.50) / ra.ms(0.50));
            p99.add(rb.ms(0.99) / ra.ms(0.99));
            cpu.add(rb.cpuMsPerPoll() / ra.cpuMsPerPoll());
            aFirst.addAll(ra.firstOfSample());
        }
        System.out.printf("  B/A, median of the per-pair ratios: p50 %.1fx, p99 %.1fx, agent CPU per poll %.1fx%n",
                median(p50), median(p99), median(cpu));
        System.out.printf("  A's p99 per round: %s ms; A's first poll of a sample (renders the VM item), all rounds: %s%n",
                rounds.stream().filter(r -> r.agent() == a).map(r -> String.format("%.1f", r.ms(0.99)))
                        .collect(Collectors.joining(", ")), firstOfSample(aFirst));
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double ms(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, i)] / 1e6;
    }
}
