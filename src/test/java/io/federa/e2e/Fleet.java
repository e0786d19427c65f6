package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Empty MR agent processes on fixed loopback ports and one manager process over them, for tests
 * that kill and restart either: an agent comes back at the same Jolokia and data ports with the
 * same data directory, the manager with the same store.
 */
final class Fleet implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "demo-password-2";

    final Path dir;
    final List<String> hosts;
    final Map<String, Integer> jolokiaPorts = new LinkedHashMap<>();
    final Map<String, Integer> dataPorts = new LinkedHashMap<>();
    final Map<String, AgentProcess> agents = new ConcurrentHashMap<>();
    private final Map<String, Path> configs = new HashMap<>();
    final Path managerConfig;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    volatile ManagerProcess manager;

    /**
     * @param offsite    hosts that are offsite (the demo's host-3 shape); the others are secure local ones
     * @param dataUrls   per host, the base URL the manager gives destinations for that host's data (a proxy); may be empty
     * @param extra      YAML appended to the manager's configuration (lifecycle, migration); a line
     *                   {@code poll: 500ms} sets the poll interval instead
     * @param dataDirs   per host, a data directory to use instead of {@code dir/<host>-data} (a tmpfs mount)
     */
    Fleet(Path dir, List<String> hosts, Set<String> offsite, UnaryOperator<Map<String, Integer>> dataUrls, String extra,
          Map<String, Path> dataDirs) throws Exception {
        this(dir, hosts, offsite, dataUrls, extra, dataDirs, UnaryOperator.identity());
    }

    /**
     * As above; {@code jolokiaVia} maps each host's Jolokia port to the port the manager polls it
     * at (a {@link LinkProxy}, to cut the manager off from it). Tests and observers still read the
     * agents directly.
     */
    Fleet(Path dir, List<String> hosts, Set<String> offsite, UnaryOperator<Map<String, Integer>> dataUrls, String extra,
          Map<String, Path> dataDirs, UnaryOperator<Map<String, Integer>> jolokiaVia) throws Exception {
        this(dir, hosts, offsite, dataUrls, extra, dataDirs, jolokiaVia, UnaryOperator.identity());
    }

    /** As above; {@code managerYaml} rewrites the manager's configuration last (another store, a cluster name). */
    Fleet(Path dir, List<String> hosts, Set<String> offsite, UnaryOperator<Map<String, Integer>> dataUrls, String extra,
          Map<String, Path> dataDirs, UnaryOperator<Map<String, Integer>> jolokiaVia, UnaryOperator<String> managerYaml)
            throws Exception {
        this.dir = dir;
        this.hosts = List.copyOf(hosts);
        Set<Integer> taken = new java.util.HashSet<>();
        StringBuilder agentList = new StringBuilder();
        for (String id : hosts) {
            int jolokia = unique(taken);
            int data = unique(taken);
            jolokiaPorts.put(id, jolokia);
            dataPorts.put(id, data);
        }
        for (String id : hosts) {
            Path file = AgentProcess.emptyHost(id, offsite.contains(id), dir, jolokiaPorts.get(id));
            String yaml = Files.readString(file)
                    .replaceFirst("(?ms)^(metrics:\\n  address: 127.0.0.1\\n  port: )0$", "$1" + dataPorts.get(id))
                    .replace("password: demo-password-3", "password: " + PASSWORD);
            if (dataDirs.containsKey(id)) {
                yaml = yaml.replaceAll("(?m)^dataDir: .*$", "dataDir: " + dataDirs.get(id));
            }
            Files.writeString(file, yaml);
            configs.put(id, file);
        }
        // The agents bind their ports before any proxy in front of them takes a port of its own:
        // a proxy's ephemeral port could otherwise be one chosen for an agent not started yet.
        for (String id : hosts) {
            agents.put(id, AgentProcess.start(configs.get(id)));
        }
        for (String id : hosts) {
            agents.get(id).awaitJolokiaUrl(Duration.ofSeconds(60));
        }
        Map<String, Integer> urls = dataUrls.apply(Map.copyOf(dataPorts));
        Map<String, Integer> polledAt = jolokiaVia.apply(Map.copyOf(jolokiaPorts));
        for (String id : hosts) {
            agentList.append("  - { name: ").append(id).append(", address: 127.0.0.1, port: ").append(polledAt.get(id))
                    .append(", user: federa, password: ").append(PASSWORD)
                    .append(urls.containsKey(id) ? ", dataUrl: \"http://127.0.0.1:" + urls.get(id) + "\"" : "").append(" }\n");
        }
        String yaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                .replaceAll("(?ms)^agents:\\n(  - .*?\\n)+", "agents:\n" + agentList)
                .replace("port: 8080", "port: 0")
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"));
        java.util.regex.Matcher poll = java.util.regex.Pattern.compile("(?m)^poll: (\\S+)\\n").matcher(extra);
        if (poll.find()) {
            yaml = yaml.replace("  interval: 1s", "  interval: " + poll.group(1));
            extra = poll.replaceFirst("");
        }
        yaml = managerYaml.apply(yaml + extra);
        managerConfig = dir.resolve("manager.yaml");
        Files.writeString(managerConfig, yaml);
        manager = ManagerProcess.start(managerConfig);
        awaitAllReachable(20_000);
        for (String id : hosts) {
            dataDir(id);
        }
    }

    private static int unique(Set<Integer> taken) throws IOException {
        int p = AgentProcess.freePort();
        while (!taken.add(p)) {
            p = AgentProcess.freePort();
        }
        return p;
    }

    private final Map<String, Path> dataDirs = new ConcurrentHashMap<>();

    Path dataDir(String host) throws IOException {
        Path known = dataDirs.get(host);
        if (known != null) {
            return known;
        }
        String yaml = Files.readString(configs.get(host));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^dataDir: (.*)$").matcher(yaml);
        if (!m.find()) {
            throw new IllegalStateException("no dataDir in " + configs.get(host));
        }
        Path d = Path.of(m.group(1).trim());
        dataDirs.put(host, d);
        return d;
    }

    /** The directory holding a VM's data on a host (present or not). */
    Path vmData(String host, String uuid) throws IOException {
        return dataDir(host).resolve("vms").resolve(uuid);
    }

    /** Kills the host's agent with SIGKILL (its test-driver VMs die with it). */
    void killAgent(String host) throws InterruptedException {
        AgentProcess a = agents.remove(host);
        if (a != null) {
            a.process.destroyForcibly().waitFor();
        }
    }

    /** Starts the host's agent again on the same configuration and data; waits until it serves. */
    void startAgent(String host) throws Exception {
        AgentProcess a = AgentProcess.start(configs.get(host));
        agents.put(host, a);
        a.awaitJolokiaUrl(Duration.ofSeconds(60));
    }

    /** Waits until the manager hears from every agent (after a restart of either). */
    void awaitAllReachable(long millis) throws Exception {
        manager.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream().filter("REACHABLE"::equals)
                .count() == hosts.size(), millis);
    }

    void killManager() throws InterruptedException {
        ManagerProcess m = manager;
        manager = null;
        if (m != null) {
            m.kill();
        }
    }

    void startManager() throws Exception {
        manager = ManagerProcess.start(managerConfig);
    }

    /** VM name → state on one agent right now; empty when the agent does not answer. */
    Map<String, String> states(String host) {
        Map<String, String> out = answer(host);
        return out == null ? new HashMap<>() : out;
    }

    /** VM name → state on one agent right now; null when it does not answer (a host with no VM answers an empty map). */
    Map<String, String> answer(String host) {
        Map<String, String> out = new HashMap<>();
        try {
            JsonNode n = jolokia(host, "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"State\"]}");
            if (n.path("status").asInt() == 404) {
                return out;
            }
            if (n.path("status").asInt() != 200) {
                return null;
            }
            n.path("value").forEach(v -> out.put(v.path("Name").asText(), v.path("State").asText()));
            return out;
        } catch (Exception e) {
            return null;
        }
    }

    JsonNode jolokia(String host, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + jolokiaPorts.get(host) + "/jolokia/"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("federa:" + PASSWORD)
                        .getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(3)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** Writes {@code bytes} of random data into the VM's first disk at {@code offset}, as its guest would. */
    static void scribble(Path disk, long offset, int bytes, long seed) throws IOException {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.wrap(b), offset);
            c.force(true);
        }
    }

    /** SHA-256 of every file under a VM's data directory (name and content), or empty when it is not there. */
    static Optional<String> digest(Path vmDir) throws Exception {
        if (!Files.isDirectory(vmDir)) {
            return Optional.empty();
        }
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        List<Path> files;
        try (var s = Files.walk(vmDir)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        byte[] buf = new byte[1 << 20];
        for (Path f : files) {
            md.update(vmDir.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
        }
        return Optional.of(HexFormat.of().formatHex(md.digest()));
    }

    @Override
    public void close() {
        ManagerProcess m = manager;
        if (m != null) {
            m.close();
        }
        agents.values().forEach(AgentProcess::close);
    }
}
