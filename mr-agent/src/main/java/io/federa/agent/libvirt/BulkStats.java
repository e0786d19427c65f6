package io.federa.agent.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * libvirt's bulk domain statistics ({@code virConnectGetAllDomainStats}, the call libvirt's own
 * exporters use), which libvirt-java 0.5.3 lacks, bound through JNA on the agent's own
 * connection: one round trip for the state, CPU, memory, vCPU, disk and network counters of
 * every domain, instead of four or more calls a domain.
 */
final class BulkStats {
    /** The few libvirt functions libvirt-java does not bind. */
    interface Virt extends Library {
        int virConnectGetAllDomainStats(Pointer conn, int stats, PointerByReference ret, int flags);

        void virDomainStatsRecordListFree(Pointer records);

        int virDomainGetUUIDString(Pointer dom, byte[] buf);

        String virDomainGetName(Pointer dom);

        int virDomainGetID(Pointer dom);

        String virGetLastErrorMessage();
    }

    private static final Virt VIRT = Native.load("virt", Virt.class);

    // virDomainStatsTypes
    private static final int STATE = 1;
    private static final int CPU_TOTAL = 2;
    private static final int BALLOON = 4;
    private static final int VCPU = 8;
    private static final int INTERFACE = 16;
    private static final int BLOCK = 32;
    static final int ALL = STATE | CPU_TOTAL | BALLOON | VCPU | INTERFACE | BLOCK;

    /*
     * struct _virTypedParameter { char field[80]; int type; union { ... long long l; char *s; } value; }:
     * the union is 8-byte aligned, so it starts at 88 and the struct takes 96 bytes.
     * struct _virDomainStatsRecord { virDomainPtr dom; virTypedParameterPtr params; int nparams; }.
     */
    private static final int FIELD_LENGTH = 80;
    private static final int VALUE_OFFSET = 88;
    private static final int PARAM_SIZE = 96;

    private BulkStats() {
    }

    /** One domain's statistics, its parameters by name (numbers as Long or Double, flags as Boolean, text as String). */
    record Record(String uuid, String name, int id, Map<String, Object> params) {
        Record {
            params = Map.copyOf(params);
        }

        /** A counter or number, -1 when libvirt did not report it. */
        long number(String key) {
            Object v = params.get(key);
            if (v instanceof Long l) {
                return l;
            }
            if (v instanceof Double d) {
                return d.longValue();
            }
            return -1;
        }

        String text(String key) {
            Object v = params.get(key);
            return v instanceof String s ? s : "";
        }
    }

    /** A libvirt-java connection whose handle the JNA calls can use. */
    static final class Connection extends Connect {
        Connection(String uri) throws LibvirtException {
            super(uri);
        }

        Pointer handle() {
            return vcp.getPointer();
        }
    }

    /** Every domain's statistics of the kinds in {@code stats}, active and inactive, in one call. */
    static List<Record> read(Connection conn, int stats) {
        PointerByReference ref = new PointerByReference();
        int n = VIRT.virConnectGetAllDomainStats(conn.handle(), stats, ref, 0);
        if (n < 0) {
            String why = VIRT.virGetLastErrorMessage();
            throw new IllegalStateException("libvirt's bulk domain statistics failed: " + (why == null ? "no reason given" : why));
        }
        Pointer list = ref.getValue();
        List<Record> out = new ArrayList<>(n);
        if (list == null) {
            return out;
        }
        try {
            for (int i = 0; i < n; i++) {
                Pointer rec = list.getPointer((long) i * Native.POINTER_SIZE);
                if (rec == null) {
                    break;
                }
                out.add(record(rec));
            }
        } finally {
            VIRT.virDomainStatsRecordListFree(list);
        }
        return out;
    }

    private static Record record(Pointer rec) {
        Pointer dom = rec.getPointer(0);
        Pointer params = rec.getPointer(Native.POINTER_SIZE);
        int count = rec.getInt(2L * Native.POINTER_SIZE);
        byte[] uuid = new byte[37];
        if (VIRT.virDomainGetUUIDString(dom, uuid) < 0) {
            throw new IllegalStateException("libvirt gave a domain without a UUID in its statistics");
        }
        Map<String, Object> values = new HashMap<>(count * 2);
        for (int j = 0; j < count && params != null; j++) {
            long off = (long) j * PARAM_SIZE;
            byte[] field = params.getByteArray(off, FIELD_LENGTH);
            int end = 0;
            while (end < FIELD_LENGTH && field[end] != 0) {
                end++;
            }
            String name = new String(field, 0, end, StandardCharsets.US_ASCII);
            long at = off + VALUE_OFFSET;
            Object v = switch (params.getInt(off + FIELD_LENGTH)) {
                case 1 -> (long) params.getInt(at);
                case 2 -> Integer.toUnsignedLong(params.getInt(at));
                case 3, 4 -> params.getLong(at);
                case 5 -> params.getDouble(at);
                case 6 -> params.getByte(at) != 0;
                case 7 -> {
                    Pointer s = params.getPointer(at);
                    yield s == null ? "" : s.getString(0, StandardCharsets.UTF_8.name());
                }
                default -> null;
            };
            if (v != null) {
                values.put(name, v);
            }
        }
        return new Record(new String(uuid, 0, 36, StandardCharsets.US_ASCII), VIRT.virDomainGetName(dom),
                VIRT.virDomainGetID(dom), values);
    }
}
