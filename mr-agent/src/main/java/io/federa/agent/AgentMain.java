package io.federa.agent;

import io.federa.agent.config.AgentConfig;
import io.federa.agent.config.AgentConfigLoader;
import io.federa.agent.config.ConfigException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code federa-agent [--check] CONFIG.yaml}: runs the MR agent of one host until it is stopped
 * (SIGINT or SIGTERM). Exit codes: 0 stopped cleanly, 2 bad configuration, 1 failed to start.
 */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        java.util.Optional<String> logging = io.federa.common.logging.Logging.init();
        if (logging.isPresent()) {
            System.err.println("federa-agent: " + logging.get());
            System.exit(2);
        }
        PrintStream out = System.out;
        boolean check = false;
        Path file = null;
        for (String a : args) {
            if (a.equals("--check")) {
                check = true;
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println("usage: federa-agent [--check] CONFIG.yaml");
                out.println("  --check  validate the configuration and exit");
                return;
            } else if (file == null && !a.startsWith("-")) {
                file = Path.of(a);
            } else {
                System.err.println("federa-agent: unexpected argument " + a + " (usage: federa-agent [--check] CONFIG.yaml)");
                System.exit(2);
            }
        }
        if (file == null) {
            System.err.println("federa-agent: missing the configuration file (usage: federa-agent [--check] CONFIG.yaml)");
            System.exit(2);
        }
        try {
            io.federa.common.clock.WallClock.offsetWarning("this agent's")
                    .ifPresent(w -> System.err.println("federa-agent: warning: " + w));
        } catch (IllegalArgumentException e) {
            System.err.println("federa-agent: " + e.getMessage());
            System.exit(2);
        }
        if (!Files.isReadable(file)) {
            System.err.println("federa-agent: cannot read " + file);
            System.exit(2);
        }
        AgentConfig config;
        try {
            config = AgentConfigLoader.load(file);
        } catch (ConfigException e) {
            System.err.println("federa-agent: " + file + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        if (check) {
            out.println(file + ": configuration of host " + config.host().id() + " is valid");
            return;
        }
        if (!java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+ExitOnOutOfMemoryError")) {
            System.err.println("federa-agent: warning: started without -XX:+ExitOnOutOfMemoryError (bin/federa-agent sets it): "
                    + "out of memory, this agent could lose the threads that fence its VMs and go on running them");
        }
        Agent agent;
        try {
            agent = Agent.start(config);
        } catch (Exception e) {
            System.err.println("federa-agent: host " + config.host().id() + " failed to start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "agent-shutdown"));
        out.println("federa-agent " + config.host().id() + " ready"
                + " | jolokia " + agent.jolokiaUrl()
                + " (users: " + config.jolokia().users().stream().map(AgentConfig.User::name).collect(Collectors.joining(", ")) + ")"
                + " | metrics " + agent.metricsUrl()
                + config.tls().map(t -> t.requireClientCert() ? " | tls, client certificates required" : " | tls").orElse("")
                + agent.snmpAddress().map(a -> " | snmp " + a + " engine " + agent.snmpEngineId().orElse("")).orElse("")
                + " | hypervisor " + agent.hypervisorUri()
                + " | " + agent.snapshot().vms().size() + " VMs");
        out.flush();
        stopped.await();
    }
}
