package io.federa.agent.supervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The QEMU processes of given domains, found by the {@code -uuid} argument libvirt starts each
 * one with: the supervisor's way to power guests off when libvirt itself does not answer.
 */
final class QemuProcesses {
    /** A process running one of the domains asked for. */
    record Found(long pid, String uuid) {
    }

    private final Path proc;

    QemuProcesses(Path proc) {
        this.proc = proc;
    }

    static QemuProcesses system() {
        return new QemuProcesses(Path.of("/proc"));
    }

    /** Every process whose command line holds {@code -uuid U} for a {@code U} in {@code uuids}. */
    List<Found> running(Set<String> uuids) {
        List<Found> out = new ArrayList<>();
        if (uuids.isEmpty()) {
            return out;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path d : dirs) {
                String uuid = uuidOf(d.resolve("cmdline"));
                if (uuid != null && uuids.contains(uuid)) {
                    out.add(new Found(Long.parseLong(d.getFileName().toString()), uuid));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + proc + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * A process's command line, from its NUL-separated {@code cmdline} file; empty when the process
     * ended or belongs to someone this user cannot read. (ProcessHandle.Info's arguments are not
     * always there on Linux: read the file itself.)
     */
    static List<String> commandLine(Path cmdline) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(cmdline);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        return raw.length == 0 ? List.of() : List.of(new String(raw, StandardCharsets.ISO_8859_1).split("\0"));
    }

    /** The value after {@code -uuid} in a process's command line; null when none. */
    static String uuidOf(Path cmdline) {
        List<String> args = commandLine(cmdline);
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-uuid")) {
                return args.get(i + 1).toLowerCase(java.util.Locale.ROOT);
            }
        }
        return null;
    }

    /** Sends SIGKILL; whether the process was there to receive it. */
    static boolean kill(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
    }
}
