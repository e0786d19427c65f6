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
    private final String password;
    private final Path dir;

    private RealFleet(RealHypervisors hypervisors, String password, Path dir) {
        this.hypervisors = hypervisors;
        this.password = password;
        this.dir = dir;
    }

    /** The hypervisors of {@code users}, each with its agent, and the peer; every agent answering. */
    static RealFleet start(Path dir, String password, String cmdline, String... users) throws Exception {
        RealFleet f = new RealFleet(RealHypervisors.up(users), password, dir);
        try {
            f.ports.put(PEER, AgentProcess.freePort());
            Path peerConfig = AgentProcess.emptyHost(PEER, false, dir, f.ports.get(PEER));
            Files.writeString(peerConfig, Files.readString(peerConfig).replace("password: demo-password-3", "password: " + password)
                    .replace("password: demo-password-2", "password: " + password));
            f.agents.put(PEER, AgentProcess.start(peerConfig));
            for (String hv : users) {
                Path home = f.hypervisors.agentHome(hv);
                f.ports.put(hv, AgentProcess.freePort());
                Path config = RealHypervisors.write(hv, home.resolve("agent.yaml"),
                        RealHypervisors.agentConfig(hv, home, f.ports.get(hv), password, cmdline, 20));
                f.agents.put(hv, AgentProcess.startAs(hv, home.resolve("mr-agent.jar"), config));
            }
            for (AgentProcess a : f.agents.values()) {
                a.awaitJolokiaUrl(Duration.ofSeconds(120));
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
        ManagerProcess m = ManagerProcess.start(mconf);
        try {
            m.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream()
                    .filter("REACHABLE"::equals).count() == agents.size(), 60_000);
            return m;
        } catch (Exception | Error e) {
            m.close();
            throw e;
        }
    }

    /** The hypervisors' users, in the order given. */
    List<String> users() {
        return agents.keySet().stream().filter(a -> !a.equals(PEER)).toList();
    }

    @Override
    public void close() throws java.io.IOException {
        try {
            for (AgentProcess a : agents.values()) {
                a.close();
            }
        } finally {
            hypervisors.close();
        }
    }
}
