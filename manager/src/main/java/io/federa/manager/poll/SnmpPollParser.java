package io.federa.manager.poll;

import io.federa.common.snmp.FederaOids;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads what an SNMP poll brought back — one GET of the host scalars, then the walked table
 * columns — into a host and its VMs, the same {@link AgentReport} as a Jolokia poll. Pure: the
 * same varbinds, facts and time give the same report.
 *
 * <p>The VM-MIB (RFC 7666) gives each VM's name, UUID, state, vCPUs, memory and uptime. A Federa
 * agent also serves FEDERA-MR-MIB: the host's identity, capacity and cost, and each VM's
 * application, service, load, disk and network rates. A host that serves only the VM-MIB (a
 * third-party host) gets its facts from the manager's configuration, no capacity (0), its disks
 * from vmStorageTable where it serves it (-1 for a VM with a disk of unknown size or none
 * listed), and no application, service, load (0) or network rates (-1).
 *
 * <p>Trusts nothing: every value's type and range is checked, and any surprise is a
 * {@link BadPayloadException} naming the object and row, so a broken or hostile agent marks
 * itself as failing instead of breaking the poller.
 */
public final class SnmpPollParser {
    static final OID VM_HV_SOFTWARE = new OID("1.3.6.1.2.1.236.1.1.1.0");
    static final OID VM_HV_VERSION = new OID("1.3.6.1.2.1.236.1.1.2.0");
    static final OID VM_ENTRY = new OID("1.3.6.1.2.1.236.1.4.1");
    static final OID VM_STORAGE_ENTRY = new OID("1.3.6.1.2.1.236.1.7.1");
    /** federaMrHost and federaVmEntry of FEDERA-MR-MIB, under the enterprise arc of {@link FederaOids}. */
    static final OID FEDERA_HOST = new OID(FederaOids.MR_MIB).append("1.1");
    static final OID FEDERA_VM_ENTRY = new OID(FederaOids.MR_MIB).append("1.2.1");
    /** federaHostId.0: whether the agent serves FEDERA-MR-MIB at all. */
    static final OID FEDERA_HOST_ID = column(FEDERA_HOST, 1).append(0);
    static final int FEDERA_HOST_SCALARS = 21;

    /** A table column the manager reads: its name (for messages) and OID. */
    record Column(String name, OID oid) {
    }

    static final Column VM_NAME = new Column("vmName", column(VM_ENTRY, 2));
    static final Column VM_UUID = new Column("vmUUID", column(VM_ENTRY, 3));
    static final Column VM_OPER_STATE = new Column("vmOperState", column(VM_ENTRY, 6));
    static final Column VM_CUR_CPU = new Column("vmCurCpuNumber", column(VM_ENTRY, 9));
    static final Column VM_MEM_UNIT = new Column("vmMemUnit", column(VM_ENTRY, 12));
    static final Column VM_CUR_MEM = new Column("vmCurMem", column(VM_ENTRY, 13));
    static final Column VM_UP_TIME = new Column("vmUpTime", column(VM_ENTRY, 16));
    static final Column STORAGE_SIZE_UNIT = new Column("vmStorageSizeUnit", column(VM_STORAGE_ENTRY, 10));
    static final Column STORAGE_DEFINED_SIZE = new Column("vmStorageDefinedSize", column(VM_STORAGE_ENTRY, 11));
    static final Column F_UUID = new Column("federaVmUuid", column(FEDERA_VM_ENTRY, 2));
    static final Column F_APPLICATION = new Column("federaVmApplication", column(FEDERA_VM_ENTRY, 4));
    static final Column F_SERVICE = new Column("federaVmService", column(FEDERA_VM_ENTRY, 5));
    static final Column F_CPU_LOAD = new Column("federaVmCpuLoad", column(FEDERA_VM_ENTRY, 7));
    static final Column F_DISK = new Column("federaVmDiskCapacity", column(FEDERA_VM_ENTRY, 9));
    static final Column F_RX = new Column("federaVmNetworkReceiveRate", column(FEDERA_VM_ENTRY, 10));
    static final Column F_TX = new Column("federaVmNetworkTransmitRate", column(FEDERA_VM_ENTRY, 11));

    /** The vmTable columns read from every host. */
    static final List<Column> VM_COLUMNS = List.of(VM_NAME, VM_UUID, VM_OPER_STATE, VM_CUR_CPU, VM_MEM_UNIT, VM_CUR_MEM, VM_UP_TIME);
    /** The federaVmTable columns read from a Federa agent. */
    static final List<Column> FEDERA_VM_COLUMNS = List.of(F_UUID, F_APPLICATION, F_SERVICE, F_CPU_LOAD, F_DISK, F_RX, F_TX);
    /** The vmStorageTable columns read from a third-party host, for its VMs' disk sizes. */
    static final List<Column> STORAGE_COLUMNS = List.of(STORAGE_SIZE_UNIT, STORAGE_DEFINED_SIZE);

    private static final String[] HOST_SCALAR_NAMES = {"federaHostId", "federaHostSite", "federaHostOffsite",
            "federaHostSecurityLevel", "federaHostRuntimes", "federaHostCpus", "federaHostCpuMhz", "federaHostVcpusAllocated",
            "federaHostMemory", "federaHostMemoryAllocated", "federaHostStorage", "federaHostStorageAllocated",
            "federaHostNetworkBandwidth", "federaHostNetworkUsed", "federaHostCostCurrency", "federaHostCostPerCpuSecond",
            "federaHostCostPerStorageGiBHour", "federaHostCostPerNetworkGB", "federaHostCostPerNetworkPacket",
            "federaHostVmCount", "federaHostAgentVersion"};
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,24}(\\.[0-9]{1,24})?");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final int MAX_TEXT = 1024;

    private SnmpPollParser() {
    }

    static OID column(OID entry, int col) {
        return new OID(entry).append(col);
    }

    /** The host scalars asked for in the poll's first request, in this order. */
    static List<OID> scalarOids() {
        List<OID> out = new ArrayList<>();
        out.add(VM_HV_SOFTWARE);
        out.add(VM_HV_VERSION);
        for (int i = 1; i <= FEDERA_HOST_SCALARS; i++) {
            out.add(column(FEDERA_HOST, i).append(0));
        }
        return out;
    }

    /**
     * Whether the answer to the scalar GET says the agent serves FEDERA-MR-MIB: federaHostId.0 is
     * there with a value, not noSuchObject, noSuchInstance or endOfMibView.
     */
    static boolean servesFederaMib(List<? extends VariableBinding> scalars) {
        for (VariableBinding vb : scalars) {
            if (FEDERA_HOST_ID.equals(vb.getOid())) {
                return !vb.getVariable().isException();
            }
        }
        return false;
    }

    /**
     * @param scalars   the answer to the GET of {@link #scalarOids()}
     * @param walked    every varbind of the table walks, each inside the column it was walked for
     * @param agentName the agent's name in the manager's configuration: the host's id when the host
     *                  does not tell its own
     * @param facts     what to assume of a host that serves only the VM-MIB
     * @param nowMillis when the answer arrived: SNMP does not tell when the agent sampled its host
     */
    public static AgentReport parse(List<? extends VariableBinding> scalars, List<? extends VariableBinding> walked,
                                    String agentName, ManagerConfig.HostFacts facts, long nowMillis) throws BadPayloadException {
        Map<OID, Variable> s = new HashMap<>();
        for (VariableBinding vb : scalars) {
            s.put(vb.getOid(), vb.getVariable());
        }
        boolean federa = servesFederaMib(scalars);
        Map<OID, TreeMap<OID, Variable>> columns = new HashMap<>();
        for (VariableBinding vb : walked) {
            Column c = columnOf(vb.getOid());
            if (c == null) {
                throw new BadPayloadException("the agent answered " + clip(vb.getOid().toDottedString()) + ", which was not asked for");
            }
            OID index = new OID(vb.getOid().getValue(), c.oid().size(), vb.getOid().size() - c.oid().size());
            if (columns.computeIfAbsent(c.oid(), k -> new TreeMap<>()).put(index, vb.getVariable()) != null) {
                throw new BadPayloadException(c.name() + " of row " + index + " is answered twice");
            }
        }
        TreeMap<OID, Variable> names = columns.getOrDefault(VM_NAME.oid(), new TreeMap<>());
        if (names.size() > JolokiaPollParser.MAX_VMS) {
            throw new BadPayloadException("the agent lists " + names.size() + " VMs; more than " + JolokiaPollParser.MAX_VMS
                    + " is not believed");
        }
        HostStatus federaHost = federa ? federaHost(s, nowMillis) : null;
        String hostId = federa ? federaHost.hostId() : agentName;
        Map<Integer, Long> thirdPartyDisks = federa ? Map.of() : disks(columns);

        List<VmStatus> vms = new ArrayList<>(names.size());
        int vcpusActive = 0;
        long memoryActive = 0;
        long storage = 0;
        for (OID index : names.keySet()) {
            int row = rowIndex(VM_NAME, index);
            String name = text(VM_NAME, row, cell(columns, VM_NAME, index));
            if (name.isEmpty()) {
                throw new BadPayloadException("vmName of row " + row + " is empty");
            }
            byte[] uuidBytes = octets(VM_UUID, row, cell(columns, VM_UUID, index));
            String uuid = uuid(VM_UUID, row, uuidBytes);
            String state = state(integer(VM_OPER_STATE, row, cell(columns, VM_OPER_STATE, index)), row);
            int vcpus = integer(VM_CUR_CPU, row, cell(columns, VM_CUR_CPU, index));
            if (vcpus < 0) {
                throw new BadPayloadException("vmCurCpuNumber of row " + row + " is " + vcpus + ", not a number of vCPUs");
            }
            int unit = integer(VM_MEM_UNIT, row, cell(columns, VM_MEM_UNIT, index));
            int mem = integer(VM_CUR_MEM, row, cell(columns, VM_CUR_MEM, index));
            if (unit <= 0 || mem < 0) {
                throw new BadPayloadException("the memory of row " + row + " is " + mem + " units of " + unit
                        + " bytes, not a size");
            }
            long memoryBytes = (long) unit * mem;
            long uptimeSeconds = ticks(VM_UP_TIME, row, cell(columns, VM_UP_TIME, index)) / 100;
            String application = "";
            String service = "";
            double load = 0;
            long disk;
            double rx = -1;
            double tx = -1;
            if (federa) {
                OID fIndex = new OID(new int[]{row});
                if (!Arrays.equals(octets(F_UUID, row, cell(columns, F_UUID, fIndex)), uuidBytes)) {
                    throw new BadPayloadException("federaVmUuid of row " + row + " is not the vmUUID of the same row");
                }
                application = text(F_APPLICATION, row, cell(columns, F_APPLICATION, fIndex));
                service = text(F_SERVICE, row, cell(columns, F_SERVICE, fIndex));
                long l = unsigned(F_CPU_LOAD, row, cell(columns, F_CPU_LOAD, fIndex));
                if (l > 10_000) {
                    throw new BadPayloadException("federaVmCpuLoad of row " + row + " is " + l + ", more than 10000 (every vCPU busy)");
                }
                load = l / 10_000.0;
                disk = unsigned(F_DISK, row, cell(columns, F_DISK, fIndex)) * GIB;
                rx = unsigned(F_RX, row, cell(columns, F_RX, fIndex)) * 1000.0;
                tx = unsigned(F_TX, row, cell(columns, F_TX, fIndex)) * 1000.0;
            } else {
                disk = thirdPartyDisks.getOrDefault(row, -1L);
            }
            if (activeState(state)) {
                vcpusActive += vcpus;
                memoryActive += memoryBytes;
            }
            if (disk > 0) {
                storage += disk;
            }
            try {
                vms.add(new VmStatus(name, uuid, hostId, state, application, service, vcpus, memoryBytes, disk, rx, tx, load,
                        uptimeSeconds));
            } catch (IllegalArgumentException e) {
                throw new BadPayloadException("row " + row + ": " + e.getMessage());
            }
        }
        if (federa) {
            int federaRows = columns.getOrDefault(F_UUID.oid(), new TreeMap<>()).size();
            if (federaRows != names.size()) {
                throw new BadPayloadException("federaVmTable has " + federaRows + " rows and vmTable " + names.size()
                        + "; they should match one to one");
            }
        }
        vms.sort(Comparator.comparing(VmStatus::name));
        HostStatus host = federa ? federaHost : thirdPartyHost(agentName, facts, s, vcpusActive, memoryActive,
                storage, nowMillis);
        return new AgentReport(host, vms);
    }

    /** Libvirt-style names, as the Jolokia agent reports them, so availability reads both transports alike. */
    private static String state(int operState, int row) throws BadPayloadException {
        return switch (operState) {
            case 1, 2 -> "UNKNOWN";           // unknown, other
            case 3 -> "SHUT_OFF";             // preparing: not running yet
            case 4, 9 -> "RUNNING";           // running, migrating (RFC 7666: it keeps running meanwhile)
            case 5, 6, 7 -> "PM_SUSPENDED";   // suspending, suspended, resuming
            case 8 -> "PAUSED";
            case 10 -> "SHUTTING_DOWN";
            case 11 -> "SHUT_OFF";            // shutdown
            case 12 -> "CRASHED";
            default -> throw new BadPayloadException("vmOperState of row " + row + " is " + operState
                    + ", not a VirtualMachineOperState (1 to 12)");
        };
    }

    /** The states in which a VM holds its vCPUs and memory, as FEDERA-MR-MIB counts them. */
    private static boolean activeState(String state) {
        return switch (state) {
            case "RUNNING", "PAUSED", "SHUTTING_DOWN", "PM_SUSPENDED" -> true;
            default -> false;
        };
    }

    private static HostStatus federaHost(Map<OID, Variable> s, long nowMillis) throws BadPayloadException {
        Variable[] v = new Variable[FEDERA_HOST_SCALARS + 1];
        for (int i = 1; i <= FEDERA_HOST_SCALARS; i++) {
            v[i] = s.get(column(FEDERA_HOST, i).append(0));
        }
        String hostId = hostText(1, v[1]);
        if (!LABEL.matcher(hostId).matches()) {
            throw new BadPayloadException("federaHostId is \"" + clip(hostId) + "\", not a host name");
        }
        long offsite = hostUnsignedOrInt(3, v[3]);
        if (offsite != 1 && offsite != 2) {
            throw new BadPayloadException("federaHostOffsite is " + offsite + ", not a TruthValue (1 or 2)");
        }
        long level = hostUnsigned(4, v[4]);
        if (level > 100) {
            throw new BadPayloadException("federaHostSecurityLevel is " + level + ", more than 100");
        }
        String runtimesText = hostText(5, v[5]);
        List<String> runtimes = runtimesText.isEmpty() ? List.of() : List.of(runtimesText.split(",", -1));
        if (runtimes.size() > 64 || runtimes.stream().anyMatch(r -> r.isEmpty() || r.length() > 64)) {
            throw new BadPayloadException("federaHostRuntimes is \"" + clip(runtimesText) + "\", not a list of runtime names");
        }
        String currency = hostText(15, v[15]);
        if (!currency.matches("[A-Z]{3}")) {
            throw new BadPayloadException("federaHostCostCurrency is \"" + clip(currency) + "\", not an ISO 4217 code");
        }
        try {
            return new HostStatus(hostId, hostText(2, v[2]), offsite == 1, (int) level, runtimes,
                    (int) Math.min(Integer.MAX_VALUE, hostUnsigned(6, v[6])), (int) Math.min(Integer.MAX_VALUE, hostUnsigned(8, v[8])),
                    hostUnsigned(9, v[9]) * MIB, hostUnsigned(10, v[10]) * MIB, hostUnsigned(11, v[11]) * GIB,
                    hostUnsigned(12, v[12]) * GIB, hostUnsigned(13, v[13]) * 1_000_000, hostUnsigned(14, v[14]) * 1000.0,
                    currency, decimal(16, v[16]), decimal(17, v[17]), decimal(18, v[18]), decimal(19, v[19]),
                    hostText(21, v[21]), nowMillis);
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("host: " + e.getMessage());
        }
    }

    /**
     * A host that tells only the VM-MIB: facts from the configuration, no capacity (0: unknown),
     * what its VMs hold, and its hypervisor's name and version as the agent's version.
     */
    private static HostStatus thirdPartyHost(String agentName, ManagerConfig.HostFacts f, Map<OID, Variable> s, int vcpus,
                                             long memory, long storage, long nowMillis) throws BadPayloadException {
        String software = optionalText("vmHvSoftware", s.get(VM_HV_SOFTWARE));
        String version = optionalText("vmHvVersion", s.get(VM_HV_VERSION));
        String agentVersion = (software + " " + version).trim();
        return new HostStatus(agentName, f.site(), f.offsite(), f.securityLevel(), f.runtimes(), 0, vcpus, 0, memory, 0, storage,
                0, 0, f.currency(), f.perCpuSecond(), f.perStorageGiBHour(), f.perNetworkGB(), f.perNetworkPacket(),
                agentVersion, nowMillis);
    }

    /** The sum of each VM's defined disk sizes, for VMs whose every disk has a known size. */
    private static Map<Integer, Long> disks(Map<OID, TreeMap<OID, Variable>> columns) throws BadPayloadException {
        Map<Integer, Long> out = new HashMap<>();
        TreeMap<OID, Variable> units = columns.getOrDefault(STORAGE_SIZE_UNIT.oid(), new TreeMap<>());
        TreeMap<OID, Variable> sizes = columns.getOrDefault(STORAGE_DEFINED_SIZE.oid(), new TreeMap<>());
        if (units.size() > JolokiaPollParser.MAX_VMS * 16L) {
            throw new BadPayloadException("the agent lists " + units.size() + " disks; that many is not believed");
        }
        for (Map.Entry<OID, Variable> e : units.entrySet()) {
            OID index = e.getKey();
            if (index.size() != 2 || index.get(0) < 0 || index.get(1) < 1) {
                throw new BadPayloadException("vmStorageTable has a row " + clip(index.toDottedString())
                        + ", not (vmIndex, vmStorageIndex)");
            }
            String row = index.toDottedString();
            if (!(e.getValue() instanceof Integer32 u) || u.getValue() <= 0) {
                throw new BadPayloadException("vmStorageSizeUnit of row " + row + " is "
                        + (e.getValue() instanceof Integer32 i ? i.getValue() : describe(e.getValue())) + ", not a positive integer");
            }
            Variable sv = sizes.get(index);
            if (!(sv instanceof Integer32 size) || size.getValue() < -1) {
                throw new BadPayloadException("vmStorageDefinedSize of row " + row + " is "
                        + (sv instanceof Integer32 i ? i.getValue() : describe(sv)) + ", not an integer of at least -1");
            }
            int vm = index.get(0);
            if (vm == 0) {
                continue; // not attached to a VM
            }
            long bytes = size.getValue() == -1 ? -1 : (long) u.getValue() * size.getValue();
            Long sum = out.get(vm);
            out.put(vm, bytes < 0 || (sum != null && sum < 0) ? -1 : (sum == null ? 0 : sum) + bytes);
        }
        return out;
    }

    private static Column columnOf(OID oid) {
        for (List<Column> table : List.of(VM_COLUMNS, FEDERA_VM_COLUMNS, STORAGE_COLUMNS)) {
            for (Column c : table) {
                if (oid.size() > c.oid().size() && oid.startsWith(c.oid())) {
                    return c;
                }
            }
        }
        return null;
    }

    private static int rowIndex(Column c, OID index) throws BadPayloadException {
        if (index.size() != 1 || index.get(0) < 1) {
            throw new BadPayloadException(c.name() + " has a row " + clip(index.toDottedString()) + ", not a vmIndex (1 to 2147483647)");
        }
        return index.get(0);
    }

    private static Variable cell(Map<OID, TreeMap<OID, Variable>> columns, Column c, OID index) throws BadPayloadException {
        Variable v = columns.getOrDefault(c.oid(), new TreeMap<>()).get(index);
        if (v == null) {
            throw new BadPayloadException(c.name() + " of row " + index + " is missing");
        }
        return v;
    }

    private static int integer(Column c, int row, Variable v) throws BadPayloadException {
        if (!(v instanceof Integer32 i)) {
            throw new BadPayloadException(c.name() + " of row " + row + " is " + describe(v) + ", not an integer");
        }
        return i.getValue();
    }

    private static long ticks(Column c, int row, Variable v) throws BadPayloadException {
        if (!(v instanceof TimeTicks t)) {
            throw new BadPayloadException(c.name() + " of row " + row + " is " + describe(v) + ", not a TimeTicks");
        }
        return t.getValue();
    }

    private static long unsigned(Column c, int row, Variable v) throws BadPayloadException {
        if (!isUnsigned(v)) {
            throw new BadPayloadException(c.name() + " of row " + row + " is " + describe(v) + ", not an unsigned integer");
        }
        return ((UnsignedInteger32) v).getValue();
    }

    /** Unsigned32 and Gauge32 share one BER tag; Counter32 and TimeTicks are other types. */
    private static boolean isUnsigned(Variable v) {
        return v instanceof UnsignedInteger32 && !(v instanceof TimeTicks) && !(v instanceof org.snmp4j.smi.Counter32);
    }

    private static byte[] octets(Column c, int row, Variable v) throws BadPayloadException {
        if (!(v instanceof OctetString o)) {
            throw new BadPayloadException(c.name() + " of row " + row + " is " + describe(v) + ", not an OctetString");
        }
        return o.getValue();
    }

    private static String text(Column c, int row, Variable v) throws BadPayloadException {
        return utf8(c.name() + " of row " + row, octets(c, row, v));
    }

    private static String uuid(Column c, int row, byte[] b) throws BadPayloadException {
        if (b.length == 0) {
            return "";
        }
        if (b.length != 16) {
            throw new BadPayloadException(c.name() + " of row " + row + " is " + b.length + " octets long, not 16 or 0");
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        return new UUID(bb.getLong(), bb.getLong()).toString();
    }

    private static String hostText(int scalar, Variable v) throws BadPayloadException {
        if (!(v instanceof OctetString o)) {
            throw new BadPayloadException(HOST_SCALAR_NAMES[scalar - 1] + " is " + describe(v) + ", not an OctetString");
        }
        return utf8(HOST_SCALAR_NAMES[scalar - 1], o.getValue());
    }

    private static long hostUnsigned(int scalar, Variable v) throws BadPayloadException {
        if (!isUnsigned(v)) {
            throw new BadPayloadException(HOST_SCALAR_NAMES[scalar - 1] + " is " + describe(v) + ", not an unsigned integer");
        }
        return ((UnsignedInteger32) v).getValue();
    }

    /** A TruthValue is an INTEGER; accept it however the agent encodes the small number. */
    private static long hostUnsignedOrInt(int scalar, Variable v) throws BadPayloadException {
        if (v instanceof Integer32 i) {
            return i.getValue();
        }
        return hostUnsigned(scalar, v);
    }

    private static double decimal(int scalar, Variable v) throws BadPayloadException {
        String s = hostText(scalar, v);
        if (!DECIMAL.matcher(s).matches()) {
            throw new BadPayloadException(HOST_SCALAR_NAMES[scalar - 1] + " is \"" + clip(s) + "\", not a FederaDecimal");
        }
        double d = new BigDecimal(s).doubleValue();
        if (d < 0) {
            throw new BadPayloadException(HOST_SCALAR_NAMES[scalar - 1] + " is " + s + ", a negative cost");
        }
        return d;
    }

    /** An optional VM-MIB scalar: "" when the agent does not serve it. */
    private static String optionalText(String name, Variable v) throws BadPayloadException {
        if (v == null || v.isException()) {
            return "";
        }
        if (!(v instanceof OctetString o)) {
            throw new BadPayloadException(name + " is " + describe(v) + ", not an OctetString");
        }
        return utf8(name, o.getValue());
    }

    private static String utf8(String what, byte[] b) throws BadPayloadException {
        if (b.length > MAX_TEXT) {
            throw new BadPayloadException(what + " is " + b.length + " octets long");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new BadPayloadException(what + " is not UTF-8 text");
        }
    }

    /** "an OctetString", "a Gauge32", "noSuchObject", "missing". */
    static String describe(Variable v) {
        if (v == null) {
            return "missing";
        }
        if (v.isException()) {
            return v.toString();
        }
        String n = v.getClass().getSimpleName();
        return ("AEIOU".indexOf(n.charAt(0)) >= 0 ? "an " : "a ") + n;
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
