package io.federa.manager.config;

import com.fasterxml.jackson.core.JacksonException;
import io.federa.common.http.ListenerLimits;
import io.federa.manager.core.spec.SpecError;
import io.federa.manager.core.spec.TreeReader;
import io.federa.manager.spec.StrictYaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and checks the manager's YAML file; every problem is reported with the path of its
 * field, and one problem is enough to refuse the file. Relative paths are relative to the file.
 */
public final class ManagerConfigLoader extends TreeReader {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern IP = Pattern.compile("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");
    private static final int MIN_SECRET = 16;

    /** The file could not be used; {@link #errors()} names every faulty field. */
    public static final class InvalidConfigException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<SpecError> errors;

        InvalidConfigException(List<SpecError> errors) {
            super(errors.stream().map(SpecError::toString).reduce((a, b) -> a + "; " + b).orElse("invalid"));
            this.errors = List.copyOf(errors);
        }

        public List<SpecError> errors() {
            return errors;
        }
    }

    private final Path base;

    private ManagerConfigLoader(Path base) {
        this.base = base;
    }

    public static ManagerConfig load(Path file) throws InvalidConfigException {
        try {
            return parse(Files.readString(file), file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(new SpecError("(file)", "cannot read " + file + ": " + e.getMessage())));
        }
    }

    public static ManagerConfig parse(String yaml, Path baseDir) throws InvalidConfigException {
        Object tree;
        try {
            tree = StrictYaml.read(yaml);
        } catch (JacksonException e) {
            throw new InvalidConfigException(List.of(new SpecError("(file)", StrictYaml.describe(e))));
        }
        ManagerConfigLoader l = new ManagerConfigLoader(baseDir);
        ManagerConfig c = l.root(tree);
        if (!l.errors.isEmpty()) {
            throw new InvalidConfigException(l.errors);
        }
        return c;
    }

    private ManagerConfig.Lifecycle lifecycle(Object node, Object leaseNode) {
        ManagerConfig.Lifecycle d = ManagerConfig.Lifecycle.defaults();
        Signing signing = signing(leaseNode);
        Map<String, Object> l = node == null ? null : map(node, "lifecycle");
        if (l == null) {
            return new ManagerConfig.Lifecycle(d.lease(), d.grace(), d.leaseMargin(), d.cpuOvercommit(), d.strategy(), d.seed(),
                    signing.clockSkew(), signing.signingKey());
        }
        known(l, "lifecycle", Set.of("lease", "grace", "leaseMargin", "cpuOvercommit", "strategy", "seed"));
        Duration lease = interval(l.get("lease"), "lifecycle.lease", d.lease());
        if (lease.toMillis() < 1_000 || lease.toMillis() > 600_000) {
            error("lifecycle.lease", "must be between 1s and 10m, got " + lease.toMillis() + " ms");
        }
        Duration grace = interval(l.get("grace"), "lifecycle.grace", d.grace());
        Duration margin = interval(l.get("leaseMargin"), "lifecycle.leaseMargin", d.leaseMargin());
        double overcommit = d.cpuOvercommit();
        if (l.get("cpuOvercommit") != null) {
            if (l.get("cpuOvercommit") instanceof Number n && n.doubleValue() >= 1.0 && n.doubleValue() <= 64) {
                overcommit = n.doubleValue();
            } else {
                error("lifecycle.cpuOvercommit", "must be a number from 1.0 to 64, got " + describe(l.get("cpuOvercommit")));
            }
        }
        io.federa.manager.core.placement.Strategy strategy = choice(l.get("strategy"), "lifecycle.strategy", Map.of(
                "spread", io.federa.manager.core.placement.Strategy.SPREAD,
                "binpack", io.federa.manager.core.placement.Strategy.BINPACK), d.strategy());
        long seed = integer(l.get("seed"), "lifecycle.seed", Long.MIN_VALUE, Long.MAX_VALUE, 0L);
        return new ManagerConfig.Lifecycle(lease, grace, margin, overcommit, strategy, seed, signing.clockSkew(),
                signing.signingKey());
    }

    private record Signing(Duration clockSkew, String signingKey) {
    }

    /** The top-level {@code lease} section: how statements are signed, and the clock skew their freshness allows for. */
    private Signing signing(Object node) {
        ManagerConfig.Lifecycle d = ManagerConfig.Lifecycle.defaults();
        Map<String, Object> l = node == null ? null : map(node, "lease");
        if (l == null) {
            return new Signing(d.clockSkew(), d.signingKey());
        }
        known(l, "lease", Set.of("signingKey", "clockSkew"));
        Duration skew = interval(l.get("clockSkew"), "lease.clockSkew", d.clockSkew());
        String key = "";
        if (l.get("signingKey") instanceof String k) {
            try {
                SigningKey.parse(k);
                key = k;
            } catch (IllegalArgumentException e) {
                error("lease.signingKey", e.getMessage());
            }
        } else if (l.get("signingKey") != null) {
            error("lease.signingKey", "must be an Ed25519 private key in base64 PKCS#8 form, got " + describe(l.get("signingKey")));
        }
        return new Signing(skew, key);
    }

    private ManagerConfig.Migration migration(Object node) {
        ManagerConfig.Migration d = ManagerConfig.Migration.defaults();
        Map<String, Object> m = node == null ? null : map(node, "migration");
        if (m == null) {
            return d;
        }
        known(m, "migration", Set.of("settle", "copyAttempts", "stopTimeout", "concurrent", "stuckAfter"));
        Duration settle = interval(m.get("settle"), "migration.settle", d.settle());
        if (settle.toMillis() > 3_600_000) {
            error("migration.settle", "must be between 100ms and 1h, got " + settle.toMillis() + " ms");
        }
        Duration stop = interval(m.get("stopTimeout"), "migration.stopTimeout", d.stopTimeout());
        if (stop.toMillis() < 1_000 || stop.toMillis() > 3_600_000) {
            error("migration.stopTimeout", "must be between 1s and 1h, got " + stop.toMillis() + " ms");
        }
        int attempts = (int) integer(m.get("copyAttempts"), "migration.copyAttempts", 1, 100, (long) d.copyAttempts());
        int concurrent = (int) integer(m.get("concurrent"), "migration.concurrent", 1, 64, (long) d.concurrent());
        Duration stuck = interval(m.get("stuckAfter"), "migration.stuckAfter", d.stuckAfter());
        if (stuck.toMillis() < 1_000 || stuck.toMillis() > 86_400_000) {
            error("migration.stuckAfter", "must be between 1s and 24h, got " + stuck.toMillis() + " ms");
        }
        return new ManagerConfig.Migration(settle, attempts, stop, concurrent, stuck);
    }

    private ManagerConfig root(Object tree) {
        Map<String, Object> m = map(tree, "(file)");
        if (m == null) {
            return null;
        }
        known(m, "", Set.of("agents", "poll", "store", "api", "tokens", "lifecycle", "lease", "migration", "cluster", "audit",
                "tls", "snmp", "cost"));
        java.util.Optional<ManagerConfig.Tls> tls = tls(m.get("tls"));
        Map<String, String> fingerprints = new HashMap<>();
        Map<String, String> dataUrls = new HashMap<>();
        List<ManagerConfig.Agent> agents = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Map<String, String> endpoints = new HashMap<>();
        List<Object> list = list(m.get("agents"), "agents");
        for (int i = 0; list != null && i < list.size(); i++) {
            String p = "agents[" + i + "]";
            Map<String, Object> a = map(list.get(i), p);
            if (a == null) {
                continue;
            }
            known(a, p, Set.of("name", "address", "port", "transport", "user", "password", "auth", "authPassword", "priv",
                    "privPassword", "host", "cost", "dataUrl", "fingerprint"));
            String name = name(a.get("name"), p + ".name");
            if (!names.add(name)) {
                error(p + ".name", "agent \"" + name + "\" is listed twice");
            }
            String transport = string(a.get("transport"), p + ".transport", "jolokia");
            ManagerConfig.Transport t = switch (transport) {
                case "jolokia" -> ManagerConfig.Transport.JOLOKIA;
                case "snmp" -> ManagerConfig.Transport.SNMP;
                default -> {
                    error(p + ".transport", "must be jolokia or snmp, got \"" + transport + "\"");
                    yield ManagerConfig.Transport.JOLOKIA;
                }
            };
            String address = ip(a.get("address"), p + ".address");
            int port = (int) integer(a.get("port"), p + ".port", 1, 65535, null);
            // One agent listed twice under two names would be polled twice and reported as two
            // hosts with one host id (its series twice on /metrics, which Prometheus then refuses).
            String endpoint = transport + " " + address + ":" + port;
            String first = endpoints.putIfAbsent(endpoint, name);
            if (first != null && !address.isEmpty()) {
                error(p + ".address", "agent \"" + name + "\" is at " + address + ":" + port + ", where agent \"" + first
                        + "\" already is (" + transport + "): each agent once");
            }
            String user = string(a.get("user"), p + ".user", null);
            if (t == ManagerConfig.Transport.SNMP) {
                if (a.containsKey("password")) {
                    error(p + ".password", "is for jolokia; an snmp agent takes authPassword and privPassword");
                }
                agents.add(new ManagerConfig.Agent(name, address, port, t, user, "", snmp(a, p)));
            } else {
                for (String f : SNMP_ONLY) {
                    if (a.containsKey(f)) {
                        error(p + "." + f, "is for transport snmp only");
                    }
                }
                String dataUrl = string(a.get("dataUrl"), p + ".dataUrl", "");
                if (!dataUrl.isEmpty() && !dataUrl.matches("https?://[A-Za-z0-9.:\\[\\]-]+(:[0-9]{1,5})?/?")) {
                    error(p + ".dataUrl", "must be a base URL such as http://10.0.0.7:9101, got \"" + dataUrl + "\"");
                }
                String sameData = dataUrl.isEmpty() ? null : dataUrls.putIfAbsent(dataUrl.replaceAll("/+$", ""), name);
                if (sameData != null) {
                    error(p + ".dataUrl", "agent \"" + name + "\" has the dataUrl of agent \"" + sameData
                            + "\": each agent's data is its own");
                }
                String fingerprint = fingerprint(a.get("fingerprint"), p + ".fingerprint");
                if (!fingerprint.isEmpty()) {
                    if (tls.isEmpty() && m.get("tls") == null) {
                        error(p + ".fingerprint", "needs the tls section: a certificate is only checked on a TLS connection");
                    }
                    String holder = fingerprints.putIfAbsent(fingerprint, name);
                    if (holder != null) {
                        error(p + ".fingerprint", "agent \"" + name + "\" has the fingerprint of agent \"" + holder
                                + "\": each agent has a certificate of its own");
                    }
                }
                agents.add(new ManagerConfig.Agent(name, address, port, t, user, secret(a.get("password"), p + ".password", 8),
                        null, dataUrl, fingerprint));
            }
        }
        Map<String, Object> poll = m.get("poll") == null ? Map.of() : map(m.get("poll"), "poll");
        Duration interval = Duration.ofSeconds(1);
        int misses = 3;
        int concurrent = 64;
        if (poll != null) {
            known(poll, "poll", Set.of("interval", "missedPollsAllowed", "maxConcurrent"));
            interval = interval(poll.get("interval"), "poll.interval", Duration.ofSeconds(1));
            misses = (int) integer(poll.get("missedPollsAllowed"), "poll.missedPollsAllowed", 1, 100, 3L);
            concurrent = (int) integer(poll.get("maxConcurrent"), "poll.maxConcurrent", 1, 10_000, 64L);
        }
        ManagerConfig.Store store = store(m.get("store"));
        Map<String, Object> api = map(m.get("api"), "api");
        ManagerConfig.Api apiConfig = null;
        if (api != null) {
            known(api, "api", Set.of("address", "port", "maxBodyBytes", "maxConnections", "maxConnectionsPerClient",
                    "requestHeadTimeout", "requestTimeout", "idleTimeout"));
            ListenerLimits d = ManagerConfig.Api.DEFAULT_LIMITS;
            int perClient = (int) integer(api.get("maxConnectionsPerClient"), "api.maxConnectionsPerClient", 1, 100_000,
                    (long) d.maxConnectionsPerAddress());
            int all = (int) integer(api.get("maxConnections"), "api.maxConnections", 1, 100_000, (long) d.maxConnections());
            if (all < perClient) {
                error("api.maxConnections", "is " + all + ", fewer than api.maxConnectionsPerClient (" + perClient + ")");
                all = perClient;
            }
            ListenerLimits limits = new ListenerLimits(
                    positive(api.get("requestHeadTimeout"), "api.requestHeadTimeout", d.requestHeadTimeout()),
                    d.keepAliveTimeout(),
                    positive(api.get("requestTimeout"), "api.requestTimeout", d.requestTimeout()),
                    positive(api.get("idleTimeout"), "api.idleTimeout", d.idleTimeout()),
                    perClient, all, d.maxHeaderBytes());
            apiConfig = new ManagerConfig.Api(ip(api.get("address"), "api.address"),
                    (int) integer(api.get("port"), "api.port", 0, 65535, null),
                    (int) integer(api.get("maxBodyBytes"), "api.maxBodyBytes", 1024, 64L * 1024 * 1024, 1024L * 1024),
                    limits);
        }
        List<ManagerConfig.Token> tokens = new ArrayList<>();
        Set<String> secrets = new HashSet<>();
        List<Object> tl = list(m.get("tokens"), "tokens");
        for (int i = 0; tl != null && i < tl.size(); i++) {
            String p = "tokens[" + i + "]";
            Map<String, Object> t = map(tl.get(i), p);
            if (t == null) {
                continue;
            }
            known(t, p, Set.of("name", "token", "role"));
            String role = string(t.get("role"), p + ".role", null);
            ManagerConfig.Role r = switch (role) {
                case "viewer" -> ManagerConfig.Role.VIEWER;
                case "operator" -> ManagerConfig.Role.OPERATOR;
                case "admin" -> ManagerConfig.Role.ADMIN;
                default -> {
                    error(p + ".role", "must be viewer, operator or admin, got \"" + role + "\"");
                    yield ManagerConfig.Role.VIEWER;
                }
            };
            String secret = secret(t.get("token"), p + ".token", MIN_SECRET);
            if (!secret.isEmpty() && !secrets.add(secret)) {
                error(p + ".token", "is the same as another token's");
            }
            tokens.add(new ManagerConfig.Token(name(t.get("name"), p + ".name"), secret, r));
        }
        if (tl != null && tl.isEmpty()) {
            error("tokens", "must list at least one token: every route but /health needs one");
        }
        ManagerConfig.Lifecycle lifecycle = lifecycle(m.get("lifecycle"), m.get("lease"));
        if (lifecycle.gapMillis(interval) >= lifecycle.lease().toMillis()) {
            error("lifecycle.lease", "must be longer than twice poll.interval plus lease.clockSkew ("
                    + lifecycle.gapMillis(interval) + " ms), got " + lifecycle.lease().toMillis() + " ms");
        }
        ManagerConfig.Cluster cluster = cluster(m.get("cluster"), interval);
        ManagerConfig.Cost cost = cost(m.get("cost"));
        if ((cluster != null && cost.gap().compareTo(cluster.followerPoll()) <= 0) || cost.gap().compareTo(interval) <= 0) {
            // Every interval between two samples would be a gap, and nothing billed.
            error("cost.gap", "must be longer than poll.interval and cluster.followerPoll (" + Math.max(interval.toMillis(),
                    cluster == null ? 0 : cluster.followerPoll().toMillis()) + " ms), got " + cost.gap().toMillis() + " ms");
        }
        return new ManagerConfig(agents, interval, misses, concurrent, store, apiConfig, tokens, lifecycle,
                migration(m.get("migration")), cluster, audit(m.get("audit")), tls, snmpServer(m.get("snmp"), store), cost);
    }

    private static final Pattern SNMP_USER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /**
     * The manager's own SNMP face ({@code snmp}): the MR agent's user model and defaults (SNMPv3
     * authPriv only; SHA-2 and AES; v1/v2c only with a community). Absent: no SNMP face.
     */
    private java.util.Optional<ManagerConfig.SnmpServer> snmpServer(Object node, ManagerConfig.Store store) {
        Map<String, Object> s = node == null ? null : map(node, "snmp");
        if (s == null) {
            return java.util.Optional.empty();
        }
        known(s, "snmp", Set.of("address", "port", "users", "community", "contact", "location", "engineFile", "notify"));
        // The engine ID and boot counter: per manager, kept across restarts (stations key their
        // users on the engine ID). Beside the embedded store by default; a manager on PostgreSQL
        // has no folder of its own, so it names one.
        Path engineFile;
        if (s.get("engineFile") != null) {
            engineFile = base.resolve(string(s.get("engineFile"), "snmp.engineFile", null)).normalize();
        } else if (store != null && store.embedded() && store.file() != null) {
            engineFile = store.file().resolveSibling("snmp-engine.boots");
        } else {
            error("snmp.engineFile", "is required with a PostgreSQL store: a file of this manager's own for its SNMP "
                    + "engine ID and boot counter, for example /var/lib/federa/snmp-engine.boots");
            engineFile = base.resolve("snmp-engine.boots");
        }
        String address = ip(s.get("address"), "snmp.address");
        int port = (int) integer(s.get("port"), "snmp.port", 0, 65535, 16170L);
        List<io.federa.common.snmp.SnmpUser> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Object> ul = list(s.get("users"), "snmp.users");
        for (int i = 0; ul != null && i < ul.size(); i++) {
            String p = "snmp.users[" + i + "]";
            Map<String, Object> u = map(ul.get(i), p);
            if (u == null) {
                continue;
            }
            known(u, p, Set.of("name", "auth", "authPassword", "priv", "privPassword"));
            boolean ok = true;
            String name = string(u.get("name"), p + ".name", null);
            if (!SNMP_USER_NAME.matcher(name).matches()) {
                error(p + ".name", "must be 1 to 64 letters, digits, '.', '_' or '-', got \"" + name + "\"");
                ok = false;
            } else if (!names.add(name)) {
                error(p + ".name", "user \"" + name + "\" is listed twice");
                ok = false;
            }
            String auth = string(u.get("auth"), p + ".auth", io.federa.common.snmp.SnmpUser.DEFAULT_AUTH);
            if (!io.federa.common.snmp.SnmpUser.AUTH.contains(auth)) {
                error(p + ".auth", "must be one of " + String.join(", ", io.federa.common.snmp.SnmpUser.AUTH)
                        + " (MD5 and SHA-1 are refused), got \"" + auth + "\"");
                ok = false;
            }
            String priv = string(u.get("priv"), p + ".priv", io.federa.common.snmp.SnmpUser.DEFAULT_PRIV);
            if (!io.federa.common.snmp.SnmpUser.PRIV.contains(priv)) {
                error(p + ".priv", "must be one of " + String.join(", ", io.federa.common.snmp.SnmpUser.PRIV)
                        + " (DES is refused), got \"" + priv + "\"");
                ok = false;
            }
            int min = io.federa.common.snmp.SnmpUser.MIN_PASSWORD;
            String authPassword = secret(u.get("authPassword"), p + ".authPassword", min);
            String privPassword = secret(u.get("privPassword"), p + ".privPassword", min);
            if (ok && authPassword.length() >= min && privPassword.length() >= min) {
                users.add(new io.federa.common.snmp.SnmpUser(name, auth, authPassword, priv, privPassword));
            }
        }
        if (ul == null || ul.isEmpty()) {
            error("snmp.users", "must list at least one SNMPv3 user");
        }
        java.util.Optional<String> community = s.get("community") == null ? java.util.Optional.empty()
                : java.util.Optional.of(string(s.get("community"), "snmp.community", null));
        String contact = displayString(s.get("contact"), "snmp.contact");
        String location = displayString(s.get("location"), "snmp.location");
        List<io.federa.common.snmp.SnmpAgentEngine.NotifyTarget> targets = new ArrayList<>();
        List<Object> nl = list(s.get("notify"), "snmp.notify");
        for (int i = 0; nl != null && i < nl.size(); i++) {
            String p = "snmp.notify[" + i + "]";
            Map<String, Object> t = map(nl.get(i), p);
            if (t == null) {
                continue;
            }
            known(t, p, Set.of("address", "port", "user", "type", "retries", "timeout", "queue"));
            String user = string(t.get("user"), p + ".user", null);
            if (!user.isEmpty() && !names.contains(user)) {
                error(p + ".user", "\"" + user + "\" is not one of snmp.users");
            }
            String type = string(t.get("type"), p + ".type", "trap");
            if (!type.equals("trap") && !type.equals("inform")) {
                error(p + ".type", "must be trap or inform, got \"" + type + "\"");
            }
            int retries = (int) integer(t.get("retries"), p + ".retries", 0, 10,
                    (long) io.federa.common.snmp.SnmpAgentEngine.NotifyTarget.DEFAULT_RETRIES);
            Duration timeout = duration(t.get("timeout"), p + ".timeout",
                    Duration.ofMillis(io.federa.common.snmp.SnmpAgentEngine.NotifyTarget.DEFAULT_TIMEOUT_MILLIS));
            if (timeout.toMillis() < 10 || timeout.toMillis() > 60_000) {
                error(p + ".timeout", "must be from 10ms to 60s, got " + t.get("timeout"));
                timeout = Duration.ofMillis(io.federa.common.snmp.SnmpAgentEngine.NotifyTarget.DEFAULT_TIMEOUT_MILLIS);
            }
            int queue = (int) integer(t.get("queue"), p + ".queue", 1, io.federa.common.snmp.SnmpAgentEngine.NotifyTarget.MAX_QUEUE,
                    (long) io.federa.common.snmp.SnmpAgentEngine.NotifyTarget.DEFAULT_QUEUE);
            if (t.get("queue") != null && !type.equals("inform")) {
                error(p + ".queue", "only informs are queued: a trap is sent once, acknowledged or not");
            }
            targets.add(new io.federa.common.snmp.SnmpAgentEngine.NotifyTarget(ip(t.get("address"), p + ".address"),
                    (int) integer(t.get("port"), p + ".port", 1, 65535, 162L), user, type.equals("inform"), retries,
                    timeout.toMillis(), queue));
        }
        return java.util.Optional.of(new ManagerConfig.SnmpServer(address, port, users, community, contact, location,
                engineFile, targets));
    }

    /** sysContact, sysLocation: SNMPv2-MIB DisplayStrings, printable ASCII, at most 255 characters; "" when absent. */
    private String displayString(Object node, String p) {
        String v = string(node, p, "");
        if (v.length() > 255 || !v.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            error(p, "must be at most 255 printable ASCII characters (it is served as an SNMPv2-MIB DisplayString)");
            return "";
        }
        return v;
    }

    private static final Pattern FINGERPRINT = Pattern.compile("(?i)(sha256[: ]?)?([0-9a-f]{2}(:?[0-9a-f]{2}){31})");

    /** A SHA-256 fingerprint as openssl prints it (colons optional, any case), kept as upper-case pairs joined by colons. */
    private String fingerprint(Object node, String p) {
        String s = string(node, p, "");
        if (s.isEmpty()) {
            return "";
        }
        Matcher f = FINGERPRINT.matcher(s.trim());
        if (!f.matches()) {
            error(p, "must be a SHA-256 fingerprint (64 hex digits, pairs may be joined by colons, as "
                    + "openssl x509 -noout -fingerprint -sha256 prints it), got \"" + s + "\"");
            return "";
        }
        String hex = f.group(2).replace(":", "").toUpperCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            out.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        return out.toString();
    }

    /**
     * The {@code tls} section. Each file is read and checked here, at start (and by --check), so
     * that a missing or wrong file stops the manager naming the field and the file.
     */
    private java.util.Optional<ManagerConfig.Tls> tls(Object node) {
        Map<String, Object> t = node == null ? null : map(node, "tls");
        if (t == null) {
            return java.util.Optional.empty();
        }
        known(t, "tls", Set.of("cert", "key", "ca"));
        String cert = string(t.get("cert"), "tls.cert", null);
        String key = string(t.get("key"), "tls.key", null);
        String ca = string(t.get("ca"), "tls.ca", null);
        if (cert.isEmpty() || key.isEmpty() || ca.isEmpty()) {
            return java.util.Optional.empty();
        }
        Path certFile = base.resolve(cert).normalize();
        Path keyFile = base.resolve(key).normalize();
        Path caFile = base.resolve(ca).normalize();
        String certPem = pemFile("tls.cert", certFile);
        String keyPem = pemFile("tls.key", keyFile);
        String caPem = pemFile("tls.ca", caFile);
        if (certPem == null || keyPem == null || caPem == null) {
            return java.util.Optional.empty();
        }
        java.util.List<java.security.cert.X509Certificate> chain = null;
        java.security.PrivateKey privateKey = null;
        try {
            chain = io.federa.common.tls.Pem.certificates(certPem);
        } catch (IllegalArgumentException e) {
            error("tls.cert", certFile + " " + e.getMessage());
        }
        try {
            privateKey = io.federa.common.tls.Pem.privateKey(keyPem);
        } catch (IllegalArgumentException e) {
            error("tls.key", keyFile + " " + e.getMessage());
        }
        try {
            io.federa.common.tls.Pem.certificates(caPem);
        } catch (IllegalArgumentException e) {
            error("tls.ca", caFile + " " + e.getMessage());
        }
        if (chain != null && privateKey != null && !io.federa.common.tls.Pem.matches(privateKey, chain.get(0))) {
            error("tls.key", keyFile + " is not the private key of the certificate in " + certFile);
        }
        return java.util.Optional.of(new ManagerConfig.Tls(certFile, keyFile, caFile, certPem, keyPem, caPem));
    }

    private String pemFile(String p, Path file) {
        try {
            return Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            error(p, "cannot read " + file + ": no such file");
        } catch (IOException | java.io.UncheckedIOException e) {
            error(p, "cannot read " + file + ": " + e.getMessage());
        }
        return null;
    }

    /** Cost metering (docs/cost.md): the gap limit, the grace for late samples, retention per resolution, the split of shared applications. */
    private ManagerConfig.Cost cost(Object node) {
        ManagerConfig.Cost d = ManagerConfig.Cost.defaults();
        Map<String, Object> c = node == null ? null : map(node, "cost");
        if (c == null) {
            return d;
        }
        known(c, "cost", Set.of("gap", "grace", "retention", "split", "budgets"));
        Duration gap = positive(c.get("gap"), "cost.gap", d.gap());
        Duration grace = positive(c.get("grace"), "cost.grace", d.grace());
        Duration minutes = d.minutes();
        Duration hours = d.hours();
        Duration days = d.days();
        Map<String, Object> r = c.get("retention") == null ? null : map(c.get("retention"), "cost.retention");
        if (r != null) {
            known(r, "cost.retention", Set.of("minutes", "hours", "days"));
            minutes = positive(r.get("minutes"), "cost.retention.minutes", minutes);
            hours = positive(r.get("hours"), "cost.retention.hours", hours);
            days = positive(r.get("days"), "cost.retention.days", days);
            if (minutes.compareTo(Duration.ofHours(2)) < 0) {
                error("cost.retention.minutes", "must be at least 2h (hours are summed from minutes), got " + r.get("minutes"));
            }
            if (hours.compareTo(Duration.ofDays(2)) < 0) {
                error("cost.retention.hours", "must be at least 2d (days are summed from hours), got " + r.get("hours"));
            }
        }
        Map<String, Map<String, Double>> split = new java.util.TreeMap<>();
        Map<String, Object> s = c.get("split") == null ? null : map(c.get("split"), "cost.split");
        if (s != null) {
            for (Map.Entry<String, Object> e : s.entrySet()) {
                String p = "cost.split." + e.getKey();
                name(e.getKey(), p);
                Map<String, Object> w = map(e.getValue(), p);
                if (w == null) {
                    continue;
                }
                Map<String, Double> weights = new java.util.TreeMap<>();
                for (Map.Entry<String, Object> x : w.entrySet()) {
                    name(x.getKey(), p + "." + x.getKey());
                    if (!(x.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
                        error(p + "." + x.getKey(), "must be a weight of at least 0, got " + describe(x.getValue()));
                        continue;
                    }
                    weights.put(x.getKey(), n.doubleValue());
                }
                split.put(e.getKey(), Map.copyOf(weights));
            }
        }
        Map<String, io.federa.manager.core.cost.Budget> budgets = new java.util.TreeMap<>();
        Map<String, Object> b = c.get("budgets") == null ? null : map(c.get("budgets"), "cost.budgets");
        if (b != null) {
            for (Map.Entry<String, Object> e : b.entrySet()) {
                String p = "cost.budgets." + e.getKey();
                name(e.getKey(), p);
                Map<String, Object> one = map(e.getValue(), p);
                if (one == null) {
                    continue;
                }
                known(one, p, Set.of("amount", "currency", "per"));
                Object amount = one.get("amount");
                if (!(amount instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() <= 0) {
                    error(p + ".amount", "must be an amount above 0, got " + describe(amount));
                    continue;
                }
                if (one.get("currency") == null) {
                    error(p + ".currency", "is missing: the currency of the amount, such as EUR");
                    continue;
                }
                String currency = string(one.get("currency"), p + ".currency", CURRENCY, "an ISO 4217 currency code such as EUR");
                if (one.get("per") == null) {
                    error(p + ".per", "is missing: the period the amount is for, such as 1d or 30d");
                    continue;
                }
                Duration per = positive(one.get("per"), p + ".per", Duration.ofDays(1));
                budgets.put(e.getKey(), new io.federa.manager.core.cost.Budget(n.doubleValue(), currency, per));
            }
        }
        return new ManagerConfig.Cost(gap, grace, minutes, hours, days, split, budgets);
    }

    private ManagerConfig.Audit audit(Object node) {
        Map<String, Object> a = node == null ? null : map(node, "audit");
        if (a == null) {
            return ManagerConfig.Audit.defaults();
        }
        known(a, "audit", Set.of("file"));
        String file = string(a.get("file"), "audit.file", "");
        return new ManagerConfig.Audit(file.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(base.resolve(file).normalize()));
    }

    private ManagerConfig.Cluster cluster(Object node, Duration interval) {
        ManagerConfig.Cluster d = ManagerConfig.Cluster.defaults();
        Map<String, Object> c = node == null ? null : map(node, "cluster");
        if (c == null) {
            return d;
        }
        known(c, "cluster", Set.of("name", "url", "leaderTtl", "followerPoll"));
        String name = c.get("name") == null ? d.name() : name(c.get("name"), "cluster.name");
        String url = string(c.get("url"), "cluster.url", "");
        if (!url.isEmpty() && !url.matches("https?://[A-Za-z0-9.:\\[\\]-]+(:[0-9]{1,5})?/?")) {
            error("cluster.url", "must be a base URL such as http://10.0.0.5:8080, got \"" + url + "\"");
        }
        Duration ttl = interval(c.get("leaderTtl"), "cluster.leaderTtl", d.leaderTtl());
        if (ttl.toMillis() < 1_000 || ttl.toMillis() > 60_000) {
            error("cluster.leaderTtl", "must be between 1s and 1m, got " + ttl.toMillis() + " ms");
        }
        Duration followerPoll = interval(c.get("followerPoll"), "cluster.followerPoll", d.followerPoll());
        if (c.get("followerPoll") != null && (followerPoll.compareTo(interval) < 0 || followerPoll.toMillis() > 60_000)) {
            error("cluster.followerPoll", "must be between poll.interval (" + interval.toMillis() + " ms) and 1m, got "
                    + followerPoll.toMillis() + " ms");
        }
        return new ManagerConfig.Cluster(name, url.replaceAll("/+$", ""), ttl, followerPoll);
    }

    private static final List<String> SNMP_ONLY = List.of("auth", "authPassword", "priv", "privPassword", "host", "cost");
    private static final Map<String, ManagerConfig.AuthProtocol> AUTH = Map.of("SHA-224", ManagerConfig.AuthProtocol.SHA_224,
            "SHA-256", ManagerConfig.AuthProtocol.SHA_256, "SHA-384", ManagerConfig.AuthProtocol.SHA_384,
            "SHA-512", ManagerConfig.AuthProtocol.SHA_512);
    private static final Map<String, ManagerConfig.PrivProtocol> PRIV = Map.of("AES-128", ManagerConfig.PrivProtocol.AES_128,
            "AES-192", ManagerConfig.PrivProtocol.AES_192, "AES-256", ManagerConfig.PrivProtocol.AES_256);
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    /**
     * An SNMP agent's USM credentials (SNMPv3 authPriv only: MD5, SHA-1 and DES are not offered),
     * and the facts of a host that serves only the VM-MIB, each with its default.
     */
    private ManagerConfig.Snmp snmp(Map<String, Object> a, String p) {
        ManagerConfig.AuthProtocol auth = choice(a.get("auth"), p + ".auth", AUTH, ManagerConfig.AuthProtocol.SHA_256);
        ManagerConfig.PrivProtocol priv = choice(a.get("priv"), p + ".priv", PRIV, ManagerConfig.PrivProtocol.AES_128);
        // RFC 3414 11.2: a USM password shorter than 8 characters is refused by every engine.
        String authPassword = secret(a.get("authPassword"), p + ".authPassword", 8);
        String privPassword = secret(a.get("privPassword"), p + ".privPassword", 8);
        ManagerConfig.HostFacts d = ManagerConfig.HostFacts.UNDECLARED;
        String site = d.site();
        boolean offsite = d.offsite();
        int level = d.securityLevel();
        List<String> runtimes = d.runtimes();
        Map<String, Object> host = a.get("host") == null ? null : map(a.get("host"), p + ".host");
        if (host != null) {
            known(host, p + ".host", Set.of("site", "offsite", "securityLevel", "runtimes"));
            site = host.get("site") == null ? site : name(host.get("site"), p + ".host.site");
            offsite = bool(host.get("offsite"), p + ".host.offsite", offsite);
            level = (int) integer(host.get("securityLevel"), p + ".host.securityLevel", 0, 100, (long) level);
            List<Object> rl = list(host.get("runtimes"), p + ".host.runtimes", true);
            if (rl != null && host.get("runtimes") != null) {
                List<String> rs = new ArrayList<>();
                for (int i = 0; i < rl.size(); i++) {
                    rs.add(name(rl.get(i), p + ".host.runtimes[" + i + "]"));
                }
                runtimes = rs;
            }
        }
        String currency = d.currency();
        double[] rates = {d.perCpuSecond(), d.perStorageGiBHour(), d.perNetworkGB(), d.perNetworkPacket()};
        Map<String, Object> cost = a.get("cost") == null ? null : map(a.get("cost"), p + ".cost");
        if (cost != null) {
            List<String> fields = List.of("perCpuSecond", "perStorageGiBHour", "perNetworkGB", "perNetworkPacket");
            Set<String> allowed = new TreeSet<>(fields);
            allowed.add("currency");
            known(cost, p + ".cost", allowed);
            currency = string(cost.get("currency"), p + ".cost.currency", CURRENCY, "an ISO 4217 currency code such as EUR");
            for (int i = 0; i < fields.size(); i++) {
                rates[i] = rate(cost.get(fields.get(i)), p + ".cost." + fields.get(i));
            }
        }
        return new ManagerConfig.Snmp(auth, authPassword, priv, privPassword, new ManagerConfig.HostFacts(site, offsite, level,
                runtimes, currency, rates[0], rates[1], rates[2], rates[3]));
    }

    /** A cost rate: a number from 0 to 1,000,000 (0 when absent: not charged). */
    private double rate(Object node, String p) {
        if (node == null) {
            return 0;
        }
        if (!(node instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0 || n.doubleValue() > 1e6) {
            error(p, "must be a number from 0 to 1000000, got " + describe(node));
            return 0;
        }
        return n.doubleValue();
    }

    private ManagerConfig.Store store(Object node) {
        if (node == null) {
            return new ManagerConfig.Store(base.resolve("federa-data/federa").normalize(), "", "", "");
        }
        Map<String, Object> s = map(node, "store");
        if (s == null) {
            return null;
        }
        known(s, "store", Set.of("file", "jdbcUrl", "user", "password", "poolSize"));
        if (s.containsKey("file") == s.containsKey("jdbcUrl")) {
            error("store", "give either file (an embedded database) or jdbcUrl (for example jdbc:postgresql://db/federa)");
            return null;
        }
        int pool = (int) integer(s.get("poolSize"), "store.poolSize", 1, ManagerConfig.Store.MAX_POOL_SIZE,
                (long) ManagerConfig.Store.DEFAULT_POOL_SIZE);
        if (s.containsKey("file")) {
            return new ManagerConfig.Store(base.resolve(string(s.get("file"), "store.file", null)).normalize(), "", "", "", pool);
        }
        String url = string(s.get("jdbcUrl"), "store.jdbcUrl", null);
        if (!url.startsWith("jdbc:")) {
            error("store.jdbcUrl", "must start with jdbc:, got \"" + url + "\"");
        }
        return new ManagerConfig.Store(null, url, string(s.get("user"), "store.user", ""),
                s.get("password") == null ? "" : string(s.get("password"), "store.password", ""), pool);
    }

    // ---- typed readers ----

    private String name(Object node, String p) {
        String s = string(node, p, null);
        if (!s.isEmpty() && !NAME.matcher(s).matches()) {
            error(p, "must be 1 to 63 lower-case letters, digits or inner hyphens, got \"" + s + "\"");
        }
        return s;
    }

    private String secret(Object node, String p, int min) {
        String s = string(node, p, null);
        if (!s.isEmpty() && s.length() < min) {
            error(p, "must be at least " + min + " characters");
        }
        return s;
    }

    private String ip(Object node, String p) {
        String s = string(node, p, null);
        if (!s.isEmpty() && !IP.matcher(s).matches()) {
            error(p, "must be an IP address such as 127.0.0.1, got \"" + s + "\"");
        }
        return s;
    }

    /** A duration of at least 1 s: a listener's deadline shorter than that cuts slow but honest clients. */
    private Duration positive(Object node, String p, Duration fallback) {
        Duration d = duration(node, p, fallback);
        if (d.toMillis() < 1000) {
            error(p, "must be at least 1s, got " + node);
            return fallback;
        }
        return d;
    }

    /** A duration of at least 100 ms: polling faster than that only loads the agents. */
    private Duration interval(Object node, String p, Duration fallback) {
        Duration d = duration(node, p, fallback);
        if (d.toMillis() < 100) {
            error(p, "must be at least 100ms, got " + node);
        }
        return d;
    }
}
