package io.federa.agent;

import io.federa.agent.command.AgentCommands;
import io.federa.agent.command.LeaseEnforcer;
import io.federa.agent.command.LeaseKeeper;
import io.federa.agent.command.LeaseStatements;
import io.federa.agent.command.LeaseWatchdog;
import io.federa.agent.command.OperationLog;
import io.federa.agent.command.PeerChecker;
import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.FenceCause;
import io.federa.agent.core.HostIdentity;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.data.VmDataTransfers;
import io.federa.agent.http.HttpLimits;
import io.federa.agent.jmx.MBeanPublisher;
import io.federa.agent.jolokia.JolokiaEndpoint;
import io.federa.agent.libvirt.GuestNetwork;
import io.federa.agent.libvirt.LibvirtHost;
import io.federa.agent.libvirt.TestDriverState;
import io.federa.agent.libvirt.TestNodeFile;
import io.federa.agent.metrics.AgentHttpServer;
import io.federa.agent.metrics.AgentMetrics;
import io.federa.agent.metrics.TransferMetrics;
import io.federa.agent.sampler.Sampler;
import io.federa.agent.snmp.SnmpEndpoint;
import io.federa.agent.supervisor.SupervisorLink;
import io.federa.agent.tls.AgentTls;
import io.federa.common.http.ListenerMetrics;
import io.federa.common.http.NetworkTransport;
import io.federa.common.metrics.RuntimeMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running MR agent: the hypervisor connection, the sampler, and the agent's faces (JMX over
 * Jolokia, Prometheus metrics). {@link #start} brings them up in dependency order and
 * {@link #close} takes them down in reverse; a failure half-way closes what was started.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    public static final String DEFAULT_NETWORK = "default";

    private final AgentConfig config;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private Sampler sampler;
    private JolokiaEndpoint jolokia;
    private volatile AgentHttpServer http;
    private LibvirtHost host;
    private SnmpEndpoint snmp;

    private Agent(AgentConfig config) {
        this.config = config;
    }

    public static Agent start(AgentConfig config) throws Exception {
        Agent agent = new Agent(config);
        try {
            agent.bringUp();
            return agent;
        } catch (Exception | Error e) {
            agent.close();
            throw e;
        }
    }

    public static String version() {
        String v = Agent.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * Where the VMs' network cards go: the configured bridge or libvirt network; with neither,
     * the test driver's network named default, or QEMU's user-mode network on a real hypervisor
     * (which may have no libvirt network at all: a session one never has).
     */
    static GuestNetwork guestNetwork(AgentConfig.Libvirt libvirt, boolean testDriver) {
        if (libvirt.bridge().isPresent()) {
            return GuestNetwork.bridge(libvirt.bridge().get());
        }
        if (libvirt.network().isPresent() || testDriver) {
            return GuestNetwork.network(libvirt.network().orElse(DEFAULT_NETWORK));
        }
        return GuestNetwork.USER_MODE;
    }

    private void bringUp() throws Exception {
        Path dataDir = config.dataDir();
        Files.createDirectories(dataDir);
        Path vmDir = dataDir.resolve("vms");
        Files.createDirectories(vmDir);

        Optional<TestDriverState> testState = Optional.empty();
        String uri;
        if (config.libvirt().uri().isPresent()) {
            uri = config.libvirt().uri().get();
        } else {
            AgentConfig.TestNode shape = config.libvirt().testNode().orElseThrow();
            Path node = dataDir.resolve("node.xml");
            TestDriverState state = new TestDriverState(dataDir.resolve("test-driver"));
            if (!state.exists()) {
                state.seed(shape, vmDir, guestNetwork(config.libvirt(), true), node);
                LOG.info("seeded the test driver's node with " + shape.vms().size() + " VMs in " + dataDir);
            }
            List<String> stopped = state.stopManaged();
            if (!stopped.isEmpty()) {
                LOG.warn("started without a lease: managed VMs " + String.join(", ", stopped)
                        + " were running when the agent stopped and stay shut off (they may run elsewhere now)");
            }
            TestNodeFile.write(node, shape.cpus(), shape.cpuMhz(), shape.memoryMiB() * 1024, shape.storageGiB() << 30,
                    vmDir, state.load());
            testState = Optional.of(state);
            uri = "test://" + node.toAbsolutePath();
        }

        AtomicReference<Sampler> samplerRef = new AtomicReference<>();
        host = LibvirtHost.open(uri, uuid -> {
            Sampler s = samplerRef.get();
            if (s != null) {
                s.requestSample();
            }
        });
        started.push(host);
        config.libvirt().guest().ifPresent(g -> host.bootGuestsFrom(new LibvirtHost.GuestBoot(g.kernel(), g.initrd(), g.cmdline(), g.forwardAddress())));
        GuestNetwork network = guestNetwork(config.libvirt(), host.isTestDriver());
        config.libvirt().bridge().ifPresent(b -> {
            // Only a warning: the bridge may come up after the agent, and an agent that refused to
            // start would leave its running guests without a lease.
            if (!Files.isDirectory(Path.of("/sys/class/net", b, "bridge"))) {
                LOG.warn("libvirt.bridge: this host has no bridge named " + b + " (no /sys/class/net/" + b
                        + "/bridge): VMs attached to it do not start until it exists");
            }
        });
        LOG.info("guests' network cards: " + network);

        long startedAt = System.currentTimeMillis();
        HostIdentity identity = new HostIdentity(config.host().id(), config.host().site(), config.host().offsite(),
                config.host().securityLevel(), config.host().runtimes(), config.cost(),
                configuredStorage(), config.capacity().networkBitsPerSecond(), version(),
                startedAt);
        sampler = new Sampler(host, identity, config.sampleInterval());
        samplerRef.set(sampler);
        started.push(sampler);

        LeaseStatements statements = new LeaseStatements(config.lease().managerKeys().stream()
                .map(LeaseStatements::publicKey).toList());
        if (!statements.verifies()) {
            LOG.warn("no lease.managerKeys configured: lease statements are believed without a signature");
        }
        LeaseKeeper lease = new LeaseKeeper(System::nanoTime, Optional.of(dataDir.resolve("lease-statement.json")), statements);
        // On a real hypervisor the guests outlive this JVM: a process of its own powers them off
        // when this agent can no longer (killed, frozen, out of memory). On the test driver they
        // die with the JVM.
        LeaseEnforcer enforcer = LeaseEnforcer.NONE;
        if (!host.isTestDriver()) {
            if (config.lease().supervisor()) {
                SupervisorLink link = SupervisorLink.start(uri, dataDir);
                started.push(link);
                enforcer = link;
            } else {
                LOG.warn("lease.supervisor is off: if this agent is killed or frozen, its managed guests on " + uri
                        + " run on past its lease, maybe beside their replacements on other hosts");
            }
        }
        OperationLog operations = new OperationLog(dataDir, OperationLog.DEFAULT_CAPACITY);
        started.push(operations);
        AgentCommands commands = new AgentCommands(host, sampler, config.host().id(), vmDir, network, testState,
                lease, operations, config.libvirt().shutdownTimeout(), enforcer);
        started.push(commands);
        sampler.fencing(commands::fencing);
        // A host that comes back holds no lease: its managed VMs may be running elsewhere by now.
        // Before anything can see or command this host, none of them may run here.
        int fenced = commands.fence(FenceCause.AGENT_START, "the agent started without a lease");
        if (fenced > 0) {
            LOG.warn("powered off " + fenced + " managed VMs found running at start");
        }
        ExecutorService peerAsks = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "lease-peer-client");
            t.setDaemon(true);
            return t;
        });
        started.push(peerAsks::shutdownNow);
        // Certificates were read and checked with the configuration; the contexts are built here,
        // before any event loop runs.
        Optional<AgentTls> tls = config.tls().map(AgentTls::of);
        Optional<javax.net.ssl.SSLContext> clientTls = tls.map(AgentTls::clientContext);
        PeerChecker peers = new PeerChecker(statements, peerAsks, clientTls);
        LeaseWatchdog watchdog = new LeaseWatchdog(lease, sampler::latest, commands::fence, peers::check, enforcer);

        // Every HTTP listener and the data pulls run on these two event loops; JMX work, scrapes and transfers go to
        // bounded worker pools of their own (docs/agent.md, "Limits on every listener").
        Vertx vertx = Vertx.vertx(NetworkTransport.preferred(new VertxOptions()).setEventLoopPoolSize(2).setWorkerPoolSize(2)
                .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
        started.push(() -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        LOG.info("network transport: " + NetworkTransport.describe(vertx));
        VmDataTransfers data = new VmDataTransfers(config.host().id(), vmDir, commands::presence, vertx, tls);
        started.push(data);
        MBeanPublisher publisher = new MBeanPublisher(ManagementFactory.getPlatformMBeanServer(), sampler::latest, commands,
                data);
        sampler.addListener(publisher);
        sampler.start();
        publisher.registerStatic();
        started.push(publisher);
        watchdog.start();
        started.push(watchdog);

        jolokia = JolokiaEndpoint.start(vertx, config.jolokia(), dataDir, HttpLimits.DEFAULT, tls, sampler::latest);
        started.push(jolokia);
        sampler.addListener(jolokia.sampleListener());

        if (config.snmp().isPresent()) {
            snmp = SnmpEndpoint.start(config.snmp().get(), dataDir, sampler::latest);
            started.push(snmp);
            sampler.addListener(snmp);
        }

        PrometheusRegistry registry = new PrometheusRegistry();
        String hostId = config.host().id();
        registry.register(new AgentMetrics(hostId, sampler::latest, sampler::failures, commands::fencedVmsByCause, commands.lease(),
                enforcer));
        registry.register(new TransferMetrics(hostId, data));
        ListenerMetrics.register(registry, "mr_agent", io.prometheus.metrics.model.snapshots.Labels.of("host", hostId),
                () -> http == null ? List.of(jolokia.server()) : List.of(jolokia.server(), http.server()));
        RuntimeMetrics.register(registry, io.prometheus.metrics.model.snapshots.Labels.of("host", hostId));
        http = AgentHttpServer.start(vertx, config.metrics(), registry, sampler::latest, Optional.of(data::serve),
                lease::latestEnvelope, HttpLimits.DEFAULT, tls);
        started.push(http);
        data.baseUrl(http.baseUrl());
        lease.advertise(http.baseUrl() + AgentHttpServer.LEASE_PATH);
    }

    /**
     * The storage capacity to report when configured. libvirt's test driver ignores the size of
     * a pool in its node file (it always says 100 GiB), so the generated node's size stands in.
     */
    private long configuredStorage() {
        if (config.capacity().storageBytes().isPresent()) {
            return config.capacity().storageBytes().getAsLong();
        }
        return config.libvirt().testNode().map(n -> n.storageGiB() << 30).orElse(0L);
    }

    public AgentConfig config() {
        return config;
    }

    public HostSnapshot snapshot() {
        return sampler.latest();
    }

    public String jolokiaUrl() {
        return jolokia.url();
    }

    public JolokiaEndpoint jolokia() {
        return jolokia;
    }

    public String metricsUrl() {
        return http.baseUrl() + "/metrics";
    }

    /** The SNMP agent's UDP address, e.g. {@code udp:127.0.0.1/16161}, or empty when SNMP is off. */
    public Optional<String> snmpAddress() {
        return Optional.ofNullable(snmp).map(s -> "udp:" + s.address().getAddress().getHostAddress() + "/" + s.address().getPort());
    }

    /** The SNMP face, or empty when SNMP is off. */
    public Optional<SnmpEndpoint> snmp() {
        return Optional.ofNullable(snmp);
    }

    public Optional<String> snmpEngineId() {
        return Optional.ofNullable(snmp).map(SnmpEndpoint::engineId);
    }

    public String hypervisorUri() {
        return host.uri();
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("stopping " + c.getClass().getSimpleName() + " failed", e);
            }
        }
    }
}
