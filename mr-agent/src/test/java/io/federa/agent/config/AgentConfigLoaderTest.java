package io.federa.agent.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentConfigLoaderTest {
    private static final Path BASE = Path.of("/etc/federa");

    static final String GOOD = """
            host:
              id: host-1
              site: paris
              offsite: false
              securityLevel: 3
              runtimes: [kvm, jvm]
            libvirt:
              testNode:
                cpus: 16
                memoryMiB: 65536
                storageGiB: 2000
                vms:
                  - { name: web-1, application: web, service: shop, vcpus: 2, memoryMiB: 2048, diskGiB: 20 }
            capacity:
              networkMbps: 10000
            cost:
              currency: EUR
              perCpuSecond: 0.000014
              perStorageGiBHour: 0.00014
              perNetworkGB: 0.02
              perNetworkPacket: 0.0000001
            jolokia:
              address: 127.0.0.1
              port: 8778
              users:
                - { name: federa, password: a-long-password }
            metrics:
              address: 127.0.0.1
              port: 9779
            dataDir: data/host-1
            sampleInterval: 500ms
            """;

    @Test
    void a_complete_file_is_read_with_every_value() {
        AgentConfig c = AgentConfigLoader.parse(GOOD, BASE);

        assertThat(c.host().id()).isEqualTo("host-1");
        assertThat(c.host().site()).isEqualTo("paris");
        assertThat(c.host().offsite()).isFalse();
        assertThat(c.host().securityLevel()).isEqualTo(3);
        assertThat(c.host().runtimes()).containsExactly("kvm", "jvm");
        assertThat(c.libvirt().uri()).isEmpty();
        assertThat(c.libvirt().testNode()).get().satisfies(n -> {
            assertThat(n.cpus()).isEqualTo(16);
            assertThat(n.cpuMhz()).as("default").isEqualTo(2400);
            assertThat(n.vms()).singleElement().satisfies(v -> {
                assertThat(v.name()).isEqualTo("web-1");
                assertThat(v.running()).as("default").isTrue();
            });
        });
        assertThat(c.capacity().networkBitsPerSecond()).isEqualTo(10_000_000_000L);
        assertThat(c.capacity().storageBytes()).isEmpty();
        assertThat(c.cost().perCpuSecond()).isEqualTo(0.000014);
        assertThat(c.jolokia().port()).isEqualTo(8778);
        assertThat(c.jolokia().users()).singleElement().satisfies(u -> assertThat(u.name()).isEqualTo("federa"));
        assertThat(c.dataDir()).as("relative to the file's folder").isEqualTo(Path.of("/etc/federa/data/host-1"));
        assertThat(c.sampleInterval()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void the_managers_keys_are_read_and_none_means_statements_are_believed_unsigned() {
        String key = io.federa.agent.Leases.publicKey(io.federa.agent.Leases.keyPair());
        assertThat(AgentConfigLoader.parse(GOOD + "lease:\n  managerKeys: [\"" + key + "\"]\n", BASE).lease().managerKeys())
                .containsExactly(key);
        assertThat(AgentConfigLoader.parse(GOOD, BASE).lease().managerKeys()).isEmpty();
    }

    @Test
    void the_lease_supervisor_is_on_unless_switched_off() {
        assertThat(AgentConfigLoader.parse(GOOD, BASE).lease().supervisor()).isTrue();
        assertThat(AgentConfigLoader.parse(GOOD + "lease:\n  managerKeys: []\n", BASE).lease().supervisor()).isTrue();
        assertThat(AgentConfigLoader.parse(GOOD + "lease:\n  supervisor: false\n", BASE).lease().supervisor()).isFalse();
    }

    @Test
    void a_password_never_shows_in_a_printed_configuration() {
        AgentConfig c = AgentConfigLoader.parse(GOOD, BASE);
        assertThat(c.toString()).doesNotContain("a-long-password");
    }

    @Test
    void a_real_hypervisor_needs_only_its_uri() {
        AgentConfig c = AgentConfigLoader.parse(GOOD.replaceAll("(?s)  testNode:.*?diskGiB: 20 \\}\n",
                "  uri: qemu:///system\n"), BASE);
        assertThat(c.libvirt().uri()).contains("qemu:///system");
        assertThat(c.libvirt().testNode()).isEmpty();
        assertThat(c.libvirt().bridge()).isEmpty();
        assertThat(c.libvirt().network()).isEmpty();
        AgentConfig bridged = AgentConfigLoader.parse(REAL.replace("  uri: qemu:///session\n",
                "  uri: qemu:///session\n  bridge: fedbr0\n"), BASE);
        assertThat(bridged.libvirt().bridge()).contains("fedbr0");
    }

    @Test
    void a_real_hypervisor_boots_the_guest_it_names_and_waits_for_shutdowns_as_long_as_told(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path kernel = java.nio.file.Files.writeString(dir.resolve("vmlinuz"), "k");
        Path initrd = java.nio.file.Files.writeString(dir.resolve("initrd.gz"), "i");
        AgentConfig c = AgentConfigLoader.parse(GOOD.replaceAll("(?s)  testNode:.*?diskGiB: 20 \\}\n",
                "  uri: qemu:///session\n  guest:\n    kernel: " + kernel + "\n    initrd: " + initrd
                        + "\n  shutdownTimeout: 5s\n"), BASE);
        assertThat(c.libvirt().guest()).contains(new AgentConfig.Guest(kernel, initrd, "console=ttyS0"));
        assertThat(c.libvirt().guest().orElseThrow().forwardAddress()).isEqualTo("127.0.0.1");
        // Where the managers reach this host, when they run elsewhere: an address of this host.
        AgentConfig elsewhere = AgentConfigLoader.parse(GOOD.replaceAll("(?s)  testNode:.*?diskGiB: 20 \\}\n",
                "  uri: qemu:///session\n  guest:\n    kernel: " + kernel + "\n    initrd: " + initrd
                        + "\n    forwardAddress: 127.0.0.2\n"), BASE);
        assertThat(elsewhere.libvirt().guest().orElseThrow().forwardAddress()).isEqualTo("127.0.0.2");
        for (String bad : List.of("0.0.0.0", "example.org", "256.1.1.1", "192.0.2.1")) {
            assertThatThrownBy(() -> AgentConfigLoader.parse(GOOD.replaceAll("(?s)  testNode:.*?diskGiB: 20 \\}\n",
                    "  uri: qemu:///session\n  guest:\n    kernel: " + kernel + "\n    initrd: " + initrd
                            + "\n    forwardAddress: " + bad + "\n"), BASE))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("libvirt.guest.forwardAddress");
        }
        assertThat(c.libvirt().shutdownTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(AgentConfigLoader.parse(GOOD, BASE).libvirt().shutdownTimeout())
                .isEqualTo(AgentConfig.DEFAULT_SHUTDOWN_TIMEOUT);
    }

    private static final String REAL = GOOD.replaceAll("(?s)  testNode:.*?diskGiB: 20 \\}\n", "  uri: qemu:///session\n");

    static Stream<Arguments> badFiles() {
        return Stream.of(
                bad("empty file", "", "", "the file is empty"),
                bad("not YAML", "host: [unclosed", "", "not valid YAML"),
                bad("a list at the top", "- a\n- b\n", "", "mapping"),
                bad("unknown top-level field", GOOD + "colour: blue\n", "colour", "unknown field"),
                bad("unknown nested field", GOOD.replace("  site: paris", "  site: paris\n  name: x"), "host.name", "unknown field"),
                bad("host id with capitals", GOOD.replace("id: host-1", "id: Host_1"), "host.id", "DNS label"),
                bad("missing site", GOOD.replace("  site: paris\n", ""), "host.site", "is required"),
                bad("offsite as a word", GOOD.replace("offsite: false", "offsite: perhaps"), "host.offsite", "true or false"),
                bad("security level too high", GOOD.replace("securityLevel: 3", "securityLevel: 101"), "host.securityLevel", "between 0 and 100"),
                bad("security level fractional", GOOD.replace("securityLevel: 3", "securityLevel: 2.5"), "host.securityLevel", "whole number"),
                bad("no runtime", GOOD.replace("[kvm, jvm]", "[]"), "host.runtimes", "at least one"),
                bad("runtime listed twice", GOOD.replace("[kvm, jvm]", "[kvm, kvm]"), "host.runtimes[1]", "listed twice"),
                bad("neither uri nor test node", GOOD.replaceAll("(?s)  testNode:.*?diskGiB: 20 \\}\n", "  network: default\n"), "libvirt", "either uri"),
                bad("uri and test node", GOOD.replace("libvirt:\n", "libvirt:\n  uri: qemu:///system\n"), "libvirt.testNode", "cannot be combined"),
                bad("uri without scheme", GOOD.replaceAll("(?s)  testNode:.*?diskGiB: 20 \\}\n", "  uri: system\n"), "libvirt.uri", "libvirt URI"),
                bad("zero CPUs", GOOD.replace("cpus: 16", "cpus: 0"), "libvirt.testNode.cpus", "between 1 and 4096"),
                bad("test VM name taken twice", GOOD.replace("diskGiB: 20 }", "diskGiB: 20 }\n      - { name: web-1, application: web, service: shop, vcpus: 2, memoryMiB: 2048, diskGiB: 20 }"),
                        "libvirt.testNode.vms[1].name", "used by another VM"),
                bad("test VM label with markup", GOOD.replace("application: web,", "application: \"<web>\","), "libvirt.testNode.vms[0].application", "letters, digits"),
                bad("missing network bandwidth", GOOD.replace("  networkMbps: 10000\n", "  storageGiB: 10\n"), "capacity.networkMbps", "is required"),
                bad("currency in words", GOOD.replace("currency: EUR", "currency: euro"), "cost.currency", "ISO 4217"),
                bad("negative rate", GOOD.replace("perCpuSecond: 0.000014", "perCpuSecond: -1"), "cost.perCpuSecond", "between 0.0"),
                bad("rate as text", GOOD.replace("perNetworkGB: 0.02", "perNetworkGB: cheap"), "cost.perNetworkGB", "must be a number"),
                bad("host name instead of IP", GOOD.replace("  address: 127.0.0.1\n  port: 8778", "  address: localhost\n  port: 8778"), "jolokia.address", "IP address"),
                bad("port out of range", GOOD.replace("port: 8778", "port: 70000"), "jolokia.port", "between 0 and 65535"),
                bad("no user", GOOD.replace("    - { name: federa, password: a-long-password }\n", "    []\n").replace("users:\n    []", "users: []"), "jolokia.users", "at least one user"),
                bad("short password", GOOD.replace("password: a-long-password", "password: short"), "jolokia.users[0].password", "at least 8"),
                bad("user twice", GOOD.replace("    - { name: federa, password: a-long-password }\n",
                        "    - { name: federa, password: a-long-password }\n    - { name: federa, password: another-password }\n"), "jolokia.users[1].name", "listed twice"),
                bad("metrics on jolokia's port", GOOD.replace("port: 9779", "port: 8778"), "metrics.port", "must differ"),
                bad("interval without unit", GOOD.replace("sampleInterval: 500ms", "sampleInterval: 5"), "sampleInterval", "with its unit"),
                bad("interval too short", GOOD.replace("sampleInterval: 500ms", "sampleInterval: 10ms"), "sampleInterval", "between 100ms"),
                bad("missing data directory", GOOD.replace("dataDir: data/host-1\n", ""), "dataDir", "is required"),
                bad("manager key not a key", GOOD + "lease:\n  managerKeys: [\"bm90IGEga2V5\"]\n", "lease.managerKeys[0]",
                        "not an Ed25519 public key"),
                bad("unknown lease field", GOOD + "lease:\n  keys: []\n", "lease.keys", "unknown field"),
                bad("supervisor not a switch", GOOD + "lease:\n  supervisor: maybe\n", "lease.supervisor", "true or false"),
                bad("guest on the test driver", GOOD.replace("libvirt:\n", "libvirt:\n  guest: { kernel: /k, initrd: /i }\n"),
                        "libvirt.guest", "needs uri"),
                bad("guest kernel relative", REAL.replace("  uri: qemu:///session\n", "  uri: qemu:///session\n  guest: { kernel: vmlinuz, initrd: /i }\n"),
                        "libvirt.guest.kernel", "absolute path"),
                bad("guest kernel missing", (REAL.replace("  uri: qemu:///session\n", "  uri: qemu:///session\n  guest: { kernel: /no/such/vmlinuz, initrd: /i }\n")),
                        "libvirt.guest.kernel", "is not a file"),
                bad("guest without initrd", REAL.replace("  uri: qemu:///session\n", "  uri: qemu:///session\n  guest: { kernel: /etc/passwd }\n"),
                        "libvirt.guest.initrd", "is required"),
                bad("bridge on the test driver", GOOD.replace("libvirt:\n", "libvirt:\n  bridge: br0\n"), "libvirt.bridge", "needs uri"),
                bad("bridge and network", REAL.replace("  uri: qemu:///session\n", "  uri: qemu:///session\n  network: default\n  bridge: br0\n"),
                        "libvirt.bridge", "cannot be combined with network"),
                bad("bridge name too long", REAL.replace("  uri: qemu:///session\n", "  uri: qemu:///session\n  bridge: a-bridge-of-16ch\n"),
                        "libvirt.bridge", "1 to 15 characters"),
                bad("bridge name with a slash", REAL.replace("  uri: qemu:///session\n", "  uri: qemu:///session\n  bridge: br/0\n"),
                        "libvirt.bridge", "bridge of this host"),
                bad("shutdown timeout too long", GOOD.replace("libvirt:\n", "libvirt:\n  shutdownTimeout: 5m\n"),
                        "libvirt.shutdownTimeout", "between 1000ms and 45000ms"));
    }

    private static Arguments bad(String why, String yaml, String field, String problem) {
        return Arguments.of(why, yaml, field, problem);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void a_bad_file_is_refused_naming_the_field_and_the_problem(String why, String yaml, String field, String problem) {
        assertThatThrownBy(() -> AgentConfigLoader.parse(yaml, BASE))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).field()).isEqualTo(field))
                .hasMessageContaining(problem);
    }

    // ---- tls: files are read and checked at start, each error naming the field and the file ----

    private static String withTls(String cert, String key, String ca, String clientAuth) {
        return GOOD + "tls:\n  cert: " + cert + "\n  key: " + key + "\n  ca: " + ca
                + (clientAuth == null ? "" : "\n  clientAuth: " + clientAuth) + "\n";
    }

    @Test
    void a_tls_section_is_read_from_pem_files_relative_to_the_file(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        io.federa.agent.tls.TestCerts.make(dir.resolve("certs"), "host-1");
        AgentConfig c = AgentConfigLoader.parse(withTls("certs/host-1.pem", "certs/host-1-key.pem", "certs/ca.pem", "required"), dir);
        assertThat(c.tls()).isPresent();
        assertThat(c.tls().get().keyFile()).isEqualTo(dir.resolve("certs/host-1-key.pem"));
        assertThat(c.tls().get().requireClientCert()).isTrue();
        assertThat(c.tls().get().toString()).doesNotContain("PRIVATE KEY");
        assertThat(AgentConfigLoader.parse(GOOD, dir).tls()).isEmpty();
    }

    @Test
    void a_missing_key_file_is_refused_naming_the_field_and_the_file(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        io.federa.agent.tls.TestCerts.make(dir.resolve("certs"), "host-1");
        assertThatThrownBy(() -> AgentConfigLoader.parse(withTls("certs/host-1.pem", "certs/gone-key.pem", "certs/ca.pem", null), dir))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).field()).isEqualTo("tls.key"))
                .hasMessage("tls.key: cannot read " + dir.resolve("certs/gone-key.pem") + ": no such file");
    }

    @Test
    void wrong_tls_files_are_refused_saying_what_is_wrong(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        io.federa.agent.tls.TestCerts.make(dir.resolve("certs"), "host-1", "host-2");
        record Case(String yaml, String field, String problem) {
        }
        for (Case k : java.util.List.of(
                new Case(withTls("certs/host-1-key.pem", "certs/host-1-key.pem", "certs/ca.pem", null), "tls.cert",
                        "host-1-key.pem holds no PEM certificate"),
                new Case(withTls("certs/host-1.pem", "certs/host-1.pem", "certs/ca.pem", null), "tls.key",
                        "host-1.pem holds no PEM private key"),
                new Case(withTls("certs/host-1.pem", "certs/host-2-key.pem", "certs/ca.pem", null), "tls.key",
                        "host-2-key.pem is not the private key of the certificate in " + dir.resolve("certs/host-1.pem")),
                new Case(withTls("certs/host-1.pem", "certs/host-1-key.pem", "certs/ca-key.pem", null), "tls.ca",
                        "ca-key.pem holds no PEM certificate"),
                new Case(withTls("certs/host-1.pem", "certs/host-1-key.pem", "certs/ca.pem", "optional"), "tls.clientAuth",
                        "must be none or required, got \"optional\""),
                new Case(GOOD + "tls:\n  cert: certs/host-1.pem\n  ca: certs/ca.pem\n", "tls.key", "is required"))) {
            assertThatThrownBy(() -> AgentConfigLoader.parse(k.yaml(), dir)).as(k.field() + " " + k.problem())
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(((ConfigException) e).field()).isEqualTo(k.field()))
                    .hasMessageContaining(k.problem());
        }
    }

    @Test
    void a_file_past_the_yaml_limits_is_refused_with_the_limit() {
        int depth = ConfigYaml.MAX_NESTING_DEPTH + 8;
        assertThatThrownBy(() -> AgentConfigLoader.parse("host: " + "[".repeat(depth) + "]".repeat(depth), BASE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML")
                .hasMessageContaining("depth");
        assertThatThrownBy(() -> AgentConfigLoader.parse("host: x\n#" + "x".repeat(ConfigYaml.MAX_DOCUMENT_CHARS), BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("the limit is " + ConfigYaml.MAX_DOCUMENT_CHARS);
        assertThatThrownBy(() -> AgentConfigLoader.parse("host: \"" + "x".repeat(ConfigYaml.MAX_STRING_CHARS + 1) + "\"", BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("exceeds the maximum (" + ConfigYaml.MAX_STRING_CHARS + ")");
        assertThatThrownBy(() -> AgentConfigLoader.parse("host: a\nhost: b\n", BASE))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Duplicate field 'host'");
    }
}
