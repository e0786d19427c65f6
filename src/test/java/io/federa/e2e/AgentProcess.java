package io.federa.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A packaged MR agent run as its own process, as an operator runs it. */
final class AgentProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("jolokia (\\S+) .*\\| metrics (\\S+) ");
    private static final Pattern SNMP = Pattern.compile("\\| snmp udp:[0-9.]+/(\\d+) ");

    final Process process;
    final List<String> output = new ArrayList<>();
    private final CompletableFuture<Matcher> ready = new CompletableFuture<>();
    private final CompletableFuture<String> readyLine = new CompletableFuture<>();

    private AgentProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (output) {
                        output.add(line);
                    }
                    Matcher m = READY.matcher(line);
                    if (line.contains(" ready ") && m.find()) {
                        readyLine.complete(line);
                        ready.complete(m);
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("the agent ended before it was ready: " + output()));
            readyLine.completeExceptionally(new IllegalStateException("the agent ended before it was ready: " + output()));
        }, "agent-output");
        reader.setDaemon(true);
        reader.start();
    }

    static Path root() {
        return Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    }

    /** A free TCP port on this machine, for an agent that must come back at the same address. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * The test fleet's configuration of {@code host} (src/test/hosts/: three hosts as the demo's,
     * with VMs of the shop example), written into {@code dir}: its data there, every port
     * ephemeral except Jolokia's when {@code jolokiaPort} is positive.
     */
    static Path demoConfig(String host, Path dir, int jolokiaPort) throws IOException {
        Path file = dir.resolve(host + ".yaml");
        Files.writeString(file, demoYaml(host, dir, jolokiaPort));
        return file;
    }

    /** The demo's own configuration of {@code host} (demo/), ports and data as {@link #demoConfig}. */
    static Path realDemoConfig(String host, Path dir, int jolokiaPort) throws IOException {
        Path file = dir.resolve(host + ".yaml");
        Files.writeString(file, portsAndData(Files.readString(root().resolve("demo/" + host + ".yaml")), host, dir, jolokiaPort));
        return file;
    }

    private static String demoYaml(String host, Path dir, int jolokiaPort) throws IOException {
        return portsAndData(Files.readString(root().resolve("src/test/hosts/" + host + ".yaml")), host, dir, jolokiaPort);
    }

    private static String portsAndData(String yaml, String host, Path dir, int jolokiaPort) {
        return yaml
                .replaceAll("(?m)^  port: (97|161)\\d+$", "  port: 0")
                .replaceFirst("(?m)^  port: 87\\d\\d$", "  port: " + Math.max(0, jolokiaPort))
                .replaceAll("(?m)^dataDir: .*$", "dataDir: " + dir.resolve(host + "-data"));
    }

    /**
     * A host with no VMs, for the manager to fill: the demo's host-2 (or host-3 when offsite)
     * under another id, written into {@code dir}.
     */
    static Path emptyHost(String id, boolean offsite, Path dir, int jolokiaPort) throws IOException {
        String yaml = demoYaml(offsite ? "host-3" : "host-2", dir, jolokiaPort)
                .replaceAll("(?m)^    vms:\\n(      - .*\\n)*", "")
                .replaceFirst("(?m)^  id: .*$", "  id: " + id)
                .replaceAll("(?m)^dataDir: .*$", "dataDir: " + dir.resolve(id + "-data"));
        Path file = dir.resolve(id + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** Sets a VM's simulated CPU load (0–1) through its agent's Jolokia (test driver only). */
    static void simulateLoad(int jolokiaPort, String password, String vm, double ratio) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + jolokiaPort + "/jolokia/"))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(("federa:" + password)
                        .getBytes(StandardCharsets.UTF_8)))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"type\":\"exec\",\"mbean\":\"federa:type=VirtualMachine,name="
                        + vm + "\",\"operation\":\"simulateLoad\",\"arguments\":[" + ratio + "]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (!r.body().contains("\"status\":200")) {
            throw new IllegalStateException("simulateLoad " + ratio + " on " + vm + " refused: " + r.body());
        }
    }

    static AgentProcess start(Path config) throws IOException {
        return start(config, java.util.Map.of());
    }

    /** The same, with these variables added to the agent's environment. */
    static AgentProcess start(Path config, java.util.Map<String, String> environment) throws IOException {
        return start(config, environment, java.util.Optional.empty());
    }

    /** As above, inside the network namespace {@code netns} when one is given. */
    static AgentProcess start(Path config, java.util.Map<String, String> environment, java.util.Optional<String> netns)
            throws IOException {
        Path jar = root().resolve("mr-agent/target/mr-agent.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests through Maven (mvn verify) so it is packaged first");
        }
        List<String> cmd = new ArrayList<>();
        netns.ifPresent(ns -> cmd.addAll(List.of("ip", "netns", "exec", ns)));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString(), config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        pb.environment().putAll(environment);
        return new AgentProcess(pb.start());
    }

    /**
     * The agent's jar run as the Unix user {@code user} (its own group, no other), as the owner
     * of a session hypervisor runs it; the process is the JVM itself, so its pid is the agent's.
     */
    static AgentProcess startAs(String user, Path jar, Path config) throws IOException {
        return startAs(user, jar, config, java.util.Optional.empty());
    }

    /**
     * As above, inside the network namespace {@code netns} when one is given (its hypervisor's:
     * the agent then sees the bridge and the neighbour table its guests are on). {@code ip netns
     * exec} runs setpriv in place, which runs the JVM in place: the pid is still the agent's.
     */
    static AgentProcess startAs(String user, Path jar, Path config, java.util.Optional<String> netns) throws IOException {
        List<String> cmd = new ArrayList<>();
        netns.ifPresent(ns -> cmd.addAll(List.of("ip", "netns", "exec", ns)));
        cmd.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString(), config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOME", config.getParent().toString());
        pb.directory(config.getParent().toFile());
        pb.redirectErrorStream(true);
        return new AgentProcess(pb.start());
    }

    /** Waits for the "ready" line; returns the Jolokia URL. */
    String awaitJolokiaUrl(Duration timeout) throws Exception {
        return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS).group(1);
    }

    String awaitMetricsUrl(Duration timeout) throws Exception {
        return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS).group(2);
    }

    /** Waits for the "ready" line; returns the UDP port of the agent's SNMP endpoint (its config must enable SNMP). */
    int awaitSnmpPort(Duration timeout) throws Exception {
        String line = readyLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Matcher m = SNMP.matcher(line);
        if (!m.find()) {
            throw new IllegalStateException("the agent serves no SNMP: " + line);
        }
        return Integer.parseInt(m.group(1));
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
