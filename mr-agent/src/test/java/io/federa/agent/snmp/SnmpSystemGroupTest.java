package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an NMS's discovery reads first (the SNMPv2-MIB system group), and what the NOC's user may
 * read at all: the system group, the VM-MIB and Federa's modules, never the engine's own tables.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnmpSystemGroupTest {
    private AgentFixture f;
    private String agent;
    private List<String> noc;

    @BeforeAll
    void start() throws Exception {
        f = AgentFixture.withSnmp(0, "  contact: NOC Lyon, +33 4 00 00 00 00\n");
        agent = f.agent.snmpAddress().orElseThrow().replaceFirst("/", ":");
        noc = NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV);
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    @Test
    void the_system_group_names_the_host_the_program_and_the_hypervisor() throws Exception {
        assertThat(NetSnmp.get(agent, noc, ".1.3.6.1.2.1.1.5.0").stdout()).contains("STRING: \"test-host\"");
        assertThat(NetSnmp.get(agent, noc, ".1.3.6.1.2.1.1.6.0").stdout()).contains("STRING: \"lab\"");
        assertThat(NetSnmp.get(agent, noc, ".1.3.6.1.2.1.1.4.0").stdout()).contains("STRING: \"NOC Lyon, +33 4 00 00 00 00\"");
        assertThat(NetSnmp.get(agent, noc, ".1.3.6.1.2.1.1.1.0").stdout())
                .containsPattern("STRING: \"Federa MR agent [^,\"]+, libvirt TEST ")
                .doesNotContain("SNMP4J");
        // federaMrAgent: federaProducts.1 under the enterprise arc.
        assertThat(NetSnmp.get(agent, noc, ".1.3.6.1.2.1.1.2.0").stdout()).contains("OID: .1.3.6.1.4.1.32473.3.1");
    }

    @Test
    void a_walk_of_everything_shows_the_system_group_the_vm_mib_and_federa_only() throws Exception {
        NetSnmp.Result all = NetSnmp.walk(agent, noc, ".1.3.6.1");
        assertThat(all.exit()).as(all.output()).isZero();
        assertThat(all.lines()).isNotEmpty().allSatisfy(l -> assertThat(l).matches(
                "^\\.1\\.3\\.6\\.1\\.(2\\.1\\.1|2\\.1\\.236|4\\.1\\.32473)\\..*"));
        assertThat(all.stdout()).contains(".1.3.6.1.2.1.1.5.0 = ").contains(".1.3.6.1.2.1.236.1.4.1.2.")
                .contains(".1.3.6.1.4.1.32473.1.1.1.1.0 = ");
    }

    @Test
    void the_engines_own_tables_are_not_readable() throws Exception {
        for (String oid : List.of(
                ".1.3.6.1.6.3.10.2.1.1.0",   // snmpEngineID
                ".1.3.6.1.6.3.10.2.1.2.0",   // snmpEngineBoots
                ".1.3.6.1.6.3.15.1.2.2.1.3", // usmUserSecurityName (GETNEXT below)
                ".1.3.6.1.6.3.16.1.2.1.3",   // vacmGroupName
                ".1.3.6.1.6.3.12.1.2.1.2")) { // snmpTargetAddrTDomain
            NetSnmp.Result get = NetSnmp.get(agent, noc, oid);
            assertThat(get.stdout()).as(oid).doesNotContainPattern("= (STRING|INTEGER|Hex-STRING|OID|Gauge32)");
            NetSnmp.Result walk = NetSnmp.walk(agent, noc, oid);
            assertThat(walk.lines()).as(oid).noneMatch(l -> l.startsWith(oid + "."));
        }
    }
}
