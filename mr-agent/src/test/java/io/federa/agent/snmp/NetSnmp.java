package io.federa.agent.snmp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * net-snmp's command-line tools, run as a management station would run them. What a walk shows is
 * read from standard output only: on a machine where net-snmp never ran, its first run says
 * {@code Created directory: …/cert_indexes} on standard error.
 */
final class NetSnmp {
    /**
     * @param output everything the tool printed (errors such as {@code noAccess} come on standard error)
     * @param stdout standard output alone: the values
     */
    record Result(int exit, String output, String stdout) {
        List<String> lines() {
            return stdout.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static Path root() {
        return Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Path errors = Files.createTempFile("net-snmp", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(errors.toFile());
            pb.environment().put("MIBS", "");
            pb.environment().put("SNMPCONFPATH", "/nonexistent");
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            String stdout = new String(out, StandardCharsets.UTF_8);
            return new Result(p.exitValue(), stdout + Files.readString(errors, StandardCharsets.UTF_8), stdout);
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    /** SNMPv3 authPriv options for a user (SHA-256 + AES-128 unless given). */
    static List<String> v3(String user, String authPass, String privPass) {
        return List.of("-v3", "-l", "authPriv", "-u", user, "-a", "SHA-256", "-A", authPass, "-x", "AES", "-X", privPass);
    }

    static Result walk(String agent, List<String> security, String oid) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("snmpbulkwalk", "-On", "-Cr50", "-t", "2", "-r", "1"));
        cmd.addAll(security);
        cmd.add(agent);
        cmd.add(oid);
        return run(cmd);
    }

    static Result get(String agent, List<String> security, String oid) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("snmpget", "-On", "-t", "1", "-r", "0"));
        cmd.addAll(security);
        cmd.add(agent);
        cmd.add(oid);
        return run(cmd);
    }
}
