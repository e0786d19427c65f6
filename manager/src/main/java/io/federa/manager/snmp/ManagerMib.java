package io.federa.manager.snmp;

import io.federa.common.snmp.FederaOids;
import io.federa.common.snmp.OidView;
import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.events.InventoryChanges;
import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.placement.HostCosts;
import io.federa.manager.core.scaling.ScalingDecision;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.ServiceSpec;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * What a management station sees of the manager: FEDERA-MANAGER-MIB (mibs/FEDERA-MANAGER-MIB.txt)
 * built from one {@link Inputs}, every value read from what the manager already computed (the
 * service view, the availability history, the inventory, the lifecycle's records). Pure: the same
 * inputs give the same view. Rows are indexed by name, so a row keeps its index across restarts.
 */
public final class ManagerMib {
    /** federaMgrObjects. */
    public static final OID OBJECTS = new OID(FederaOids.MANAGER_MIB).append(1);
    static final OID SCALARS = new OID(OBJECTS).append(1);
    static final OID SERVICE_ENTRY = new OID(OBJECTS).append("2.1");
    static final OID HOST_ENTRY = new OID(OBJECTS).append("3.1");
    static final OID APP_ENTRY = new OID(OBJECTS).append("4.1");
    static final OID INSTANCE_ENTRY = new OID(OBJECTS).append("5.1");
    /**
     * federaMgrNotifications: federaMgrServiceStateChanged .1, federaMgrHostLost .2, federaMgrHostFound .3,
     * federaMgrMigrationFinished .4, federaMgrMigrationStuck .5, federaMgrScalingDecided .6.
     */
    public static final OID NOTIFICATIONS = new OID(FederaOids.MANAGER_MIB).append(0);
    static final int SERVICE_STATE_CHANGED = 1;
    static final int HOST_LOST = 2;
    static final int HOST_FOUND = 3;
    static final int MIGRATION_FINISHED = 4;
    static final int MIGRATION_STUCK = 5;
    static final int SCALING_DECIDED = 6;
    static final int VMS_FENCED = 7;
    /** federaMgrNotifyObjects: what notifications carry beyond the tables, instance .0. */
    static final OID NOTIFY_OBJECTS = new OID(OBJECTS).append(6);
    static final OID NOTIFY_PREVIOUS_STATE = notifyObject(1);
    static final OID NOTIFY_MIGRATION_ID = notifyObject(2);
    static final OID NOTIFY_VM = notifyObject(3);
    static final OID NOTIFY_SERVICE = notifyObject(4);
    static final OID NOTIFY_APPLICATION = notifyObject(5);
    static final OID NOTIFY_SOURCE = notifyObject(6);
    static final OID NOTIFY_DESTINATION = notifyObject(7);
    static final OID NOTIFY_PHASE = notifyObject(8);
    static final OID NOTIFY_REASON = notifyObject(9);
    static final OID NOTIFY_INSTANCES_FROM = notifyObject(10);
    static final OID NOTIFY_INSTANCES_TO = notifyObject(11);
    static final OID NOTIFY_VM_COUNT = notifyObject(12);
    /** The windows of federaMgrServiceAvail1h, 1d, 30d, in ms (the metrics' and the API's). */
    static final long[] WINDOWS = {3_600_000L, 86_400_000L, 30 * 86_400_000L};
    private static final int TEXT_MAX = 255;
    private static final int TRUE = 1;
    private static final int FALSE = 2;

    /** The history's answers: availability ratios and when a service last changed state. */
    public interface Availability {
        /** The share (0–1) of the window during which the service was meant to run that it was not DOWN. */
        double ratio(String service, long nowMillis, long windowMillis);

        /** When the service last changed state, if the history has it. */
        OptionalLong lastChangeMillis(String service);
    }

    /**
     * One moment of the manager.
     *
     * @param leaseEnds the latest time each agent's lease may hold, for the agents that hold one
     * @param networkLoadRatio placement's, for the hosts' cost per hour ({@link HostCosts})
     */
    public record Inputs(String version, String name, boolean leading, long term, Catalog catalog, ServiceView view,
                         Map<String, DesiredState> desired, Availability availability, InventorySnapshot inventory,
                         Set<String> cordoned, Map<String, Long> leaseEnds, Collection<ManagedInstance> instances,
                         long nowMillis, double networkLoadRatio) {
    }

    private ManagerMib() {
    }

    private record Row(OID index, Variable[] values) {
    }

    public static OidView build(Inputs in, long sequence) {
        return build(in, sequence, null);
    }

    /**
     * The same, reusing the OID objects of {@code previous} (may be null) wherever the same
     * instance comes at the same place, as they mostly do from one view to the next.
     */
    public static OidView build(Inputs in, long sequence, OidView previous) {
        OidView.Builder b = new OidView.Builder(previous);
        b.add(new OID(SCALARS).append("1.0"), text(in.version()));
        b.add(new OID(SCALARS).append("2.0"), text(in.name()));
        b.add(new OID(SCALARS).append("3.0"), truth(in.leading()));
        b.add(new OID(SCALARS).append("4.0"), new UnsignedInteger32(Math.max(0, Math.min(0xFFFFFFFFL, in.term()))));
        table(b, SERVICE_ENTRY, 2, services(in));
        table(b, HOST_ENTRY, 2, hosts(in));
        table(b, APP_ENTRY, 2, applications(in));
        table(b, INSTANCE_ENTRY, 2, instances(in));
        return b.build(sequence);
    }

    private static List<Row> services(Inputs in) {
        List<Row> rows = new ArrayList<>();
        if (in.catalog() == null) {
            return rows;
        }
        for (ServiceSpec s : in.catalog().services().values()) {
            Optional<ServiceView.Service> v = in.view().service(s.name());
            Variable[] values = new Variable[9];
            values[0] = text(s.description());
            values[1] = new Integer32(in.desired().getOrDefault(s.name(), DesiredState.STOPPED) == DesiredState.STARTED ? 2 : 1);
            values[2] = new Integer32(v.flatMap(ServiceView.Service::state).map(ManagerMib::state).orElse(1));
            values[3] = text(String.join("; ", v.map(ServiceView.Service::reasons)
                    .orElse(List.of("not in the service view yet: defined since its last interval"))));
            for (int w = 0; w < WINDOWS.length; w++) {
                values[4 + w] = new UnsignedInteger32(thousandthsOfPercent(in.availability().ratio(s.name(), in.nowMillis(), WINDOWS[w])));
            }
            values[7] = dateAndTime(in.availability().lastChangeMillis(s.name()));
            values[8] = truth(v.map(ServiceView.Service::judged).orElse(false));
            rows.add(new Row(index(s.name()), values));
        }
        return rows;
    }

    /** federaMgrServiceState: unknown(1) up(2) degraded(3) down(4) stopped(5). */
    static int state(ServiceAvailability.State s) {
        return switch (s) {
            case UP -> 2;
            case DEGRADED -> 3;
            case DOWN -> 4;
            case STOPPED -> 5;
        };
    }

    /**
     * federaMgrServiceStateChanged's varbinds: the service's new state and reasons (its row's
     * instances of federaMgrServiceState and federaMgrServiceReason) and the state before.
     */
    public static VariableBinding[] serviceStateChanged(String service, ServiceAvailability now,
                                                        Optional<ServiceAvailability.State> before) {
        OID index = index(service);
        return new VariableBinding[] {
            new VariableBinding(new OID(SERVICE_ENTRY).append(4).append(index), new Integer32(state(now.state()))),
            new VariableBinding(NOTIFY_PREVIOUS_STATE, new Integer32(before.map(ManagerMib::state).orElse(1))),
            new VariableBinding(new OID(SERVICE_ENTRY).append(5).append(index), text(String.join("; ", now.reasons()))),
        };
    }

    private static OID notifyObject(int n) {
        return new OID(FederaOids.MANAGER_MIB).append(1).append(6).append(n).append(0);
    }

    /**
     * federaMgrMigrationFinished's and federaMgrMigrationStuck's varbinds: which move (its id, the
     * VM, its service), from where to where (the destination "-" when none was chosen), the phase
     * it ended or sticks in, and why (for a finished move, its last note; for a stuck one, what
     * makes it stuck).
     */
    public static VariableBinding[] migration(Migration m, String reason) {
        return new VariableBinding[] {
            new VariableBinding(NOTIFY_MIGRATION_ID, text(m.id())),
            new VariableBinding(NOTIFY_VM, text(m.vm())),
            new VariableBinding(NOTIFY_SERVICE, text(m.service())),
            new VariableBinding(NOTIFY_SOURCE, text(m.source())),
            new VariableBinding(NOTIFY_DESTINATION, text(m.destinationOrNone())),
            new VariableBinding(NOTIFY_PHASE, text(m.phase().word())),
            new VariableBinding(NOTIFY_REASON, text(reason)),
        };
    }

    /**
     * federaMgrVmsFenced's varbinds: the agent's host id (its row's federaMgrHostId, so the index
     * names the agent), how many managed VMs it powered off, and the reason of the latest fencing.
     */
    public static VariableBinding[] vmsFenced(InventoryChanges.Fenced f) {
        return new VariableBinding[] {
            new VariableBinding(new OID(HOST_ENTRY).append(2).append(index(f.agent())), text(f.hostId())),
            new VariableBinding(NOTIFY_VM_COUNT, new UnsignedInteger32(Math.max(0, Math.min(0xFFFFFFFFL, f.count())))),
            new VariableBinding(NOTIFY_REASON, text(f.reason())),
        };
    }

    /** federaMgrScalingDecided's varbinds: the service and application, instances from and to, and why. */
    public static VariableBinding[] scaling(ScalingDecision d) {
        return new VariableBinding[] {
            new VariableBinding(NOTIFY_SERVICE, text(d.service())),
            new VariableBinding(NOTIFY_APPLICATION, text(d.application())),
            new VariableBinding(NOTIFY_INSTANCES_FROM, new UnsignedInteger32(Math.max(0, d.from()))),
            new VariableBinding(NOTIFY_INSTANCES_TO, new UnsignedInteger32(Math.max(0, d.to()))),
            new VariableBinding(NOTIFY_REASON, text(d.why())),
        };
    }

    /** federaMgrHostLost's and federaMgrHostFound's varbinds: the agent's host id and reachability, by agent name. */
    public static VariableBinding[] hostReachability(String agent, String hostId, boolean reachable) {
        OID index = index(agent);
        return new VariableBinding[] {
            new VariableBinding(new OID(HOST_ENTRY).append(2).append(index), text(hostId)),
            new VariableBinding(new OID(HOST_ENTRY).append(3).append(index), new Integer32(reachable ? 2 : 3)),
        };
    }

    private static List<Row> hosts(Inputs in) {
        List<Row> rows = new ArrayList<>();
        Map<String, Double> costs = HostCosts.perHour(in.inventory(), in.catalog(), in.networkLoadRatio());
        for (InventorySnapshot.Entry e : in.inventory().agents().values()) {
            Long leaseEnd = in.leaseEnds().get(e.agent());
            rows.add(new Row(index(e.agent()), new Variable[] {
                text(e.host().map(h -> h.hostId()).orElse("")),
                new Integer32(switch (e.health().state()) {
                    case UNKNOWN -> 1;
                    case REACHABLE -> 2;
                    case UNREACHABLE -> 3;
                }),
                truth(e.host().map(h -> in.cordoned().contains(h.hostId())).orElse(false)),
                text(e.host().map(h -> h.site()).orElse("")),
                truth(e.host().map(h -> h.offsite()).orElse(false)),
                new UnsignedInteger32(e.host().map(h -> Math.max(0, h.securityLevel())).orElse(0)),
                new Gauge32(e.vms().size()),
                truth(leaseEnd != null),
                new Integer32(leaseEnd == null ? 0 : clampInt(Math.floorDiv(leaseEnd - in.nowMillis(), 1000L))),
                new Gauge32(e.host().map(h -> Math.min(0xFFFFFFFFL, h.fencedVms())).orElse(0L)),
                decimal(costs.getOrDefault(e.agent(), 0.0)),
            }));
        }
        return rows;
    }

    private static List<Row> applications(Inputs in) {
        Map<String, ServiceView.Application> apps = new LinkedHashMap<>();
        for (ServiceView.Service s : in.view().services().values()) {
            for (ServiceView.Application a : s.applications()) {
                apps.putIfAbsent(a.name(), a);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (ServiceView.Application a : apps.values()) {
            rows.add(new Row(index(a.name()), new Variable[] {
                new Gauge32(Math.max(0, a.headcount().running())),
                new Gauge32(Math.max(0, a.headcount().wanted())),
                new Gauge32(Math.max(0, a.headcount().minAvailable())),
            }));
        }
        return rows;
    }

    private static List<Row> instances(Inputs in) {
        Map<String, VmStatus> vms = new LinkedHashMap<>();
        for (VmStatus v : in.inventory().vms()) {
            vms.putIfAbsent(v.host() + "/" + v.name(), v);
        }
        List<Row> rows = new ArrayList<>();
        for (ManagedInstance i : in.instances()) {
            VmStatus vm = vms.get(i.host() + "/" + i.name());
            rows.add(new Row(index(i.name()), new Variable[] {
                text(i.application()),
                text(i.host()),
                new OctetString(vm == null ? new byte[0] : uuidBytes(vm.uuid())),
                new UnsignedInteger32(Math.max(0, Math.min(0xFFFFFFFFL, i.epoch()))),
                text(vm == null ? "" : vm.state()),
            }));
        }
        return rows;
    }

    /** Adds a table column by column, rows in index order (as SNMP orders them), from column {@code firstColumn}. */
    private static void table(OidView.Builder b, OID entry, int firstColumn, List<Row> rows) {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(Row::index));
        // Two rows of one index (a name twice) would break the view's order: the first one stays.
        List<Row> unique = new ArrayList<>();
        for (Row r : sorted) {
            if (unique.isEmpty() || !unique.get(unique.size() - 1).index().equals(r.index())) {
                unique.add(r);
            }
        }
        if (unique.isEmpty()) {
            return;
        }
        int[] prefix = entry.getValue();
        int columns = unique.get(0).values().length;
        for (int c = 0; c < columns; c++) {
            for (Row r : unique) {
                int[] suffix = new int[1 + r.index().size()];
                suffix[0] = firstColumn + c;
                System.arraycopy(r.index().getValue(), 0, suffix, 1, r.index().size());
                b.add(prefix, suffix, r.values()[c]);
            }
        }
    }

    /** A name as a table index: its length, then its octets (an OCTET STRING index, not IMPLIED). */
    static OID index(String name) {
        byte[] octets = name.getBytes(StandardCharsets.UTF_8);
        int[] sub = new int[octets.length + 1];
        sub[0] = octets.length;
        for (int i = 0; i < octets.length; i++) {
            sub[i + 1] = octets[i] & 0xff;
        }
        return new OID(sub);
    }

    /** FederaText: UTF-8, cut to 255 octets on a character boundary. */
    static OctetString text(String s) {
        String t = s == null ? "" : s;
        byte[] octets = t.getBytes(StandardCharsets.UTF_8);
        if (octets.length <= TEXT_MAX) {
            return new OctetString(octets);
        }
        int end = TEXT_MAX;
        while (end > 0 && (octets[end] & 0xC0) == 0x80) {
            end--;
        }
        byte[] cut = new byte[end];
        System.arraycopy(octets, 0, cut, 0, end);
        return new OctetString(cut);
    }

    private static Integer32 truth(boolean b) {
        return new Integer32(b ? TRUE : FALSE);
    }

    /** FederaDecimal: a number as plain ASCII digits, rounded to six decimals ("0.0504", "0"). */
    static OctetString decimal(double v) {
        if (!Double.isFinite(v)) {
            return new OctetString("0");
        }
        return new OctetString(java.math.BigDecimal.valueOf(v).setScale(6, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString());
    }

    /** FederaAvailability: a ratio 0–1 in thousandths of a percent, rounded. */
    static long thousandthsOfPercent(double ratio) {
        if (Double.isNaN(ratio)) {
            return 0;
        }
        return Math.max(0, Math.min(100_000, Math.round(ratio * 100_000)));
    }

    /** DateAndTime (SNMPv2-TC) in UTC, 8 octets; all zero when unknown. */
    static OctetString dateAndTime(OptionalLong millis) {
        if (millis.isEmpty()) {
            return new OctetString(new byte[8]);
        }
        ZonedDateTime t = Instant.ofEpochMilli(millis.getAsLong()).atZone(ZoneOffset.UTC);
        return new OctetString(new byte[] {
            (byte) (t.getYear() >> 8), (byte) t.getYear(), (byte) t.getMonthValue(), (byte) t.getDayOfMonth(),
            (byte) t.getHour(), (byte) t.getMinute(), (byte) t.getSecond(), (byte) (t.getNano() / 100_000_000)});
    }

    private static byte[] uuidBytes(String uuid) {
        try {
            UUID u = UUID.fromString(uuid);
            return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
        } catch (IllegalArgumentException | NullPointerException e) {
            return new byte[0];
        }
    }

    private static int clampInt(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }
}
