package io.federa.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/**
 * Real hypervisors for the tests: QEMU (software emulation) under libvirt's session daemons of
 * ordinary Unix users, one independent hypervisor per user, and the test guest, all set up by
 * scripts/real-hypervisors.sh from Debian's packages. A step that cannot be done fails the test
 * naming the step and why; {@link #close} stops every guest and daemon, and {@link #up} first
 * clears what an earlier run may have left.
 *
 * <p>Each user's agent runs as that user (see docs/agent.md, "A real host: QEMU through libvirt"):
 * the guests' QEMU processes run as the user and open the disk images the agent creates. Its
 * files (the agent's jar, the guest's kernel and initrd, its configuration and data) live in a
 * folder of the user's home, which a checkout under /root could not offer.
 */
final class RealHypervisors implements AutoCloseable {
    static final String IMAGE_DIR = "target/guest-image";
    private final List<String> users;
    /** The network namespace the hypervisors run in, with their bridge; null when they run in this one. */
    private final String netns;

    private RealHypervisors(List<String> users, String netns) {
        this.users = List.copyOf(users);
        this.netns = netns;
    }

    /** Starts a session hypervisor for each user (stopping an earlier run's first) and builds the test guest. */
    static RealHypervisors up(String... users) throws Exception {
        return up(null, users);
    }

    /**
     * As {@link #up(String...)}, with the daemons (and so their guests) in a network namespace of
     * this run's own, which holds the bridge {@value #BRIDGE} at 10.77.0.1/24 and a dnsmasq that
     * answers its guests' DHCP; guests join the bridge through QEMU's bridge helper.
     */
    static RealHypervisors upOnBridge(String... users) throws Exception {
        return up("federa-e2e-" + ProcessHandle.current().pid(), users);
    }

    static final String BRIDGE = "fedbr0";

    private static RealHypervisors up(String netns, String... users) throws Exception {
        RealHypervisors h = new RealHypervisors(List.of(users), netns);
        List<String> args = new ArrayList<>(List.of("down"));
        args.addAll(h.users);
        script(args);
        for (String u : users) {
            deleteTree(Path.of("/home", u, "federa-e2e"));
        }
        args = new ArrayList<>(List.of("up"));
        args.addAll(h.users);
        try {
            if (netns != null) {
                script(List.of("bridge", netns));
            }
            script(args, netns);
            script(List.of("guest", AgentProcess.root().resolve(IMAGE_DIR).toString()));
        } catch (Exception | AssertionError e) {
            h.close();
            throw e;
        }
        return h;
    }

    /** The URI by which the agent (and root) reach {@code user}'s session hypervisor. */
    static String uri(String user) throws Exception {
        return "qemu+unix:///session?socket=/run/user/" + uid(user) + "/libvirt/libvirt-sock";
    }

    static String uid(String user) throws Exception {
        return run(List.of("id", "-u", user)).trim();
    }

    /**
     * The folder of {@code user}'s agent, made afresh and owned by the user: the agent's jar with
     * its lib/, the guest's kernel and initrd, room for a configuration and data.
     */
    Path agentHome(String user) throws Exception {
        if (!users.contains(user)) {
            throw new IllegalArgumentException(user + " runs none of these hypervisors: " + users);
        }
        Path dir = Path.of("/home", user, "federa-e2e");
        deleteTree(dir);
        Files.createDirectories(dir.resolve("data"));
        Path root = AgentProcess.root();
        Files.copy(root.resolve("mr-agent/target/mr-agent.jar"), dir.resolve("mr-agent.jar"));
        Files.createDirectories(dir.resolve("lib"));
        try (Stream<Path> libs = Files.list(root.resolve("mr-agent/target/lib"))) {
            for (Path lib : libs.toList()) {
                Files.copy(lib, dir.resolve("lib").resolve(lib.getFileName()));
            }
        }
        Files.copy(root.resolve(IMAGE_DIR).resolve("vmlinuz"), dir.resolve("vmlinuz"));
        Files.copy(root.resolve(IMAGE_DIR).resolve("initrd.gz"), dir.resolve("initrd.gz"));
        run(List.of("chown", "-R", user + ":", dir.toString()));
        return dir;
    }

    /**
     * The configuration of an agent of {@code user}'s hypervisor, whose guests boot the test guest
     * from {@code home} with {@code cmdline}; Jolokia at {@code jolokiaPort} (0: any) for the user
     * federa with {@code password}; leases signed by the demo manager's key.
     */
    static String agentConfig(String user, Path home, int jolokiaPort, String password, String cmdline, int storageGiB)
            throws Exception {
        return """
                host:
                  id: %s
                  site: paris
                  offsite: false
                  securityLevel: 3
                  runtimes: [qemu]
                libvirt:
                  uri: "%s"
                  guest:
                    kernel: %s
                    initrd: %s
                    cmdline: "%s"
                  shutdownTimeout: 30s
                capacity:
                  storageGiB: %d
                  networkMbps: 1000
                cost:
                  currency: EUR
                  perCpuSecond: 0.000014
                  perStorageGiBHour: 0.00014
                  perNetworkGB: 0.02
                  perNetworkPacket: 0.0000001
                jolokia:
                  address: 127.0.0.1
                  port: %d
                  users:
                    - { name: federa, password: %s }
                metrics:
                  address: 127.0.0.1
                  port: 0
                dataDir: %s
                sampleInterval: 1s
                lease:
                  managerKeys: ["MCowBQYDK2VwAyEA3gj1AjWgiT++pnQFrUqy2YlNcrj956BbuDmP977uOLA="]
                """.formatted(user, uri(user), home.resolve("vmlinuz"), home.resolve("initrd.gz"), cmdline, storageGiB,
                jolokiaPort, password, home.resolve("data"));
    }

    /** Writes a file into a user's folder, owned by the user. */
    static Path write(String user, Path file, String text) throws Exception {
        Files.writeString(file, text);
        run(List.of("chown", user + ":", file.toString()));
        return file;
    }

    private static final java.util.regex.Pattern GUEST =
            java.util.regex.Pattern.compile("^(\\S+)\\s.*qemu-system\\S*\\s.*-name guest=([^,\\s]+)");

    /**
     * One listing of the kernel's process table: the guests each Unix user runs, by domain name.
     * It reads no agent, so it sees a guest whose agent is dead.
     */
    static java.util.Map<String, java.util.Set<String>> guests() throws Exception {
        Process p = new ProcessBuilder("ps", "-eo", "user:32,args", "--no-headers", "-ww").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        java.util.Map<String, java.util.Set<String>> by = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            java.util.regex.Matcher m = GUEST.matcher(line.strip());
            if (m.find()) {
                by.computeIfAbsent(m.group(1), u -> new java.util.TreeSet<>()).add(m.group(2));
            }
        }
        return by;
    }

    /** The pid of the QEMU process that runs {@code vm} for {@code user}, if one runs. */
    static java.util.OptionalLong qemuPid(String user, String vm) throws Exception {
        Process p = new ProcessBuilder("pgrep", "-u", user, "-f", "guest=" + vm + ",").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(30, TimeUnit.SECONDS);
        return out.isEmpty() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(Long.parseLong(out.lines().findFirst().orElseThrow()));
    }

    /**
     * Gives a QEMU process the CPU it would have on a host of its own. The machine the tests run
     * on is shared with other builds (load averages of 20 to 40 on 2 cores were seen), and the
     * kernel groups processes by session (sched_autogroup): a spinning guest got 0.13 to 0.29 of
     * a CPU there, still 0.26 with its threads at nice -10, and 0.94 once its session's group was
     * at nice -10 too. The load the agent reports is still what libvirt measured.
     */
    static void favour(long pid) throws Exception {
        Path group = Path.of("/proc", Long.toString(pid), "autogroup");
        if (Files.exists(group)) {
            Files.writeString(group, "-10");
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                run(List.of("renice", "-n", "-10", "-p", t.getFileName().toString()));
            }
        }
    }

    /** The network namespace the hypervisors run in; empty when they run in this one. */
    java.util.Optional<String> netns() {
        return java.util.Optional.ofNullable(netns);
    }

    /** The DHCP leases dnsmasq has given on the bridge, as it records them: "expiry mac address …" per line. */
    String leases() throws IOException {
        Path file = Path.of("/run/federa-e2e", netns, "leases");
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static void script(List<String> args) throws Exception {
        script(args, null);
    }

    private static void script(List<String> args, String netns) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(AgentProcess.root().resolve("scripts/real-hypervisors.sh").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (netns != null) {
            pb.environment().put("FEDERA_NETNS", netns);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("real hypervisors, " + args.get(0) + ": scripts/real-hypervisors.sh did not finish within 10 minutes");
        }
        if (p.exitValue() != 0) {
            fail("real hypervisors, " + args.get(0) + " failed: " + out.strip());
        }
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed: " + out.strip());
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Destroys every guest, stops every daemon of these users, and removes their agents' folders;
     * then deletes the network namespace they ran in, if any, whatever the first step did.
     */
    @Override
    public void close() throws IOException {
        List<String> args = new ArrayList<>(List.of("down"));
        args.addAll(users);
        try {
            closing(args, "stopping the hypervisors of " + users);
            for (String u : users) {
                deleteTree(Path.of("/home", u, "federa-e2e"));
            }
        } finally {
            if (netns != null) {
                closing(List.of("bridge-down", netns), "deleting network namespace " + netns);
            }
        }
    }

    /** One step of {@link #close}, its failure an IOException that says {@code what} failed. */
    private static void closing(List<String> args, String what) throws IOException {
        try {
            script(args);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, e);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(what + " failed", e);
        }
    }
}
