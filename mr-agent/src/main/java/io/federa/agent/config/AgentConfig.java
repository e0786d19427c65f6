package io.federa.agent.config;

import io.federa.common.snmp.SnmpAgentEngine;
import io.federa.common.snmp.SnmpUser;

import io.federa.agent.core.CostRates;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The validated configuration of one MR agent, one per physical host. Built only by
 * {@link AgentConfigLoader}, which checks every field and names the faulty one.
 */
public record AgentConfig(Host host, Libvirt libvirt, Capacity capacity, CostRates cost,
                          Jolokia jolokia, Endpoint metrics, Optional<Snmp> snmp, Path dataDir,
                          Duration sampleInterval, LeaseSettings lease, Optional<Tls> tls) {

    public AgentConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(libvirt, "libvirt");
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(jolokia, "jolokia");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(snmp, "snmp");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(sampleInterval, "sampleInterval");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(tls, "tls");
    }

    /** Without TLS: every listener speaks plain HTTP. */
    public AgentConfig(Host host, Libvirt libvirt, Capacity capacity, CostRates cost, Jolokia jolokia, Endpoint metrics,
                       Optional<Snmp> snmp, Path dataDir, Duration sampleInterval, LeaseSettings lease) {
        this(host, libvirt, capacity, cost, jolokia, metrics, snmp, dataDir, sampleInterval, lease, Optional.empty());
    }

    /**
     * TLS on every HTTP listener (Jolokia, and metrics with data and lease statements), read from
     * the files named at start: this process's certificate (PEM, its chain after it) and PKCS#8
     * key, and the authority that the certificates of clients (when required) and of peers (always,
     * for peer checks and data pulls) must chain to. {@code toString} shows the files, never the key.
     */
    public record Tls(Path certFile, Path keyFile, Path caFile, boolean requireClientCert, String certPem, String keyPem,
                      String caPem) {
        @Override
        public String toString() {
            return "Tls[cert=" + certFile + ", key=" + keyFile + ", ca=" + caFile + ", clientAuth="
                    + (requireClientCert ? "required" : "none") + "]";
        }
    }

    /**
     * How the host's lease is checked and enforced.
     *
     * @param managerKeys the managers' Ed25519 public keys (base64 X.509), whose signatures on lease
     *                    statements the agent believes; empty: statements are believed unsigned
     * @param supervisor  whether, on a real hypervisor, a lease supervisor process outside the
     *                    agent's JVM powers the managed guests off when the agent stops feeding it
     *                    (see {@code io.federa.agent.supervisor}); without it a killed or frozen
     *                    agent's guests run on past the lease
     */
    public record LeaseSettings(List<String> managerKeys, boolean supervisor) {
        public LeaseSettings {
            managerKeys = List.copyOf(managerKeys);
        }
    }

    /** Who this host is, where it stands and what it offers. */
    public record Host(String id, String site, boolean offsite, int securityLevel, List<String> runtimes) {
        public Host {
            runtimes = List.copyOf(runtimes);
        }
    }

    /**
     * The virtualization layer. With no {@code uri}, the agent runs libvirt's test driver on a
     * node file of its own, generated from {@code testNode} on first start and kept in the data
     * directory afterwards. On a real hypervisor, {@code guest} says how the VMs it defines boot,
     * and a shutdown that the guest has not completed within {@code shutdownTimeout} ends in a
     * destroy. The VMs' network cards are on the libvirt {@code network}, or on the host's
     * {@code bridge} (at most one of the two), or else on QEMU's user-mode network (the test
     * driver's: its network named default).
     */
    public record Libvirt(Optional<String> uri, Optional<String> network, Optional<String> bridge,
                          Optional<TestNode> testNode, Optional<Guest> guest, Duration shutdownTimeout) {
        public Libvirt {
            Objects.requireNonNull(bridge, "bridge");
            Objects.requireNonNull(guest, "guest");
            Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
            if (network.isPresent() && bridge.isPresent()) {
                throw new IllegalArgumentException("a network and a bridge: the VMs' cards go on one of them");
            }
        }

        public Libvirt(Optional<String> uri, Optional<String> network, Optional<TestNode> testNode) {
            this(uri, network, Optional.empty(), testNode, Optional.empty(), DEFAULT_SHUTDOWN_TIMEOUT);
        }
    }

    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /**
     * What a VM defined on a real hypervisor boots: a kernel and an initrd read by the hypervisor
     * (direct kernel boot), with this command line; and where its forwarded ports listen.
     *
     * @param forwardAddress the IPv4 address of this host on which the guests' forwarded TCP ports
     *                       listen, and which the agent reports for them: 127.0.0.1 (the default)
     *                       when the managers run on this host, else an address they reach it at
     */
    public record Guest(Path kernel, Path initrd, String cmdline, String forwardAddress) {
        public static final String LOOPBACK = "127.0.0.1";

        /** Forwarded ports on loopback only. */
        public Guest(Path kernel, Path initrd, String cmdline) {
            this(kernel, initrd, cmdline, LOOPBACK);
        }
    }

    /** The node that libvirt's test driver simulates, and the VMs it holds at first start. */
    public record TestNode(int cpus, int cpuMhz, long memoryMiB, long storageGiB, List<TestVm> vms) {
        public TestNode {
            vms = List.copyOf(vms);
        }
    }

    public record TestVm(String name, String application, String service, int vcpus, long memoryMiB,
                         long diskGiB, boolean running) {
    }

    /** Capacities the hypervisor cannot report itself. */
    public record Capacity(OptionalLong storageBytes, long networkBitsPerSecond) {
    }

    public record Jolokia(String address, int port, List<User> users, Optional<Path> policyFile) {
        public Jolokia {
            users = List.copyOf(users);
        }
    }

    /** A Jolokia user. {@code toString} never shows the password. */
    public record User(String name, String password) {
        @Override
        public String toString() {
            return "User[name=" + name + ", password=***]";
        }
    }

    public record Endpoint(String address, int port) {
    }

    /**
     * The SNMP face: SNMPv3 users (authPriv with SHA-2 and AES only), an optional read-only
     * SNMPv1/v2c community (insecure, off unless given), where notifications go, and the
     * sysContact the agent tells stations.
     */
    public record Snmp(String address, int port, List<SnmpUser> users, Optional<String> community,
                       List<SnmpAgentEngine.NotifyTarget> notifyTargets, String contact) {
        public Snmp {
            users = List.copyOf(users);
            notifyTargets = List.copyOf(notifyTargets);
            contact = Objects.requireNonNullElse(contact, "");
        }

        @Override
        public String toString() {
            return "Snmp[address=" + address + ", port=" + port + ", users=" + users + ", community="
                    + community.map(c -> "***").orElse("none") + ", notify=" + notifyTargets + ", contact=" + contact + "]";
        }
    }
}
