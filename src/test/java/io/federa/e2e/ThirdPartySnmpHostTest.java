package io.federa.e2e;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.poll.PollingVerticle;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.federa.e2e.SnmpInventoryEndToEndTest.await;
import static io.federa.e2e.SnmpInventoryEndToEndTest.reachable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * A third-party host: net-snmp's snmpd serving only a VM-MIB vmTable and vmStorageTable, through
 * a pass_persist script, and no FEDERA-MR-MIB. The manager inventories its VMs without Federa's
 * columns, takes the host's facts from its configuration, and names snmpd's USM reports.
 */
class ThirdPartySnmpHostTest {
    private static final long INTERVAL_MS = 500;
    private static final String SNMPD = "/usr/sbin/snmpd";

    /**
     * The VM-MIB objects the script serves, in OID order: three VMs (indexes 1, 2 and 5: indexes
     * need not be dense), the disks of two of them, and the hypervisor's name and version.
     */
    private static final String VM_MIB = """
            .1.3.6.1.2.1.236.1.1.1.0 string ThirdVisor
            .1.3.6.1.2.1.236.1.1.2.0 string 7.1
            .1.3.6.1.2.1.236.1.2.0 integer 3
            .1.3.6.1.2.1.236.1.4.1.2.1 string legacy-web
            .1.3.6.1.2.1.236.1.4.1.2.2 string legacy-db
            .1.3.6.1.2.1.236.1.4.1.2.5 string legacy-cache
            .1.3.6.1.2.1.236.1.4.1.3.1 octet 11 11 11 11 22 22 33 33 44 44 55 55 55 55 55 55
            .1.3.6.1.2.1.236.1.4.1.3.2 octet 66 66 66 66 77 77 88 88 99 99 aa aa aa aa aa aa
            .1.3.6.1.2.1.236.1.4.1.3.5 octet
            .1.3.6.1.2.1.236.1.4.1.4.1 string linux
            .1.3.6.1.2.1.236.1.4.1.4.2 string linux
            .1.3.6.1.2.1.236.1.4.1.4.5 string other
            .1.3.6.1.2.1.236.1.4.1.6.1 integer 4
            .1.3.6.1.2.1.236.1.4.1.6.2 integer 11
            .1.3.6.1.2.1.236.1.4.1.6.5 integer 8
            .1.3.6.1.2.1.236.1.4.1.9.1 integer 2
            .1.3.6.1.2.1.236.1.4.1.9.2 integer 4
            .1.3.6.1.2.1.236.1.4.1.9.5 integer 1
            .1.3.6.1.2.1.236.1.4.1.12.1 integer 1024
            .1.3.6.1.2.1.236.1.4.1.12.2 integer 1024
            .1.3.6.1.2.1.236.1.4.1.12.5 integer 1048576
            .1.3.6.1.2.1.236.1.4.1.13.1 integer 1048576
            .1.3.6.1.2.1.236.1.4.1.13.2 integer 4194304
            .1.3.6.1.2.1.236.1.4.1.13.5 integer 512
            .1.3.6.1.2.1.236.1.4.1.16.1 timeticks 360000
            .1.3.6.1.2.1.236.1.4.1.16.2 timeticks 0
            .1.3.6.1.2.1.236.1.4.1.16.5 timeticks 12345
            .1.3.6.1.2.1.236.1.7.1.10.1.1 integer 1048576
            .1.3.6.1.2.1.236.1.7.1.10.1.2 integer 1048576
            .1.3.6.1.2.1.236.1.7.1.10.2.1 integer 1048576
            .1.3.6.1.2.1.236.1.7.1.11.1.1 integer 10240
            .1.3.6.1.2.1.236.1.7.1.11.1.2 integer 2048
            .1.3.6.1.2.1.236.1.7.1.11.2.1 integer -1
            """;

    /** net-snmp's pass_persist protocol (snmpd(8), "pass_persist"): PING, get, getnext, set. */
    private static final String SCRIPT = """
            use strict;
            $| = 1;
            my (@oids, %val);
            open(my $f, '<', $ARGV[0]) or die;
            while (<$f>) {
                chomp;
                my ($oid, $type, $value) = split(/ /, $_, 3);
                next unless defined $type;
                push @oids, $oid;
                $val{$oid} = [$type, defined $value ? $value : ''];
            }
            sub cmp_oid {
                my @a = split(/\\./, substr($_[0], 1));
                my @b = split(/\\./, substr($_[1], 1));
                while (@a && @b) {
                    my $c = shift(@a) <=> shift(@b);
                    return $c if $c;
                }
                return @a <=> @b;
            }
            @oids = sort { cmp_oid($a, $b) } @oids;
            sub answer {
                my $oid = shift;
                print "$oid\\n$val{$oid}[0]\\n$val{$oid}[1]\\n";
            }
            while (my $cmd = <STDIN>) {
                chomp $cmd;
                if ($cmd eq 'PING') { print "PONG\\n"; next; }
                my $oid = <STDIN>;
                last unless defined $oid;
                chomp $oid;
                if ($cmd eq 'get') {
                    if (exists $val{$oid}) { answer($oid); } else { print "NONE\\n"; }
                } elsif ($cmd eq 'getnext') {
                    my ($next) = grep { cmp_oid($_, $oid) > 0 } @oids;
                    if (defined $next) { answer($next); } else { print "NONE\\n"; }
                } else {
                    <STDIN>;
                    print "not-writable\\n";
                }
            }
            """;

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** snmpd on 127.0.0.1, with only what this test writes: its config, users, persistent state and script. */
    private static Process startSnmpd(Path dir, int port) throws Exception {
        assertThat(Path.of(SNMPD)).as("net-snmp's snmpd (Debian package snmpd, installed by scripts/install-deps.sh)").exists();
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("vm-mib.txt"), VM_MIB);
        Files.writeString(dir.resolve("vm-mib.pl"), SCRIPT);
        Files.writeString(dir.resolve("snmpd.conf"), String.join("\n",
                "[snmp] persistentDir " + state,
                "createUser noc SHA-256 third-auth-pass AES third-priv-pass",
                "createUser ops SHA-256 ops-auth-pass AES ops-priv-pass",
                "view vmmib included .1.3.6.1.2.1.236",
                "rouser noc priv -V vmmib",
                "rouser ops priv -V vmmib",
                "pass_persist .1.3.6.1.2.1.236 /usr/bin/perl " + dir.resolve("vm-mib.pl") + " " + dir.resolve("vm-mib.txt"),
                ""));
        ProcessBuilder pb = new ProcessBuilder(SNMPD, "-f", "-Lo", "-C", "-c", dir.resolve("snmpd.conf").toString(),
                "-p", dir.resolve("snmpd.pid").toString(), "udp:127.0.0.1:" + port);
        pb.environment().put("SNMP_PERSISTENT_DIR", state.toString());
        pb.environment().put("MIBS", "");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> output = new ArrayList<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (output) {
                        output.add(line);
                    }
                    if (line.startsWith("NET-SNMP version")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            synchronized (output) {
                ready.completeExceptionally(new IllegalStateException("snmpd ended: " + output));
            }
        }, "snmpd-output");
        reader.setDaemon(true);
        reader.start();
        ready.get(30, TimeUnit.SECONDS);
        return p;
    }

    private static ManagerConfig.Agent agent(String name, int port, String user, String authPassword, String privPassword,
                                             ManagerConfig.HostFacts facts) {
        return new ManagerConfig.Agent(name, "127.0.0.1", port, ManagerConfig.Transport.SNMP, user, "",
                new ManagerConfig.Snmp(ManagerConfig.AuthProtocol.SHA_256, authPassword, ManagerConfig.PrivProtocol.AES_128,
                        privPassword, facts));
    }

    @Test
    void a_host_serving_only_the_vm_mib_is_inventoried_with_facts_from_the_configuration(@TempDir Path dir) throws Exception {
        int port = freeUdpPort();
        Process snmpd = startSnmpd(dir, port);
        Vertx vertx = Vertx.vertx();
        try {
            ManagerConfig.HostFacts facts = new ManagerConfig.HostFacts("lyon", true, 2, List.of("kvm"), "EUR", 0.00002, 0.0001, 0.01, 0);
                        PollingVerticle polling = new PollingVerticle(List.of(
                    agent("legacy-1", port, "noc", "third-auth-pass", "third-priv-pass", facts),
                    agent("legacy-stranger", port, "nobody", "third-auth-pass", "third-priv-pass", facts),
                    agent("legacy-wrong", port, "ops", "not-the-auth-pass", "ops-priv-pass", facts)),
                    INTERVAL_MS, 2, 16, (name, nanos, failure, entry) -> { });
            vertx.deployVerticle(polling).await(10, TimeUnit.SECONDS);

            InventorySnapshot i = await(polling::inventory, s -> reachable(s, "legacy-1"), 10_000);
            HostStatus h = i.agents().get("legacy-1").host().orElseThrow();
            assertThat(h.hostId()).isEqualTo("legacy-1");
            assertThat(h.site()).isEqualTo("lyon");
            assertThat(h.offsite()).isTrue();
            assertThat(h.securityLevel()).isEqualTo(2);
            assertThat(h.runtimes()).containsExactly("kvm");
            assertThat(h.currency()).isEqualTo("EUR");
            assertThat(h.costPerCpuSecond()).isEqualTo(0.00002);
            assertThat(h.agentVersion()).isEqualTo("ThirdVisor 7.1");
            // No capacity over the VM-MIB; what the active VMs (running and paused) hold, it does tell.
            assertThat(h.cpus()).isZero();
            assertThat(h.memoryBytes()).isZero();
            assertThat(h.vcpusAllocated()).isEqualTo(3);
            assertThat(h.memoryAllocatedBytes()).isEqualTo((1L << 30) + (512L << 20));
            assertThat(i.agents().get("legacy-1").vms())
                    .extracting(VmStatus::name, VmStatus::uuid, VmStatus::state, VmStatus::vcpus, VmStatus::memoryBytes,
                            VmStatus::diskBytes, VmStatus::uptimeSeconds)
                    .containsExactly(
                            tuple("legacy-cache", "", "PAUSED", 1, 512L << 20, -1L, 123L),
                            tuple("legacy-db", "66666666-7777-8888-9999-aaaaaaaaaaaa", "SHUT_OFF", 4, 4L << 30, -1L, 0L),
                            tuple("legacy-web", "11111111-2222-3333-4444-555555555555", "RUNNING", 2, 1L << 30, 12L << 30, 3600L));
            assertThat(i.agents().get("legacy-1").vms()).allSatisfy(v -> {
                assertThat(v.host()).isEqualTo("legacy-1");
                assertThat(v.application()).isEmpty();
                assertThat(v.service()).isEmpty();
                assertThat(v.networkReceiveBitsPerSecond()).isEqualTo(-1);
                assertThat(v.networkTransmitBitsPerSecond()).isEqualTo(-1);
                assertThat(v.cpuLoadRatio()).isZero();
            });

            // snmpd reports what is wrong with a request, as RFC 3414 says.
            InventorySnapshot refused = await(polling::inventory, s -> s.agents().get("legacy-wrong").health().state() == AgentHealth.State.UNREACHABLE
                    && s.agents().get("legacy-stranger").health().state() == AgentHealth.State.UNREACHABLE, 5_000);
            assertThat(refused.agents().get("legacy-stranger").health().reason())
                    .isEqualTo("SNMP: unknown user nobody (usmStatsUnknownUserNames)");
            assertThat(refused.agents().get("legacy-wrong").health().reason())
                    .isEqualTo("SNMP: wrong authentication (usmStatsWrongDigests)");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
            snmpd.destroy();
            if (!snmpd.waitFor(10, TimeUnit.SECONDS)) {
                snmpd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
