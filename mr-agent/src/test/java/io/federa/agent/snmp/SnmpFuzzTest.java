package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed and mutated SNMP packets over loopback, with a fixed seed so a failure replays: the
 * agent never crashes, answers a valid SNMPv3 request after each batch, and its heap stays bounded.
 * The seeds are real packets of net-snmp's tools, recorded by a relay between them and the agent.
 */
class SnmpFuzzTest {
    private static final long SEED = 7_666L;
    private static final int PACKETS = 100_000;
    private static final int BATCH = 2_000;

    /** Forwards one tool's exchange to the agent and keeps every request packet it saw. */
    private static List<byte[]> record(InetSocketAddress agent, List<String> tool) throws Exception {
        List<byte[]> seen = new ArrayList<>();
        try (DatagramSocket front = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket back = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            front.setSoTimeout(200);
            back.setSoTimeout(2_000);
            List<String> cmd = new ArrayList<>(tool);
            cmd.add("udp:127.0.0.1:" + front.getLocalPort());
            cmd.add(".1.3.6.1.2.1.236.1.4.1.2");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            long end = System.nanoTime() + 10_000_000_000L;
            while (p.isAlive() && System.nanoTime() < end) {
                DatagramPacket in = new DatagramPacket(new byte[65_535], 65_535);
                try {
                    front.receive(in);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                seen.add(Arrays.copyOf(in.getData(), in.getLength()));
                back.send(new DatagramPacket(in.getData(), in.getLength(), agent));
                DatagramPacket out = new DatagramPacket(new byte[65_535], 65_535);
                try {
                    back.receive(out);
                    front.send(new DatagramPacket(out.getData(), out.getLength(), in.getSocketAddress()));
                } catch (SocketTimeoutException e) {
                    // no answer (a refused request): the tool times out
                }
            }
            p.destroy();
        }
        return seen;
    }

    private static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        switch (r.nextInt(8)) {
            case 0 -> { // flip a few bytes
                for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                }
                return b;
            }
            case 1 -> { // truncated BER
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 2 -> { // a length larger than the packet
                int at = r.nextInt(Math.max(1, b.length - 5));
                byte[] out = new byte[b.length + 4];
                System.arraycopy(b, 0, out, 0, at + 1);
                out[at + 1] = (byte) 0x84;
                out[at + 2] = (byte) 0x7F;
                out[at + 3] = (byte) 0xFF;
                out[at + 4] = (byte) 0xFF;
                System.arraycopy(b, at + 1, out, at + 5, b.length - at - 5);
                return out;
            }
            case 3 -> { // a huge OID sub-identifier spliced in
                byte[] huge = new byte[20];
                Arrays.fill(huge, (byte) 0xFF);
                huge[19] = 0x7F;
                int at = r.nextInt(b.length);
                byte[] out = new byte[b.length + huge.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(huge, 0, out, at, huge.length);
                System.arraycopy(b, at, out, at + huge.length, b.length - at);
                return out;
            }
            case 4 -> { // wrong types: rewrite a tag
                b[r.nextInt(b.length)] = (byte) new int[]{0x02, 0x04, 0x05, 0x06, 0x30, 0x40, 0x41, 0x46, 0xA0, 0xA5, 0xFF}[r.nextInt(11)];
                return b;
            }
            case 5 -> { // random bytes of random length
                byte[] out = new byte[r.nextInt(1_500)];
                r.nextBytes(out);
                return out;
            }
            case 6 -> { // broken v3 security parameters: overwrite a window in the middle of the packet
                int from = Math.min(b.length - 1, 10 + r.nextInt(Math.max(1, b.length / 2)));
                for (int i = from; i < Math.min(b.length, from + 8); i++) {
                    b[i] = (byte) r.nextInt(256);
                }
                return b;
            }
            default -> { // a valid packet with one flipped byte
                b[r.nextInt(b.length)] ^= (byte) 0x01;
                return b;
            }
        }
    }

    /** A counter of the agent's engine, read in-process: the snmp group is outside every user's view. */
    private static long counter(AgentFixture f, String oid) {
        return f.agent.snmp().orElseThrow().localValue(new org.snmp4j.smi.OID(oid)).toLong();
    }

    /**
     * Datagrams the kernel dropped for the socket bound to {@code port} on 127.0.0.1 because its
     * receive buffer was full (the "drops" column of /proc/net/udp): on a busy machine, the agent's
     * socket may not be read as fast as a fuzzer writes, and what the kernel drops never reaches it.
     */
    private static long kernelDrops(int port) throws Exception {
        // 127.0.0.1 as /proc/net/udp writes it, or as /proc/net/udp6 writes it mapped (a JVM's
        // sockets are IPv6 ones unless told otherwise).
        List<String> locals = List.of(String.format(java.util.Locale.ROOT, "0100007F:%04X", port),
                String.format(java.util.Locale.ROOT, "0000000000000000FFFF00000100007F:%04X", port));
        for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 12 && locals.contains(f[1])) {
                    return Long.parseLong(f[f.length - 1]);
                }
            }
        }
        throw new AssertionError("no UDP socket bound to 127.0.0.1:" + port + " in /proc/net/udp or /proc/net/udp6");
    }

    @Test
    void a_hundred_thousand_malformed_packets_leave_the_agent_answering_with_bounded_heap() throws Exception {
        try (AgentFixture f = AgentFixture.withSnmp(0)) {
            String address = f.agent.snmpAddress().orElseThrow();
            String[] hp = address.substring("udp:".length()).split("/");
            InetSocketAddress agent = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
            String station = "udp:" + hp[0] + ":" + hp[1];
            List<String> v3 = NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV);

            List<byte[]> seeds = new ArrayList<>();
            List<String> get = new ArrayList<>(List.of("snmpgetnext", "-t", "1", "-r", "0"));
            get.addAll(v3);
            seeds.addAll(record(agent, get));
            seeds.addAll(record(agent, List.of("snmpgetnext", "-v2c", "-c", "public", "-t", "1", "-r", "0")));
            seeds.addAll(record(agent, List.of("snmpgetnext", "-v1", "-c", "public", "-t", "1", "-r", "0")));
            assertThat(seeds).as("recorded seed packets").hasSizeGreaterThanOrEqualTo(4);

            long dropsBefore = kernelDrops(agent.getPort());
            Runtime rt = Runtime.getRuntime();
            System.gc();
            long heapBefore = rt.totalMemory() - rt.freeMemory();
            Random r = new Random(SEED);
            int sent = 0;
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                while (sent < PACKETS) {
                    for (int i = 0; i < BATCH; i++, sent++) {
                        byte[] p = mutate(seeds.get(r.nextInt(seeds.size())), r);
                        s.send(new DatagramPacket(p, p.length, agent));
                        if (i % 10 == 0) {
                            Thread.sleep(1); // paced, so packets are examined rather than dropped by the socket
                        }
                    }
                    // A station's patience (2 s, 4 retries): junk still queued in the socket is served first.
                    List<String> check = new ArrayList<>(List.of("snmpget", "-On", "-t", "2", "-r", "4"));
                    check.addAll(v3);
                    check.addAll(List.of(station, ".1.3.6.1.2.1.236.1.2.0"));
                    NetSnmp.Result ok = NetSnmp.run(check);
                    assertThat(ok.output()).as("a valid request after " + sent + " packets").contains("INTEGER: 3");
                }
            }
            System.gc();
            long heapAfter = rt.totalMemory() - rt.freeMemory();
            assertThat(sent).isEqualTo(PACKETS);
            // snmpInPkts plus snmpInASNParseErrs (SNMPv2-MIB): how many the agent really took in and examined.
            long examined = counter(f, "1.3.6.1.2.1.11.1.0") + counter(f, "1.3.6.1.2.1.11.6.0");
            long dropped = kernelDrops(agent.getPort()) - dropsBefore;
            System.out.printf("fuzz: %d packets sent, %d examined by the agent (snmpInPkts), %d dropped by the kernel "
                    + "(receive buffer full), heap %+d MiB%n", sent, examined, dropped, (heapAfter - heapBefore) >> 20);
            // Every packet the kernel delivered was examined: none was lost inside the agent, however
            // busy the machine (what a full receive buffer drops is the machine's load, not the agent).
            assertThat(examined + dropped).as("packets examined by the agent (" + examined + ") or dropped by the kernel ("
                    + dropped + ")").isGreaterThanOrEqualTo(PACKETS);
            assertThat((heapAfter - heapBefore) >> 20).as("heap growth in MiB").isLessThan(64);
        }
    }
}
