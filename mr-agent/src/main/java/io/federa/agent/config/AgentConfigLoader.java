package io.federa.agent.config;

import io.federa.common.snmp.SnmpAgentEngine;
import io.federa.common.snmp.SnmpUser;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.federa.agent.core.CostRates;
import io.federa.agent.core.Names;
import io.federa.common.tls.Pem;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks an agent's YAML file. Every field is checked here, at start, so that a bad
 * file stops the agent before it touches libvirt, with a message naming the field.
 * Relative paths are resolved against the folder of the file.
 */
public final class AgentConfigLoader {
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern RUNTIME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern URI = Pattern.compile("[a-z][a-z0-9+.-]*:/.*");
    private static final int MIN_PASSWORD = 8;

    private AgentConfigLoader() {
    }

    public static AgentConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + file + ": " + e.getMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, base);
    }

    public static AgentConfig parse(String yaml, Path baseDir) {
        JsonNode tree;
        try {
            tree = ConfigYaml.read(yaml);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException("", "not valid YAML" + where + ": " + e.getOriginalMessage());
        }
        ConfigNode root = ConfigNode.root(tree);
        root.rejectUnknown(Set.of("host", "libvirt", "capacity", "cost", "jolokia", "metrics", "snmp", "dataDir",
                "sampleInterval", "lease", "tls"));

        AgentConfig.Host host = host(root.object("host"));
        AgentConfig.Libvirt libvirt = libvirt(root.object("libvirt"));
        AgentConfig.Capacity capacity = capacity(root.object("capacity"));
        CostRates cost = cost(root.object("cost"));
        AgentConfig.Jolokia jolokia = jolokia(root.object("jolokia"), baseDir);
        AgentConfig.Endpoint metrics = endpoint(root.object("metrics"));
        Optional<AgentConfig.Snmp> snmp = Optional.ofNullable(root.optionalObject("snmp")).map(AgentConfigLoader::snmp);
        Path dataDir = baseDir.resolve(root.string("dataDir")).normalize();
        Duration interval = root.duration("sampleInterval", Duration.ofMillis(100), Duration.ofMinutes(10),
                Duration.ofSeconds(1));
        if (libvirt.uri().isEmpty() && libvirt.testNode().isEmpty()) {
            throw new ConfigException("libvirt", "give either uri (for example qemu:///system) or testNode "
                    + "(to run libvirt's test driver on a generated node)");
        }
        if (jolokia.port() != 0 && jolokia.port() == metrics.port() && jolokia.address().equals(metrics.address())) {
            throw new ConfigException("metrics.port", "must differ from jolokia.port (" + jolokia.port() + ")");
        }
        AgentConfig.LeaseSettings lease = lease(root.optionalObject("lease"));
        Optional<AgentConfig.Tls> tls = Optional.ofNullable(root.optionalObject("tls")).map(t -> tls(t, baseDir));
        return new AgentConfig(host, libvirt, capacity, cost, jolokia, metrics, snmp, dataDir, interval, lease, tls);
    }

    /**
     * The {@code tls} section. Each file is read and checked here, at start, so that a missing or
     * wrong file stops the agent naming the field and the file, before anything listens.
     */
    private static AgentConfig.Tls tls(ConfigNode n, Path baseDir) {
        n.rejectUnknown(Set.of("cert", "key", "ca", "clientAuth"));
        Path certFile = baseDir.resolve(n.string("cert")).normalize();
        Path keyFile = baseDir.resolve(n.string("key")).normalize();
        Path caFile = baseDir.resolve(n.string("ca")).normalize();
        String clientAuth = n.string("clientAuth", "none");
        if (!clientAuth.equals("none") && !clientAuth.equals("required")) {
            throw new ConfigException(n.pathOf("clientAuth"), "must be none or required, got \"" + clientAuth + "\"");
        }
        String certPem = pemFile(n, "cert", certFile);
        String keyPem = pemFile(n, "key", keyFile);
        String caPem = pemFile(n, "ca", caFile);
        java.util.List<java.security.cert.X509Certificate> chain;
        java.security.PrivateKey key;
        try {
            chain = Pem.certificates(certPem);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(n.pathOf("cert"), certFile + " " + e.getMessage());
        }
        try {
            key = Pem.privateKey(keyPem);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(n.pathOf("key"), keyFile + " " + e.getMessage());
        }
        try {
            Pem.certificates(caPem);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(n.pathOf("ca"), caFile + " " + e.getMessage());
        }
        if (!Pem.matches(key, chain.get(0))) {
            throw new ConfigException(n.pathOf("key"), keyFile + " is not the private key of the certificate in " + certFile);
        }
        return new AgentConfig.Tls(certFile, keyFile, caFile, clientAuth.equals("required"), certPem, keyPem, caPem);
    }

    private static String pemFile(ConfigNode n, String key, Path file) {
        try {
            return Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(n.pathOf(key), "cannot read " + file + ": no such file");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(n.pathOf(key), "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static AgentConfig.LeaseSettings lease(ConfigNode n) {
        if (n == null) {
            return new AgentConfig.LeaseSettings(List.of(), true);
        }
        n.rejectUnknown(Set.of("managerKeys", "supervisor"));
        List<String> keys = n.has("managerKeys") ? n.strings("managerKeys") : List.of();
        for (int i = 0; i < keys.size(); i++) {
            try {
                ManagerKey.parse(keys.get(i));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(n.pathOf("managerKeys") + "[" + i + "]", e.getMessage());
            }
        }
        return new AgentConfig.LeaseSettings(keys, n.bool("supervisor", true));
    }

    private static AgentConfig.Host host(ConfigNode n) {
        n.rejectUnknown(Set.of("id", "site", "offsite", "securityLevel", "runtimes"));
        String id = n.matching("id", Names.DNS_LABEL, Names.DNS_LABEL_RULE);
        String site = n.matching("site", Names.DNS_LABEL, Names.DNS_LABEL_RULE);
        boolean offsite = n.bool("offsite");
        int level = (int) n.integer("securityLevel", 0, 100);
        List<String> runtimes = n.strings("runtimes");
        if (runtimes.isEmpty()) {
            throw new ConfigException(n.pathOf("runtimes"), "must name at least one runtime, e.g. [kvm]");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < runtimes.size(); i++) {
            String r = runtimes.get(i);
            String p = n.pathOf("runtimes") + "[" + i + "]";
            if (!RUNTIME.matcher(r).matches()) {
                throw new ConfigException(p, "must be a lower-case runtime name such as kvm or jvm, got \"" + r + "\"");
            }
            if (!seen.add(r)) {
                throw new ConfigException(p, "\"" + r + "\" is listed twice");
            }
        }
        return new AgentConfig.Host(id, site, offsite, level, runtimes);
    }

    private static AgentConfig.Libvirt libvirt(ConfigNode n) {
        n.rejectUnknown(Set.of("uri", "network", "bridge", "testNode", "guest", "shutdownTimeout"));
        Optional<String> uri = n.has("uri")
                ? Optional.of(n.matching("uri", URI, "a libvirt URI such as qemu:///system or test:///path/node.xml"))
                : Optional.empty();
        Optional<String> network = n.has("network") ? Optional.of(n.matching("network", Names.DNS_LABEL,
                "a libvirt network name (" + Names.DNS_LABEL_RULE + ")")) : Optional.empty();
        Optional<String> bridge = n.has("bridge") ? Optional.of(n.matching("bridge", Names.INTERFACE,
                "the name of a bridge of this host (" + Names.INTERFACE_RULE + ")")) : Optional.empty();
        if (network.isPresent() && bridge.isPresent()) {
            throw new ConfigException(n.pathOf("bridge"), "cannot be combined with network: the VMs' network cards "
                    + "go on the libvirt network or on the bridge, not both");
        }
        if (bridge.isPresent() && uri.isEmpty()) {
            throw new ConfigException(n.pathOf("bridge"), "needs uri: libvirt's test driver has no bridges");
        }
        Optional<AgentConfig.TestNode> testNode = Optional.ofNullable(n.optionalObject("testNode"))
                .map(AgentConfigLoader::testNode);
        if (uri.isPresent() && testNode.isPresent()) {
            throw new ConfigException(n.pathOf("testNode"), "cannot be combined with uri: the node file is "
                    + "generated only when the agent chooses the URI itself");
        }
        if (n.has("guest") && uri.isEmpty()) {
            throw new ConfigException(n.pathOf("guest"), "needs uri: libvirt's test driver boots nothing");
        }
        Optional<AgentConfig.Guest> guest = Optional.ofNullable(n.optionalObject("guest")).map(AgentConfigLoader::guest);
        // Under the commands' own wait for an answer (60 s), with room for the destroy that follows.
        Duration shutdownTimeout = n.duration("shutdownTimeout", Duration.ofSeconds(1), Duration.ofSeconds(45),
                AgentConfig.DEFAULT_SHUTDOWN_TIMEOUT);
        return new AgentConfig.Libvirt(uri, network, bridge, testNode, guest, shutdownTimeout);
    }

    /**
     * The guest a real hypervisor boots. Paths must be absolute: the hypervisor reads them, from
     * a working folder that is not the agent's.
     */
    private static AgentConfig.Guest guest(ConfigNode n) {
        n.rejectUnknown(Set.of("kernel", "initrd", "cmdline", "forwardAddress"));
        Path kernel = absolute(n, "kernel");
        Path initrd = absolute(n, "initrd");
        String cmdline = n.string("cmdline", "console=ttyS0");
        if (cmdline.length() > 1024 || cmdline.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw new ConfigException(n.pathOf("cmdline"), "must be at most 1024 printable ASCII characters");
        }
        return new AgentConfig.Guest(kernel, initrd, cmdline, forwardAddress(n));
    }

    /**
     * An IPv4 address of this host (one a socket can be bound to), not the wildcard: the agent
     * reports it as where the guests' ports are, so it must be one a manager can reach.
     */
    private static String forwardAddress(ConfigNode n) {
        if (!n.has("forwardAddress")) {
            return AgentConfig.Guest.LOOPBACK;
        }
        String a = address(n, "forwardAddress");
        if (a.contains(":")) {
            // QEMU's hostfwd and the reported endpoints take an IPv4 address.
            throw new ConfigException(n.pathOf("forwardAddress"), "must be an IPv4 address of this host, got \"" + a + "\"");
        }
        if (a.equals("0.0.0.0")) {
            throw new ConfigException(n.pathOf("forwardAddress"), "must be one address of this host, not 0.0.0.0: the agent"
                    + " reports it to the managers as where the guests' ports are");
        }
        try {
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(a)).close();
            return a;
        } catch (java.io.IOException e) {
            throw new ConfigException(n.pathOf("forwardAddress"), a + " is not an address of this host (" + e.getMessage() + ")");
        }
    }

    private static Path absolute(ConfigNode n, String key) {
        String s = n.string(key);
        Path p = Path.of(s);
        if (!p.isAbsolute()) {
            throw new ConfigException(n.pathOf(key), "must be an absolute path (the hypervisor reads it), got \"" + s + "\"");
        }
        if (!Files.isRegularFile(p)) {
            throw new ConfigException(n.pathOf(key), p + " is not a file");
        }
        return p;
    }

    private static AgentConfig.TestNode testNode(ConfigNode n) {
        n.rejectUnknown(Set.of("cpus", "cpuMhz", "memoryMiB", "storageGiB", "vms"));
        int cpus = (int) n.integer("cpus", 1, 4096);
        int mhz = (int) n.integer("cpuMhz", 100, 10_000, 2400);
        long memory = n.integer("memoryMiB", 64, 64L * 1024 * 1024);
        long storage = n.integer("storageGiB", 1, 1024L * 1024);
        List<AgentConfig.TestVm> vms = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (n.has("vms")) {
            for (ConfigNode v : n.objects("vms")) {
                v.rejectUnknown(Set.of("name", "application", "service", "vcpus", "memoryMiB", "diskGiB", "running"));
                String name = v.matching("name", Names.DNS_LABEL, Names.DNS_LABEL_RULE);
                if (!names.add(name)) {
                    throw new ConfigException(v.pathOf("name"), "\"" + name + "\" is used by another VM");
                }
                vms.add(new AgentConfig.TestVm(name,
                        v.matching("application", Names.LABEL, Names.LABEL_RULE),
                        v.matching("service", Names.LABEL, Names.LABEL_RULE),
                        (int) v.integer("vcpus", 1, 256),
                        v.integer("memoryMiB", 16, 4L * 1024 * 1024),
                        v.integer("diskGiB", 1, 64L * 1024),
                        v.bool("running", true)));
            }
        }
        return new AgentConfig.TestNode(cpus, mhz, memory, storage, vms);
    }

    private static AgentConfig.Capacity capacity(ConfigNode n) {
        n.rejectUnknown(Set.of("storageGiB", "networkMbps"));
        OptionalLong storage = n.has("storageGiB")
                ? OptionalLong.of(n.integer("storageGiB", 1, 1024L * 1024 * 1024) << 30)
                : OptionalLong.empty();
        long mbps = n.integer("networkMbps", 1, 10_000_000);
        return new AgentConfig.Capacity(storage, mbps * 1_000_000L);
    }

    private static CostRates cost(ConfigNode n) {
        n.rejectUnknown(Set.of("currency", "perCpuSecond", "perStorageGiBHour", "perNetworkGB", "perNetworkPacket"));
        String currency = n.matching("currency", Pattern.compile("[A-Z]{3}"), "an ISO 4217 currency code such as EUR");
        return new CostRates(currency,
                n.decimal("perCpuSecond", 0, 1e6),
                n.decimal("perStorageGiBHour", 0, 1e6),
                n.decimal("perNetworkGB", 0, 1e6),
                n.decimal("perNetworkPacket", 0, 1e6));
    }

    private static AgentConfig.Jolokia jolokia(ConfigNode n, Path baseDir) {
        n.rejectUnknown(Set.of("address", "port", "users", "policyFile"));
        String address = address(n);
        int port = (int) n.integer("port", 0, 65535);
        List<AgentConfig.User> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode u : n.objects("users")) {
            u.rejectUnknown(Set.of("name", "password"));
            String name = u.matching("name", USER_NAME, "1 to 64 letters, digits, '.', '_' or '-'");
            if (!names.add(name)) {
                throw new ConfigException(u.pathOf("name"), "user \"" + name + "\" is listed twice");
            }
            String password = u.string("password");
            if (password.length() < MIN_PASSWORD) {
                throw new ConfigException(u.pathOf("password"), "must be at least " + MIN_PASSWORD + " characters");
            }
            users.add(new AgentConfig.User(name, password));
        }
        if (users.isEmpty()) {
            throw new ConfigException(n.pathOf("users"), "must list at least one user: Jolokia always requires a login");
        }
        Optional<Path> policy = n.has("policyFile")
                ? Optional.of(baseDir.resolve(n.string("policyFile")).normalize())
                : Optional.empty();
        return new AgentConfig.Jolokia(address, port, users, policy);
    }


    private static AgentConfig.Snmp snmp(ConfigNode n) {
        n.rejectUnknown(Set.of("address", "port", "users", "community", "notify", "contact"));
        String address = address(n);
        int port = (int) n.integer("port", 0, 65535, 16161);
        List<SnmpUser> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode u : n.objects("users")) {
            u.rejectUnknown(Set.of("name", "auth", "authPassword", "priv", "privPassword"));
            String name = u.matching("name", USER_NAME, "1 to 64 letters, digits, '.', '_' or '-'");
            if (!names.add(name)) {
                throw new ConfigException(u.pathOf("name"), "user \"" + name + "\" is listed twice");
            }
            String auth = u.string("auth", SnmpUser.DEFAULT_AUTH);
            if (!SnmpUser.AUTH.contains(auth)) {
                throw new ConfigException(u.pathOf("auth"), "must be one of " + String.join(", ", SnmpUser.AUTH)
                        + " (MD5 and SHA-1 are refused), got \"" + auth + "\"");
            }
            String priv = u.string("priv", SnmpUser.DEFAULT_PRIV);
            if (!SnmpUser.PRIV.contains(priv)) {
                throw new ConfigException(u.pathOf("priv"), "must be one of " + String.join(", ", SnmpUser.PRIV)
                        + " (DES is refused), got \"" + priv + "\"");
            }
            String authPassword = u.string("authPassword");
            String privPassword = u.string("privPassword");
            if (authPassword.length() < MIN_PASSWORD) {
                throw new ConfigException(u.pathOf("authPassword"), "must be at least " + MIN_PASSWORD + " characters");
            }
            if (privPassword.length() < MIN_PASSWORD) {
                throw new ConfigException(u.pathOf("privPassword"), "must be at least " + MIN_PASSWORD + " characters");
            }
            users.add(new SnmpUser(name, auth, authPassword, priv, privPassword));
        }
        if (users.isEmpty()) {
            throw new ConfigException(n.pathOf("users"), "must list at least one SNMPv3 user");
        }
        Optional<String> community = n.has("community") ? Optional.of(n.string("community")) : Optional.empty();
        List<SnmpAgentEngine.NotifyTarget> targets = new ArrayList<>();
        if (n.has("notify")) {
            for (ConfigNode t : n.objects("notify")) {
                t.rejectUnknown(Set.of("address", "port", "user", "type"));
                String user = t.string("user");
                if (!names.contains(user)) {
                    throw new ConfigException(t.pathOf("user"), "\"" + user + "\" is not one of snmp.users");
                }
                String type = t.string("type", "trap");
                if (!type.equals("trap") && !type.equals("inform")) {
                    throw new ConfigException(t.pathOf("type"), "must be trap or inform, got \"" + type + "\"");
                }
                targets.add(new SnmpAgentEngine.NotifyTarget(address(t), (int) t.integer("port", 1, 65535, 162), user,
                        type.equals("inform")));
            }
        }
        // sysContact: who to call about this host, as the station shows it (SNMPv2-MIB: a DisplayString).
        String contact = n.has("contact") ? n.string("contact") : "";
        if (contact.length() > 255 || !contact.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new ConfigException(n.pathOf("contact"), "must be at most 255 printable ASCII characters "
                    + "(it is served as sysContact, a DisplayString)");
        }
        return new AgentConfig.Snmp(address, port, users, community, targets, contact);
    }

    private static AgentConfig.Endpoint endpoint(ConfigNode n) {
        n.rejectUnknown(Set.of("address", "port"));
        return new AgentConfig.Endpoint(address(n), (int) n.integer("port", 0, 65535));
    }

    /** An explicit IP literal: binding to whatever "localhost" resolves to is a classic surprise. */
    private static String address(ConfigNode n) {
        return address(n, "address");
    }

    private static String address(ConfigNode n, String key) {
        String a = n.string(key);
        boolean literal = a.matches("[0-9.]+") || a.contains(":");
        if (!literal) {
            throw new ConfigException(n.pathOf(key), "must be an IP address such as 127.0.0.1, got \"" + a + "\"");
        }
        try {
            InetAddress.getByName(a);
        } catch (UnknownHostException e) {
            throw new ConfigException(n.pathOf(key), "is not a valid IP address: \"" + a + "\"");
        }
        return a;
    }
}
