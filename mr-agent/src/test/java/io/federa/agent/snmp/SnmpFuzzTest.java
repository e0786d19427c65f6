package io.federa.agent.snmp;

import io.federa.agent.AgentFixture;
import io.federa.common.snmp.testing.SeedRelay;
import io.federa.common.snmp.testing.SnmpFuzzer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed and mutated SNMP packets over loopback, with a fixed seed so a failure replays: the
 * agent never crashes, answers a valid SNMPv3 request after each batch, and its heap stays bounded.
 * The seeds are real packets of net-snmp's tools, recorded by a relay between them and the agent.
 */
class SnmpFuzzTest {
    private static final long SEED = 7_666L;
    private static final int PACKETS = 100_000;
    private static final int BATCH = 2_000;
    /** vmNumber (VM-MIB), where the seeds' tools walk from. */
    private static final String SEED_OID = ".1.3.6.1.2.1.236.1.4.1.2";

    /** A counter of the agent's engine, read in-process: the snmp group is outside every user's view. */
    private static long counter(AgentFixture f, String oid) {
        return f.agent.snmp().orElseThrow().localValue(new org.snmp4j.smi.OID(oid)).toLong();
    }

    @Test
    void a_hundred_thousand_malformed_packets_leave_the_agent_answering_with_bounded_heap() throws Exception {
        try (AgentFixture f = AgentFixture.withSnmp(0)) {
            String address = f.agent.snmpAddress().orElseThrow();
            String[] hp = address.substring("udp:".length()).split("/");
            InetSocketAddress agent = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
            String station = "udp:" + hp[0] + ":" + hp[1];
            List<String> v3 = NetSnmp.v3(AgentFixture.SNMP_USER, AgentFixture.SNMP_AUTH, AgentFixture.SNMP_PRIV);

            List<byte[]> seeds = new ArrayList<>();
            List<String> get = new ArrayList<>(List.of("snmpgetnext", "-t", "1", "-r", "0"));
            get.addAll(v3);
            seeds.addAll(SeedRelay.record(agent, get, SEED_OID));
            seeds.addAll(SeedRelay.record(agent, List.of("snmpgetnext", "-v2c", "-c", "public", "-t", "1", "-r", "0"), SEED_OID));
            seeds.addAll(SeedRelay.record(agent, List.of("snmpgetnext", "-v1", "-c", "public", "-t", "1", "-r", "0"), SEED_OID));
            assertThat(seeds).as("recorded seed packets").hasSizeGreaterThanOrEqualTo(4);

            SnmpFuzzer.Report fuzz = SnmpFuzzer.builder(agent, seeds).randomSeed(SEED).packets(PACKETS).batch(BATCH)
                    // vmNumber.0: how many VMs the host has (3 in the fixture).
                    .stillAnswers(SnmpFuzzer.StillAnswers.snmpget(station, v3, ".1.3.6.1.2.1.236.1.2.0", "INTEGER: 3"))
                    // Examined: snmpInPkts (SNMPv2-MIB), which SNMP4J counts for every datagram it takes in, before
                    // parsing it. (snmpInASNParseErrs counts some of the same datagrams again: adding it would hide
                    // as many packets lost inside the agent.)
                    .examined(() -> counter(f, "1.3.6.1.2.1.11.1.0"))
                    .run();
            System.out.println(fuzz.summary());

            assertThat(fuzz.sent()).isEqualTo(PACKETS);
            assertThat(fuzz.batches()).isEqualTo(PACKETS / BATCH);
            // Every packet the kernel delivered was examined: none was lost inside the agent, however
            // busy the machine (what a full receive buffer drops is the machine's load, not the agent).
            assertThat(fuzz.examined() + fuzz.kernelDrops()).as("packets examined by the agent (" + fuzz.examined()
                    + ") or dropped by the kernel (" + fuzz.kernelDrops() + ")").isGreaterThanOrEqualTo(PACKETS);
            assertThat(fuzz.heapGrowthMiB()).as("heap growth in MiB").isLessThan(64);
        }
    }
}
