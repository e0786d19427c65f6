package io.federa.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * net-snmp's command-line tools as an NMS operator runs them on a fresh Debian: the MIB modules
 * from the repository's {@code mibs/} added to the default path ({@code -M +…/mibs -m ALL}),
 * nothing from the machine's snmp.conf. What a tool shows is read from standard output; standard
 * error holds net-snmp's complaints about Debian's own modules (they import IETF modules Debian
 * does not ship) and, on a machine where net-snmp never ran, "Created directory: …".
 */
final class NetSnmpStation {
    private static final long TIMEOUT_SECONDS = 60;

    record Result(int exit, String stdout, String stderr) {
        List<String> lines() {
            return stdout.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    private NetSnmpStation() {
    }

    /** SNMPv3 authPriv as the demo's NOC user (SHA-256, AES-128). */
    static List<String> noc() {
        return List.of("-v3", "-l", "authPriv", "-u", "noc", "-a", "SHA-256", "-A", "demo-auth-pass", "-x", "AES",
                "-X", "demo-priv-pass");
    }

    /** {@code tool} with the repository's MIB modules loaded ({@code -M +mibs -m ALL}), then {@code args}. */
    static Result withMibs(String tool, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tool, "-M", "+" + AgentProcess.root().resolve("mibs"), "-m", "ALL",
                "-t", "2", "-r", "2"));
        cmd.addAll(args);
        return run(cmd);
    }

    /** {@code tool} with no MIB module at all (numeric OIDs, raw values), then {@code args}. */
    static Result numeric(String tool, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tool, "-m", "", "-On", "-t", "2", "-r", "2"));
        cmd.addAll(args);
        return run(cmd);
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Path errors = Files.createTempFile("net-snmp", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(errors.toFile());
            pb.environment().remove("MIBS");
            pb.environment().remove("MIBDIRS");
            pb.environment().put("SNMPCONFPATH", "/nonexistent");
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("did not end within " + TIMEOUT_SECONDS + " s: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    Files.readString(errors, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    /** The UUID of 16 octets as net-snmp prints them raw ({@code Hex-STRING: 50 76 37 …}). */
    static String uuidOfHex(String hexOctets) {
        String hex = hexOctets.replaceAll("\\s+", "").toLowerCase(java.util.Locale.ROOT);
        HexFormat.of().parseHex(hex); // refuses anything but hex digits
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20)
                + "-" + hex.substring(20);
    }

    /**
     * A UUID as net-snmp 5.9 prints it under the display hint "4x-2x-2x-2x-6x" (UUID-TC-MIB's,
     * FederaUuid's): each group without its leading zeros (net-snmp/net-snmp#631).
     */
    static String asNetSnmpPrintsIt(String uuid) {
        return Arrays.stream(uuid.split("-")).map(g -> g.replaceFirst("^0+(?=.)", "")).collect(Collectors.joining("-"));
    }

    /**
     * A UUID as net-snmp prints the VM-MIB's vmUUID, whose display hint (UUID-TC-MIB's
     * {@code 4x-2x-2x-1x1x-6x}) prints the fourth group's two octets each on its own: each group, and
     * each of those two octets, without its leading zeros (net-snmp issue #631).
     */
    static String asVmMibPrintsIt(String uuid) {
        String[] g = uuid.split("-");
        String fourth = g[3].substring(0, 2).replaceFirst("^0(?=.)", "") + g[3].substring(2).replaceFirst("^0(?=.)", "");
        return String.join("-", g[0].replaceFirst("^0+(?=.)", ""), g[1].replaceFirst("^0+(?=.)", ""),
                g[2].replaceFirst("^0+(?=.)", ""), fourth, g[4].replaceFirst("^0+(?=.)", ""));
    }
}
