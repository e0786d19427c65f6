package io.federa.agent.snmp;

import io.federa.common.snmp.OidView;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmObservation;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.core.VmState;
import io.federa.common.snmp.FederaOids;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Builds what SNMP stations see of one snapshot: the standard VM-MIB (RFC 7666, mib-2 236) and
 * the project's FEDERA-MR-MIB (mibs/FEDERA-MR-MIB.txt). Pure: the same snapshot, indexes and
 * times give the same view. Entries are emitted in OID order (scalars, then each table column by
 * column, rows by index), which {@link OidView.Builder} checks.
 */
public final class MibViews {
    public static final OID VM_MIB = new OID("1.3.6.1.2.1.236");
    public static final OID VM_OBJECTS = new OID("1.3.6.1.2.1.236.1");
    public static final OID VM_NOTIFICATIONS = new OID("1.3.6.1.2.1.236.0");
    public static final OID VM_PER_VM_NOTIFICATIONS_ENABLED = new OID("1.3.6.1.2.1.236.1.9.0");
    public static final OID VM_BULK_NOTIFICATIONS_ENABLED = new OID("1.3.6.1.2.1.236.1.10.0");
    static final OID VM_TABLE_ENTRY = new OID("1.3.6.1.2.1.236.1.4.1");
    static final OID VM_CPU_ENTRY = new OID("1.3.6.1.2.1.236.1.5.1");
    static final OID VM_STORAGE_ENTRY = new OID("1.3.6.1.2.1.236.1.7.1");
    static final OID VM_NETWORK_ENTRY = new OID("1.3.6.1.2.1.236.1.8.1");

    /** federaMrObjects of FEDERA-MR-MIB, under the project's enterprise arc ({@link FederaOids}). */
    public static final OID FEDERA_MR_OBJECTS = new OID(FederaOids.MR_MIB).append(1);
    static final OID FEDERA_HOST = new OID(FEDERA_MR_OBJECTS).append(1);
    static final OID FEDERA_VM_ENTRY = new OID(FEDERA_MR_OBJECTS).append("2.1");

    /** vmOperState values (VirtualMachineOperState). */
    public static int operState(VmState s) {
        return switch (s) {
            case RUNNING -> 4;
            case PAUSED -> 8;
            case SHUTTING_DOWN -> 10;
            case SHUT_OFF -> 11;
            case CRASHED -> 12;
            case PM_SUSPENDED -> 6;
            case UNKNOWN -> 1;
        };
    }

    /** vmAdminState (VirtualMachineAdminState): what the VM is meant to be, from what it is. */
    static int adminState(VmState s) {
        return switch (s) {
            case RUNNING, SHUTTING_DOWN -> 1;
            case PM_SUSPENDED -> 2;
            case PAUSED -> 3;
            default -> 4;
        };
    }

    /** federaVmState of FEDERA-MR-MIB. */
    static int federaState(VmState s) {
        return switch (s) {
            case UNKNOWN -> 1;
            case RUNNING -> 2;
            case PAUSED -> 3;
            case SHUTTING_DOWN -> 4;
            case SHUT_OFF -> 5;
            case CRASHED -> 6;
            case PM_SUSPENDED -> 7;
        };
    }

    private MibViews() {
    }

    private record Row(int index, VmSnapshot vm) {
    }

    /**
     * @param hvUpTimeTicks       hundredths of a second since the agent (our view of the hypervisor) started
     * @param tableLastChangeTicks vmHvUpTime at the last time a VM appeared or went away
     */
    public static OidView build(HostSnapshot s, VmIndexes indexes, long hvUpTimeTicks, long tableLastChangeTicks) {
        return build(s, indexes, hvUpTimeTicks, tableLastChangeTicks, null);
    }

    /** As above, reusing the OID objects of {@code previous} where the rows are the same. */
    public static OidView build(HostSnapshot s, VmIndexes indexes, long hvUpTimeTicks, long tableLastChangeTicks,
                                OidView previous) {
        List<Row> rows = new ArrayList<>(s.vms().size());
        for (VmSnapshot v : s.vms()) {
            rows.add(new Row(indexes.indexOf(v.uuid()), v));
        }
        rows.sort(Comparator.comparingInt(Row::index));
        OidView.Builder b = new OidView.Builder(previous);
        vmMib(b, s, rows, hvUpTimeTicks, tableLastChangeTicks);
        federaMrMib(b, s, rows);
        return b.build(s.sequence());
    }

    private static void vmMib(OidView.Builder b, HostSnapshot s, List<Row> rows, long upTicks, long lastChange) {
        b.add(new OID(VM_OBJECTS).append("1.1.1.0"), str("libvirt " + s.hypervisorType()));
        b.add(new OID(VM_OBJECTS).append("1.1.2.0"), str(s.hypervisorVersion() + " (libvirt " + s.libvirtVersion() + ")"));
        b.add(new OID(VM_OBJECTS).append("1.1.3.0"), new OID("0.0"));
        b.add(new OID(VM_OBJECTS).append("1.1.4.0"), new TimeTicks(upTicks));
        b.add(new OID(VM_OBJECTS).append("2.0"), new Integer32(rows.size()));
        b.add(new OID(VM_OBJECTS).append("3.0"), new TimeTicks(lastChange));

        column(b, VM_TABLE_ENTRY, 2, rows, r -> str(r.vm().name()));
        column(b, VM_TABLE_ENTRY, 3, rows, r -> new OctetString(uuidBytes(r.vm().uuid())));
        column(b, VM_TABLE_ENTRY, 4, rows, r -> str(r.vm().osType()));
        column(b, VM_TABLE_ENTRY, 5, rows, r -> new Integer32(adminState(r.vm().state())));
        column(b, VM_TABLE_ENTRY, 6, rows, r -> new Integer32(operState(r.vm().state())));
        column(b, VM_TABLE_ENTRY, 7, rows, r -> new Integer32(!r.vm().persistent() ? 1 : r.vm().autostart() ? 2 : 3));
        column(b, VM_TABLE_ENTRY, 8, rows, r -> new Integer32(r.vm().persistent() ? 2 : 3));
        column(b, VM_TABLE_ENTRY, 9, rows, r -> new Integer32(r.vm().vcpus()));
        column(b, VM_TABLE_ENTRY, 10, rows, r -> new Integer32(-1));
        column(b, VM_TABLE_ENTRY, 11, rows, r -> new Integer32(-1));
        column(b, VM_TABLE_ENTRY, 12, rows, r -> new Integer32(1024));
        column(b, VM_TABLE_ENTRY, 13, rows, r -> new Integer32(clampInt(r.vm().memoryBytes() / 1024)));
        column(b, VM_TABLE_ENTRY, 14, rows, r -> new Integer32(-1));
        column(b, VM_TABLE_ENTRY, 15, rows, r -> new Integer32(clampInt(r.vm().maxMemoryBytes() / 1024)));
        column(b, VM_TABLE_ENTRY, 16, rows, r -> new TimeTicks(Math.min(0xFFFFFFFFL, r.vm().uptimeSeconds() * 100)));
        column(b, VM_TABLE_ENTRY, 17, rows, r -> new Counter64(Math.max(0, r.vm().cpuTimeNanos() / 1000)));

        // vmCpuTable: one row per vCPU of each running VM; its core time in microseconds.
        int[] cpuEntry = VM_CPU_ENTRY.getValue();
        for (Row r : rows) {
            List<Long> times = r.vm().vcpuTimesNanos();
            for (int c = 0; c < times.size(); c++) {
                b.add(cpuEntry, new int[]{2, r.index(), c + 1},
                        new Counter64(Math.max(0, times.get(c) / 1000)));
            }
        }

        // vmStorageTable: one row per disk.
        int[] storageEntry = VM_STORAGE_ENTRY.getValue();
        for (int col = 3; col <= 18; col++) {
            for (Row r : rows) {
                List<VmObservation.Disk> disks = r.vm().disks();
                for (int d = 0; d < disks.size(); d++) {
                    b.add(storageEntry, new int[]{col, r.index(), d + 1},
                            storageColumn(col, disks.get(d), disks.size() == 1 ? r.vm().diskCapacityBytes() : -1));
                }
            }
        }

        // vmNetworkTable: one row per interface.
        int[] networkEntry = VM_NETWORK_ENTRY.getValue();
        for (int col = 2; col <= 5; col++) {
            for (Row r : rows) {
                List<VmObservation.Nic> nics = r.vm().nics();
                for (int n = 0; n < nics.size(); n++) {
                    b.add(networkEntry, new int[]{col, r.index(), n + 1}, networkColumn(col, nics.get(n)));
                }
            }
        }
    }

    private static final long MIB = 1024 * 1024;

    private static Variable storageColumn(int col, VmObservation.Disk d, long capacityBytes) {
        long defined = capacityBytes >= 0 ? capacityBytes : d.capacityBytes();
        return switch (col) {
            case 3 -> new Integer32(0);
            case 4 -> new Integer32(switch (d.format()) {
                case "raw" -> 4;
                case "qcow2" -> 5;
                case "" -> 1;
                default -> 2;
            });
            case 5 -> str(d.format());
            case 6 -> str(d.source());
            case 7 -> new Integer32(2);
            case 8 -> new Integer32(3);
            case 9 -> str(d.bus());
            case 10 -> new Integer32((int) MIB);
            case 11 -> new Integer32(defined < 0 ? -1 : clampInt(defined / MIB));
            // RFC 7666: for raw and block storage the allocated size equals the defined size.
            case 12 -> new Integer32(defined < 0 || !"raw".equals(d.format()) ? -1 : clampInt(defined / MIB));
            case 13 -> counter(d.readRequests());
            case 14 -> counter(d.writeRequests());
            case 15 -> counter(d.readBytes());
            case 16 -> counter(d.writeBytes());
            default -> new Counter64(0);
        };
    }

    private static Variable networkColumn(int col, VmObservation.Nic n) {
        return switch (col) {
            case 2, 3 -> new Integer32(0);
            case 4 -> str(n.model());
            default -> new OctetString(mac(n.mac()));
        };
    }

    private static void federaMrMib(OidView.Builder b, HostSnapshot s, List<Row> rows) {
        var id = s.identity();
        Variable[] host = {
            str(id.hostId()),
            str(id.site()),
            truth(id.offsite()),
            new UnsignedInteger32(id.securityLevel()),
            str(String.join(",", id.runtimes())),
            new UnsignedInteger32(s.cpus()),
            new UnsignedInteger32(s.cpuMhz()),
            new Gauge32(Math.max(0, s.vcpusAllocated())),
            new UnsignedInteger32(unsigned(s.memoryBytes() / MIB)),
            new Gauge32(unsigned(s.memoryAllocatedBytes() / MIB)),
            new UnsignedInteger32(unsigned(s.storageBytes() >> 30)),
            new Gauge32(unsigned(s.storageAllocatedBytes() >> 30)),
            new UnsignedInteger32(unsigned(s.networkBitsPerSecond() / 1_000_000)),
            new Gauge32(unsigned((long) (s.networkUsedBitsPerSecond() / 1000))),
            str(id.costRates().currency()),
            decimal(id.costRates().perCpuSecond()),
            decimal(id.costRates().perStorageGiBHour()),
            decimal(id.costRates().perNetworkGB()),
            decimal(id.costRates().perNetworkPacket()),
            new Gauge32(s.vms().size()),
            str(id.agentVersion()),
        };
        for (int i = 0; i < host.length; i++) {
            b.add(new OID(FEDERA_HOST).append(i + 1).append(0), host[i]);
        }
        column(b, FEDERA_VM_ENTRY, 2, rows, r -> new OctetString(uuidBytes(r.vm().uuid())));
        column(b, FEDERA_VM_ENTRY, 3, rows, r -> str(r.vm().name()));
        column(b, FEDERA_VM_ENTRY, 4, rows, r -> str(r.vm().application()));
        column(b, FEDERA_VM_ENTRY, 5, rows, r -> str(r.vm().service()));
        column(b, FEDERA_VM_ENTRY, 6, rows, r -> new Integer32(federaState(r.vm().state())));
        column(b, FEDERA_VM_ENTRY, 7, rows, r -> new Gauge32(Math.round(r.vm().cpuLoadRatio() * 10_000)));
        column(b, FEDERA_VM_ENTRY, 8, rows, r -> truth(r.vm().loadSimulated()));
        column(b, FEDERA_VM_ENTRY, 9, rows, r -> new UnsignedInteger32(unsigned(Math.max(0, r.vm().diskCapacityBytes()) >> 30)));
        column(b, FEDERA_VM_ENTRY, 10, rows, r -> new Gauge32(unsigned((long) (r.vm().networkReceiveBytesPerSecond() * 8 / 1000))));
        column(b, FEDERA_VM_ENTRY, 11, rows, r -> new Gauge32(unsigned((long) (r.vm().networkTransmitBytesPerSecond() * 8 / 1000))));
        column(b, FEDERA_VM_ENTRY, 12, rows, r -> new TimeTicks(Math.min(0xFFFFFFFFL, r.vm().uptimeSeconds() * 100)));
    }

    private static void column(OidView.Builder b, OID entry, int col, List<Row> rows, Function<Row, Variable> value) {
        int[] prefix = entry.getValue();
        for (Row r : rows) {
            b.add(prefix, new int[]{col, r.index()}, value.apply(r));
        }
    }

    static OctetString str(String s) {
        return new OctetString(s == null ? "" : s);
    }

    private static Integer32 truth(boolean b) {
        return new Integer32(b ? 1 : 2);
    }

    private static OctetString decimal(double v) {
        return new OctetString(BigDecimal.valueOf(v).stripTrailingZeros().toPlainString());
    }

    private static Variable counter(long v) {
        return new Counter64(Math.max(0, v));
    }

    private static int clampInt(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    private static long unsigned(long v) {
        return Math.max(0, Math.min(0xFFFFFFFFL, v));
    }

    /** The UUID's 16 octets (UUIDorZero), or none if the text is not a UUID. */
    public static byte[] uuidBytes(String uuid) {
        try {
            UUID u = UUID.fromString(uuid);
            return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    private static byte[] mac(String text) {
        if (text == null || !text.matches("([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}")) {
            return new byte[0];
        }
        byte[] out = new byte[6];
        String[] parts = text.split(":");
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }
}
