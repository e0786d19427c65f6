package io.federa.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running MR agent as an NMS on a fresh Debian sees it with the repository's mibs/ and nothing
 * else: net-snmp's snmptable names the columns of the VM-MIB's table and of Federa's and prints
 * UUIDs as UUIDs, every module loads (no "Cannot find module", Debian's net-snmp modules
 * included), and the system group names the program.
 */
class SnmpStationEndToEndTest {
    private static final Pattern HEX_ROW = Pattern.compile("^\\.1\\.3\\.6\\.1\\.2\\.1\\.236\\.1\\.4\\.1\\.3\\.(\\d+) = Hex-STRING: ([0-9A-Fa-f ]+)$");
    private static final Pattern NAME_ROW = Pattern.compile("^\\.1\\.3\\.6\\.1\\.2\\.1\\.236\\.1\\.4\\.1\\.2\\.(\\d+) = STRING: \"(.*)\"$");

    @Test
    void snmptable_with_the_shipped_mibs_names_the_columns_and_prints_uuids_as_uuids(@TempDir Path dir) throws Exception {
        try (AgentProcess agent = AgentProcess.start(AgentProcess.demoConfig("host-1", dir, 0))) {
            agent.awaitJolokiaUrl(Duration.ofSeconds(60));
            String station = "udp:127.0.0.1:" + agent.awaitSnmpPort(Duration.ofSeconds(1));

            // What the VM-MIB says of each VM, by number: its name and its UUID's 16 octets.
            Map<String, String> uuidByIndex = new HashMap<>();
            Map<String, String> nameByIndex = new HashMap<>();
            List<String> walk = new ArrayList<>(NetSnmpStation.noc());
            walk.addAll(List.of("-Ox", station, ".1.3.6.1.2.1.236.1.4.1.3"));
            for (String l : NetSnmpStation.numeric("snmpbulkwalk", walk).lines()) {
                Matcher m = HEX_ROW.matcher(l);
                if (m.matches()) {
                    uuidByIndex.put(m.group(1), NetSnmpStation.uuidOfHex(m.group(2)));
                }
            }
            walk = new ArrayList<>(NetSnmpStation.noc());
            walk.addAll(List.of(station, ".1.3.6.1.2.1.236.1.4.1.2"));
            for (String l : NetSnmpStation.numeric("snmpbulkwalk", walk).lines()) {
                Matcher m = NAME_ROW.matcher(l);
                if (m.matches()) {
                    nameByIndex.put(m.group(1), m.group(2));
                }
            }
            assertThat(uuidByIndex).as("vmUUID rows").isNotEmpty().hasSameSizeAs(nameByIndex);

            // The standard table, by name, from the modules shipped in mibs/.
            List<String> args = new ArrayList<>(NetSnmpStation.noc());
            args.addAll(List.of("-Cf", "|", station, "VM-MIB::vmTable"));
            NetSnmpStation.Result vmTable = NetSnmpStation.withMibs("snmptable", args);
            assertThat(vmTable.exit()).as(vmTable.toString()).isZero();
            assertThat(vmTable.stderr()).as(vmTable.toString()).doesNotContain("Cannot find module");
            System.out.println("snmptable -M +mibs -m ALL … VM-MIB::vmTable:\n" + vmTable.stdout());
            assertThat(vmTable.lines()).as(vmTable.toString())
                    .anySatisfy(l -> assertThat(l).startsWith("vmName|vmUUID|vmOSType|vmAdminState|vmOperState|"));
            for (Map.Entry<String, String> vm : uuidByIndex.entrySet()) {
                String uuid = NetSnmpStation.asVmMibPrintsIt(vm.getValue());
                assertThat(vmTable.lines()).as(vmTable.toString())
                        .anySatisfy(l -> assertThat(l).startsWith(nameByIndex.get(vm.getKey()) + "|" + uuid + "|"));
            }

            args = new ArrayList<>(NetSnmpStation.noc());
            args.addAll(List.of("-Cf", "|", station, "FEDERA-MR-MIB::federaVmTable"));
            NetSnmpStation.Result table = NetSnmpStation.withMibs("snmptable", args);
            assertThat(table.exit()).as(table.toString()).isZero();
            assertThat(table.stderr()).as(table.toString()).doesNotContain("Cannot find module");
            System.out.println("snmptable -M +mibs -m ALL … FEDERA-MR-MIB::federaVmTable:\n" + table.stdout());
            assertThat(table.lines()).as(table.toString()).contains(
                    "federaVmUuid|federaVmName|federaVmApplication|federaVmService|federaVmState|federaVmCpuLoad"
                            + "|federaVmLoadSimulated|federaVmDiskCapacity|federaVmNetworkReceiveRate"
                            + "|federaVmNetworkTransmitRate|federaVmUptime");
            for (Map.Entry<String, String> vm : uuidByIndex.entrySet()) {
                String uuid = NetSnmpStation.asNetSnmpPrintsIt(vm.getValue());
                assertThat(uuid).matches("[0-9a-f]{1,8}-[0-9a-f]{1,4}-[0-9a-f]{1,4}-[0-9a-f]{1,4}-[0-9a-f]{1,12}");
                assertThat(table.lines()).as(table.toString())
                        .anySatisfy(l -> assertThat(l).startsWith(uuid + "|" + nameByIndex.get(vm.getKey()) + "|"));
            }
            assertThat(table.lines()).as(table.toString())
                    .anySatisfy(l -> assertThat(l).containsPattern("\\|(running|shutOff)\\|\\d*\\.\\d\\d percent\\|"));

            // The system group as discovery reads it, by name.
            args = new ArrayList<>(NetSnmpStation.noc());
            args.addAll(List.of(station, "SNMPv2-MIB::sysObjectID.0", "SNMPv2-MIB::sysName.0", "SNMPv2-MIB::sysLocation.0",
                    "SNMPv2-MIB::sysDescr.0"));
            NetSnmpStation.Result system = NetSnmpStation.withMibs("snmpget", args);
            assertThat(system.exit()).as(system.toString()).isZero();
            assertThat(system.stdout()).contains("SNMPv2-MIB::sysObjectID.0 = OID: FEDERA-MR-MIB::federaMrAgent")
                    .contains("SNMPv2-MIB::sysName.0 = STRING: host-1")
                    .contains("SNMPv2-MIB::sysLocation.0 = STRING: paris")
                    .containsPattern("SNMPv2-MIB::sysDescr.0 = STRING: Federa MR agent \\S+, libvirt TEST ");
        }
    }
}
