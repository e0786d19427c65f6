package io.federa.common.snmp.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Sends an SNMP engine malformed and mutated packets over loopback, in batches, and after each
 * batch checks that it still answers a valid request: the engine must never crash nor stop
 * answering, whatever comes to its port. Seeds are real packets ({@link SeedRelay}), broken by
 * {@link PacketMutations} with a fixed seed, so a failure replays.
 *
 * <p>The engine runs in the test's JVM, so the {@link Report} can say how much the heap grew
 * (measured after a full collection, before and after) and how many packets the engine examined
 * (its own counters, given by {@link Builder#examined}) against how many the kernel dropped
 * because the socket's receive buffer was full ({@link #kernelDrops}): a busy machine reads a
 * socket more slowly than a fuzzer writes, and what the kernel drops never reaches the engine.
 * Assertions on those figures are the test's; only "still answers" is checked here, after every
 * batch, as it must be.
 *
 * <pre>{@code
 * SnmpFuzzer.Report report = SnmpFuzzer.builder(address, seeds).randomSeed(7_666L).packets(100_000).batch(2_000)
 *         .stillAnswers(StillAnswers.snmpget(station, v3, oid, "INTEGER: 3")).examined(counter).run();
 * }</pre>
 */
public final class SnmpFuzzer {
    /** One packet in ten is followed by a pause of a millisecond, so packets are examined rather than dropped by the socket. */
    private static final int PACE = 10;

    /** The check run after each batch: throws (an {@link AssertionError}) if the engine does not answer as it should. */
    @FunctionalInterface
    public interface StillAnswers {
        void check(int sentSoFar) throws Exception;

        /**
         * net-snmp's snmpget of {@code oid} with a station's patience (2 s, 4 retries: junk still
         * queued in the socket is served first), whose output must contain {@code expected}.
         *
         * @param station  {@code udp:host:port}, as net-snmp takes it
         * @param security the tool's security options, e.g. {@code -v3 -l authPriv -u …}
         */
        static StillAnswers snmpget(String station, List<String> security, String oid, String expected) {
            List<String> cmd = new ArrayList<>(List.of("snmpget", "-On", "-t", "2", "-r", "4"));
            cmd.addAll(security);
            cmd.addAll(List.of(station, oid));
            List<String> command = List.copyOf(cmd);
            return sent -> {
                String output = run(command);
                if (!output.contains(expected)) {
                    throw new AssertionError("after " + sent + " packets, " + oid + " did not answer " + expected + ": " + output);
                }
            };
        }
    }

    /**
     * What a run did.
     *
     * @param examined how many packets the engine counted as received (-1 without {@link Builder#examined})
     * @param kernelDrops datagrams the kernel dropped for the engine's socket during the run
     */
    public record Report(int sent, int batches, long examined, long kernelDrops, long heapBeforeBytes, long heapAfterBytes) {
        public long heapGrowthMiB() {
            return (heapAfterBytes - heapBeforeBytes) >> 20;
        }

        /** One line for the test's output. */
        public String summary() {
            return String.format(Locale.ROOT, "fuzz: %d packets sent in %d batches, %d examined by the engine, %d dropped by the "
                            + "kernel (receive buffer full), heap %d MiB before, %d MiB after (%+d MiB)", sent, batches, examined,
                    kernelDrops, heapBeforeBytes >> 20, heapAfterBytes >> 20, heapGrowthMiB());
        }
    }

    public static Builder builder(InetSocketAddress target, List<byte[]> seeds) {
        return new Builder(target, seeds);
    }

    public static final class Builder {
        private final InetSocketAddress target;
        private final List<byte[]> seeds;
        private long randomSeed;
        private int packets = 100_000;
        private int batch = 2_000;
        private StillAnswers stillAnswers;
        private LongSupplier examined;

        private Builder(InetSocketAddress target, List<byte[]> seeds) {
            this.target = Objects.requireNonNull(target, "target");
            this.seeds = List.copyOf(seeds);
            if (this.seeds.isEmpty() || this.seeds.stream().anyMatch(s -> s.length == 0)) {
                throw new IllegalArgumentException("the fuzzer needs recorded packets, none of them empty");
            }
        }

        /** The seed of the mutations: the same seed, the same packets. */
        public Builder randomSeed(long seed) {
            this.randomSeed = seed;
            return this;
        }

        public Builder packets(int packets) {
            if (packets < 1) {
                throw new IllegalArgumentException("packets must be positive, got " + packets);
            }
            this.packets = packets;
            return this;
        }

        public Builder batch(int batch) {
            if (batch < 1) {
                throw new IllegalArgumentException("a batch must hold a packet or more, got " + batch);
            }
            this.batch = batch;
            return this;
        }

        public Builder stillAnswers(StillAnswers check) {
            this.stillAnswers = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * The engine's count of datagrams taken in (SNMPv2-MIB's snmpInPkts, read in-process). It
         * includes the still-answers checks' own packets (a few hundred in a run), so the report's
         * {@code examined + kernelDrops} is at least the packets sent when none is lost inside.
         */
        public Builder examined(LongSupplier counter) {
            this.examined = Objects.requireNonNull(counter, "counter");
            return this;
        }

        /** Sends every packet, checks after each batch that the engine still answers, and says what happened. */
        public Report run() throws Exception {
            if (stillAnswers == null) {
                throw new IllegalStateException("a fuzz run checks that the engine still answers: call stillAnswers(…)");
            }
            long examinedBefore = examined == null ? 0 : examined.getAsLong();
            long dropsBefore = kernelDrops(target.getPort());
            long heapBefore = usedHeapAfterGc();
            Random r = new Random(randomSeed);
            int sent = 0;
            int batches = 0;
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                while (sent < packets) {
                    for (int i = 0; i < batch && sent < packets; i++, sent++) {
                        byte[] p = PacketMutations.mutate(seeds.get(r.nextInt(seeds.size())), r);
                        s.send(new DatagramPacket(p, p.length, target));
                        if (i % PACE == 0) {
                            Thread.sleep(1);
                        }
                    }
                    batches++;
                    stillAnswers.check(sent);
                }
            }
            long heapAfter = usedHeapAfterGc();
            long drops = kernelDrops(target.getPort()) - dropsBefore;
            long taken = examined == null ? -1 : examined.getAsLong() - examinedBefore;
            return new Report(sent, batches, taken, drops, heapBefore, heapAfter);
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * Datagrams the kernel dropped for the socket bound to {@code port} on 127.0.0.1 because its
     * receive buffer was full (the "drops" column of /proc/net/udp or /proc/net/udp6; Linux only).
     */
    public static long kernelDrops(int port) throws IOException {
        // 127.0.0.1 as /proc/net/udp writes it, or as /proc/net/udp6 writes it mapped (a JVM's
        // sockets are IPv6 ones unless told otherwise).
        List<String> locals = List.of(String.format(Locale.ROOT, "0100007F:%04X", port),
                String.format(Locale.ROOT, "0000000000000000FFFF00000100007F:%04X", port));
        for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 12 && locals.contains(f[1])) {
                    return Long.parseLong(f[f.length - 1]);
                }
            }
        }
        throw new AssertionError("no UDP socket bound to 127.0.0.1:" + port + " in /proc/net/udp or /proc/net/udp6");
    }

    /** A net-snmp tool's standard output and error together. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MIBS", "");
        pb.environment().put("SNMPCONFPATH", "/nonexistent");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private SnmpFuzzer() {
    }
}
