package io.federa.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.federa.agent.config.AgentConfig;
import io.federa.agent.config.AgentConfigLoader;
import io.federa.agent.libvirt.TestDriverState;
import io.federa.agent.libvirt.TestNodeFile;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * A real agent for tests: libvirt's test driver on a generated node, Jolokia and metrics on
 * ephemeral loopback ports, and a small Jolokia client that speaks plain HTTP.
 * One agent at a time per JVM: its MBeans live on the platform MBean server.
 */
public final class AgentFixture implements AutoCloseable {
    public static final String USER = "noc";
    public static final String PASSWORD = "fixture-password";
    static final ObjectMapper JSON = new ObjectMapper();

    public final Path dir;
    public final Agent agent;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Stops this fixture's agent and starts a new one on the same configuration and data. */
    public AgentFixture restart() throws Exception {
        agent.close();
        return new AgentFixture(dir, Agent.start(AgentConfigLoader.load(dir.resolve("agent.yaml"))));
    }

    private AgentFixture(Path dir, Agent agent) {
        this.dir = dir;
        this.agent = agent;
    }

    /** A host with 8 CPUs at 2100 MHz, 16 GiB, 500 GiB of storage and three VMs (two running). */
    public static AgentFixture start(String extraVms) throws Exception {
        return start(extraVms, "");
    }

    /** SNMPv3 users of {@link #withSnmp}: name, auth pass, priv pass (SHA-256 and AES-128). */
    public static final String SNMP_USER = "noc";
    public static final String SNMP_AUTH = "noc-auth-pass";
    public static final String SNMP_PRIV = "noc-priv-pass";

    /** The fixture's host with an SNMP face on an ephemeral port, sending traps to {@code trapPort} if positive. */
    public static AgentFixture withSnmp(int trapPort) throws Exception {
        return withSnmp(trapPort, "");
    }

    /** As {@link #withSnmp(int)}, with extra lines in the snmp section (e.g. a community). */
    public static AgentFixture withSnmp(int trapPort, String extraSnmp) throws Exception {
        String notify = trapPort <= 0 ? "" : """
                  notify:
                    - { address: 127.0.0.1, port: %d, user: noc, type: trap }
                """.formatted(trapPort);
        return start("", """
                snmp:
                  address: 127.0.0.1
                  port: 0
                  users:
                    - { name: noc, auth: SHA-256, authPassword: noc-auth-pass, priv: AES-128, privPassword: noc-priv-pass }
                    - { name: ops, auth: SHA-512, authPassword: ops-auth-pass, priv: AES-256, privPassword: ops-priv-pass }
                """ + extraSnmp + notify);
    }

    public static AgentFixture start(String extraVms, String extraSections) throws Exception {
        return start(extraVms, extraSections, "");
    }

    /** As {@link #start(String, String)}, with extra lines in the jolokia section (e.g. a {@code policyFile}). */
    public static AgentFixture start(String extraVms, String extraSections, String extraJolokia) throws Exception {
        Path dir = Files.createTempDirectory("federa-agent-test");
        String yaml = """
                host:
                  id: test-host
                  site: lab
                  offsite: true
                  securityLevel: 2
                  runtimes: [kvm]
                libvirt:
                  testNode:
                    cpus: 8
                    cpuMhz: 2100
                    memoryMiB: 16384
                    storageGiB: 500
                    vms:
                      - { name: web-1, application: web, service: shop, vcpus: 2, memoryMiB: 2048, diskGiB: 20 }
                      - { name: db-1, application: catalog-db, service: shop, vcpus: 4, memoryMiB: 4096, diskGiB: 200 }
                      - { name: batch-1, application: reports, service: backoffice, vcpus: 1, memoryMiB: 1024, diskGiB: 10, running: false }
                %s
                capacity:
                  networkMbps: 1000
                cost:
                  currency: EUR
                  perCpuSecond: 0.00002
                  perStorageGiBHour: 0.0001
                  perNetworkGB: 0.01
                  perNetworkPacket: 0.0000001
                jolokia:
                  address: 127.0.0.1
                  port: 0
                  users:
                    - { name: noc, password: fixture-password }
                    - { name: manager, password: another-password }
                %s
                metrics:
                  address: 127.0.0.1
                  port: 0
                dataDir: data
                sampleInterval: 1s
                %s
                """.formatted(extraVms, extraJolokia.indent(2).stripTrailing(), extraSections);
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, yaml);
        AgentConfig config = AgentConfigLoader.load(file);
        return new AgentFixture(dir, Agent.start(config));
    }

    public static AgentFixture start() throws Exception {
        return start("");
    }

    /**
     * A libvirt URI that shows the hypervisor as the agent left it: a node file composed from the
     * state the agent saved after its last command, opened by a connection of the caller's own
     * (the test driver gives each connection a private copy, so this is the only way another
     * process can see the agent's domains).
     */
    public String libvirtView() throws IOException {
        Path view = dir.resolve("view-" + System.nanoTime() + ".xml");
        TestNodeFile.write(view, 8, 2100, 16L * 1024 * 1024, 500L << 30, dir.resolve("data/vms"),
                new TestDriverState(dir.resolve("data/test-driver")).load());
        return "test://" + view.toAbsolutePath();
    }

    /** The domain XML the agent saved for a VM, as libvirt produced it. */
    public String savedXml(String uuid) throws IOException {
        return Files.readString(dir.resolve("data/test-driver/domains/" + uuid + ".xml"));
    }

    /** POSTs a Jolokia request (object or array) with the fixture's credentials. */
    public JsonNode post(JsonNode request) throws IOException, InterruptedException {
        HttpResponse<String> r = send(request.toString(), USER, PASSWORD);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    public HttpResponse<String> send(String body, String user, String password) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(agent.jolokiaUrl()))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String url, String user, String password) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static ObjectNode read(String mbean) {
        return JSON.createObjectNode().put("type", "read").put("mbean", mbean);
    }

    public static ObjectNode exec(String mbean, String operation, Object... args) {
        ObjectNode n = JSON.createObjectNode().put("type", "exec").put("mbean", mbean).put("operation", operation);
        ArrayNode a = n.putArray("arguments");
        for (Object o : args) {
            a.addPOJO(o);
        }
        return n;
    }

    /**
     * Renews the agent's lease as a manager would, with an unsigned statement (the fixture
     * configures no key), in a fleet of two whose other member never answers: once the lease runs
     * out, this host is isolated and fences.
     */
    public JsonNode renewLease(String holder, long leaseMillis) throws IOException, InterruptedException {
        java.util.Map<String, String> fleet = new java.util.LinkedHashMap<>();
        fleet.put("host-1", "http://127.0.0.1:9/lease/v1/latest");
        fleet.put("host-2", "http://127.0.0.1:9/lease/v1/latest");
        return command("renewLease", Leases.statement().holder(holder).lease(leaseMillis).members(fleet).unsigned(), "host-1");
    }

    public JsonNode command(String operation, Object... args) throws IOException, InterruptedException {
        return post(exec("federa:type=Agent", operation, args));
    }

    /** Every VM MBean's attributes by VM name, from one pattern read. */
    public JsonNode vms() throws IOException, InterruptedException {
        JsonNode r = post(read("federa:type=VirtualMachine,*"));
        if (r.path("status").asInt() != 200) {
            throw new IllegalStateException(r.toString());
        }
        ObjectNode byName = JSON.createObjectNode();
        r.path("value").fields().forEachRemaining(e -> byName.set(e.getValue().path("Name").asText(), e.getValue()));
        return byName;
    }

    public JsonNode host() throws IOException, InterruptedException {
        return post(read("federa:type=Host")).path("value");
    }

    @Override
    public void close() throws IOException {
        agent.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
