package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SNMPv3 reads inside the views are answered by the agent's own responder; SNMPv2c reads go
 * through SNMP4J-agent's general pipeline. Both must say exactly the same thing.
 */
class FastReadPathTest {

    @Test
    void the_fast_path_and_the_general_pipeline_give_the_same_walks() throws Exception {
        try (AgentFixture f = AgentFixture.withSnmp(0, "  community: fixture-community\n")) {
            String agent = f.agent.snmpAddress().orElseThrow().replaceFirst("/", ":");
            List<String> v3 = NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV);
            List<String> v2c = List.of("-v2c", "-c", "fixture-community");
            // Columns that do not move between two samples: names, UUIDs, OS, states, CPUs, memory.
            for (int col = 2; col <= 15; col++) {
                String oid = ".1.3.6.1.2.1.236.1.4.1." + col;
                NetSnmp.Result fast = NetSnmp.walk(agent, v3, oid);
                NetSnmp.Result general = NetSnmp.walk(agent, v2c, oid);
                assertThat(fast.exit()).isZero();
                assertThat(fast.lines()).as("column " + col).hasSize(3).isEqualTo(general.lines());
            }
            for (String oid : List.of(".1.3.6.1.2.1.236.1.7.1.5", ".1.3.6.1.2.1.236.1.8.1.5", ".1.3.6.1.4.1.32473.1.1.2.1.4")) {
                assertThat(NetSnmp.walk(agent, v3, oid).lines()).as(oid).isNotEmpty()
                        .isEqualTo(NetSnmp.walk(agent, v2c, oid).lines());
            }
            // A walk from the top crosses from the views into objects only SNMP4J-agent serves, and back.
            NetSnmp.Result all = NetSnmp.walk(agent, v3, ".1.3.6.1.2.1");
            assertThat(all.output()).contains(".1.3.6.1.2.1.1.1.0 = STRING")
                    .contains(".1.3.6.1.2.1.236.1.4.1.2.1 = STRING")
                    .contains(".1.3.6.1.2.1.236.1.9.0 = INTEGER: 1")
                    .contains(".1.3.6.1.2.1.236.1.10.0 = INTEGER: 2");
        }
    }

    @Test
    void a_getbulk_with_several_repeaters_steps_each_through_the_view_as_the_general_pipeline_does() throws Exception {
        try (AgentFixture f = AgentFixture.withSnmp(0, "  community: fixture-community\n")) {
            String agent = f.agent.snmpAddress().orElseThrow().replaceFirst("/", ":");
            List<String> v3 = NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV);
            List<String> v2c = List.of("-v2c", "-c", "fixture-community");
            String column = ".1.3.6.1.2.1.236.1.4.1.";
            // One non-repeater, three repeaters: five repetitions of three rows each run every
            // repeater from its column into the next one, and one starts inside a column.
            List<String> oids = List.of(column + "2", column + "3", column + "5.2", column + "14");
            for (String reps : List.of("-Cr1", "-Cr5", "-Cr9")) {
                NetSnmp.Result fast = NetSnmp.run(bulkGet(agent, v3, reps, oids));
                NetSnmp.Result general = NetSnmp.run(bulkGet(agent, v2c, reps, oids));
                assertThat(fast.exit()).as(fast.output()).isZero();
                int expected = 1 + 3 * Integer.parseInt(reps.substring(3));
                assertThat(fast.lines()).as(reps).hasSize(expected).isEqualTo(general.lines());
            }
            // Walks of stable columns, in responses of one, seven and fifty varbinds.
            for (String reps : List.of("-Cr1", "-Cr7", "-Cr50")) {
                List<String> fast = walkColumns(agent, v3, reps);
                assertThat(fast).as(reps).hasSize(3 * 4).isEqualTo(walkColumns(agent, v2c, reps));
            }
        }
    }

    private static List<String> bulkGet(String agent, List<String> security, String reps, List<String> oids) {
        List<String> cmd = new ArrayList<>(List.of("snmpbulkget", "-On", "-Cn1", reps, "-t", "2", "-r", "1"));
        cmd.addAll(security);
        cmd.add(agent);
        cmd.addAll(oids);
        return cmd;
    }

    private static List<String> walkColumns(String agent, List<String> security, String reps) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int col = 2; col <= 5; col++) {
            List<String> cmd = new ArrayList<>(List.of("snmpbulkwalk", "-On", reps, "-t", "2", "-r", "1"));
            cmd.addAll(security);
            cmd.add(agent);
            cmd.add(".1.3.6.1.2.1.236.1.4.1." + col);
            NetSnmp.Result r = NetSnmp.run(cmd);
            assertThat(r.exit()).as(r.output()).isZero();
            lines.addAll(r.lines());
        }
        return lines;
    }
}
