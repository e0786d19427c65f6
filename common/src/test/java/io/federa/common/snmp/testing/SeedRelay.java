package io.federa.common.snmp.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records the requests a real station sends: net-snmp's tool talks to a relay on loopback, which
 * forwards every datagram to the SNMP engine under test and the answer back, and keeps each
 * request. Those are the fuzzer's seeds ({@link SnmpFuzzer}): packets with real BER, real USM
 * parameters (discovery, then authPriv with the engine's ID, boots and time) and real PDUs, rather
 * than what a test would believe a station sends.
 */
public final class SeedRelay {
    /** How long the relay waits for the engine's answer to one request; a refused request gets none. */
    private static final int ANSWER_MILLIS = 2_000;
    /** How long one tool may run. */
    private static final long TOOL_NANOS = 10_000_000_000L;

    private SeedRelay() {
    }

    /**
     * Runs {@code tool} (a net-snmp command and its options, without the agent and the OID) against
     * the relay and returns every request packet it sent, in order. The tool should not retry
     * ({@code -r 0}) and time out quickly ({@code -t 1}): a request the engine refuses (SNMPv2c to an
     * engine without a community) is recorded all the same.
     *
     * @param target the engine under test
     * @param oid    the OID the tool asks about (one the engine serves, so that the exchange goes through)
     */
    public static List<byte[]> record(InetSocketAddress target, List<String> tool, String oid)
            throws IOException, InterruptedException {
        List<byte[]> seen = new ArrayList<>();
        try (DatagramSocket front = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket back = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            front.setSoTimeout(200);
            back.setSoTimeout(ANSWER_MILLIS);
            List<String> cmd = new ArrayList<>(tool);
            cmd.add("udp:127.0.0.1:" + front.getLocalPort());
            cmd.add(oid);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("MIBS", "");
            pb.environment().put("SNMPCONFPATH", "/nonexistent");
            Process p = pb.start();
            try {
                long end = System.nanoTime() + TOOL_NANOS;
                while (p.isAlive() && System.nanoTime() < end) {
                    DatagramPacket in = new DatagramPacket(new byte[65_535], 65_535);
                    try {
                        front.receive(in);
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                    seen.add(Arrays.copyOf(in.getData(), in.getLength()));
                    back.send(new DatagramPacket(in.getData(), in.getLength(), target));
                    DatagramPacket out = new DatagramPacket(new byte[65_535], 65_535);
                    try {
                        back.receive(out);
                        front.send(new DatagramPacket(out.getData(), out.getLength(), in.getSocketAddress()));
                    } catch (SocketTimeoutException e) {
                        // no answer (a refused request): the tool times out
                    }
                }
            } finally {
                p.destroy();
                p.waitFor();
            }
        }
        return seen;
    }
}
