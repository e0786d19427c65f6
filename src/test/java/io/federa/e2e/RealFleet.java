package io.federa.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet of real hypervisors under the packaged manager: a QEMU hypervisor per Unix user
 * (libvirt session daemons, software emulation), an agent on each, and a third agent on libvirt's
 * test driver, which runs no QEMU guest (its runtimes are kvm and jvm) but makes the fleet's
 * majority: with two agents, losing one would leave the manager in a minority, acting on nothing.
 * The agents are started and answering; {@link #manager} starts the manager over the three.
 */
final class RealFleet implements AutoCloseable {
    static final String PEER = "peer-1";

    final RealHypervisors hypervisors;
    /** Each agent by its host's name: the peer, then the hypervisors' users. */
    final Map<String, AgentProcess> agents = new LinkedHashMap<>();
    final Map<String, Integer> ports = new LinkedHashMap<>();
    /** Each hypervisor's agent home (its data under {@code data/}), by user. */
    final Map<String, Path> homes = new LinkedHashMap<>();
    private final String password;
    private final Path dir;
    /** How this namespace reaches each agent's Jolokia when the fleet runs in a namespace of its own (on a bridge). */
    private final Map<String, NetnsPort> reach = new LinkedHashMap<>();

    private RealFleet(RealHypervisors hypervisors, String password, Path dir) {
        this.hypervisors = hypervisors;
        this.password = password;
        this.dir = dir;
    }

    /** The hypervisors of {@code users}, each with its agent, and the peer; every agent answering; every guest boots with {@code cmdline}. */
    static RealFleet start(Path dir, String password, String cmdline, String... users) throws Exception {
        Map<String, String> cmdlines = new LinkedHashMap<>();
        for (String u : users) {
            cmdlines.put(u, cmdline);
        }
        return start(dir, password, cmdlines);
    }

    /** As above, each hypervisor's guests booting with the kernel command line given for its user, in that order. */
    static RealFleet start(Path dir, String password, Map<String, String> cmdlines) throws Exception {
        String[] users = cmdlines.keySet().toArray(String[]::new);
        return start(RealHypervisors.up(users), dir, password, cmdlines);
    }

    /**
     * As {@link #start(Path, String, String, String...)}, the whole fleet in a network namespace of
     * its own ({@link RealHypervisors#upOnBridge}): every guest on the bridge with the address it
     * took by DHCP, the agents (and {@link #manager}) inside the namespace, each reached from here
     * through a {@link NetnsPort}.
     */
    static RealFleet startOnBridge(Path dir, String password, String cmdline, String... users) throws Exception {
        Map<String, String> cmdlines = new LinkedHashMap<>();
        for (String u : users) {
            cmdlines.put(u, cmdline);
        }
        return start(RealHypervisors.upOnBridge(users), dir, password, cmdlines);
    }

    private static RealFleet start(RealHypervisors hypervisors, Path dir, String password, Map<String, String> cmdlines)
            throws Exception {
        String[] users = cmdlines.keySet().toArray(String[]::new);
        RealFleet f = new RealFleet(hypervisors, password, dir);
        java.util.Optional<String> netns = hypervisors.netns();
        try {
            f.ports.put(PEER, AgentProcess.freePort());
            Path peerConfig = AgentProcess.emptyHost(PEER, false, dir, f.ports.get(PEER));
            Files.writeString(peerConfig, Files.readString(peerConfig).replace("password: demo-password-3", "password: " + password)
                    .replace("password: demo-password-2", "password: " + password));
            f.agents.put(PEER, AgentProcess.start(peerConfig, Map.of(), netns));
            for (String hv : users) {
                Path home = f.hypervisors.agentHome(hv);
                f.homes.put(hv, home);
                f.ports.put(hv, AgentProcess.freePort());
                String yaml = RealHypervisors.agentConfig(hv, home, f.ports.get(hv), password, cmdlines.get(hv), 20);
                if (netns.isPresent()) {
                    yaml = yaml.replace("libvirt:\n", "libvirt:\n  bridge: " + RealHypervisors.BRIDGE + "\n");
                }
                Path config = RealHypervisors.write(hv, home.resolve("agent.yaml"), yaml);
                f.agents.put(hv, AgentProcess.startAs(hv, home.resolve("mr-agent.jar"), config, netns));
            }
            for (AgentProcess a : f.agents.values()) {
                a.awaitJolokiaUrl(Duration.ofSeconds(120));
            }
            if (netns.isPresent()) {
                for (Map.Entry<String, Integer> e : f.ports.entrySet()) {
                    f.reach.put(e.getKey(), NetnsPort.open(netns.get(), "127.0.0.1", e.getValue()));
                }
            }
            return f;
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
    }

    /** The packaged manager over every agent of the fleet (demo/manager.yaml's settings otherwise), once it reaches them all. */
    ManagerProcess manager() throws Exception {
        StringBuilder list = new StringBuilder();
        for (String hv : ports.keySet()) {
            list.append("  - { name: ").append(hv).append(", address: 127.0.0.1, port: ").append(ports.get(hv))
                    .append(", user: federa, password: ").append(password).append(" }\n");
        }
        String yaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"))
                .replaceAll("(?ms)^agents:\\n(  - .*?\\n)+", "agents:\n" + list)
                .replace("port: 8080", "port: 0")
                .replaceAll("(?m)^  file: .*$", "  file: " + dir.resolve("manager/federa"));
        Path mconf = dir.resolve("manager.yaml");
        Files.writeString(mconf, yaml);
        ManagerProcess m = hypervisors.netns().isPresent() ? ManagerProcess.startIn(hypervisors.netns().get(), mconf)
                : ManagerProcess.start(mconf);
        try {
            m.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream()
                    .filter("REACHABLE"::equals).count() == agents.size(), 60_000);
            return m;
        } catch (Exception | Error e) {
            m.close();
            throw e;
        }
    }

    /** The network namespace the fleet runs in; empty when it runs in this one. */
    java.util.Optional<String> netns() {
        return hypervisors.netns();
    }

    /** One attribute of a VM's MBean, as {@code host}'s agent answers it over Jolokia (a POST read, as its policy wants). */
    String vmAttribute(String host, String vm, String attribute) throws Exception {
        String auth = java.util.Base64.getEncoder().encodeToString(("federa:" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String read = "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,name=" + vm + "\",\"attribute\":\"" + attribute + "\"}";
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + (reach.isEmpty() ? ports.get(host) : reach.get(host).port()) + "/jolokia/"))
                .header("Authorization", "Basic " + auth).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(read)).timeout(Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        com.fasterxml.jackson.databind.JsonNode answer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        if (answer.path("status").asInt() != 200) {
            throw new AssertionError(vm + "'s " + attribute + " on " + host + ": " + r.body());
        }
        return answer.path("value").asText();
    }

    /** What a guest of {@code host} has printed on its serial console so far, by its VM's UUID. */
    String console(String host, String uuid) throws Exception {
        Path log = homes.get(host).resolve("data/vms").resolve(uuid).resolve("console.log");
        return Files.exists(log) ? Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
    }

    /** The hypervisors' users, in the order given. */
    List<String> users() {
        return agents.keySet().stream().filter(a -> !a.equals(PEER)).toList();
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            for (NetnsPort p : reach.values()) {
                p.close();
            }
            for (AgentProcess a : agents.values()) {
                a.close();
            }
        } finally {
            hypervisors.close();
        }
    }
}
