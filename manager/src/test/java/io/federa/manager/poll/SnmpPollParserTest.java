package io.federa.manager.poll;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.snmp4j.smi.Counter32;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.federa.manager.poll.SnmpPollParser.FEDERA_HOST;
import static io.federa.manager.poll.SnmpPollParser.FEDERA_VM_ENTRY;
import static io.federa.manager.poll.SnmpPollParser.VM_ENTRY;
import static io.federa.manager.poll.SnmpPollParser.VM_STORAGE_ENTRY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

class SnmpPollParserTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final String WEB = "6695eb01-f6a4-8304-79aa-97f2502e193f";
    private static final String DB = "0b5a7a3e-8f1c-4d2e-9a6b-2c3d4e5f6a7b";
    private static final ManagerConfig.HostFacts FACTS =
            new ManagerConfig.HostFacts("lyon", true, 2, List.of("kvm"), "EUR", 0.00002, 0.0001, 0.01, 0.000001);

    /** What an agent answered: the scalar GET and the walked columns, each editable by a test. */
    private static final class Answer {
        final Map<OID, Variable> scalars = new LinkedHashMap<>();
        final TreeMap<OID, Variable> walked = new TreeMap<>();

        Answer set(OID oid, Variable v) {
            if (scalars.containsKey(oid)) {
                scalars.put(oid, v);
            } else {
                walked.put(oid, v);
            }
            return this;
        }

        Answer remove(OID oid) {
            walked.remove(oid);
            return this;
        }

        AgentReport parse() throws BadPayloadException {
            List<VariableBinding> s = new ArrayList<>();
            scalars.forEach((o, v) -> s.add(new VariableBinding(o, v)));
            List<VariableBinding> w = new ArrayList<>();
            walked.forEach((o, v) -> w.add(new VariableBinding(o, v)));
            return SnmpPollParser.parse(s, w, "legacy-1", FACTS, NOW);
        }
    }

    private static OID cell(OID entry, int column, int... index) {
        OID o = new OID(entry).append(column);
        for (int i : index) {
            o.append(i);
        }
        return o;
    }

    private static OID host(int scalar) {
        return new OID(FEDERA_HOST).append(scalar).append(0);
    }

    private static OctetString uuid(String text) {
        UUID u = UUID.fromString(text);
        return new OctetString(ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array());
    }

    /** A host serving only the VM-MIB: two VMs, web (index 3, running, two disks) and db (index 7, shut down). */
    private static Answer thirdParty() {
        Answer a = new Answer();
        a.scalars.put(SnmpPollParser.VM_HV_SOFTWARE, new OctetString("ThirdVisor"));
        a.scalars.put(SnmpPollParser.VM_HV_VERSION, new OctetString("7.1"));
        for (int i = 1; i <= SnmpPollParser.FEDERA_HOST_SCALARS; i++) {
            a.scalars.put(host(i), Null.noSuchObject);
        }
        vm(a, 3, "web", WEB, 4, 2, 1024, 2_097_152, 360_000);
        vm(a, 7, "db", DB, 11, 4, 1_048_576, 8192, 0);
        a.set(cell(VM_STORAGE_ENTRY, 10, 3, 1), new Integer32(1_048_576));
        a.set(cell(VM_STORAGE_ENTRY, 11, 3, 1), new Integer32(20_480));
        a.set(cell(VM_STORAGE_ENTRY, 10, 3, 2), new Integer32(1024));
        a.set(cell(VM_STORAGE_ENTRY, 11, 3, 2), new Integer32(1_048_576));
        return a;
    }

    private static void vm(Answer a, int index, String name, String uuid, int operState, int cpus, int memUnit, int mem, long ticks) {
        a.set(cell(VM_ENTRY, 2, index), new OctetString(name));
        a.set(cell(VM_ENTRY, 3, index), uuid(uuid));
        a.set(cell(VM_ENTRY, 6, index), new Integer32(operState));
        a.set(cell(VM_ENTRY, 9, index), new Integer32(cpus));
        a.set(cell(VM_ENTRY, 12, index), new Integer32(memUnit));
        a.set(cell(VM_ENTRY, 13, index), new Integer32(mem));
        a.set(cell(VM_ENTRY, 16, index), new TimeTicks(ticks));
    }

    /** A Federa agent: the same VMs, with FEDERA-MR-MIB's host scalars and VM rows. */
    private static Answer federa() {
        Answer a = thirdParty();
        a.walked.keySet().removeIf(o -> o.startsWith(VM_STORAGE_ENTRY));
        Variable[] h = {new OctetString("host-9"), new OctetString("paris"), new Integer32(2), new UnsignedInteger32(3),
                new OctetString("kvm,jvm"), new UnsignedInteger32(16), new UnsignedInteger32(2600), new Gauge32(2),
                new UnsignedInteger32(65_536), new Gauge32(2048), new UnsignedInteger32(2000), new Gauge32(520),
                new UnsignedInteger32(10_000), new Gauge32(2400), new OctetString("EUR"), new OctetString("0.000014"),
                new OctetString("0.00014"), new OctetString("0.02"), new OctetString("0.0000001"), new Gauge32(2),
                new OctetString("0.1.0")};
        for (int i = 0; i < h.length; i++) {
            a.scalars.put(host(i + 1), h[i]);
        }
        federaVm(a, 3, WEB, "web", "shop", 5000, 20, 800, 400);
        federaVm(a, 7, DB, "catalog-db", "shop", 0, 500, 0, 0);
        return a;
    }

    private static void federaVm(Answer a, int index, String uuid, String app, String service, long load, long diskGiB, long rx, long tx) {
        a.set(cell(FEDERA_VM_ENTRY, 2, index), uuid(uuid));
        a.set(cell(FEDERA_VM_ENTRY, 4, index), new OctetString(app));
        a.set(cell(FEDERA_VM_ENTRY, 5, index), new OctetString(service));
        a.set(cell(FEDERA_VM_ENTRY, 7, index), new Gauge32(load));
        a.set(cell(FEDERA_VM_ENTRY, 9, index), new UnsignedInteger32(diskGiB));
        a.set(cell(FEDERA_VM_ENTRY, 10, index), new Gauge32(rx));
        a.set(cell(FEDERA_VM_ENTRY, 11, index), new Gauge32(tx));
    }

    @Test
    void a_federa_agent_tells_its_host_and_each_vms_application_service_load_disk_and_rates() throws Exception {
        AgentReport r = federa().parse();
        HostStatus h = r.host();
        assertThat(h.hostId()).isEqualTo("host-9");
        assertThat(h.site()).isEqualTo("paris");
        assertThat(h.offsite()).isFalse();
        assertThat(h.securityLevel()).isEqualTo(3);
        assertThat(h.runtimes()).containsExactly("kvm", "jvm");
        assertThat(h.cpus()).isEqualTo(16);
        assertThat(h.vcpusAllocated()).isEqualTo(2);
        assertThat(h.memoryBytes()).isEqualTo(65_536L << 20);
        assertThat(h.memoryAllocatedBytes()).isEqualTo(2048L << 20);
        assertThat(h.storageBytes()).isEqualTo(2000L << 30);
        assertThat(h.storageAllocatedBytes()).isEqualTo(520L << 30);
        assertThat(h.networkBitsPerSecond()).isEqualTo(10_000_000_000L);
        assertThat(h.networkUsedBitsPerSecond()).isEqualTo(2_400_000);
        assertThat(h.currency()).isEqualTo("EUR");
        assertThat(h.costPerCpuSecond()).isEqualTo(0.000014);
        assertThat(h.costPerStorageGiBHour()).isEqualTo(0.00014);
        assertThat(h.costPerNetworkGB()).isEqualTo(0.02);
        assertThat(h.costPerNetworkPacket()).isEqualTo(0.0000001);
        assertThat(h.agentVersion()).isEqualTo("0.1.0");
        assertThat(h.sampleTimestampMillis()).isEqualTo(NOW);
        assertThat(r.vms()).containsExactly(
                new VmStatus("db", DB, "host-9", "SHUT_OFF", "catalog-db", "shop", 4, 8L << 30, 500L << 30, 0, 0, 0, 0),
                new VmStatus("web", WEB, "host-9", "RUNNING", "web", "shop", 2, 2L << 30, 20L << 30, 800_000, 400_000, 0.5, 3600));
    }

    @Test
    void a_host_serving_only_the_vm_mib_gets_its_facts_from_the_configuration_and_no_federa_columns() throws Exception {
        AgentReport r = thirdParty().parse();
        HostStatus h = r.host();
        assertThat(h).isEqualTo(new HostStatus("legacy-1", "lyon", true, 2, List.of("kvm"), 0, 2, 0, 2L << 30, 0, (20L << 30) + (1L << 30),
                0, 0, "EUR", 0.00002, 0.0001, 0.01, 0.000001, "ThirdVisor 7.1", NOW));
        assertThat(r.vms()).containsExactly(
                new VmStatus("db", DB, "legacy-1", "SHUT_OFF", "", "", 4, 8L << 30, -1, -1, -1, 0, 0),
                new VmStatus("web", WEB, "legacy-1", "RUNNING", "", "", 2, 2L << 30, (20L << 30) + (1L << 30), -1, -1, 0, 3600));
    }

    @Test
    void a_disk_of_unknown_size_makes_its_vms_disk_unknown_and_counts_for_nothing_on_the_host() throws Exception {
        AgentReport r = thirdParty().set(cell(VM_STORAGE_ENTRY, 11, 3, 2), new Integer32(-1)).parse();
        assertThat(r.vms()).extracting(VmStatus::name, VmStatus::diskBytes).containsExactly(tuple("db", -1L), tuple("web", -1L));
        assertThat(r.host().storageAllocatedBytes()).isZero();
    }

    @Test
    void a_host_without_vms_or_hypervisor_scalars_is_still_a_host() throws Exception {
        Answer a = thirdParty();
        a.walked.clear();
        a.scalars.put(SnmpPollParser.VM_HV_SOFTWARE, Null.noSuchObject);
        a.scalars.put(SnmpPollParser.VM_HV_VERSION, Null.noSuchInstance);
        AgentReport r = a.parse();
        assertThat(r.vms()).isEmpty();
        assertThat(r.host().agentVersion()).isEmpty();
        assertThat(r.host().hostId()).isEqualTo("legacy-1");
    }

    @ParameterizedTest(name = "vmOperState {0} is {1}")
    @CsvSource({"1, UNKNOWN", "2, UNKNOWN", "3, SHUT_OFF", "4, RUNNING", "5, PM_SUSPENDED", "6, PM_SUSPENDED",
            "7, PM_SUSPENDED", "8, PAUSED", "9, RUNNING", "10, SHUTTING_DOWN", "11, SHUT_OFF", "12, CRASHED"})
    void vm_mib_states_read_as_the_jolokia_agents_state_names(int operState, String state) throws Exception {
        AgentReport r = thirdParty().set(cell(VM_ENTRY, 6, 3), new Integer32(operState)).parse();
        assertThat(r.vms()).filteredOn(v -> v.name().equals("web")).extracting(VmStatus::state).containsExactly(state);
    }

    @Test
    void only_vms_that_hold_their_resources_count_as_allocated_on_a_third_party_host() throws Exception {
        AgentReport paused = thirdParty().set(cell(VM_ENTRY, 6, 7), new Integer32(8)).parse();
        assertThat(paused.host().vcpusAllocated()).isEqualTo(6);
        AgentReport crashed = thirdParty().set(cell(VM_ENTRY, 6, 3), new Integer32(12)).parse();
        assertThat(crashed.host().vcpusAllocated()).isZero();
        assertThat(crashed.host().memoryAllocatedBytes()).isZero();
    }

    @Test
    void a_vm_without_uuid_has_an_empty_one() throws Exception {
        AgentReport r = thirdParty().set(cell(VM_ENTRY, 3, 3), new OctetString()).parse();
        assertThat(r.vms()).extracting(VmStatus::uuid).containsExactly(DB, "");
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                bad("state of the wrong type", f -> f.set(cell(VM_ENTRY, 6, 3), new OctetString("running")),
                        "vmOperState of row 3 is an OctetString, not an integer"),
                bad("state out of range", f -> f.set(cell(VM_ENTRY, 6, 3), new Integer32(99)),
                        "vmOperState of row 3 is 99, not a VirtualMachineOperState (1 to 12)"),
                bad("a cell missing", f -> f.remove(cell(VM_ENTRY, 13, 7)), "vmCurMem of row 7 is missing"),
                bad("an exception in a row", f -> f.set(cell(VM_ENTRY, 9, 7), Null.noSuchInstance),
                        "vmCurCpuNumber of row 7 is noSuchInstance, not an integer"),
                bad("an empty name", f -> f.set(cell(VM_ENTRY, 2, 3), new OctetString()), "vmName of row 3 is empty"),
                bad("a name that is not text", f -> f.set(cell(VM_ENTRY, 2, 3), new OctetString(new byte[]{(byte) 0xff, (byte) 0xfe})),
                        "vmName of row 3 is not UTF-8 text"),
                bad("a huge name", f -> f.set(cell(VM_ENTRY, 2, 3), new OctetString("x".repeat(5000))),
                        "vmName of row 3 is 5000 octets long"),
                bad("a uuid of 5 octets", f -> f.set(cell(VM_ENTRY, 3, 3), new OctetString("abcde")),
                        "vmUUID of row 3 is 5 octets long, not 16 or 0"),
                bad("negative vCPUs", f -> f.set(cell(VM_ENTRY, 9, 3), new Integer32(-4)),
                        "vmCurCpuNumber of row 3 is -4, not a number of vCPUs"),
                bad("negative memory", f -> f.set(cell(VM_ENTRY, 13, 3), new Integer32(-1)),
                        "the memory of row 3 is -1 units of 1024 bytes, not a size"),
                bad("memory in units of nothing", f -> f.set(cell(VM_ENTRY, 12, 3), new Integer32(0)),
                        "the memory of row 3 is 2097152 units of 0 bytes, not a size"),
                bad("uptime of the wrong type", f -> f.set(cell(VM_ENTRY, 16, 3), new Counter64(5)),
                        "vmUpTime of row 3 is a Counter64, not a TimeTicks"),
                bad("a row with two indexes", f -> f.set(cell(VM_ENTRY, 2, 3, 1), new OctetString("x")),
                        "vmName has a row 3.1, not a vmIndex"),
                bad("a row 0", f -> f.set(cell(VM_ENTRY, 2, 0), new OctetString("x")), "vmName has a row 0, not a vmIndex"),
                bad("an object not asked for", f -> f.set(new OID("1.3.6.1.2.1.1.1.0"), new OctetString("x")),
                        "the agent answered 1.3.6.1.2.1.1.1.0, which was not asked for"),
                bad("a disk of negative unit", f -> f.set(cell(VM_STORAGE_ENTRY, 10, 3, 1), new Integer32(-1)),
                        "vmStorageSizeUnit of row 3.1 is -1, not a positive integer"),
                bad("a disk row with one index", f -> f.set(cell(VM_STORAGE_ENTRY, 10, 3), new Integer32(1)),
                        "vmStorageTable has a row 3, not (vmIndex, vmStorageIndex)"),
                bad("a disk without size", f -> f.remove(cell(VM_STORAGE_ENTRY, 11, 3, 1)),
                        "vmStorageDefinedSize of row 3.1 is missing, not an integer of at least -1"));
    }

    static Stream<Arguments> hostileFedera() {
        return Stream.of(
                bad("load above every vCPU busy", f -> f.set(cell(FEDERA_VM_ENTRY, 7, 3), new Gauge32(20_000)),
                        "federaVmCpuLoad of row 3 is 20000, more than 10000 (every vCPU busy)"),
                bad("a disk as a counter", f -> f.set(cell(FEDERA_VM_ENTRY, 9, 3), new Counter32(20)),
                        "federaVmDiskCapacity of row 3 is a Counter32, not an unsigned integer"),
                bad("rows joined to the wrong VM", f -> f.set(cell(FEDERA_VM_ENTRY, 2, 3), uuid(DB)),
                        "federaVmUuid of row 3 is not the vmUUID of the same row"),
                bad("a federa row of no VM", f -> f.set(cell(FEDERA_VM_ENTRY, 2, 9), uuid(DB)),
                        "federaVmTable has 3 rows and vmTable 2"),
                bad("a federa row missing", f -> f.remove(cell(FEDERA_VM_ENTRY, 4, 7)), "federaVmApplication of row 7 is missing"),
                bad("a host id that is no name", f -> f.set(host(1), new OctetString("Host 9!")),
                        "federaHostId is \"Host 9!\", not a host name"),
                bad("a site missing", f -> f.set(host(2), Null.noSuchInstance), "federaHostSite is noSuchInstance, not an OctetString"),
                bad("offsite neither true nor false", f -> f.set(host(3), new Integer32(3)),
                        "federaHostOffsite is 3, not a TruthValue (1 or 2)"),
                bad("a security level above 100", f -> f.set(host(4), new UnsignedInteger32(101)),
                        "federaHostSecurityLevel is 101, more than 100"),
                bad("memory as text", f -> f.set(host(9), new OctetString("64G")),
                        "federaHostMemory is an OctetString, not an unsigned integer"),
                bad("a runtime without name", f -> f.set(host(5), new OctetString("kvm,,jvm")),
                        "federaHostRuntimes is \"kvm,,jvm\", not a list of runtime names"),
                bad("a currency that is no code", f -> f.set(host(15), new OctetString("euro")),
                        "federaHostCostCurrency is \"euro\", not an ISO 4217 code"),
                bad("a cost with an exponent", f -> f.set(host(16), new OctetString("1e-5")),
                        "federaHostCostPerCpuSecond is \"1e-5\", not a FederaDecimal"),
                bad("a negative cost", f -> f.set(host(18), new OctetString("-0.02")),
                        "federaHostCostPerNetworkGB is -0.02, a negative cost"));
    }

    private static Arguments bad(String why, UnaryOperator<Answer> change, String message) {
        return Arguments.of(why, change, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void a_third_party_answer_that_cannot_be_trusted_is_a_bad_payload_naming_the_object(String why, UnaryOperator<Answer> change,
                                                                                     String message) {
        assertThatThrownBy(() -> change.apply(thirdParty()).parse()).isInstanceOf(BadPayloadException.class).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileFedera")
    void a_federa_answer_that_cannot_be_trusted_is_a_bad_payload_naming_the_object(String why, UnaryOperator<Answer> change,
                                                                                  String message) {
        assertThatThrownBy(() -> change.apply(federa()).parse()).isInstanceOf(BadPayloadException.class).hasMessageContaining(message);
    }

    @Test
    void more_vms_than_believable_are_refused_before_any_is_read() {
        Answer a = thirdParty();
        for (int i = 1; i <= JolokiaPollParser.MAX_VMS + 1; i++) {
            a.set(cell(VM_ENTRY, 2, i), new OctetString("vm"));
        }
        assertThatThrownBy(a::parse).isInstanceOf(BadPayloadException.class)
                .hasMessage("the agent lists 100001 VMs; more than 100000 is not believed");
    }

    @Test
    void federa_mr_mib_is_served_when_the_host_id_has_a_value() {
        Answer federa = federa();
        Answer third = thirdParty();
        assertThat(SnmpPollParser.servesFederaMib(bindings(federa.scalars))).isTrue();
        assertThat(SnmpPollParser.servesFederaMib(bindings(third.scalars))).isFalse();
        third.scalars.put(host(1), Null.endOfMibView);
        assertThat(SnmpPollParser.servesFederaMib(bindings(third.scalars))).isFalse();
        assertThat(SnmpPollParser.servesFederaMib(List.of())).isFalse();
    }

    private static List<VariableBinding> bindings(Map<OID, Variable> m) {
        List<VariableBinding> out = new ArrayList<>();
        m.forEach((o, v) -> out.add(new VariableBinding(o, v)));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "1.3.6.1.6.3.15.1.1.3.0 | SNMP: unknown user noc (usmStatsUnknownUserNames)",
            "1.3.6.1.6.3.15.1.1.5.0 | SNMP: wrong authentication (usmStatsWrongDigests)",
            "1.3.6.1.6.3.15.1.1.6.0 | SNMP: decryption error, check priv and privPassword (usmStatsDecryptionErrors)",
            "1.3.6.1.6.3.15.1.1.1.0 | SNMP: security level authPriv not accepted for user noc (usmStatsUnsupportedSecLevels)",
            "1.3.6.1.6.3.15.1.1.2.0 | SNMP: not in the agent's time window (usmStatsNotInTimeWindows)",
            "1.3.6.1.6.3.15.1.1.4.0 | SNMP: unknown engine ID, the agent's engine changed (usmStatsUnknownEngineIDs)",
    })
    void usm_reports_read_as_reasons(String oid, String reason) {
        assertThat(SnmpPoller.usmReport(new OID(oid), "noc")).isEqualTo(reason);
    }

    @Test
    void other_reports_are_not_usm_reports() {
        assertThat(SnmpPoller.usmReport(new OID("1.3.6.1.6.3.15.1.1.7.0"), "noc")).isNull();
        assertThat(SnmpPoller.usmReport(new OID("1.3.6.1.6.3.11.2.1.1.0"), "noc")).isNull();
        assertThat(SnmpPoller.usmReport(null, "noc")).isNull();
    }
}
