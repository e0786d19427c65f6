package io.federa.manager.config;

import io.federa.common.http.ListenerLimits;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The manager's validated configuration. Built only by {@link ManagerConfigLoader}. */
public record ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                            Store store, Api api, List<Token> tokens, Lifecycle lifecycle, Migration migration,
                            Cluster cluster, Audit audit, java.util.Optional<Tls> tls,
                            java.util.Optional<SnmpServer> snmp, Cost cost) {
    public ManagerConfig {
        agents = List.copyOf(agents);
        tokens = List.copyOf(tokens);
        java.util.Objects.requireNonNull(tls, "tls");
        java.util.Objects.requireNonNull(snmp, "snmp");
        java.util.Objects.requireNonNull(cost, "cost");
    }

    /** With an SNMP face, and cost kept by default. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens, Lifecycle lifecycle, Migration migration,
                         Cluster cluster, Audit audit, java.util.Optional<Tls> tls, java.util.Optional<SnmpServer> snmp) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, lifecycle, migration, cluster,
                audit, tls, snmp, Cost.defaults());
    }

    /** Without an SNMP face, with cost as given. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens, Lifecycle lifecycle, Migration migration,
                         Cluster cluster, Audit audit, java.util.Optional<Tls> tls, Cost cost) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, lifecycle, migration, cluster,
                audit, tls, java.util.Optional.empty(), cost);
    }

    /** Without an SNMP face, and cost kept by default. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens, Lifecycle lifecycle, Migration migration,
                         Cluster cluster, Audit audit, java.util.Optional<Tls> tls) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, lifecycle, migration, cluster,
                audit, tls, java.util.Optional.empty(), Cost.defaults());
    }

    /**
     * The manager's SNMP face (FEDERA-MANAGER-MIB), with the MR agent's user model: SNMPv3 users at
     * authPriv (SHA-2, AES), an optional read-only SNMPv1/v2c community (off unless given, with a
     * warning), and what sysContact and sysLocation say. {@code toString} shows no secret.
     */
    public record SnmpServer(String address, int port, List<io.federa.common.snmp.SnmpUser> users,
                             java.util.Optional<String> community, String contact, String location, Path engineFile,
                             List<io.federa.common.snmp.SnmpAgentEngine.NotifyTarget> notifyTargets) {
        public SnmpServer {
            users = List.copyOf(users);
            notifyTargets = List.copyOf(notifyTargets);
            java.util.Objects.requireNonNull(community, "community");
        }

        @Override
        public String toString() {
            return "SnmpServer[address=" + address + ", port=" + port + ", users=" + users + ", community="
                    + community.map(c -> "***").orElse("none") + ", contact=" + contact + ", location=" + location
                    + ", engineFile=" + engineFile + ", notify=" + notifyTargets + "]";
        }
    }

    /**
     * Cost metering (docs/cost.md): an interval between two samples of a host longer than
     * {@code gap} is a gap, not billed; a minute is written once {@code grace} has passed since
     * it ended (late samples still count); each resolution is kept for its retention; a shared
     * application's cost is split among its services by {@code split} (application → service →
     * weight; a service not named counts 1); a service may have a budget, which an alert compares
     * with its spending.
     */
    public record Cost(Duration gap, Duration grace, Duration minutes, Duration hours, Duration days,
                       java.util.Map<String, java.util.Map<String, Double>> split, java.util.Map<String, io.federa.manager.core.cost.Budget> budgets) {
        public Cost {
            split = java.util.Map.copyOf(split);
            budgets = java.util.Map.copyOf(budgets);
        }

        public Cost(Duration gap, Duration grace, Duration minutes, Duration hours, Duration days,
                    java.util.Map<String, java.util.Map<String, Double>> split) {
            this(gap, grace, minutes, hours, days, split, java.util.Map.of());
        }

        public static Cost defaults() {
            return new Cost(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofDays(7), Duration.ofDays(90),
                    Duration.ofDays(730), java.util.Map.of());
        }
    }


    /** Without TLS: the API and the agents are spoken to in plain HTTP. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens, Lifecycle lifecycle, Migration migration,
                         Cluster cluster, Audit audit) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, lifecycle, migration, cluster,
                audit, java.util.Optional.empty());
    }

    /**
     * TLS on the API (and the Alertmanager webhook) and on every connection to a Jolokia agent,
     * read from the files named at start: the manager's certificate (PEM, its chain after it) and
     * PKCS#8 key, served on the API and presented to agents that require client certificates, and
     * the authority the agents' certificates must chain to. {@code toString} shows the files only.
     */
    public record Tls(Path certFile, Path keyFile, Path caFile, String certPem, String keyPem, String caPem) {
        @Override
        public String toString() {
            return "Tls[cert=" + certFile + ", key=" + keyFile + ", ca=" + caFile + "]";
        }
    }

    /** With the audit log in the store only. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens, Lifecycle lifecycle, Migration migration,
                         Cluster cluster) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, lifecycle, migration, cluster,
                Audit.defaults());
    }

    /** Where the audit log goes besides the store: a file of JSON lines, appended to (empty: none). */
    public record Audit(java.util.Optional<Path> file) {
        public static Audit defaults() {
            return new Audit(java.util.Optional.empty());
        }
    }

    /** With a cluster of one. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens, Lifecycle lifecycle, Migration migration) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, lifecycle, migration,
                Cluster.defaults());
    }

    /**
     * This manager among those that share the store: its name (the lease holder agents see), the
     * address others are sent to when it leads (empty: its API address), and how long its claim
     * to lead holds unless renewed.
     */
    public record Cluster(String name, String url, Duration leaderTtl, Duration followerPoll) {
        public static final String DEFAULT_NAME = "federa-manager";

        public static Cluster defaults() {
            return new Cluster(DEFAULT_NAME, "", Duration.ofSeconds(3), Duration.ofSeconds(5));
        }

        /**
         * While following, each agent is polled once every this many poll turns (at least 1): a
         * follower keeps a warm inventory without costing the agents and itself what the leader does.
         */
        public int followerTurns(Duration pollInterval) {
            return (int) Math.max(1, Math.round((double) followerPoll.toMillis() / pollInterval.toMillis()));
        }
    }

    /** With the migrations' defaults. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens, Lifecycle lifecycle) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, lifecycle, Migration.defaults());
    }

    /**
     * How VMs move: how long a moved VM must run at its destination before the source's copy is
     * deleted, copy attempts before rolling back, how long a VM may take to shut down before it is
     * powered off, and how many migrations run at once.
     */
    /**
     * @param stuckAfter how long a migration may go without a change of phase or progress in its
     *                   copy before it is reported stuck (an event and an SNMP notification)
     */
    public record Migration(Duration settle, int copyAttempts, Duration stopTimeout, int concurrent, Duration stuckAfter) {
        /** As the alert FederaMigrationStuck (alert-rules/federa-alerts.yml): 600 s stalled. */
        public static final Duration DEFAULT_STUCK_AFTER = Duration.ofMinutes(10);

        public static Migration defaults() {
            return new Migration(Duration.ofSeconds(5), 5, Duration.ofSeconds(60), 2, DEFAULT_STUCK_AFTER);
        }

        /** With the default stuckAfter (10 minutes). */
        public Migration(Duration settle, int copyAttempts, Duration stopTimeout, int concurrent) {
            this(settle, copyAttempts, stopTimeout, concurrent, DEFAULT_STUCK_AFTER);
        }
    }

    /** With the lifecycle's defaults. */
    public ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                         Store store, Api api, List<Token> tokens) {
        this(agents, pollInterval, missedPollsAllowed, maxConcurrentPolls, store, api, tokens, Lifecycle.defaults(),
                Migration.defaults());
    }

    /**
     * How services are kept running: the lease each poll renews on the agents, how long a host may
     * stay unreachable before its VMs are placed elsewhere (and the margin past its lease), and the
     * placement settings.
     */
    public record Lifecycle(Duration lease, Duration grace, Duration leaseMargin, double cpuOvercommit,
                            io.federa.manager.core.placement.Strategy strategy, long seed, Duration clockSkew,
                            String signingKey) {
        public static Lifecycle defaults() {
            return new Lifecycle(Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofSeconds(1), 1.0,
                    io.federa.manager.core.placement.Strategy.SPREAD, 0, Duration.ofMillis(500), "");
        }

        public Lifecycle(Duration lease, Duration grace, Duration leaseMargin, double cpuOvercommit,
                         io.federa.manager.core.placement.Strategy strategy, long seed) {
            this(lease, grace, leaseMargin, cpuOvercommit, strategy, seed, Duration.ofMillis(500), "");
        }

        /**
         * How much later a peer's lease statement must have been issued to prove a manager alive
         * without a host: two poll intervals (one round of renewals, and the wait for a slot) and
         * the clock skew between managers.
         */
        public long gapMillis(Duration pollInterval) {
            return 2 * pollInterval.toMillis() + clockSkew.toMillis();
        }

        /** How long a verdict of its peers that the managers are away lets a host run its VMs: half a lease. */
        public long peerGrantMillis() {
            return lease.toMillis() / 2;
        }

        @Override
        public String toString() {
            return "Lifecycle[lease=" + lease + ", grace=" + grace + ", leaseMargin=" + leaseMargin + ", cpuOvercommit="
                    + cpuOvercommit + ", strategy=" + strategy + ", seed=" + seed + ", clockSkew=" + clockSkew
                    + ", signingKey=" + (signingKey.isEmpty() ? "none" : "(set)") + "]";
        }
    }

    public enum Transport { JOLOKIA, SNMP }

    /**
     * One agent to poll. For {@code transport: snmp}, {@code user} is the USM user, {@code password}
     * is empty and {@link #snmp} holds the rest; it is null for Jolokia. {@code toString} never shows
     * a password.
     */
    public record Agent(String name, String address, int port, Transport transport, String user, String password,
                        Snmp snmp, String dataUrl, String fingerprint) {
        public Agent(String name, String address, int port, Transport transport, String user, String password) {
            this(name, address, port, transport, user, password, null, "", "");
        }

        public Agent(String name, String address, int port, Transport transport, String user, String password, Snmp snmp) {
            this(name, address, port, transport, user, password, snmp, "", "");
        }

        public Agent(String name, String address, int port, Transport transport, String user, String password, Snmp snmp,
                     String dataUrl) {
            this(name, address, port, transport, user, password, snmp, dataUrl, "");
        }

        /**
         * @param fingerprint the SHA-256 fingerprint of the certificate this agent must present
         *                    (upper-case hex pairs joined by colons); empty: any certificate of the
         *                    configured authority that names its address
         */
        public Agent {
            dataUrl = dataUrl == null ? "" : dataUrl;
            fingerprint = fingerprint == null ? "" : fingerprint;
        }

        /**
         * Where others reach what this agent offers on its data and metrics port (its VM data, its
         * latest lease statement): the URL the agent gives, or, when {@code dataUrl} is set (a
         * proxy, a NAT), the same path under that base.
         */
        public String dataUrlFor(String offered) {
            if (dataUrl.isEmpty()) {
                return offered;
            }
            // Keep the offered URL's path (/data/…, /lease/v1/latest), under the configured base.
            int authority = offered.indexOf("://");
            int path = authority < 0 ? -1 : offered.indexOf('/', authority + 3);
            return dataUrl.replaceAll("/+$", "") + (path < 0 ? "" : offered.substring(path));
        }

        @Override
        public String toString() {
            return "Agent[" + name + " " + transport + " " + address + ":" + port + " as " + user
                    + (snmp == null ? "" : " " + snmp) + "]";
        }
    }

    /** SNMPv3 USM authentication protocols the manager speaks (HMAC-SHA-2, RFC 7860). */
    public enum AuthProtocol {
        SHA_224("SHA-224"), SHA_256("SHA-256"), SHA_384("SHA-384"), SHA_512("SHA-512");

        public final String label;

        AuthProtocol(String label) {
            this.label = label;
        }
    }

    /** SNMPv3 USM privacy protocols the manager speaks (AES in CFB mode). */
    public enum PrivProtocol {
        AES_128("AES-128"), AES_192("AES-192"), AES_256("AES-256");

        public final String label;

        PrivProtocol(String label) {
            this.label = label;
        }
    }

    /**
     * How the manager reads one agent over SNMPv3 (always authPriv), and what it assumes of a host
     * that serves only the standard VM-MIB. {@code toString} never shows a password.
     */
    public record Snmp(AuthProtocol auth, String authPassword, PrivProtocol priv, String privPassword, HostFacts host) {
        @Override
        public String toString() {
            return "Snmp[" + auth.label + "/" + priv.label + "]";
        }
    }

    /**
     * What a host that serves only the VM-MIB cannot tell about itself, from the agent's entry in
     * the manager's configuration. A Federa agent tells all of this through FEDERA-MR-MIB, and then
     * these values are not used.
     */
    public record HostFacts(String site, boolean offsite, int securityLevel, List<String> runtimes, String currency,
                            double perCpuSecond, double perStorageGiBHour, double perNetworkGB, double perNetworkPacket) {
        /**
         * Nothing declared: no site, onsite, the lowest security level, no runtime, and no cost
         * (in ISO 4217's "no currency" code, XXX).
         */
        public static final HostFacts UNDECLARED = new HostFacts("", false, 0, List.of(), "XXX", 0, 0, 0, 0);

        public HostFacts {
            runtimes = List.copyOf(runtimes);
        }
    }

    /**
     * An embedded H2 file, or a JDBC URL (PostgreSQL) with its credentials; {@code poolSize}
     * connections shared by the definitions, the history and the lifecycle (the leadership has
     * connections of its own beside them).
     */
    public record Store(Path file, String jdbcUrl, String user, String password, int poolSize) {
        /** store.poolSize when the configuration does not say. */
        public static final int DEFAULT_POOL_SIZE = 4;
        /** The most store.poolSize may be: every manager sharing a PostgreSQL server holds this many. */
        public static final int MAX_POOL_SIZE = 64;

        public Store(Path file, String jdbcUrl, String user, String password) {
            this(file, jdbcUrl, user, password, DEFAULT_POOL_SIZE);
        }

        public boolean embedded() {
            return jdbcUrl.isEmpty();
        }

        @Override
        public String toString() {
            return embedded() ? "Store[file " + file + "]" : "Store[" + jdbcUrl + " as " + user + "]";
        }
    }

    /**
     * The API's listener (the Alertmanager webhook and {@code /metrics} included).
     *
     * @param maxBodyBytes the largest definitions document or webhook body; other requests take
     *                     {@link #SMALL_BODY_BYTES}
     * @param limits       connections, deadlines and the request head's size
     */
    public record Api(String address, int port, int maxBodyBytes, ListenerLimits limits) {
        /** The body of any request but a definitions document or a webhook notification. */
        public static final int SMALL_BODY_BYTES = 64 * 1024;

        /**
         * The defaults: a client (Prometheus, Alertmanager, the CLI, a browser) rarely holds more
         * than a few connections; a whole request head within 10 s, an answer within 60 s.
         */
        public static final ListenerLimits DEFAULT_LIMITS = new ListenerLimits(Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(120), 256, 4096, 16 * 1024);

        public Api(String address, int port, int maxBodyBytes) {
            this(address, port, maxBodyBytes, DEFAULT_LIMITS);
        }
    }

    public enum Role { VIEWER, OPERATOR, ADMIN }

    /** An API token and its role; {@code toString} never shows the token. */
    public record Token(String name, String secret, Role role) {
        @Override
        public String toString() {
            return "Token[" + name + ", " + role + "]";
        }
    }
}
